import { DomainError } from './domain-error.js';

/**
 * Opaque keyset cursors: base64url JSON of the last row's sort key. Keyset (not offset) pagination
 * stays stable while rows are appended concurrently.
 */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<T extends Record<string, string | number>>(
  cursor: string | undefined,
  shape: Record<keyof T, 'string' | 'number'>,
): T | undefined {
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
    Object.entries(shape).every(([k, t]) => typeof (parsed as Record<string, unknown>)[k] === t);
  if (!ok)
    throw new DomainError('validation-failed', 400, 'cursor: not a cursor this endpoint issued', [
      { field: 'cursor', message: 'not a cursor this endpoint issued' },
    ]);
  return parsed as T;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
