import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { withTransientRetry } from '../database/db-errors.js';
import { AccountCache, type CachedAccount } from './account-cache.js';
import type { AuthUser } from './auth-user.js';
import { tokenStillValid, type TokenUser } from './token.js';

// One primary-key index lookup, when the account cache has no trusted entry. It also says whether the
// user is named deputy for a period not yet over, so the delegation lookup (which decides exactly what
// applies now) runs only for them; a period that ended since the row was cached only makes that lookup
// run for nothing.
// Signed-out tokens that have not expired yet: a few per user at most (revoked_tokens_user_idx).
const CURRENT_USER = `SELECT u.institution_id, u.roles, u.active, u.token_generation, u.surviving_token_id,
    EXISTS (SELECT 1 FROM deputies d WHERE d.deputy_id = u.id AND d.ends_at > now()) AS deputy_now,
    ARRAY(SELECT r.token_id::text FROM revoked_tokens r WHERE r.user_id = u.id AND r.expires_at > now())
      AS revoked_token_ids
  FROM users u WHERE u.id = $1`;

/**
 * The per-request check behind AuthGuard: deactivation, a role change, a password change or signing
 * out holds on the next request. Served from AccountCache while it hears every change (PostgreSQL
 * NOTIFY at COMMIT), otherwise one indexed read (measured in README, "Users and accounts").
 */
@Injectable()
export class CurrentUserService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cache: AccountCache,
  ) {}

  /** The caller as the database has it now (current roles), or null when the token no longer stands. */
  async resolve(token: TokenUser): Promise<{ user: AuthUser; deputyNow: boolean } | null> {
    const row = this.cache.get(token.id) ?? (await this.read(token.id));
    if (!tokenStillValid(row, token)) return null;
    return {
      user: {
        id: token.id,
        institutionId: row.institution_id,
        institutionKind: token.institutionKind,
        country: token.country,
        // A copy: the cached row is shared by every request of the user.
        roles: [...row.roles],
        tokenId: token.tokenId,
      },
      deputyNow: row.deputy_now,
    };
  }

  private async read(userId: string): Promise<CachedAccount | undefined> {
    const mark = this.cache.mark();
    // Read-only and idempotent: one more try when the connection dropped under it.
    const rows = await withTransientRetry(
      () => this.dataSource.query<CachedAccount[]>(CURRENT_USER, [userId]),
      2,
    );
    if (rows[0]) this.cache.set(userId, rows[0], mark);
    return rows[0];
  }
}
