import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When each stage was entered, kept where the analytics read it (issue 14, bench P8 over P7's data):
 * `proposals.state_entered_at` (the current stage's entry: waiting since, overdue) and
 * `decisions.stage_entered_at` (when the proposal entered the state the decision was taken in, so a
 * decision that moves the proposal on closes a visit of known length without reading the proposal's
 * earlier decisions), and the decision's lead institution (fixed for a proposal's life), so the
 * alliance-wide figures read the decisions' index alone. All are written by the engine in the transaction of the change
 * (ProposalsRepository.update / insertDecision); here they are derived from the decisions for the
 * rows that exist. Decisions are immutable, so their trigger is switched off for the backfill only.
 */
export class StageTimes1795930000000 implements MigrationInterface {
  name = 'StageTimes1795930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE decisions ADD COLUMN stage_entered_at timestamp(3) with time zone,
                   ADD COLUMN lead_institution_id text`);
    await q.query(`ALTER TABLE decisions DISABLE TRIGGER decisions_immutable`);
    // The latest state change before each decision (or the proposal's creation: it entered draft then).
    await q.query(`
      UPDATE decisions d SET stage_entered_at = x.entered, lead_institution_id = x.lead
      FROM (
        SELECT d2.id, p.lead_institution_id AS lead, coalesce(max(d2.created_at) FILTER (WHERE d2.from_state IS DISTINCT FROM d2.to_state)
                 OVER (PARTITION BY d2.proposal_id ORDER BY d2.proposal_version
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), p.created_at) AS entered
        FROM decisions d2 JOIN proposals p ON p.id = d2.proposal_id) x
      WHERE x.id = d.id`);
    await q.query(`ALTER TABLE decisions ENABLE TRIGGER decisions_immutable`);
    await q.query(`ALTER TABLE decisions ALTER COLUMN lead_institution_id SET NOT NULL`);
    await q.query(`ALTER TABLE proposals ADD COLUMN state_entered_at timestamp(3) with time zone`);
    await q.query(`
      UPDATE proposals p SET state_entered_at = coalesce(
        (SELECT d.created_at FROM decisions d
         WHERE d.proposal_id = p.id AND d.from_state IS DISTINCT FROM d.to_state
         ORDER BY d.proposal_version DESC LIMIT 1),
        p.created_at)`);
    await q.query(`ALTER TABLE proposals ALTER COLUMN state_entered_at SET DEFAULT now()`);
    await q.query(`ALTER TABLE proposals ALTER COLUMN state_entered_at SET NOT NULL`);
    // The state changes in a window (visits that ended, stages entered), read from the index alone:
    // decisions are never updated, so their pages stay all-visible and the scan skips the wide rows.
    await q.query(`CREATE INDEX decisions_stage_change_idx ON decisions (created_at)
                   INCLUDE (lead_institution_id, proposal_id, from_state, to_state, stage_entered_at)
                   WHERE from_state IS DISTINCT FROM to_state`);
    // Who waits in which stage since when, from the index alone.
    await q.query(`CREATE INDEX proposals_waiting_idx ON proposals (state)
                   INCLUDE (lead_institution_id, state_entered_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX proposals_waiting_idx`);
    await q.query(`DROP INDEX decisions_stage_change_idx`);
    await q.query(`ALTER TABLE proposals DROP COLUMN state_entered_at`);
    await q.query(`ALTER TABLE decisions DROP COLUMN stage_entered_at, DROP COLUMN lead_institution_id`);
  }
}
