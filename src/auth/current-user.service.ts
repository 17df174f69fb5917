import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { withTransientRetry } from '../database/db-errors.js';
import type { AuthUser } from './auth-user.js';
import { tokenStillValid, type TokenUser, type UserAccessRow } from './token.js';

// A named statement: prepared once per pooled connection, then one primary-key index lookup per request.
const CURRENT_USER = {
  name: 'auth-current-user',
  text: `SELECT institution_id, roles, active, token_generation, surviving_token_id FROM users WHERE id = $1`,
};

/**
 * The per-request check behind AuthGuard. No cache: deactivation, a role change or a password change
 * must hold on the very next request of every process, and a cache that another process cannot
 * invalidate would let one request through. The cost is one indexed read (measured in README, "Users
 * and accounts").
 */
@Injectable()
export class CurrentUserService {
  constructor(private readonly dataSource: DataSource) {}

  private get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  /** The caller as the database has it now (current roles), or null when the token no longer stands. */
  async resolve(token: TokenUser): Promise<AuthUser | null> {
    // Read-only and idempotent: one more try when the connection dropped under it.
    const { rows } = await withTransientRetry(
      () => this.pool.query<UserAccessRow>({ ...CURRENT_USER, values: [token.id] }),
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
