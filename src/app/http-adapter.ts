import type { IncomingMessage } from 'node:http';
import { HttpException } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { toProblem } from '../common/problem-details.filter.js';
import type { AppConfig } from '../config/app-config.js';
import { requestIdFor, requestLogMiddleware } from './request-log.middleware.js';

/** Request bodies over 1 MB are refused with 413 (the OpenAPI document says so on every change). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The HTTP server under Nest: Fastify rather than Express, for its lower cost per request (README,
 * "Benchmarks"). Routing keeps what clients of the Express build relied on: paths match in any letter
 * case and with a trailing slash, and the caller's X-Request-Id (when it is a plain token) is the id.
 */
export function createHttpAdapter(config: Pick<AppConfig, 'TRUST_PROXY'>): FastifyAdapter {
  let logRequest: ReturnType<typeof requestLogMiddleware> | undefined;
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxyOf(config.TRUST_PROXY),
    // Node's own limit for receiving a whole request, which Fastify would otherwise switch off.
    requestTimeout: 300_000,
    // Long path parameters reach the handlers' pipes, which name the field (Fastify's default: 100).
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 2048 },
    genReqId: (req: IncomingMessage) => requestIdFor(req.headers['x-request-id']),
    // A URL that does not decode is refused by the router itself, before any hook or Nest filter.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const raw = request.raw as IncomingMessage & { id?: string };
      raw.id = request.id;
      (logRequest ??= requestLogMiddleware(PinoLogger.root))(raw, reply.raw, () => undefined);
      const { problem } = toProblem(
        new HttpException(error.message, error.statusCode ?? 400, { cause: error }),
      );
      void reply
        .status(problem.status)
        .header('X-Request-Id', request.id)
        .header('Cache-Control', 'no-store')
        .type('application/problem+json; charset=utf-8')
        .send(JSON.stringify(problem));
    },
    logger: false,
  });
}

/**
 * TRUST_PROXY as Fastify takes it. A number counts the proxies in front, as Express read it: the
 * client is the address that many hops back in X-Forwarded-For (Fastify reads a bare number as
 * "trust none").
 */
export function trustProxyOf(
  setting: boolean | number,
): boolean | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'boolean') return setting;
  return (_address, hop) => hop < setting;
}

/**
 * The options NestFactory.create() takes beside the adapter. The body parser is ours (json-body.ts):
 * Nest's would answer an empty JSON body with 400.
 */
export const NEST_HTTP_OPTIONS = { bufferLogs: true, bodyParser: false } as const;
