import type { IncomingMessage, ServerResponse } from 'node:http';

/** `/api`, `/api/…` or `/api?…` in any letter case (the router matches /API/… as /api/…). */
export function isApiUrl(url: string): boolean {
  if (url.length < 4 || url.slice(0, 4).toLowerCase() !== '/api') return false;
  return url.length === 4 || url[4] === '/' || url[4] === '?';
}

/**
 * Answers of the API are personal by default (tokens, inboxes, proposals, audit logs): `no-store`
 * keeps them out of the browser's disk cache and out of proxies, so that nothing is left behind on a
 * shared computer after sign-out. Errors included. A handler whose answer may be kept (the public
 * catalogue, the credential exports) sets its own Cache-Control, which replaces this one; the API's
 * documentation is left to Swagger UI's own headers.
 */
export function noStoreMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const url = req.url ?? '';
  if (isApiUrl(url) && !isApiDocsUrl(url)) res.setHeader('Cache-Control', 'no-store');
  next();
}

/** Swagger UI and the OpenAPI document (/api/docs, /api/docs-json, /api/docs-yaml): public, and large. */
export function isApiDocsUrl(url: string): boolean {
  return url.slice(0, 9).toLowerCase() === '/api/docs';
}
