import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Self-service password reset by e-mail. A link's token is derived from its id and a server secret
 * (src/auth/reset-link-token.ts); only the token's SHA-256 is stored, to find the link. A link works
 * once, until `expires_at`, and is ended early by a newer link, a password change or reset, or the
 * account's closing. The e-mail goes through the existing outbox, which now also carries e-mails that
 * belong to a reset link instead of a notification; the body holds a placeholder, filled in when sent,
 * and a row whose link no longer works is not sent.
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
    await q.query(
      `ALTER TABLE email_outbox ADD COLUMN password_reset_link_id uuid UNIQUE REFERENCES password_reset_links(id)`,
    );
    // NOT VALID, then VALIDATE: the check does not hold the outbox locked while it scans existing rows.
    await q.query(
      `ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_one_source
         CHECK (num_nonnulls(notification_id, password_reset_link_id) = 1) NOT VALID`,
    );
    await q.query(`ALTER TABLE email_outbox VALIDATE CONSTRAINT email_outbox_one_source`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM email_outbox WHERE password_reset_link_id IS NOT NULL`);
    await q.query(`ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_one_source`);
    await q.query(`ALTER TABLE email_outbox DROP COLUMN password_reset_link_id`);
    await q.query(`ALTER TABLE email_outbox ALTER COLUMN notification_id SET NOT NULL`);
    await q.query(`DROP TABLE password_reset_links`);
  }
}
