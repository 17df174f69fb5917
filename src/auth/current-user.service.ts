import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { withTransientRetry } from '../database/db-errors.js';
import type { AuthUser } from './auth-user.js';
import { tokenStillValid, type TokenUser, type UserAccessRow } from './token.js';

// One primary-key index lookup per request, through TypeORM's pool like every other query. It also
// says whether the user is named deputy for a period not yet over, so the delegation lookup (which
// decides exactly what applies now) runs only for them.
const CURRENT_USER = `SELECT u.institution_id, u.roles, u.active, u.token_generation, u.surviving_token_id,
    EXISTS (SELECT 1 FROM deputies d WHERE d.deputy_id = u.id AND d.ends_at > now()) AS deputy_now
  FROM users u WHERE u.id = $1`;

/**
 * The per-request check behind AuthGuard. No cache: deactivation, a role change or a password change
 * must hold on the very next request of every process, and a cache that another process cannot
 * invalidate would let one request through. The cost is one indexed read (measured in README, "Users
 * and accounts").
 */
@Injectable()
export class CurrentUserService {
  constructor(private readonly dataSource: DataSource) {}

  /** The caller as the database has it now (current roles), or null when the token no longer stands. */
  async resolve(token: TokenUser): Promise<{ user: AuthUser; deputyNow: boolean } | null> {
    // Read-only and idempotent: one more try when the connection dropped under it.
    const rows = await withTransientRetry(
      () => this.dataSource.query<Array<UserAccessRow & { deputy_now: boolean }>>(CURRENT_USER, [token.id]),
      2,
    );
    const row = rows[0];
    if (!tokenStillValid(row, token)) return null;
    return {
      user: {
        id: token.id,
        institutionId: row.institution_id,
        institutionKind: token.institutionKind,
        country: token.country,
        roles: row.roles,
        tokenId: token.tokenId,
      },
      deputyNow: row.deputy_now,
    };
  }
}
