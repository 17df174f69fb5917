/** A field-level problem, as it appears in problem+json `errors`. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Every error the service raises on purpose. It carries a stable code; the one exception filter maps
 * it to problem+json. Services throw these; nothing else decides HTTP statuses.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly errors?: FieldProblem[],
    readonly headers?: Record<string, string>,
    /** Extension members merged into the problem document (RFC 9457 allows them). */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badRequest = (message: string, errors?: FieldProblem[]) =>
  new DomainError('bad-request', 400, message, errors);
export const fieldError = (field: string, message: string) =>
  new DomainError('validation-failed', 400, `${field}: ${message}`, [{ field, message }]);
export const unauthorized = (message = 'Missing or invalid access token') =>
  new DomainError('unauthorized', 401, message, undefined, { 'WWW-Authenticate': 'Bearer' });
export const forbidden = (message = 'Your role or institution may not do this') =>
  new DomainError('forbidden', 403, message);
export const notFound = (what: string) => new DomainError('not-found', 404, `${what} not found`);
export const conflict = (code: string, message: string) => new DomainError(code, 409, message);
export const unprocessable = (code: string, message: string, errors?: FieldProblem[]) =>
  new DomainError(code, 422, message, errors);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new DomainError('too-many-requests', 429, message, undefined, {
    'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
  });
export const serviceUnavailable = (message: string) => new DomainError('service-unavailable', 503, message);
