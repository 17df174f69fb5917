import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger, Level } from 'pino';
import { loggableUrl } from '../common/loggable-url.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** 5xx are errors, 4xx worth a look, everything else (2xx, 3xx) is detail. */
export function requestLogLevel(statusCode: number): Level {
  return statusCode >= 500 ? 'error' : statusCode >= 400 ? 'info' : 'debug';
}

/** The caller's X-Request-Id when it is a plain token of at most 64 characters, else a new UUID. */
export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Gives every request its id (`req.id`, which the audit log records, and the X-Request-Id answer
 * header) and logs it once when it ends, at the level its status calls for: method, the redacted URL,
 * status and duration, never headers or bodies. A 5xx is "request errored", a client that went away
 * before the answer was written "request aborted", as pino-http wrote them.
 *
 * Hand-written rather than pino-http behind nestjs-pino, which built a child logger for every request
 * and ran the rest of it inside an AsyncLocalStorage; on Node 20 that storage makes every promise
 * dearer. Together about a tenth of the CPU of the cheapest authenticated GET (README, "Benchmarks").
 * A successful request at the default level costs an id and one listener here. Lines logged while a
 * request runs do not carry its id; the exception filter names it on the lines that matter.
 */
export function requestLogMiddleware(root: Logger) {
  // One child for the process: the root logger's own req/res serializers (pino-http's) expect the
  // raw request and response, and these lines carry plain objects already reduced to what may be kept.
  const plain = (value: unknown) => value;
  const logger = root.child({}, { serializers: { req: plain, res: plain } });
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    // The server may have named it already (Fastify's genReqId, by the same rule). `id` is declared
    // on IncomingMessage by pino-http's types (nestjs-pino still builds the root logger with it).
    const id = typeof req.id === 'string' ? req.id : requestIdFor(req.headers['x-request-id']);
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const start = performance.now();
    // Now: once the socket is gone (an aborted request), Node no longer knows the peer.
    const remoteAddress = req.socket?.remoteAddress;
    // 'close' comes once per response: after it finished, or when the client went away first.
    res.once('close', () => {
      const level = requestLogLevel(res.statusCode);
      if (!logger.isLevelEnabled(level)) return;
      // A response the client stopped waiting for never finished writing.
      const aborted = !res.writableFinished;
      logger[level](
        {
          reqId: id,
          req: {
            id,
            method: req.method,
            url: loggableUrl(req.url ?? ''),
            remoteAddress,
          },
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - start),
        },
        aborted ? 'request aborted' : res.statusCode >= 500 ? 'request errored' : 'request completed',
      );
    });
    next();
  };
}
