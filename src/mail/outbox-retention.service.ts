import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { resetLinkWorks } from '../auth/reset-link-token.js';
import { returnedRows } from '../database/returned-rows.js';

/** How long an ended password reset link, and its e-mail, are kept: for "I never got the e-mail". */
export const RESET_LINK_RETENTION_DAYS = 7;
const BATCH = 1000;

/**
 * Housekeeping of the e-mail outbox, run by the worker on every reconcile pass. A reset e-mail whose
 * link stopped working before it left becomes `void` instead of waiting as `pending` for ever (the
 * exact opposite of the condition under which MailService sends it: resetLinkWorks); reset
 * links that ended more than RESET_LINK_RETENTION_DAYS ago go, with their e-mails (the link and the
 * address are no use to anyone by then; the audit log keeps that a password was reset).
 */
@Injectable()
export class OutboxRetentionService {
  constructor(private readonly dataSource: DataSource) {}

  async sweep(): Promise<{ voided: number; removedLinks: number }> {
    // A row a sender holds right now is left to it: it marks the row sent or releases it.
    const voided = returnedRows(
      await this.dataSource.query(
        `UPDATE email_outbox o SET status = 'void'
          WHERE o.status = 'pending' AND o.password_reset_link_id IS NOT NULL
            AND (o.claimed_until IS NULL OR o.claimed_until < now())
            AND NOT EXISTS (SELECT 1 FROM password_reset_links l
                             WHERE l.id = o.password_reset_link_id AND ${resetLinkWorks('l')})
          RETURNING o.id`,
      ),
    ).length;
    let removedLinks = 0;
    for (;;) {
      const removed = await this.dataSource.transaction(async (em) => {
        // LEAST skips a NULL used_at: a link ended when it was used, replaced or ended, or else expired.
        const rows: Array<{ id: string }> = await em.query(
          `SELECT id FROM password_reset_links
            WHERE LEAST(used_at, expires_at) < now() - $1 * interval '1 day'
            LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [RESET_LINK_RETENTION_DAYS, BATCH],
        );
        const links = rows.map((r) => r.id);
        if (links.length === 0) return 0;
        await em.query(`DELETE FROM email_outbox WHERE password_reset_link_id = ANY($1::uuid[])`, [links]);
        await em.query(`DELETE FROM password_reset_links WHERE id = ANY($1::uuid[])`, [links]);
        return links.length;
      });
      removedLinks += removed;
      if (removed < BATCH) break;
    }
    return { voided, removedLinks };
  }
}
