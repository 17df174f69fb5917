import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes whose order matches the request paths' ORDER BYs (keyset pages read one index range, newest
 * first, and stop after a page), and the permanent failure of a reminder recorded in PostgreSQL, so a
 * reconcile pass after Redis came back empty does not revive a job that failed for good.
 */
export class QueriesAtScale1795870000000 implements MigrationInterface {
  name = 'QueriesAtScale1795870000000';

  async up(q: QueryRunner): Promise<void> {
    // A state filter reads its state's rows in list order (replaces the plain state index).
    await q.query(`CREATE INDEX proposals_state_list_idx ON proposals (state, created_at DESC, id DESC)`);
    await q.query(`DROP INDEX proposals_state_idx`);
    // The quality officers' branch of the visibility rule, in list order.
    await q.query(
      `CREATE INDEX proposals_quality_list_idx ON proposals (created_at DESC, id DESC) WHERE quality_visible`,
    );
    // What a list item shows of the content, kept beside it so a page of the list reads no TOASTed
    // content (a list item is the title, not the whole document).
    await q.query(
      `ALTER TABLE proposals ADD COLUMN title text GENERATED ALWAYS AS
         (CASE WHEN jsonb_typeof(content -> 'title') = 'string' THEN content ->> 'title' END) STORED`,
    );
    // An alliance admin's user list without an institution filter.
    await q.query(`CREATE INDEX users_list_idx ON users (created_at, id)`);

    await q.query(`ALTER TABLE reminder_schedule DROP CONSTRAINT reminder_schedule_status_check`);
    await q.query(
      `ALTER TABLE reminder_schedule ADD CONSTRAINT reminder_schedule_status_check
         CHECK (status IN ('pending', 'delivered', 'cancelled', 'failed'))`,
    );
    await q.query(`ALTER TABLE reminder_schedule ADD COLUMN failed_at timestamptz(3)`);
    await q.query(`ALTER TABLE reminder_schedule ADD COLUMN last_error text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE reminder_schedule SET status = 'cancelled' WHERE status = 'failed'`);
    await q.query(`ALTER TABLE reminder_schedule DROP COLUMN last_error`);
    await q.query(`ALTER TABLE reminder_schedule DROP COLUMN failed_at`);
    await q.query(`ALTER TABLE reminder_schedule DROP CONSTRAINT reminder_schedule_status_check`);
    await q.query(
      `ALTER TABLE reminder_schedule ADD CONSTRAINT reminder_schedule_status_check
         CHECK (status IN ('pending', 'delivered', 'cancelled'))`,
    );
    await q.query(`DROP INDEX users_list_idx`);
    await q.query(`ALTER TABLE proposals DROP COLUMN title`);
    await q.query(`DROP INDEX proposals_quality_list_idx`);
    await q.query(`CREATE INDEX proposals_state_idx ON proposals (state)`);
    await q.query(`DROP INDEX proposals_state_list_idx`);
  }
}
