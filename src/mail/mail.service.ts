import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import nodemailer, { type Transporter, type TransportOptions } from 'nodemailer';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';

/**
 * Sends e-mails from the outbox through nodemailer (SMTP_URL). The in-app notification was already
 * committed; a failure here only leaves the outbox row pending for BullMQ's retries and the reconciler.
 */
@Injectable()
export class MailService implements OnApplicationShutdown {
  private readonly logger = new Logger(MailService.name);
  private transporter?: Transporter;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  private transport(): Transporter {
    this.transporter ??= nodemailer.createTransport(
      {
        url: this.config.SMTP_URL as string,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
      } as TransportOptions,
      { from: this.config.MAIL_FROM },
    );
    return this.transporter;
  }

  /** Sends one outbox row unless it was sent already; throws to let the queue retry. */
  async sendOutbox(outboxId: string): Promise<'sent' | 'skipped'> {
    if (!this.config.SMTP_URL) return 'skipped';
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      // SKIP LOCKED: a duplicate job while another worker is sending this row simply steps aside.
      const rows: Array<{ to: string; subject: string; body: string; status: string }> = await runner.query(
        `SELECT to_address AS "to", subject, body, status FROM email_outbox WHERE id = $1 FOR UPDATE SKIP LOCKED`,
        [outboxId],
      );
      const row = rows[0];
      if (!row || row.status === 'sent') {
        await runner.commitTransaction();
        return 'skipped';
      }
      try {
        await this.transport().sendMail({ to: row.to, subject: row.subject, text: row.body });
      } catch (e) {
        await runner.rollbackTransaction();
        await this.dataSource.query(
          `UPDATE email_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1`,
          [outboxId, String((e as Error).message).slice(0, 500)],
        );
        this.logger.warn({ outboxId, err: (e as Error).message }, 'e-mail not sent; will retry');
        throw e;
      }
      await runner.query(
        `UPDATE email_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1 WHERE id = $1`,
        [outboxId],
      );
      await runner.commitTransaction();
      return 'sent';
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
  }

  onApplicationShutdown(): void {
    this.transporter?.close();
  }
}
