import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
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

/** How the router words a path segment that does not percent-decode to UTF-8. */
const UNDECODABLE = 'Failed to decode param';

/**
 * A request refused before any handler ran names what was wrong: `path` for a segment that does not
 * decode, `body` for what body-parser refused (malformed JSON, not decompressible, charset, size).
 */
function requestFault(status: number, detail: string, fromBodyParser: boolean): Partial<ProblemDetails> {
  const field = detail.startsWith(UNDECODABLE) ? 'path' : fromBodyParser ? 'body' : undefined;
  return field && BODY_STATUSES.has(status) ? { errors: [{ field, message: detail }] } : {};
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
    return {
      problem: {
        type: status === 404 ? 'urn:microcred:problem:not-found' : `urn:microcred:problem:http-${status}`,
        title: TITLES[status] ?? 'Error',
        status,
        detail,
        // The adapter hands body-parser's errors and the router's on as HttpExceptions with a cause.
        ...requestFault(status, detail, exception.cause !== undefined),
      },
    };
  }
  // body-parser and friends throw plain errors with a status (413 too large, 400 malformed JSON, 415 charset).
  const e = exception as
    { status?: unknown; statusCode?: unknown; type?: unknown; message?: unknown } | undefined;
  const status =
    typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 0;
  if (status >= 400 && status < 500) {
    const detail =
      e?.type === 'entity.too.large'
        ? 'Request body exceeds the 1 MB limit'
        : e?.type === 'entity.parse.failed'
          ? 'Request body is not valid JSON'
          : typeof e?.message === 'string'
            ? e.message
            : 'Bad request';
    return {
      problem: {
        type:
          status === 413 ? 'urn:microcred:problem:payload-too-large' : `urn:microcred:problem:http-${status}`,
        title: TITLES[status] ?? 'Error',
        status,
        detail,
        // body-parser's own errors carry a `type` (entity.parse.failed, encoding.unsupported, …).
        ...requestFault(status, detail, typeof e?.type === 'string'),
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
const requestFields = (req: Request | undefined) =>
  req && { reqId: req.id, method: req.method, url: loggableUrl(req.originalUrl ?? req.url ?? '') };

/** The one place where errors become HTTP: every response error is application/problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const { problem, headers } = toProblem(exception);
    if (problem.status === 500) {
      const err = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error({ err, ...requestFields(req), status: problem.status }, 'request failed');
    } else if (problem.status === 503 && !(exception instanceof DomainError)) {
      this.logger.warn({ ...requestFields(req), err: (exception as Error)?.message }, 'database unavailable');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}
