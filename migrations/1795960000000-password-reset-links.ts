import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Self-service password reset by e-mail. A link's token is stored only as its SHA-256 (a database
 * reader cannot use a pending link); a link works once, until `expires_at`. The e-mail goes through
 * the existing outbox, which now also carries e-mails that belong to no notification: such a row
 * stops being sent after `expires_at`, and its body (which holds the link) is emptied once sent.
 */
export class PasswordResetLinks1795960000000 implements MigrationInterface {
  name = 'PasswordResetLinks1795960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE password_reset_links (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id     uuid NOT NULL REFERENCES users(id),
        token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        expires_at  timestamptz(3) NOT NULL,
        used_at     timestamptz(3),
        created_at  timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX password_reset_links_user_idx ON password_reset_links (user_id) WHERE used_at IS NULL`,
    );
    await q.query(`ALTER TABLE email_outbox ALTER COLUMN notification_id DROP NOT NULL`);
    await q.query(`ALTER TABLE email_outbox ADD COLUMN expires_at timestamptz(3)`);
    await q.query(
      `ALTER TABLE email_outbox ADD COLUMN purpose text NOT NULL DEFAULT 'notification'
         CHECK (purpose IN ('notification', 'password-reset'))`,
    );
    await q.query(
      `ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_notification_check
         CHECK ((purpose = 'notification') = (notification_id IS NOT NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM email_outbox WHERE purpose <> 'notification'`);
    await q.query(`ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_notification_check`);
    await q.query(`ALTER TABLE email_outbox DROP COLUMN purpose`);
    await q.query(`ALTER TABLE email_outbox DROP COLUMN expires_at`);
    await q.query(`ALTER TABLE email_outbox ALTER COLUMN notification_id SET NOT NULL`);
    await q.query(`DROP TABLE password_reset_links`);
  }
}
