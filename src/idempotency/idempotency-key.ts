// The Idempotency-Key header (IETF httpapi idempotency-key draft), pure: parsing and the request
// fingerprint. No Nest, no database, so it is unit-tested on its own.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { DomainError } from '../common/domain-error.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** Longest key accepted (characters after unquoting); longer ones are refused with 400. */
export const MAX_KEY_LENGTH = 255;
/** How long a stored answer is replayed. After that the key is new again. */
export const IDEMPOTENCY_TTL_HOURS = 24;

/** RFC 9110 tchar plus ':' and '/' (as in a structured-field token): keys clients send unquoted, UUIDs included. */
const BARE_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z:/]+$/;

const malformed = (message: string) =>
  new DomainError('validation-failed', `${IDEMPOTENCY_HEADER}: ${message}`, [
    { field: IDEMPOTENCY_HEADER, message },
  ]);

/**
 * A structured-field string (RFC 8941 section 4.2.5): printable ASCII in double quotes, with `\"` and
 * `\\` the only escapes. Returns null when `value` is not one.
 */
function parseSfString(value: string): string | null {
  if (value.length < 2 || value[0] !== '"') return null;
  let out = '';
  for (let i = 1; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') {
      const next = value[++i];
      if (next !== '"' && next !== '\\') return null;
      out += next;
    } else if (c === '"') {
      // The closing quote must end the value (parameters are not part of this header's contract).
      return i === value.length - 1 ? out : null;
    } else {
      const code = c.charCodeAt(0);
      if (code < 0x20 || code > 0x7e) return null;
      out += c;
    }
  }
  return null;
}

/**
 * The key of a request: absent header → null; a quoted sf-string as the draft defines it, or a bare
 * token, 1..255 characters; anything else → 400 naming the header (nothing is changed).
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (Array.isArray(header)) {
    if (header.length !== 1) throw malformed('must be sent once');
    header = header[0];
  }
  const value = header.trim();
  const key = value.startsWith('"') ? parseSfString(value) : BARE_TOKEN.test(value) ? value : null;
  if (key === null)
    throw malformed('must be a quoted string of printable ASCII ("…") or a token without spaces');
  if (key.length === 0) throw malformed('must not be empty');
  if (key.length > MAX_KEY_LENGTH) throw malformed(`must be at most ${MAX_KEY_LENGTH} characters`);
  return key;
}

/**
 * SHA-256 of the canonical request: method, path and the parsed JSON body in the JSON Canonicalization
 * Scheme (RFC 8785), so member order and insignificant white space do not make "another body".
 */
export function requestFingerprint(method: string, path: string, body: unknown): Buffer {
  const text = canonicalize({ method: method.toUpperCase(), path, body: body ?? null });
  return createHash('sha256')
    .update(text ?? '', 'utf8')
    .digest();
}
