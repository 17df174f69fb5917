import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Decisions keep their payload as one JSON object validated by the workflow definition's schema for
 * the event, instead of one column per field of the review machine's events (issue 12). The existing
 * columns move into `payload` under their API names (comment, criteria, outcome, conditions, nqfLevel,
 * reference), null columns left out; `down` moves them back. Decisions are immutable, so the trigger
 * that refuses updates is switched off for the move only.
 */
export class DecisionPayloads1795910000000 implements MigrationInterface {
  name = 'DecisionPayloads1795910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE decisions ADD COLUMN payload jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`ALTER TABLE decisions DISABLE TRIGGER decisions_immutable`);
    await q.query(`
      UPDATE decisions SET payload = jsonb_strip_nulls(jsonb_build_object(
        'comment', comment, 'criteria', criteria, 'outcome', outcome, 'conditions', conditions,
        'nqfLevel', nqf_level, 'reference', external_reference))`);
    await q.query(`ALTER TABLE decisions ENABLE TRIGGER decisions_immutable`);
    await q.query(
      `ALTER TABLE decisions ADD CONSTRAINT decisions_payload_object CHECK (jsonb_typeof(payload) = 'object')`,
    );
    await q.query(`ALTER TABLE decisions ALTER COLUMN payload DROP DEFAULT`);
    for (const column of ['comment', 'criteria', 'outcome', 'conditions', 'nqf_level', 'external_reference'])
      await q.query(`ALTER TABLE decisions DROP COLUMN ${column}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE decisions ADD COLUMN comment text, ADD COLUMN criteria jsonb, ADD COLUMN outcome text,
        ADD COLUMN conditions text, ADD COLUMN nqf_level text, ADD COLUMN external_reference text`);
    await q.query(`ALTER TABLE decisions DISABLE TRIGGER decisions_immutable`);
    await q.query(`
      UPDATE decisions SET comment = payload->>'comment', criteria = payload->'criteria',
        outcome = payload->>'outcome', conditions = payload->>'conditions', nqf_level = payload->>'nqfLevel',
        external_reference = payload->>'reference'`);
    await q.query(`ALTER TABLE decisions ENABLE TRIGGER decisions_immutable`);
    await q.query(`ALTER TABLE decisions DROP COLUMN payload`);
  }
}
