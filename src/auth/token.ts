import { ROLES, type InstitutionKind, type Role } from '../../workflows/types.js';
import type { AuthUser } from './auth-user.js';

export const TOKEN_ISSUER = 'microcred-qa';
export const TOKEN_AUDIENCE = 'microcred-qa-api';
export const TOKEN_ALGORITHM = 'HS256';

/** Claims we sign. Institution kind and country ride along because they never change after creation. */
export interface AccessClaims {
  sub: string;
  inst: string;
  ik: InstitutionKind;
  ic: string | null;
  roles: Role[];
}

export const claimsOf = (u: AuthUser): AccessClaims => ({
  sub: u.id,
  inst: u.institutionId,
  ik: u.institutionKind,
  ic: u.country,
  roles: u.roles,
});

/** Reads verified claims defensively: a token we signed long ago with another shape is simply invalid. */
export function userFromClaims(c: Record<string, unknown>): AuthUser | null {
  const roles = c.roles;
  if (
    typeof c.sub !== 'string' ||
    typeof c.inst !== 'string' ||
    !['university', 'alliance', 'agency'].includes(c.ik as string) ||
    !(c.ic === null || typeof c.ic === 'string') ||
    !Array.isArray(roles) ||
    !roles.every((r) => (ROLES as readonly string[]).includes(r as string))
  )
    return null;
  return {
    id: c.sub,
    institutionId: c.inst,
    institutionKind: c.ik as InstitutionKind,
    country: c.ic as string | null,
    roles: roles as Role[],
  };
}
