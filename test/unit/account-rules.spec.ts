import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  claimsOf,
  tokenStillValid,
  userFromClaims,
  type TokenUser,
  type UserAccessRow,
} from '../../src/auth/token.js';
import { DomainError } from '../../src/common/domain-error.js';
import { isActiveAdmin, rolesFitKind, userChanges } from '../../src/users/account-rules.js';

const token = (over: Partial<TokenUser> = {}): TokenUser => ({
  id: randomUUID(),
  institutionId: 'cuni',
  institutionKind: 'university',
  country: 'CZ',
  roles: ['reviewer'],
  tokenId: randomUUID(),
  generation: 3,
  ...over,
});
const row = (over: Partial<UserAccessRow> = {}): UserAccessRow => ({
  institution_id: 'cuni',
  roles: ['reviewer'],
  active: true,
  token_generation: 3,
  surviving_token_id: null,
  revoked_token_ids: [],
  ...over,
});

describe('whether a token still stands for its user', () => {
  it('accepts a token of the current generation of an active user', () => {
    expect(tokenStillValid(row(), token())).toBe(true);
  });

  it('refuses every token of a deactivated user, the surviving one too', () => {
    const t = token();
    expect(tokenStillValid(row({ active: false }), t)).toBe(false);
    expect(tokenStillValid(row({ active: false, surviving_token_id: t.tokenId }), t)).toBe(false);
  });

  it('refuses a token for a user that no longer exists', () => {
    expect(tokenStillValid(undefined, token())).toBe(false);
  });

  it('refuses a token of an older or a newer generation', () => {
    expect(tokenStillValid(row({ token_generation: 4 }), token())).toBe(false);
    expect(tokenStillValid(row({ token_generation: 2 }), token())).toBe(false);
  });

  it('refuses a signed-out token and keeps accepting the other tokens of the user', () => {
    const out = token();
    const other = token({ id: out.id });
    const after = row({ revoked_token_ids: [randomUUID(), out.tokenId] });
    expect(tokenStillValid(after, out)).toBe(false);
    expect(tokenStillValid(after, other)).toBe(true);
    // Signing out the token that survived a password change ends it too.
    expect(
      tokenStillValid(
        row({ token_generation: 4, surviving_token_id: out.tokenId, revoked_token_ids: [out.tokenId] }),
        out,
      ),
    ).toBe(false);
  });

  it('accepts the one token that survived the last password change, and no other of its generation', () => {
    const kept = token();
    const other = token({ id: kept.id });
    const after = row({ token_generation: 4, surviving_token_id: kept.tokenId });
    expect(tokenStillValid(after, kept)).toBe(true);
    expect(tokenStillValid(after, other)).toBe(false);
  });
});

describe('access token claims', () => {
  it('round-trip the user, the generation and a fresh token id', () => {
    const t = token({ roles: ['admin'] });
    const claims = claimsOf(t, 7);
    expect(claims.gen).toBe(7);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claimsOf(t, 7).jti).not.toBe(claims.jti);
    expect(userFromClaims({ ...claims })).toEqual({ ...t, generation: 7, tokenId: claims.jti });
  });

  it.each([
    ['no generation', { gen: undefined }],
    ['a negative generation', { gen: -1 }],
    ['a fractional generation', { gen: 1.5 }],
    ['no token id', { jti: undefined }],
    ['a token id that is no uuid', { jti: 'abc' }],
    ['a subject that is no uuid', { sub: 'x' }],
  ])('refuses claims with %s', (_why, over) => {
    expect(userFromClaims({ ...claimsOf(token(), 0), ...over })).toBeNull();
  });
});

describe('account changes for the audit log', () => {
  const before = { displayName: 'Jana Novák', roles: ['reviewer', 'proposer'] as const, active: true };

  it('names nothing when nothing changes, role order included', () => {
    expect(
      userChanges({ ...before, roles: [...before.roles] }, { ...before, roles: ['proposer', 'reviewer'] }),
    ).toEqual([]);
  });

  it('gives roles and active before and after, and the display name without its values', () => {
    const changes = userChanges(
      { ...before, roles: [...before.roles] },
      { displayName: 'Jana Nováková', roles: ['reviewer'], active: false },
    );
    expect(changes).toEqual([
      { field: 'active', change: 'changed', before: true, after: false },
      { field: 'displayName', change: 'changed' },
      { field: 'roles', change: 'changed', before: ['reviewer', 'proposer'], after: ['reviewer'] },
    ]);
    expect(JSON.stringify(changes)).not.toContain('Jana');
  });
});

describe('account rules', () => {
  it('counts only active users holding admin as active admins', () => {
    expect(isActiveAdmin({ active: true, roles: ['admin'] })).toBe(true);
    expect(isActiveAdmin({ active: false, roles: ['admin'] })).toBe(false);
    expect(isActiveAdmin({ active: true, roles: ['reviewer'] })).toBe(false);
  });

  it('refuses roles that do not fit the kind of institution, naming the roles field', () => {
    expect(() => rolesFitKind(['proposer', 'admin'], 'university')).not.toThrow();
    expect(() => rolesFitKind(['agency_liaison'], 'agency')).not.toThrow();
    for (const [roles, kind] of [
      [['agency_liaison'], 'university'],
      [['proposer'], 'alliance'],
      [['reviewer'], 'agency'],
    ] as const) {
      let error: unknown;
      try {
        rolesFitKind([...roles], kind);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).errors?.map((e) => e.field)).toEqual(['roles']);
    }
  });
});
