import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { DomainError, fieldError, tooManyRequests } from '../common/domain-error.js';
import type { RequestMeta } from '../common/request-meta.js';
import { AppConfig } from '../config/app-config.js';
import { withTransientRetry } from '../database/db-errors.js';
import { returnedRows } from '../database/returned-rows.js';
import { EMAIL_QUEUE, emailJobId, JOB_DEFAULTS } from '../queue/queue.constants.js';
import { PasswordService } from '../users/password.service.js';
import { UsersService } from '../users/users.service.js';
import { accountKeyOf, throttleKey } from './login-throttler.guard.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';
import type { PasswordResetConfigDto } from './password-reset.dto.js';
import {
  RESET_LINK_PLACEHOLDER,
  ResetLinkTokens,
  resetLinkWorks,
  resetTokenHash,
} from './reset-link-token.js';

const RESET_IP = 'reset-ip';
const RESET_ACCOUNT = 'reset-account';
/** Links asked for one address per LOGIN_WINDOW_MS: enough for a lost e-mail, too few to flood a mailbox. */
const LINKS_PER_ACCOUNT = 3;

/** Account changes that end every unused reset link of the user. */
const ENDS_LINKS = new Set(['password-changed', 'password-reset', 'deactivated']);

/**
 * Self-service password reset by e-mail. Asking answers the same whether or not the address has an
 * account (the link is made after the answer, so the time taken tells nothing either); a link's
 * 256-bit token is derived from its id and a server secret and stored only as its hash; it works once,
 * until PASSWORD_RESET_TTL_MS, and a newer link, a password change or reset, or closing the account
 * ends it. Using it sets the new password, ends every token of the user and lifts the login lock.
 */
@Injectable()
export class PasswordResetService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PasswordResetService.name);
  /** Links being made after their request was answered; shutdown waits for them. */
  private readonly issuing = new Set<Promise<void>>();

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly throttle: RedisThrottlerStorage,
    private readonly tokens: ResetLinkTokens,
    @InjectQueue(EMAIL_QUEUE) private readonly email: Queue,
  ) {}

  onModuleInit(): void {
    // A link sent before the password changed or the account closed must not undo that change.
    this.users.onUserChange(async (em, change) => {
      if (ENDS_LINKS.has(change.kind))
        await em.query(
          `UPDATE password_reset_links SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`,
          [change.user.id],
        );
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.issuing]);
  }

  settings(): PasswordResetConfigDto {
    return {
      enabled: !!this.config.SMTP_URL,
      minutes: Math.round(this.config.PASSWORD_RESET_TTL_MS / 60_000),
    };
  }

  /** POST /api/auth/password-reset: counts the request, answers, then makes and mails the link if there is an account. */
  async request(email: string, meta: RequestMeta): Promise<void> {
    if (!this.config.SMTP_URL)
      throw new DomainError('not-found', 'Password reset by e-mail is not configured (SMTP_URL is unset)');
    const address = email.trim().toLowerCase();
    const window = this.config.LOGIN_WINDOW_MS;
    for (const [name, tracker, limit] of [
      [RESET_IP, meta.ip ?? 'unknown', this.config.LOGIN_MAX_FAILURES_PER_IP],
      [RESET_ACCOUNT, accountKeyOf(address), LINKS_PER_ACCOUNT],
    ] as const) {
      const hit = await this.throttle.increment(throttleKey(name, tracker), window, limit, window, name);
      if (hit.isBlocked)
        throw tooManyRequests('Too many reset requests; try again later', hit.timeToBlockExpire);
    }
    // Not awaited: the answer must not wait for (or reveal) whether a link was made.
    const issuing = this.issue(address, meta).catch((e: unknown) =>
      this.logger.error({ requestId: meta.requestId, err: (e as Error).message }, 'reset link not made'),
    );
    this.issuing.add(issuing);
    void issuing.finally(() => this.issuing.delete(issuing));
  }

  private async issue(address: string, meta: RequestMeta): Promise<void> {
    const linkId = randomUUID();
    const tokenHash = resetTokenHash(await this.tokens.tokenOf(linkId));
    const ttl = this.config.PASSWORD_RESET_TTL_MS;
    const outboxId = await withTransientRetry(() =>
      this.dataSource.transaction(async (em) => {
        // Only open accounts that sign in with a password, at institutions that allow it. The row lock
        // serializes two requests for one account, so the second replaces the first's link.
        const [user]: Array<{ id: string; email: string }> = await em.query(
          `SELECT u.id, u.email FROM users u JOIN institutions i ON i.id = u.institution_id
            WHERE lower(u.email) = $1 AND u.active AND u.password_hash IS NOT NULL
              AND NOT i.password_login_disabled
            FOR NO KEY UPDATE OF u`,
          [address],
        );
        if (!user) return null;
        // A new link replaces any earlier one still unused.
        await em.query(
          `UPDATE password_reset_links SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`,
          [user.id],
        );
        await em.query(
          `INSERT INTO password_reset_links (id, user_id, token_hash, expires_at)
           VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')`,
          [linkId, user.id, tokenHash, ttl],
        );
        const minutes = Math.round(ttl / 60_000);
        // The token travels in the fragment: browsers send it neither to the server nor as a Referer.
        // The outbox keeps a placeholder; the sender derives the token as the e-mail leaves.
        const link = `${this.config.PUBLIC_URL}/reset-password#token=${RESET_LINK_PLACEHOLDER}`;
        const [{ id }]: Array<{ id: string }> = await em.query(
          `INSERT INTO email_outbox (password_reset_link_id, to_address, subject, body)
           VALUES ($1, $2, $3, $4) RETURNING id`,
          [
            linkId,
            user.email,
            'Reset your password',
            `Someone (we hope you) asked to reset the password of your account at ${this.config.PUBLIC_URL}.\n\n` +
              `To choose a new password, open this link within ${minutes} minutes. It works once:\n\n${link}\n\n` +
              `If you did not ask for it, ignore this e-mail: your password stays as it is.\n`,
          ],
        );
        this.logger.log({ userId: user.id, requestId: meta.requestId }, 'password reset link made');
        return id;
      }),
    );
    // Best effort: the reconciler sends pending outbox rows if Redis is away now.
    if (outboxId)
      await this.email
        .add('send', { outboxId }, { ...JOB_DEFAULTS, jobId: emailJobId(outboxId) })
        .catch((e: unknown) =>
          this.logger.warn({ outboxId, err: (e as Error).message }, 'e-mail job not queued'),
        );
  }

  /** POST /api/auth/password-reset/confirm: the link's token and the new password. */
  async confirm(token: string, newPassword: string, meta: RequestMeta): Promise<void> {
    const tokenHash = resetTokenHash(token);
    const expired = () => fieldError('token', 'this link has expired or was already used; ask for a new one');
    const found: Array<{ userId: string }> = await this.dataSource.query(
      `SELECT user_id AS "userId" FROM password_reset_links
        WHERE token_hash = $1 AND ${resetLinkWorks()}`,
      [tokenHash],
    );
    // The (deliberately costly) hash only for a link that works.
    if (found.length === 0) throw expired();
    const { userId } = found[0];
    const hash = await this.passwords.hash(newPassword);
    await withTransientRetry(() =>
      this.dataSource.transaction(async (em) => {
        // The user row first, as a new link's request takes it: the same lock order, no deadlock.
        await em.query(`SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, [userId]);
        // Claims the link: of two uses at once, one wins.
        const claimed = returnedRows<{ id: string }>(
          await em.query(
            `UPDATE password_reset_links SET used_at = now()
              WHERE token_hash = $1 AND user_id = $2 AND ${resetLinkWorks()} RETURNING id`,
            [tokenHash, userId],
          ),
        );
        if (claimed.length === 0 || !(await this.users.setPasswordFromLink(em, userId, hash, meta)))
          throw expired();
      }),
    );
    this.users.forgetAccount(userId);
    this.logger.log({ userId, requestId: meta.requestId }, 'password reset through an e-mailed link');
  }
}
