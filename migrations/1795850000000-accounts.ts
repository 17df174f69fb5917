import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account lifecycle (DESIGN section 10.1). `active = false` closes an account. Every access token
 * carries the `token_generation` it was issued under (claim `gen`) and its own id (`jti`); the
 * per-request check accepts a token only while its generation is the user's current one, or it is
 * the one token named in `surviving_token_id` (the token that changed the password keeps working,
 * all the user's other tokens stop). Deactivation and password changes move the generation on.
 */
export class Accounts1795850000000 implements MigrationInterface {
  name = 'Accounts1795850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true`);
    await q.query(
      `ALTER TABLE users ADD COLUMN token_generation integer NOT NULL DEFAULT 0 CHECK (token_generation >= 0)`,
    );
    await q.query(`ALTER TABLE users ADD COLUMN surviving_token_id uuid`);
    // The alliance admin's unfiltered listing orders by (created_at, id); institution listings already
    // have users_institution_idx (institution_id, created_at, id).
    await q.query(`CREATE INDEX users_created_idx ON users (created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX users_created_idx`);
    await q.query(`ALTER TABLE users DROP COLUMN surviving_token_id`);
    await q.query(`ALTER TABLE users DROP COLUMN token_generation`);
    await q.query(`ALTER TABLE users DROP COLUMN active`);
  }
}
