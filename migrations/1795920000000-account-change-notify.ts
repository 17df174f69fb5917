import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change that decides what a user's tokens may do (roles, active, token generation, the token
 * that survived a password change, the institution; a deputy named or ended) sends
 * `NOTIFY account_changed, '<user id>'` at COMMIT, whoever wrote it (the service, another API process,
 * an operator in psql). Each API process listens and drops the user from its account cache
 * (src/auth/account-cache.ts), so the per-request account check can be served from memory.
 */
export class AccountChangeNotify1795920000000 implements MigrationInterface {
  name = 'AccountChangeNotify1795920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION notify_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'users' THEN
          PERFORM pg_notify('account_changed', OLD.id::text);
        ELSE
          IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('account_changed', OLD.deputy_id::text); END IF;
          IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('account_changed', NEW.deputy_id::text); END IF;
        END IF;
        RETURN NULL;
      END $$`);
    // Sign-ins and display-name edits do not touch what a token may do: no notification for them.
    await q.query(`
      CREATE TRIGGER users_access_changed AFTER UPDATE ON users FOR EACH ROW
      WHEN (OLD.roles IS DISTINCT FROM NEW.roles OR OLD.active IS DISTINCT FROM NEW.active
        OR OLD.token_generation IS DISTINCT FROM NEW.token_generation
        OR OLD.surviving_token_id IS DISTINCT FROM NEW.surviving_token_id
        OR OLD.institution_id IS DISTINCT FROM NEW.institution_id)
      EXECUTE FUNCTION notify_account_changed()`);
    await q.query(`
      CREATE TRIGGER users_deleted AFTER DELETE ON users FOR EACH ROW
      EXECUTE FUNCTION notify_account_changed()`);
    await q.query(`
      CREATE TRIGGER deputies_changed AFTER INSERT OR UPDATE OR DELETE ON deputies FOR EACH ROW
      EXECUTE FUNCTION notify_account_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER deputies_changed ON deputies`);
    await q.query(`DROP TRIGGER users_deleted ON users`);
    await q.query(`DROP TRIGGER users_access_changed ON users`);
    await q.query(`DROP FUNCTION notify_account_changed()`);
  }
}
