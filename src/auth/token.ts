import { randomUUID } from 'node:crypto';
import type { InstitutionKind, Role } from '../../workflows/types.js';
import { KNOWN_ROLES } from './auth-user.js';
import type { AuthUser } from './auth-user.js';

export const TOKEN_ISSUER = 'microcred-qa';
export const TOKEN_AUDIENCE = 'microcred-qa-api';
export const TOKEN_ALGORITHM = 'HS256';

/**
 * Claims we sign. Institution kind and country ride along because they never change after creation.
 * `roles` is informational for clients: every request authorizes with the roles the database holds
 * now (see CurrentUserService). `gen` is the user's token generation at issue and `jti` the token's
 * own id: the per-request check refuses a token whose generation has moved on (deactivation,
 * password change), except the one token that changed the password.
 */
export interface AccessClaims {
  sub: string;
  inst: string;
  ik: InstitutionKind;
  ic: string | null;
  roles: Role[];
  gen: number;
  jti: string;
}

export const claimsOf = (u: AuthUser, generation: number, tokenId: string = randomUUID()): AccessClaims => ({
  sub: u.id,
  inst: u.institutionId,
  ik: u.institutionKind,
  ic: u.country,
  roles: u.roles,
  gen: generation,
  jti: tokenId,
});

/** What a verified token says, before the per-request check against the user row. */
export interface TokenUser extends AuthUser {
  tokenId: string;
  generation: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Reads verified claims defensively: a token we signed long ago with another shape is simply invalid. */
export function userFromClaims(c: Record<string, unknown>): TokenUser | null {
  const roles = c.roles;
  if (
    !(typeof c.sub === 'string' && UUID.test(c.sub)) ||
    typeof c.inst !== 'string' ||
    !['university', 'alliance', 'agency'].includes(c.ik as string) ||
    !(c.ic === null || typeof c.ic === 'string') ||
    !Array.isArray(roles) ||
    !roles.every((r) => KNOWN_ROLES.includes(r as string)) ||
    !(typeof c.gen === 'number' && Number.isSafeInteger(c.gen) && c.gen >= 0) ||
    !(typeof c.jti === 'string' && UUID.test(c.jti))
  )
    return null;
  return {
    id: c.sub,
    institutionId: c.inst,
    institutionKind: c.ik as InstitutionKind,
    country: c.ic as string | null,
    roles: roles as Role[],
    tokenId: c.jti,
    generation: c.gen,
  };
}

/** The columns of the user row that decide whether a token still works and what it may do. */
export interface UserAccessRow {
  institution_id: string;
  roles: Role[];
  active: boolean;
  token_generation: number;
  surviving_token_id: string | null;
  /** Ids of the user's tokens revoked by signing out, until they expire. */
  revoked_token_ids: string[];
}

/**
 * Whether a (verified, unexpired) token still stands for its user: the account is active, and the
 * token was issued under the user's current generation or is the one token that survived the last
 * password change, and it was not signed out. Pure, so the rule is unit-tested on its own.
 */
export function tokenStillValid(row: UserAccessRow | undefined, token: TokenUser): row is UserAccessRow {
  if (!row || !row.active || row.revoked_token_ids.includes(token.tokenId)) return false;
  return (
    token.generation === row.token_generation ||
    (row.surviving_token_id !== null && token.tokenId === row.surviving_token_id)
  );
}
