import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import ms from 'ms';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { DomainError, unauthorized } from '../common/domain-error.js';
import { withTransientRetry } from '../database/db-errors.js';
import { returnedRows } from '../database/returned-rows.js';
import { Institution } from '../institutions/institution.entity.js';
import { PasswordService } from '../users/password.service.js';
import { UsersService } from '../users/users.service.js';
import type { TokenDto } from './auth.dto.js';
import { accountKeyOf, LOGIN_ACCOUNT, throttleKey, type CountedHit } from './login-throttler.guard.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';
import { CurrentUserService } from './current-user.service.js';
import { claimsOf } from './token.js';
import { VerifiedTokens } from './verified-tokens.js';

/** JWT_TTL ("1h", "900", "15m") in seconds. */
export function ttlSeconds(ttl: string): number {
  return /^\d+$/.test(ttl) ? Number(ttl) : Math.floor(ms(ttl as ms.StringValue) / 1000);
}

@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly throttleStorage: RedisThrottlerStorage,
    private readonly tokens: VerifiedTokens,
    private readonly currentUser: CurrentUserService,
  ) {}

  onModuleInit(): void {
    // A new password set by an administrator or through an e-mailed link: the account's login lock goes
    // with the old one. (Inside the change's transaction; lifting a lock early is harmless, and a Redis
    // outage only leaves it in place.)
    this.users.onUserChange(async (_em, change) => {
      if (change.kind === 'password-reset' || change.kind === 'password-reset-by-email')
        await this.throttleStorage.clear(
          throttleKey(LOGIN_ACCOUNT, accountKeyOf(change.user.email)),
          LOGIN_ACCOUNT,
        );
    });
  }

  /** Same answer and about the same time for an unknown e-mail and a wrong password: no user enumeration. */
  async login(email: string, password: string, hits: CountedHit[] = []): Promise<TokenDto> {
    const user = await this.users.findWithHash(email.trim());
    const ok = await this.passwords.verify(user?.passwordHash ?? null, password);
    // A closed account gets the same answer as a wrong password, after the same work.
    if (!user || !ok || !user.active) {
      this.logger.log({ userId: user?.id ?? null }, 'login failed');
      throw unauthorized('Invalid e-mail or password');
    }
    const institution = await this.dataSource
      .getRepository(Institution)
      .findOneByOrFail({ id: user.institutionId });
    // Checked only after the password proved right, so it tells nothing to someone guessing.
    if (institution.passwordLoginDisabled) {
      throw new DomainError(
        'password-login-disabled',
        'Password sign-in is disabled for your institution: sign in with your university account',
      );
    }
    await Promise.all(hits.map((h) => this.throttleStorage.refund(h.key, h.throttler)));
    const expiresIn = ttlSeconds(this.config.JWT_TTL);
    const accessToken = await this.jwt.signAsync(
      claimsOf(
        {
          id: user.id,
          institutionId: user.institutionId,
          institutionKind: institution.kind,
          country: institution.country,
          roles: user.roles,
        },
        user.tokenGeneration,
      ),
      { expiresIn },
    );
    return { accessToken, tokenType: 'Bearer', expiresIn };
  }

  /**
   * Revokes the tokens a sign-out presents (the bearer token and the session cookie's, when both come),
   * until they would have expired: every API process refuses them within milliseconds (the account
   * cache hears the insert), this one from the next request on. The user's other tokens (another
   * browser, an API client) keep working. A string that is not a token that still stands (signed out
   * already, expired, forged) costs no write: signing out twice is not an error.
   */
  async signOut(tokens: Array<string | undefined>): Promise<void> {
    for (const token of new Set(tokens)) if (token !== undefined) await this.revoke(token);
  }

  private async revoke(token: string): Promise<void> {
    const verified = await this.tokens.verifyWithExpiry(token);
    if (!verified || !(await this.currentUser.resolve(verified.user))) return;
    const { user, expiresAtMs } = verified;
    const inserted = await withTransientRetry(
      () =>
        this.dataSource.transaction(async (em) => {
          // Five minutes past the token's expiry: the token's expiry is judged by this process's clock,
          // the row's by the database's, and the two may disagree a little.
          const rows = returnedRows<{ token_id: string }>(
            await em.query(
              `INSERT INTO revoked_tokens (token_id, user_id, expires_at)
               SELECT $1, u.id, $3::timestamptz + interval '5 minutes' FROM users u WHERE u.id = $2
               ON CONFLICT (token_id) DO NOTHING RETURNING token_id`,
              [user.tokenId, user.id, Number.isFinite(expiresAtMs) ? new Date(expiresAtMs) : 'infinity'],
            ),
          );
          // The user's rows of tokens that have expired since: kept bounded without a sweeper.
          await em.query(`DELETE FROM revoked_tokens WHERE user_id = $1 AND expires_at <= now()`, [user.id]);
          return rows.length > 0;
        }),
      2,
    );
    if (!inserted) return;
    this.users.forgetAccount(user.id);
    this.logger.log({ userId: user.id }, 'signed out; token revoked');
  }
}
