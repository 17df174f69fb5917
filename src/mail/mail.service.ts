import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import nodemailer, { type Transporter, type TransportOptions } from 'nodemailer';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { returnedRows } from '../database/returned-rows.js';
import { RESET_LINK_PLACEHOLDER, ResetLinkTokens, resetLinkWorks } from '../auth/reset-link-token.js';

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
    private readonly resetLinks: ResetLinkTokens,
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

  /**
   * Sends one outbox row unless it was sent already; throws to let the queue retry. The row is claimed
   * for a while first (a duplicate job then steps aside), so no transaction or connection is held
   * while talking to the SMTP server.
   */
  async sendOutbox(outboxId: string): Promise<'sent' | 'skipped'> {
    if (!this.config.SMTP_URL) return 'skipped';
    // A password reset e-mail goes only while its link still works (not used, replaced or expired).
    const claimed: Array<{ to: string; subject: string; body: string; linkId: string | null }> =
      await this.dataSource.query(
        `UPDATE email_outbox o SET claimed_until = now() + interval '2 minutes'
          WHERE o.id = $1 AND o.status = 'pending' AND (o.claimed_until IS NULL OR o.claimed_until < now())
            AND (o.password_reset_link_id IS NULL OR EXISTS (
              SELECT 1 FROM password_reset_links l
               WHERE l.id = o.password_reset_link_id AND ${resetLinkWorks('l')}))
          RETURNING o.to_address AS "to", o.subject, o.body, o.password_reset_link_id AS "linkId"`,
        [outboxId],
      );
    const [row] = returnedRows<(typeof claimed)[number]>(claimed);
    if (!row) return 'skipped';
    // The link's token is in no table: it is derived here, as the e-mail leaves.
    const text = row.linkId
      ? row.body.replace(RESET_LINK_PLACEHOLDER, await this.resetLinks.tokenOf(row.linkId))
      : row.body;
    try {
      await this.transport().sendMail({ to: row.to, subject: row.subject, text });
    } catch (e) {
      await this.dataSource.query(
        `UPDATE email_outbox SET attempts = attempts + 1, last_error = $2, claimed_until = NULL WHERE id = $1`,
        [outboxId, String((e as Error).message).slice(0, 500)],
      );
      this.logger.warn({ outboxId, err: (e as Error).message }, 'e-mail not sent; will retry');
      throw e;
    }
    await this.dataSource.query(
      `UPDATE email_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, claimed_until = NULL WHERE id = $1`,
      [outboxId],
    );
    return 'sent';
  }

  onApplicationShutdown(): void {
    this.transporter?.close();
  }
}
