import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { buildOpenApi } from './configure-app.js';
import { createHttpAdapter } from './http-adapter.js';

/**
 * The OpenAPI document of this build, without PostgreSQL or Redis: Nest's preview mode resolves the
 * module graph and reads the controllers' metadata but instantiates no provider, so nothing connects.
 * It is the same buildOpenApi() the running service serves at /api/docs-json.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await NestFactory.create(AppModule.forRoot('api'), createHttpAdapter({ TRUST_PROXY: false }), {
    preview: true,
    logger: false,
  });
  try {
    return buildOpenApi(app);
  } finally {
    await app.close();
  }
}

/** The committed text of docs/openapi.json: stable key order as generated, two-space indent. */
export function serializeOpenApi(doc: OpenAPIObject): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
