import { DomainError } from './domain-error.js';

/**
 * Opaque keyset cursors: base64url JSON of the last row's sort key. Keyset (not offset) pagination
 * stays stable while rows are appended concurrently.
 */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** What a cursor field must be, checked before it reaches SQL (a bad cast there would be a 500). */
export type CursorField = 'seq' | 'timestamp' | 'uuid' | 'key';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
/**
 * A calendar instant PostgreSQL accepts: JavaScript rolls 2026-02-30 over to March and takes year 0,
 * where a timestamptz cast fails (a 500 if it reached SQL).
 */
export function isRealInstant(iso: string): boolean {
  const d = new Date(iso);
  return (
    !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1 && d.toISOString().slice(0, 19) === iso.slice(0, 19)
  );
}

/** Identifiers such as party keys (`partner-uhd`), or empty. */
const KEY = /^[a-z0-9-]{0,80}$/;

function fieldOk(v: unknown, kind: CursorField): boolean {
  switch (kind) {
    case 'seq':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    case 'timestamp':
      return typeof v === 'string' && ISO_TIMESTAMP.test(v) && isRealInstant(v);
    case 'uuid':
      return typeof v === 'string' && UUID.test(v);
    case 'key':
      return typeof v === 'string' && KEY.test(v);
  }
}

type CursorValue<K extends CursorField> = K extends 'seq' ? number : string;

export function decodeCursor<S extends Record<string, CursorField>>(
  cursor: string | undefined,
  shape: S,
): { [K in keyof S]: CursorValue<S[K]> } | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const ok =
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.entries(shape).every(([k, kind]) => fieldOk((parsed as Record<string, unknown>)[k], kind));
  if (!ok)
    throw new DomainError('validation-failed', 'cursor: not a cursor this endpoint issued', [
      { field: 'cursor', message: 'not a cursor this endpoint issued' },
    ]);
  return parsed as { [K in keyof S]: CursorValue<S[K]> };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
