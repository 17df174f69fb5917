import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { loggableUrl } from './loggable-url.js';
import { isDatabaseUnavailable } from '../database/db-errors.js';
import { DomainError, FieldProblem, type DomainErrorCode } from './domain-error.js';

/** The one mapping of domain errors to HTTP: what happened decides the status, never the throw site. */
export const DOMAIN_ERROR_STATUS: Record<DomainErrorCode, number> = {
  'validation-failed': 400,
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'no-roles': 403,
  'cannot-name-deputies': 403,
  'password-login-disabled': 403,
  'not-found': 404,
  'already-decided': 409,
  'domain-taken': 409,
  'email-taken': 409,
  'event-not-allowed': 409,
  'idempotency-key-in-use': 409,
  'institution-exists': 409,
  'last-admin': 409,
  'not-approved': 409,
  'not-editable': 409,
  'oidc-not-configured': 409,
  'password-changed': 409,
  'self-deactivation': 409,
  'own-password': 409,
  'stale-version': 409,
  'unknown-workflow-version': 409,
  'idempotency-key-reused': 422,
  'workflow-rule': 422,
  'too-many-requests': 429,
  'service-unavailable': 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

/** The statuses a request's body or path can earn before any handler runs. */
const BODY_STATUSES = new Set([400, 413, 415]);

/** The server's own refusals of a request before any handler ran, in our words. */
const REQUEST_FAULTS: Record<string, { field: 'body' | 'path'; detail?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { field: 'body', detail: 'Request body is not valid JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { field: 'body', detail: 'Request body exceeds the 1 MB limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { field: 'body', detail: 'Request body must be JSON (application/json)' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { field: 'body' },
  FST_ERR_CTP_INVALID_TYPE: { field: 'body' },
  FST_ERR_BAD_URL: { field: 'path', detail: 'A path segment does not percent-decode to UTF-8' },
  // Our JSON parser's (json-body.ts), worded there.
  MC_BODY_ENCODING: { field: 'body' },
  MC_BODY_CHARSET: { field: 'body' },
};

/** The server's code for a refusal before any handler ran (the cause the adapter passes on), if any. */
function faultCode(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code in REQUEST_FAULTS) return code;
  // The JSON parser's own error: a SyntaxError the server gave a status.
  return cause instanceof SyntaxError ? 'FST_ERR_CTP_INVALID_JSON_BODY' : undefined;
}

/** Builds the problem document for any thrown value. Exported for places outside the HTTP pipeline. */
export function toProblem(exception: unknown): { problem: ProblemDetails; headers?: Record<string, string> } {
  if (exception instanceof DomainError) {
    const status = DOMAIN_ERROR_STATUS[exception.code];
    return {
      problem: {
        type: `urn:microcred:problem:${exception.code}`,
        title: TITLES[status] ?? 'Error',
        status,
        detail: exception.message,
        ...(exception.errors ? { errors: exception.errors } : {}),
        ...(exception.extensions ?? {}),
      },
      headers: exception.headers,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    let detail = exception.message;
    if (typeof body === 'object' && body && 'message' in body) {
      const m = (body as { message: unknown }).message;
      detail = Array.isArray(m) ? m.join('; ') : String(m);
    }
    if (status === 404 && /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/.test(detail))
      detail = 'No such route';
    // The adapter hands the server's refusals (body, URL) on as HttpExceptions with a cause.
    const fault = BODY_STATUSES.has(status) ? faultCode(exception.cause) : undefined;
    if (fault) detail = REQUEST_FAULTS[fault].detail ?? detail;
    return {
      problem: {
        type:
          status === 404
            ? 'urn:microcred:problem:not-found'
            : status === 413
              ? 'urn:microcred:problem:payload-too-large'
              : `urn:microcred:problem:http-${status}`,
        title: TITLES[status] ?? 'Error',
        status,
        detail,
        ...(fault ? { errors: [{ field: REQUEST_FAULTS[fault].field, message: detail }] } : {}),
      },
    };
  }
  // Other errors that carry a client status (a library's own http-errors, say).
  const e = exception as { status?: unknown; statusCode?: unknown; message?: unknown } | undefined;
  const status =
    typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 0;
  if (status >= 400 && status < 500) {
    return {
      problem: {
        type: `urn:microcred:problem:http-${status}`,
        title: TITLES[status] ?? 'Error',
        status,
        detail: typeof e?.message === 'string' ? e.message : 'Bad request',
      },
    };
  }
  if (isDatabaseUnavailable(exception)) {
    return {
      problem: {
        type: 'urn:microcred:problem:service-unavailable',
        title: TITLES[503],
        status: 503,
        detail: 'The database is not reachable right now; nothing was changed. Retry shortly.',
      },
      headers: { 'Retry-After': '2' },
    };
  }
  return {
    problem: {
      type: 'urn:microcred:problem:internal',
      title: TITLES[500],
      status: 500,
      detail: 'Unexpected error; it has been logged with this request id',
    },
  };
}

/**
 * Names the request on the filter's log lines, to read beside its own line (request-log.middleware),
 * which comes when it ends. Only for the lines logged: 4xx answers pay nothing for it.
 */
const requestFields = (req: FastifyRequest | undefined) =>
  req && { reqId: req.id, method: req.method, url: loggableUrl(req.url) };

/** The one place where errors become HTTP: every response error is application/problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<FastifyReply>();
    const req = ctx.getRequest<FastifyRequest>();
    const { problem, headers } = toProblem(exception);
    if (problem.status === 500) {
      const err = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error({ err, ...requestFields(req), status: problem.status }, 'request failed');
    } else if (problem.status === 503 && !(exception instanceof DomainError)) {
      this.logger.warn({ ...requestFields(req), err: (exception as Error)?.message }, 'database unavailable');
    }
    if (res.sent || res.raw.headersSent) {
      if (!res.raw.writableEnded) res.raw.end();
      return;
    }
    // Not an attachment any more (an export that failed before its first byte).
    res.removeHeader('Content-Disposition');
    res.raw.removeHeader('Content-Disposition');
    if (headers) res.headers(headers);
    res.status(problem.status).type('application/problem+json; charset=utf-8').send(JSON.stringify(problem));
  }
}
