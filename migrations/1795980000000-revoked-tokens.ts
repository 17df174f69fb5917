import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signing out revokes the token it presents (`DELETE /api/auth/session`), not only the browser's
 * cookie: a copied cookie or a bearer token stops working on its next request. A row is kept until
 * the token would have expired anyway (plus five minutes, for clocks that disagree). Any change to
 * the table notifies `account_changed` with the user's id at COMMIT, as every other change to what a
 * token may do does (1795920000000-account-change-notify), so every API process drops the user from
 * its account cache.
 */
export class RevokedTokens1795980000000 implements MigrationInterface {
  name = 'RevokedTokens1795980000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE revoked_tokens (
        token_id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX revoked_tokens_user_idx ON revoked_tokens (user_id, expires_at)`);
    await q.query(`
      CREATE FUNCTION notify_token_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('account_changed', OLD.user_id::text); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('account_changed', NEW.user_id::text); END IF;
        RETURN NULL;
      END $$`);
    // Deletions and edits too: an operator lifting a revocation in psql holds at once everywhere.
    await q.query(`
      CREATE TRIGGER revoked_tokens_notify AFTER INSERT OR UPDATE OR DELETE ON revoked_tokens FOR EACH ROW
      EXECUTE FUNCTION notify_token_revoked()`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Tokens signed out before the rollback work again until they expire (at most JWT_TTL).
    await q.query(`DROP TRIGGER revoked_tokens_notify ON revoked_tokens`);
    await q.query(`DROP FUNCTION notify_token_revoked()`);
    await q.query(`DROP TABLE revoked_tokens`);
  }
}
