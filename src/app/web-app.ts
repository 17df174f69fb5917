import { existsSync } from 'node:fs';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';

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
export function serveWebApp(app: INestApplication, dist = WEB_DIST): boolean {
  const index = path.join(dist, 'index.html');
  if (!existsSync(index)) return false;
  const files = express.static(dist, {
    index: false,
    redirect: false,
    setHeaders: (res, file) => {
      const hashed = file.startsWith(path.join(dist, 'assets') + path.sep);
      res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // API requests skip the file lookup: it is a stat() system call per request (measured: 4-6% of the
  // API's CPU in bench P7).
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (isServerPath(req.path) && !req.path.startsWith('/assets/')) return next();
    return files(req, res, next);
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isServerPath(req.path)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index, (err) => {
      if (err) next(err);
    });
  });
  return true;
}
