import { describe, expect, it } from '@jest/globals';
import { decodeCursor, encodeCursor } from '../../src/common/cursor.js';
import { DomainError } from '../../src/common/domain-error.js';

const WAITING = { s: 'timestamp', i: 'uuid', p: 'key' } as const;
const raw = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');

describe('keyset cursors', () => {
  it('give back the key they were made of, microseconds and an empty party included', () => {
    const key = { s: '2026-11-30T10:00:00.123456Z', i: '0b6f1f8e-4a47-4c1e-9a51-0f3c8a7f2d10', p: '' };
    expect(decodeCursor(encodeCursor(key), WAITING)).toEqual(key);
    expect(decodeCursor(encodeCursor({ ...key, p: 'partner-uhd' }), WAITING)?.p).toBe('partner-uhd');
  });

  it('read no cursor as the first page', () => {
    expect(decodeCursor(undefined, WAITING)).toBeUndefined();
    expect(decodeCursor('', WAITING)).toBeUndefined();
  });

  it.each([
    ['not base64 JSON', 'bm90LWEtY3Vyc29y'],
    ['a missing field', raw({ s: '2026-11-30T10:00:00Z', i: '0b6f1f8e-4a47-4c1e-9a51-0f3c8a7f2d10' })],
    [
      'a party that is not a key',
      raw({ s: '2026-11-30T10:00:00Z', i: '0b6f1f8e-4a47-4c1e-9a51-0f3c8a7f2d10', p: "x' OR 1=1" }),
    ],
    [
      'a party of another type',
      raw({ s: '2026-11-30T10:00:00Z', i: '0b6f1f8e-4a47-4c1e-9a51-0f3c8a7f2d10', p: 7 }),
    ],
    [
      'a time without zone',
      raw({ s: '2026-11-30T10:00:00', i: '0b6f1f8e-4a47-4c1e-9a51-0f3c8a7f2d10', p: '' }),
    ],
    [
      'a day that does not exist',
      raw({ s: '2026-02-30T00:00:00Z', i: '0b6f1f8e-4a47-4c1e-9a51-0f3c8a7f2d10', p: '' }),
    ],
    ['year zero', raw({ s: '0000-01-01T00:00:00Z', i: '0b6f1f8e-4a47-4c1e-9a51-0f3c8a7f2d10', p: '' })],
    [
      'an hour that does not exist',
      raw({ s: '2026-01-01T24:30:00Z', i: '0b6f1f8e-4a47-4c1e-9a51-0f3c8a7f2d10', p: '' }),
    ],
    ['an id that is not a uuid', raw({ s: '2026-11-30T10:00:00Z', i: 'x', p: '' })],
  ])('refuse %s as a validation error naming the cursor', (_what, cursor) => {
    let error: unknown;
    try {
      decodeCursor(cursor, WAITING);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).errors).toEqual([
      { field: 'cursor', message: 'not a cursor this endpoint issued' },
    ]);
  });
});
