import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Where `npm run build --prefix web` writes the browser application (from dist/src/app/ back to the root). */
export const WEB_DIST = path.resolve(__dirname, '..', '..', '..', 'web', 'dist');

/** Paths the application's HTML never answers: the API, health and well-known documents keep their own 404s. */
export function isServerPath(requestPath: string): boolean {
  // Any letter case: the router matches /API/… as /api/…, so the HTML must not answer it first.
  const urlPath = requestPath.toLowerCase();
  return (
    urlPath === '/api' ||
    urlPath.startsWith('/api/') ||
    urlPath === '/health' ||
    urlPath.startsWith('/health/') ||
    urlPath.startsWith('/.well-known/') ||
    urlPath === '/sitemap.xml' ||
    urlPath === '/metrics' ||
    urlPath.startsWith('/assets/')
  );
}

/**
 * Serves the web application (DESIGN.md 10.2) from the API process: hashed files under /assets/ are
 * cached for a year (their names change with their content), everything else revalidates, and any
 * other GET answers index.html so that deep links work. Returns false when the app is not built.
 */
export async function serveWebApp(app: NestFastifyApplication, dist = WEB_DIST): Promise<boolean> {
  if (!existsSync(path.join(dist, 'index.html'))) return false;
  const assets = path.join(dist, 'assets') + path.sep;
  // One route per file of the build, listed once at start (wildcard: false): no file-system lookup
  // for any other request, and a name that is not in the build is not served.
  await app.register(fastifyStatic, {
    root: dist,
    wildcard: false,
    index: false,
    setHeaders: (reply, file) => {
      reply.header(
        'Cache-Control',
        file.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .get('/*', { config: { webApp: true } }, (request, reply) => {
      const urlPath = request.url.split('?')[0];
      if (isServerPath(urlPath)) return reply.callNotFound();
      return reply.header('Cache-Control', 'no-cache').sendFile('index.html');
    });
  return true;
}
