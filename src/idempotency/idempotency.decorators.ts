import { applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_TTL_HOURS,
  MAX_KEY_LENGTH,
  parseIdempotencyKey,
  requestFingerprint,
} from './idempotency-key.js';
import type { StoredResponse } from './idempotency.repository.js';

/** The key of a request and what the request asks (method, path, body), hashed. */
export interface IdempotencyKeyInfo {
  key: string;
  fingerprint: Buffer;
}

/**
 * The request's Idempotency-Key, or null without the header; a malformed header is a 400 problem
 * naming it. The fingerprint covers the body as parsed from JSON, before any DTO transformation.
 */
export const IdempotencyKey = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): IdempotencyKeyInfo | null => {
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const key = parseIdempotencyKey(req.headers[IDEMPOTENCY_HEADER.toLowerCase()]);
    if (key === null) return null;
    return { key, fingerprint: requestFingerprint(req.method, req.url.split('?')[0], req.body as unknown) };
  },
);

/**
 * Answers a stored response exactly as stored (status and body bytes), the first time as on replays.
 * For handlers with `@Res({ passthrough: true })`.
 */
export function sendStored(res: FastifyReply, stored: StoredResponse): string {
  res.status(stored.status).type('application/json; charset=utf-8');
  return stored.body;
}

/** "A; or b" from the reasons present, as one sentence. */
function reasons(...parts: Array<string | undefined>): string {
  const text = parts.filter(Boolean).join('; or ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } };

/**
 * OpenAPI for an operation that accepts Idempotency-Key: the header, and its 409 and 422 answers next
 * to the operation's own reasons for them (pass those, the decorator documents both).
 */
export const IdempotentOperation = (own: { conflict?: string; unprocessable?: string } = {}) =>
  applyDecorators(
    ApiHeader({
      name: IDEMPOTENCY_HEADER,
      required: false,
      description:
        `Makes a retry safe (IETF httpapi idempotency-key draft): a quoted string ("…", printable ASCII) or a bare token, ` +
        `1..${MAX_KEY_LENGTH} characters, unique per change, e.g. a UUID. The same key from the same user with the same ` +
        `method, path and body within ${IDEMPOTENCY_TTL_HOURS} h answers the first response again (same status and body) ` +
        `and changes nothing. Failed requests are not stored: retrying them runs them again.`,
      schema: { type: 'string', minLength: 1, maxLength: 2 * MAX_KEY_LENGTH + 2 },
    }),
    ApiResponse({
      status: 409,
      description: reasons(
        own.conflict,
        `a request with this ${IDEMPOTENCY_HEADER} is still running (type urn:microcred:problem:idempotency-key-in-use; retry after it)`,
      ),
      content: PROBLEM,
    }),
    ApiResponse({
      status: 422,
      description: reasons(
        own.unprocessable,
        `this ${IDEMPOTENCY_HEADER} was used for another request (type urn:microcred:problem:idempotency-key-reused)`,
      ),
      content: PROBLEM,
    }),
  );
