import type { Actor, InstitutionKind, Role } from '../../workflows/types.js';

/** The caller, as established by the access token. Carries no personal data. */
export interface AuthUser {
  id: string;
  institutionId: string;
  institutionKind: InstitutionKind;
  country: string | null;
  /** Current roles, read from the database on every request (not the token's claims). */
  roles: Role[];
  /** The id (`jti`) of the access token that authenticated this request; absent for system actors. */
  tokenId?: string;
}

export const isAllianceAdmin = (u: AuthUser) => u.institutionKind === 'alliance' && u.roles.includes('admin');
export const isAllianceUser = (u: AuthUser) => u.institutionKind === 'alliance';
/** Admin of this institution, or alliance admin (who administers all). */
export const canAdminister = (u: AuthUser, institutionId: string) =>
  isAllianceAdmin(u) || (u.roles.includes('admin') && u.institutionId === institutionId);

export const toActor = (u: AuthUser): Actor => ({
  userId: u.id,
  institutionId: u.institutionId,
  institutionKind: u.institutionKind,
  country: u.country,
  roles: u.roles,
});
