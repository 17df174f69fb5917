import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { ReminderQueueService } from './reminder-queue.service.js';
import { ReminderRepository } from './reminder.repository.js';

const PAGE = 1000;

/**
 * Makes Redis agree with PostgreSQL: re-adds the timer of every owed reminder due soon (BullMQ keeps
 * existing job ids, so this is idempotent), re-queues failed jobs, and re-sends pending e-mails. Runs
 * at worker start and every RECONCILE_INTERVAL_MS, so a Redis restart without persistence, a FLUSHALL
 * or a crash between commit and hand-over loses nothing.
 */
@Injectable()
export class ReminderReconcilerService {
  private readonly logger = new Logger(ReminderReconcilerService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly repo: ReminderRepository,
    private readonly queue: ReminderQueueService,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.reconcile()
        .catch((e: unknown) => this.logger.warn(`reconcile pass failed: ${(e as Error).message}`))
        .finally(() => {
          this.running = undefined;
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.config.RECONCILE_INTERVAL_MS);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass. Rows due beyond the horizon get their timers on a later pass. */
  async reconcile(): Promise<{ reminders: number; emails: number }> {
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
    await this.queue.reminders.retryJobs({ state: 'failed' });
    let emails = 0;
    if (this.config.SMTP_URL) {
      let afterMail: string | null = null;
      for (;;) {
        const rows: Array<{ id: string }> = await this.dataSource.query(
          `SELECT id FROM email_outbox WHERE status = 'pending' AND ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
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
    return { reminders, emails };
  }
}
