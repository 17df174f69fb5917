import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An outbox e-mail can now be `void`: a password reset e-mail whose link stopped working before it
 * left (used, replaced, expired, or the account closed) will never be sent, and no longer waits as
 * `pending` for ever. The worker's sweep sets it (src/mail/outbox-retention.service.ts).
 */
export class OutboxVoid1795970000000 implements MigrationInterface {
  name = 'OutboxVoid1795970000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_status_check`);
    await q.query(
      `ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_status_check
         CHECK (status IN ('pending', 'sent', 'void')) NOT VALID`,
    );
    await q.query(`ALTER TABLE email_outbox VALIDATE CONSTRAINT email_outbox_status_check`);
  }

  async down(q: QueryRunner): Promise<void> {
    // A void e-mail was never going to be sent; the old schema has no word for it.
    await q.query(`DELETE FROM email_outbox WHERE status = 'void'`);
    await q.query(`ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_status_check`);
    await q.query(
      `ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_status_check CHECK (status IN ('pending', 'sent'))`,
    );
  }
}
