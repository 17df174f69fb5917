import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../database/returned-rows.js';

export interface ScheduleRow {
  id: string;
  proposalId: string;
  stageEntry: number;
  state: string;
  partyKey: string;
  kind: 'reminder' | 'escalation';
  attempt: number;
  dueAt: Date;
  status: 'pending' | 'delivered' | 'cancelled' | 'failed';
}

const COLUMNS = `id, proposal_id AS "proposalId", stage_entry AS "stageEntry", state, party_key AS "partyKey", kind, attempt,
  due_at AS "dueAt", status`;

export interface NewScheduleRow {
  partyKey: string;
  kind: 'reminder' | 'escalation';
  attempt: number;
  delayMs: number;
}

/** Named queries of the reminder schedule (PostgreSQL is the record of what is owed). */
@Injectable()
export class ReminderRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Due times from the database clock, so every process agrees. Idempotent on the unique key. */
  async insert(
    em: EntityManager,
    proposalId: string,
    stageEntry: number,
    state: string,
    rows: NewScheduleRow[],
  ): Promise<ScheduleRow[]> {
    if (rows.length === 0) return [];
    return em.query(
      `INSERT INTO reminder_schedule AS r (proposal_id, stage_entry, state, party_key, kind, attempt, due_at)
       SELECT $1, $2, $3, v.party_key, v.kind, v.attempt, now() + v.delay_ms * interval '1 millisecond'
       FROM unnest($4::text[], $5::text[], $6::int[], $7::bigint[]) AS v(party_key, kind, attempt, delay_ms)
       ON CONFLICT DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        proposalId,
        stageEntry,
        state,
        rows.map((r) => r.partyKey),
        rows.map((r) => r.kind),
        rows.map((r) => r.attempt),
        rows.map((r) => r.delayMs),
      ],
    );
  }

  /** Cancels what is no longer owed: other stage entries, and parties that are no longer pending. */
  async cancelStale(
    em: EntityManager,
    proposalId: string,
    stageEntry: number,
    pendingKeys: string[],
  ): Promise<string[]> {
    const rows: Array<{ id: string }> = await em.query(
      `UPDATE reminder_schedule SET status = 'cancelled'
       WHERE proposal_id = $1 AND status = 'pending' AND (stage_entry <> $2 OR NOT (party_key = ANY ($3::text[])))
       RETURNING id`,
      [proposalId, stageEntry, pendingKeys],
    );
    return returnedRows<{ id: string }>(rows).map((r) => r.id);
  }

  /** The row's proposal, read without a lock: the caller locks the proposal before the row. */
  async proposalOf(em: EntityManager, id: string): Promise<string | null> {
    const rows: Array<{ proposalId: string }> = await em.query(
      `SELECT proposal_id AS "proposalId" FROM reminder_schedule WHERE id = $1`,
      [id],
    );
    return rows[0]?.proposalId ?? null;
  }

  async lock(em: EntityManager, id: string): Promise<ScheduleRow | null> {
    const rows: ScheduleRow[] = await em.query(
      `SELECT ${COLUMNS} FROM reminder_schedule WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] ?? null;
  }

  async markDelivered(em: EntityManager, id: string): Promise<void> {
    await em.query(`UPDATE reminder_schedule SET status = 'delivered', delivered_at = now() WHERE id = $1`, [
      id,
    ]);
  }

  async markCancelled(em: EntityManager, id: string): Promise<void> {
    await em.query(`UPDATE reminder_schedule SET status = 'cancelled' WHERE id = $1`, [id]);
  }

  /** Pending rows due before `horizon` (the reconciler re-adds their timers). */
  async pendingDueBefore(
    horizon: Date,
    afterId: string | null,
    limit: number,
  ): Promise<Array<Pick<ScheduleRow, 'id' | 'dueAt'>>> {
    return this.dataSource.query(
      `SELECT id, due_at AS "dueAt" FROM reminder_schedule
       WHERE status = 'pending' AND due_at < $1 AND ($2::uuid IS NULL OR id > $2::uuid)
       ORDER BY id LIMIT $3`,
      [horizon, afterId, limit],
    );
  }

  /** Next reminder and escalation per pending party of the proposal's current stage entry. */
  async nextTimes(
    proposalId: string,
    em: EntityManager = this.dataSource.manager,
  ): Promise<Array<{ partyKey: string; kind: string; dueAt: Date }>> {
    return em.query(
      `SELECT party_key AS "partyKey", kind, min(due_at) AS "dueAt" FROM reminder_schedule
       WHERE proposal_id = $1 AND status = 'pending' GROUP BY party_key, kind`,
      [proposalId],
    );
  }

  /** nextTimes for several proposals in one statement (a page of the inbox). */
  async nextTimesOfMany(
    proposalIds: string[],
  ): Promise<Array<{ proposalId: string; partyKey: string; kind: string; dueAt: Date }>> {
    if (proposalIds.length === 0) return [];
    return this.dataSource.query(
      `SELECT proposal_id AS "proposalId", party_key AS "partyKey", kind, min(due_at) AS "dueAt"
       FROM reminder_schedule
       WHERE proposal_id = ANY ($1::uuid[]) AND status = 'pending' GROUP BY proposal_id, party_key, kind`,
      [proposalIds],
    );
  }

  /** Which of these rows are still owed. */
  async pendingAmong(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM reminder_schedule WHERE id = ANY ($1::uuid[]) AND status = 'pending'`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** A delivery that can never succeed: no reconcile pass re-adds or retries this row again. */
  async markFailed(id: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE reminder_schedule SET status = 'failed', failed_at = now(), last_error = left($2, 1000)
       WHERE id = $1 AND status = 'pending'`,
      [id, error],
    );
  }
}
