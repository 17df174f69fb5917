import { workflowRegistry } from '../../workflows/registry.js';
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
  /**
   * Review roles held now only as someone's deputy (DESIGN 10.5), with the principal each is held for.
   * They are also in `roles` (so rules and visibility treat them alike); the audit names the principal.
   */
  actingFor?: Partial<Record<Role, string>>;
}

/** Roles a deputy may receive: those the workflow definitions declare delegable (review roles, never `admin`). */
export const DELEGABLE_ROLES: readonly Role[] = workflowRegistry()
  .roles()
  .filter((spec) => spec.delegable)
  .map((spec) => spec.role);

/** Every role a user can hold: `admin` and the roles of the registered workflow definitions. */
export const KNOWN_ROLES: readonly Role[] = workflowRegistry()
  .roles()
  .map((spec) => spec.role);

/** The roles the user holds in their own right (delegated ones left out). */
export const ownRoles = (u: AuthUser): Role[] => u.roles.filter((r) => !u.actingFor?.[r]);

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
