import type { Params } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.js';

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

/**
 * The application's logger (nestjs-pino's Nest logger over pino). Request logs and request ids come
 * from requestLogMiddleware, so nestjs-pino mounts no middleware of its own (`forRoutes: []`).
 * Never logs bodies, tokens or e-mail addresses.
 */
export function loggerParams(config: AppConfig): Params {
  return {
    forRoutes: [],
    pinoHttp: {
      ...prettyTransport(),
      level: config.LOG_LEVEL,
      // Nothing logs headers; should an object holding them ever be logged, these stay out.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
  };
}
