import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { waitFor } from '../support/redis.js';
import { requestIdFor, requestLogLevel, requestLogMiddleware } from '../../src/app/request-log.middleware.js';

type Line = Record<string, unknown> & { req: Record<string, unknown>; res: { statusCode: number } };

/** A real HTTP server behind the middleware, logging JSON lines into memory. */
async function serve(
  level: pino.Level,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string; lines: Line[] }> {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  // As nestjs-pino's root logger is: with pino-http's serializers for req and res.
  const root = pino({ level, serializers: { req: () => 'raw request', res: () => 'raw response' } }, sink);
  const log = requestLogMiddleware(root);
  const server = createServer((req, res) => log(req, res, () => handler(req, res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

describe('request ids', () => {
  it('keep a plain caller-chosen id and replace anything else with a new UUID', () => {
    expect(requestIdFor('trace-abc.123_x')).toBe('trace-abc.123_x');
    for (const bad of [undefined, '', 'a b', 'x'.repeat(65), '<script>', ['a', 'b']]) {
      expect(requestIdFor(bad)).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  it('are given to the request and answered in X-Request-Id', async () => {
    let seen: string | undefined;
    const s = await serve('info', (req, res) => {
      seen = String(req.id);
      res.end('ok');
    });
    servers.push(s.server);
    const answer = await fetch(s.url, { headers: { 'X-Request-Id': 'trace-1' } });
    expect(answer.headers.get('x-request-id')).toBe('trace-1');
    expect(seen).toBe('trace-1');
  });
});

describe('request logs', () => {
  it('put successes at debug, client errors at info and server errors at error', () => {
    expect(requestLogLevel(200)).toBe('debug');
    expect(requestLogLevel(304)).toBe('debug');
    expect(requestLogLevel(404)).toBe('info');
    expect(requestLogLevel(503)).toBe('error');
  });

  it('log one line a request with its id, method, redacted URL, status and duration, and no headers', async () => {
    const s = await serve('debug', (req, res) => {
      res.statusCode = req.url?.startsWith('/missing') ? 404 : 200;
      res.end('{}');
    });
    servers.push(s.server);
    await fetch(`${s.url}/api/users?email=jan%40cuni.cz&limit=5`, {
      headers: { authorization: 'Bearer secret-token', cookie: 'session=secret', 'X-Request-Id': 'r-1' },
    });
    await fetch(`${s.url}/missing`);
    await waitFor('a request log line', async () => s.lines.length === 2, 2000, 5);
    const [ok, missing] = s.lines;
    expect(ok).toMatchObject({
      level: 20,
      msg: 'request completed',
      reqId: 'r-1',
      req: { id: 'r-1', method: 'GET', url: '/api/users?email=[redacted]&limit=5' },
      res: { statusCode: 200 },
    });
    expect(typeof ok.responseTime).toBe('number');
    expect(missing).toMatchObject({ level: 30, req: { url: '/missing' }, res: { statusCode: 404 } });
    expect(JSON.stringify(s.lines)).not.toMatch(/secret|authorization|cookie/i);
  });

  it('log nothing for a success when the level is info', async () => {
    const s = await serve('info', (req, res) => {
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.end();
    });
    servers.push(s.server);
    await fetch(s.url);
    await fetch(`${s.url}/fail`);
    await waitFor('a request log line', async () => s.lines.length > 0, 2000, 5);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.lines.map((l) => [l.level, l.res.statusCode])).toEqual([[50, 500]]);
  });

  it('call a server error "request errored"', async () => {
    const s = await serve('info', (_req, res) => {
      res.statusCode = 502;
      res.end();
    });
    servers.push(s.server);
    await fetch(s.url);
    await waitFor('a request log line', async () => s.lines.length > 0, 2000, 5);
    expect(s.lines[0]).toMatchObject({ level: 50, msg: 'request errored', res: { statusCode: 502 } });
  });

  it('say so when the client went away before the answer, with where it came from', async () => {
    const s = await serve('debug', () => {
      // Never answers.
    });
    servers.push(s.server);
    const req = request(`${s.url}/slow`);
    req.on('error', () => undefined);
    req.end();
    await new Promise((r) => setTimeout(r, 50));
    req.destroy();
    await waitFor('a request log line', async () => s.lines.length > 0, 2000, 5);
    expect(s.lines).toEqual([
      expect.objectContaining({
        // Level by status, as pino-http had it: nothing was answered, so it is not an error.
        level: 20,
        msg: 'request aborted',
        req: expect.objectContaining({ url: '/slow', remoteAddress: expect.stringMatching(/127\.0\.0\.1/) }),
      }),
    ]);
    s.server.closeAllConnections();
  });
});
