import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { OutboxRetentionService } from '../mail/outbox-retention.service.js';
import { resetLinkWorks } from '../auth/reset-link-token.js';
import { ReminderQueueService } from './reminder-queue.service.js';
import { ReminderRepository } from './reminder.repository.js';

const PAGE = 1000;
const REQUEST_DEBOUNCE_MS = 300;

/**
 * Makes Redis agree with PostgreSQL: re-adds the timer of every owed reminder due soon (BullMQ keeps
 * existing job ids, so this is idempotent), re-queues failed jobs whose row is still owed, and re-sends
 * pending e-mails. Runs at worker start, every RECONCILE_INTERVAL_MS and soon after a Redis connection
 * is ready again, so a Redis restart without persistence, a FLUSHALL or a crash between commit and
 * hand-over loses nothing. A reminder that failed for good has status 'failed' in PostgreSQL (see
 * QueueWorkersService): no pass re-adds or retries it, whatever Redis still remembers. Each pass also
 * sweeps the e-mail outbox (OutboxRetentionService).
 */
@Injectable()
export class ReminderReconcilerService {
  private readonly logger = new Logger(ReminderReconcilerService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private started = false;
  private again = false;
  private reason?: string;

  constructor(
    private readonly repo: ReminderRepository,
    private readonly queue: ReminderQueueService,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly outbox: OutboxRetentionService,
  ) {}

  start(): void {
    this.started = true;
    this.arm(0);
  }

  /**
   * Asks for a pass soon, e.g. because a Redis connection is ready again and Redis may have come back
   * empty. Requests within REQUEST_DEBOUNCE_MS of each other (every connection of the process reports
   * the same restart) make one pass; a request during a pass makes one more pass right after it.
   */
  requestPass(reason: string): void {
    if (!this.started) return;
    this.reason = reason;
    if (this.running) {
      this.again = true;
      return;
    }
    this.arm(REQUEST_DEBOUNCE_MS);
  }

  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    this.timer = undefined;
    this.again = false;
    if (this.reason) this.logger.log({ reason: this.reason }, 'reconcile pass on request');
    this.reason = undefined;
    this.running = this.reconcile()
      .catch((e: unknown) => this.logger.warn(`reconcile pass failed: ${(e as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (this.started) this.arm(this.again ? 0 : this.config.RECONCILE_INTERVAL_MS);
      });
  }

  /** One pass. Rows due beyond the horizon get their timers on a later pass. */
  async reconcile(): Promise<{ reminders: number; emails: number; voided: number; removedLinks: number }> {
    // PostgreSQL only: done first, so a pass that fails on Redis below still sweeps.
    const { voided, removedLinks } = await this.outbox.sweep();
    if (voided || removedLinks) this.logger.log({ voided, removedLinks }, 'outbox swept');
    const horizon = new Date(Date.now() + 2 * this.config.RECONCILE_INTERVAL_MS + 60_000);
    let reminders = 0;
    let after: string | null = null;
    for (;;) {
      const rows = await this.repo.pendingDueBefore(horizon, after, PAGE);
      if (rows.length === 0) break;
      await this.queue.schedule(rows);
      reminders += rows.length;
      after = rows[rows.length - 1].id;
    }
    await this.retryFailedReminders();
    let emails = 0;
    if (this.config.SMTP_URL) {
      let afterMail: string | null = null;
      for (;;) {
        const rows: Array<{ id: string }> = await this.dataSource.query(
          `SELECT o.id FROM email_outbox o WHERE o.status = 'pending'
             AND (o.password_reset_link_id IS NULL OR EXISTS (SELECT 1 FROM password_reset_links l
               WHERE l.id = o.password_reset_link_id AND ${resetLinkWorks('l')}))
             AND ($1::uuid IS NULL OR o.id > $1::uuid) ORDER BY o.id LIMIT $2`,
          [afterMail, PAGE],
        );
        if (rows.length === 0) break;
        await this.queue.sendEmails(rows.map((r) => r.id));
        emails += rows.length;
        afterMail = rows[rows.length - 1].id;
      }
      await this.queue.email.retryJobs({ state: 'failed' });
    }
    if (reminders || emails) this.logger.debug({ reminders, emails }, 'reconciled timers with PostgreSQL');
    return { reminders, emails, voided, removedLinks };
  }

  /** Retries failed reminder jobs (attempts used up) unless their row is no longer owed. */
  private async retryFailedReminders(): Promise<void> {
    for (let start = 0; ;) {
      const jobs = await this.queue.reminders.getFailed(start, start + PAGE - 1);
      if (jobs.length === 0) return;
      const ids = jobs.map((j) => (j.data as { scheduleId?: unknown }).scheduleId).filter(isUuid);
      const owed = new Set(await this.repo.pendingAmong(ids));
      let retried = 0;
      for (const job of jobs) {
        const id = (job.data as { scheduleId?: unknown }).scheduleId;
        if (!isUuid(id) || !owed.has(id)) continue;
        // Another pass or worker may have moved it already: then there is nothing to retry.
        await job.retry('failed').then(
          () => retried++,
          () => undefined,
        );
      }
      // Retried jobs leave the failed set, so the next page starts that much earlier.
      start += jobs.length - retried;
      if (jobs.length < PAGE) return;
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);
