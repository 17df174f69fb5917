/** A field-level problem, as it appears in problem+json `errors`. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Every code a DomainError can carry; the exception filter alone maps each to its HTTP status. */
export type DomainErrorCode =
  | 'validation-failed'
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'no-roles'
  | 'cannot-name-deputies'
  | 'password-login-disabled'
  | 'not-found'
  | 'already-decided'
  | 'domain-taken'
  | 'email-taken'
  | 'event-not-allowed'
  | 'idempotency-key-in-use'
  | 'institution-exists'
  | 'last-admin'
  | 'not-approved'
  | 'not-editable'
  | 'oidc-not-configured'
  | 'password-changed'
  | 'self-deactivation'
  | 'own-password'
  | 'stale-version'
  | 'unknown-workflow-version'
  | 'idempotency-key-reused'
  | 'workflow-rule'
  | 'too-many-requests'
  | 'service-unavailable';

/**
 * Every error the service raises on purpose. It carries a stable code (what happened, in domain
 * terms); the one exception filter maps codes to problem+json and HTTP statuses. Services throw these.
 */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
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
  new DomainError('bad-request', message, errors);
export const fieldError = (field: string, message: string) =>
  new DomainError('validation-failed', `${field}: ${message}`, [{ field, message }]);
export const unauthorized = (message = 'Missing or invalid access token') =>
  new DomainError('unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer' });
export const forbidden = (message = 'Your role or institution may not do this') =>
  new DomainError('forbidden', message);
export const notFound = (what: string) => new DomainError('not-found', `${what} not found`);
/** A conflict with the current state; `field` names the input it is about, when one is (a taken e-mail). */
export const conflict = (code: DomainErrorCode, message: string, field?: string) =>
  new DomainError(code, message, field === undefined ? undefined : [{ field, message }]);
export const unprocessable = (code: DomainErrorCode, message: string, errors?: FieldProblem[]) =>
  new DomainError(code, message, errors);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new DomainError('too-many-requests', message, undefined, {
    'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
  });
export const serviceUnavailable = (message: string) => new DomainError('service-unavailable', message);
