import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Safe retries (DESIGN.md section 10.1): the answer to a change sent with an Idempotency-Key, stored in
 * the change's own transaction, so a retry after a lost answer gets the first answer back instead of a
 * second effect. One row per user and key; rows older than 24 hours no longer count and are purged.
 */
export class IdempotencyKeys1795860000000 implements MigrationInterface {
  name = 'IdempotencyKeys1795860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
        fingerprint bytea NOT NULL CHECK (length(fingerprint) = 32),
        status      smallint NOT NULL CHECK (status BETWEEN 200 AND 599),
        body        text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
