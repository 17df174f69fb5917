import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { withTransientRetry } from '../database/db-errors.js';
import type { AuthUser } from './auth-user.js';
import { tokenStillValid, type TokenUser, type UserAccessRow } from './token.js';

// One primary-key index lookup per request, through TypeORM's pool like every other query.
const CURRENT_USER = `SELECT institution_id, roles, active, token_generation, surviving_token_id FROM users WHERE id = $1`;

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
  async resolve(token: TokenUser): Promise<AuthUser | null> {
    // Read-only and idempotent: one more try when the connection dropped under it.
    const rows = await withTransientRetry(
      () => this.dataSource.query<UserAccessRow[]>(CURRENT_USER, [token.id]),
      2,
    );
    const row = rows[0];
    if (!tokenStillValid(row, token)) return null;
    return {
      id: token.id,
      institutionId: row.institution_id,
      institutionKind: token.institutionKind,
      country: token.country,
      roles: row.roles,
      tokenId: token.tokenId,
    };
  }
}
