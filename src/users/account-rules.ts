// Account rules, pure (no Nest, no database): which roles fit which institution, what an update
// changes, who counts as an active admin.
import { workflowRegistry } from '../../workflows/registry.js';
import { INSTITUTION_KINDS, type InstitutionKind, type Role } from '../../workflows/types.js';
import { DomainError } from '../common/domain-error.js';
import type { FieldChange } from '../proposals/content-diff.js';

/**
 * Which roles make sense at which kind of institution (an agency has no proposers, a university no
 * liaisons), as the workflow definitions declare their roles.
 */
export const ROLES_BY_KIND = Object.fromEntries(
  INSTITUTION_KINDS.map((kind) => [
    kind,
    workflowRegistry()
      .roles()
      .filter((spec) => spec.kinds.includes(kind))
      .map((spec) => spec.role),
  ]),
) as Record<InstitutionKind, Role[]>;

/** The account fields an update may change. */
export interface AccountFields {
  displayName: string;
  roles: Role[];
  active: boolean;
}

const sameRoles = (a: readonly Role[], b: readonly Role[]) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

/**
 * The field changes of an account update, in a fixed order. The display name is personal data and the
 * audit log is immutable, so it is recorded as changed without its values; roles and active with both.
 */
export function userChanges(before: AccountFields, after: AccountFields): FieldChange[] {
  const out: FieldChange[] = [];
  if (before.active !== after.active)
    out.push({ field: 'active', change: 'changed', before: before.active, after: after.active });
  if (before.displayName !== after.displayName) out.push({ field: 'displayName', change: 'changed' });
  if (!sameRoles(before.roles, after.roles))
    out.push({ field: 'roles', change: 'changed', before: before.roles, after: after.roles });
  return out;
}

export function rolesFitKind(roles: Role[], kind: InstitutionKind): void {
  const allowed = ROLES_BY_KIND[kind];
  const wrong = roles.filter((r) => !allowed.includes(r));
  if (wrong.length) {
    throw new DomainError('validation-failed', `roles: ${wrong.join(', ')} not possible at a ${kind}`, [
      {
        field: 'roles',
        message: `${wrong.join(', ')} not possible at a ${kind} (allowed: ${allowed.join(', ')})`,
      },
    ]);
  }
}

export const isActiveAdmin = (u: Pick<AccountFields, 'active' | 'roles'>) =>
  u.active && u.roles.includes('admin');
