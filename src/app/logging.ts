import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Logs for people at a terminal (pino-pretty: one coloured line per entry), JSON lines for everything
 * else (files, containers, log shippers). Decided by whether stdout is a terminal; tests and `docker
 * compose` get JSON.
 */
export function prettyTransport(isTty = process.stdout.isTTY === true): Params['pinoHttp'] {
  return isTty
    ? {
        transport: {
          target: 'pino-pretty',
          options: {
            colorize: true,
            translateTime: 'SYS:HH:MM:ss.l',
            singleLine: true,
            ignore: 'pid,hostname,context,req,res,responseTime',
            messageFormat:
              '{if context}[{context}] {end}{msg}{if req} {req.method} {req.url} {res.statusCode} {responseTime} ms{end}',
          },
        },
      }
    : {};
}

/** Structured logs; every line of a request carries its id. Never logs bodies, tokens or e-mail. */
export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      ...prettyTransport(),
      level: config.LOG_LEVEL,
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customAttributeKeys: { reqId: 'reqId' },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
      serializers: {
        req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug',
    },
  };
}
