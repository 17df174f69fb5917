import fastifyCookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import { ANONYMOUS_OPERATION, PUBLIC_OPERATION } from '../auth/decorators.js';
import { ProblemDto } from '../common/openapi.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { workflowRegistry } from '../../workflows/registry.js';
import { eventRequestSchema, historyPayloadProperties } from '../workflow/event-payload.js';
import { registerJsonParser } from './json-body.js';
import { noStoreMiddleware } from './no-store.middleware.js';
import { requestLogMiddleware } from './request-log.middleware.js';
import { serveWebApp } from './web-app.js';

/** The package does not export its OpenAPI object types from the root; derive the operation type. */
type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;

/**
 * Everything main.ts and the e2e tests must set up identically on the HTTP application. Hooks, not
 * Express-style middleware: Fastify runs a hook without the middleware layer's per-request work.
 */
export async function configureApp(app: NestFastifyApplication): Promise<OpenAPIObject> {
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  const logRequest = requestLogMiddleware(PinoLogger.root);
  const observe = app.get(MetricsService).httpObserver();
  // First, so that every answer (404s and body errors included) has its id, its log line and no-store.
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw as typeof request.raw & { id?: string };
    raw.id = request.id;
    logRequest(raw, reply.raw, () => undefined);
    noStoreMiddleware(raw, reply.raw, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    observe(request, reply);
    done();
  });
  // JSON under its structured-suffix types too: a verifier posts an export as it was served
  // (application/ld+json), a merge patch may come as application/merge-patch+json.
  registerJsonParser(fastify);
  // Setting cookies only (sign-in); the guards read the one cookie they need from the header.
  await app.register(fastifyCookie, { hook: false });
  await app.register(helmet, {
    // Swagger UI loads its own script and styles from this origin.
    contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'img-src': ["'self'", 'data:'] } },
  });
  const document = buildOpenApi(app);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
  });
  await serveWebApp(app);
  return document;
}

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } };

/**
 * OpenAPI generated from the controllers and DTOs (also without a database: `npm run openapi` writes
 * docs/openapi.json from it). Answers every operation can give (validation, authentication, body
 * size, database outage) are added here once rather than on each handler. Bearer authentication is
 * the document's default; operations marked @Public() declare `security: []`.
 */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('4EU+ micro-credential QA workflow engine')
      .setDescription(
        'Review workflow for micro-credential proposals (draft → partner review → 4EU+QUALITY → agency alignment → approved → published), reminders and per-institution audit logs. Errors are application/problem+json.',
      )
      .setVersion('1')
      // Relative: the API is served by the same origin as this document.
      .addServer('/', 'The service that serves this document')
      .addBearerAuth()
      .addSecurityRequirements('bearer')
      .build(),
    { extraModels: [ProblemDto] },
  );
  // The event request and the history's decision fields come from the workflow definitions' schemas.
  const definitions = workflowRegistry().list();
  const schemas = doc.components!.schemas!;
  schemas.ProposalEventDto = eventRequestSchema(definitions) as (typeof schemas)[string];
  const history = schemas.HistoryEntryDto as { properties?: Record<string, unknown> };
  history.properties = { ...history.properties, ...historyPayloadProperties(definitions) };
  doc.info.license = { name: 'EUPL-1.2', url: 'https://eur-lex.europa.eu/eli/dec_impl/2017/863/oj' };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const op = item[method] as
        (OperationObject & { [PUBLIC_OPERATION]?: boolean; [ANONYMOUS_OPERATION]?: boolean }) | undefined;
      if (!op) continue;
      const isPublic = op[PUBLIC_OPERATION] === true;
      delete op[PUBLIC_OPERATION];
      if (isPublic) op.security = [];
      // A token, or none at all (the empty requirement).
      if (op[ANONYMOUS_OPERATION] === true) op.security = [{ bearer: [] }, {}];
      delete op[ANONYMOUS_OPERATION];
      const add = (status: number, description: string) => {
        op.responses[String(status)] ??= { description, content: PROBLEM };
      };
      if (!path.startsWith('/health')) add(400, 'Malformed or invalid input; `errors` names each field');
      if (!isPublic) add(401, 'Missing, invalid or expired access token');
      if (method !== 'get') add(413, 'Body over 1 MB');
      add(503, 'A backing service is unavailable; nothing was changed');
    }
  }
  return doc;
}
