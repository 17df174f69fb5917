import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Role } from '../../workflows/types.js';
import { DELEGABLE_ROLES, type AuthUser } from '../auth/auth-user.js';

/**
 * Adds the review roles a user holds right now as someone's deputy. Run per request (by the auth
 * guard), from the database clock, so a period starts and ends on time and a deleted delegation or a
 * principal's lost role stops at the next request. Delegation is not transitive: only the principal's
 * own roles pass (`users.roles`), never roles the principal holds as a deputy.
 */
@Injectable()
export class DelegationLookup {
  constructor(private readonly dataSource: DataSource) {}

  async apply(user: AuthUser): Promise<AuthUser> {
    const rows: Array<{ principalId: string; roles: Role[] }> = await this.dataSource.query(
      `SELECT d.principal_id AS "principalId", p.roles
       FROM deputies d JOIN users p ON p.id = d.principal_id
       WHERE d.deputy_id = $1 AND d.ends_at > now() AND d.starts_at <= now() AND p.institution_id = $2 AND p.active
       ORDER BY d.starts_at, d.id`,
      [user.id, user.institutionId],
    );
    if (rows.length === 0) return user;
    const roles = [...user.roles];
    const actingFor: Partial<Record<Role, string>> = {};
    for (const row of rows)
      for (const role of row.roles)
        if (DELEGABLE_ROLES.includes(role) && !roles.includes(role)) {
          roles.push(role);
          actingFor[role] = row.principalId;
        }
    return Object.keys(actingFor).length ? { ...user, roles, actingFor } : user;
  }
}
