import { expect } from '@jest/globals';
import { Queue } from 'bullmq';
import type pg from 'pg';
import { ChainVerifier, type AuditEntry } from '../../src/audit/audit-chain.js';
import { AUDIT_COLUMNS } from '../../src/audit/audit.repository.js';
import { defaultWorkflowRegistry } from '../../workflows/registry.js';

/** A 2xx answer to POST /api/proposals/:id/events as the client saw it. */
export interface AcceptedEvent {
  proposalId: string;
  type: string;
  version: number;
}

/**
 * The guarantees of DESIGN.md section 9, checked in SQL after a scenario. Returns a list of
 * violations (empty when everything holds) so a failure names all of them at once.
 */
export async function checkInvariants(
  db: pg.Pool,
  opts: {
    accepted?: AcceptedEvent[];
    redis?: { url: string; prefix: string } | null;
    proposalIds?: string[];
  } = {},
): Promise<string[]> {
  const bad: string[] = [];
  const scope = opts.proposalIds ? `AND p.id = ANY ($1::uuid[])` : '';
  const params = opts.proposalIds ? [opts.proposalIds] : [];

  // 1. Every 2xx transition persisted exactly once, with version advanced by one.
  for (const a of opts.accepted ?? []) {
    const { rows } = await db.query(
      `SELECT event FROM decisions WHERE proposal_id = $1 AND proposal_version = $2`,
      [a.proposalId, a.version],
    );
    if (rows.length !== 1 || rows[0].event !== a.type)
      bad.push(`accepted ${a.type} v${a.version} of ${a.proposalId}: decisions ${JSON.stringify(rows)}`);
  }
  // version = 1 + decisions + content edits: nothing changed a proposal without a trace.
  const versions = await db.query(
    `SELECT p.id, p.version,
            (SELECT count(*) FROM decisions d WHERE d.proposal_id = p.id)::int AS decisions,
            (SELECT count(*) FROM audit_entries a WHERE a.proposal_id = p.id AND a.action = 'EDIT' AND a.institution_id = p.lead_institution_id)::int AS edits
     FROM proposals p WHERE TRUE ${scope}`,
    params,
  );
  for (const r of versions.rows)
    if (r.version !== 1 + r.decisions + r.edits)
      bad.push(`proposal ${r.id}: version ${r.version} but ${r.decisions} decisions + ${r.edits} edits`);
  const seqs = await db.query(
    `SELECT proposal_id, array_agg(proposal_version ORDER BY proposal_version) AS v FROM decisions d
     WHERE TRUE ${scope.replace('p.id', 'd.proposal_id')} GROUP BY 1`,
    params,
  );
  for (const r of seqs.rows)
    if (new Set(r.v).size !== r.v.length) bad.push(`proposal ${r.proposal_id}: duplicate decision versions`);

  // 2. Each transition has its entry in the log of every involved institution (lead, partners, actor).
  const missing = await db.query(
    `SELECT d.proposal_id, d.proposal_version, d.event, inst
     FROM decisions d JOIN proposals p ON p.id = d.proposal_id
     CROSS JOIN LATERAL unnest(array_append(
       coalesce((SELECT pr.partner_institution_ids FROM proposal_revisions pr WHERE pr.proposal_id = d.proposal_id AND pr.revision = d.revision),
                p.partner_institution_ids) || p.lead_institution_id,
       d.actor_institution_id)) AS inst
     WHERE EXISTS (SELECT 1 FROM institutions i WHERE i.id = inst) ${scope}
       AND NOT EXISTS (SELECT 1 FROM audit_entries a WHERE a.institution_id = inst AND a.proposal_id = d.proposal_id
                         AND a.action = d.event AND a.actor_id = d.actor_id AND a.to_state = d.to_state AND a.revision = d.revision)`,
    params,
  );
  for (const r of missing.rows)
    bad.push(`no audit entry in ${r.inst} for ${r.event} v${r.proposal_version} of ${r.proposal_id}`);

  // 3. Every chain verifies, seq without gaps, head agrees: every chain, or with a scope, every chain the
  // scope's proposals wrote to (other suites tamper with logs of their own on purpose).
  const insts = opts.proposalIds
    ? await db.query(
        `SELECT DISTINCT institution_id AS id FROM audit_entries WHERE proposal_id = ANY ($1::uuid[]) ORDER BY 1`,
        [opts.proposalIds],
      )
    : await db.query(`SELECT id FROM institutions ORDER BY id`);
  for (const { id } of insts.rows) {
    const head = await db.query(`SELECT seq::int AS seq, hash FROM audit_heads WHERE institution_id = $1`, [
      id,
    ]);
    const { rows } = await db.query(
      `SELECT ${AUDIT_COLUMNS} FROM audit_entries WHERE institution_id = $1 ORDER BY seq`,
      [id],
    );
    const v = new ChainVerifier(id);
    for (const e of rows as AuditEntry[]) v.push(e);
    const result = v.finish(head.rows[0] ?? { seq: 0, hash: '0'.repeat(64) });
    if (!result.valid) bad.push(`audit chain of ${id} breaks at seq ${result.firstInvalidSeq}`);
  }

  // 4. Every owed reminder exists as a row (and, with Redis up, as a job).
  const registry = defaultWorkflowRegistry();
  const proposals = await db.query(
    `SELECT p.id, p.state, p.snapshot, p.workflow_id, p.workflow_version FROM proposals p WHERE TRUE ${scope}`,
    params,
  );
  const owed = await db.query(
    `SELECT r.id, r.proposal_id, r.party_key, r.kind, r.stage_entry, r.due_at FROM reminder_schedule r
     JOIN proposals p ON p.id = r.proposal_id WHERE r.status = 'pending' ${scope}`,
    params,
  );
  for (const p of proposals.rows) {
    // 6. Every stored snapshot is a valid state of the machine version it records.
    let parties: Array<{ key: string; reminded: boolean }> = [];
    let stageEntry = 0;
    try {
      const def = registry.get(p.workflow_id, p.workflow_version);
      const snap = def.restore(p.snapshot);
      if (def.stateOf(snap) !== p.state)
        bad.push(`proposal ${p.id}: state column ${p.state} but snapshot ${def.stateOf(snap)}`);
      parties = def.pendingParties(snap);
      stageEntry = (snap as unknown as { context: { stageEntry: number } }).context.stageEntry;
    } catch (e) {
      bad.push(
        `proposal ${p.id}: snapshot does not restore on ${p.workflow_id}@${p.workflow_version}: ${(e as Error).message}`,
      );
      continue;
    }
    for (const party of parties.filter((x) => x.reminded)) {
      const has = owed.rows.some(
        (r) =>
          r.proposal_id === p.id &&
          r.party_key === party.key &&
          r.kind === 'reminder' &&
          r.stage_entry === stageEntry,
      );
      if (!has) bad.push(`proposal ${p.id} (${p.state}): no owed reminder for pending ${party.key}`);
    }
  }
  if (opts.redis) {
    const queue = new Queue('reminders', { connection: { url: opts.redis.url }, prefix: opts.redis.prefix });
    try {
      const soon = Date.now() + 50_000;
      for (const r of owed.rows) {
        if (new Date(r.due_at).getTime() > soon) continue;
        const state = await queue.getJobState(`rem-${r.id}`);
        if (!['delayed', 'waiting', 'active', 'prioritized', 'waiting-children'].includes(state))
          bad.push(`owed reminder ${r.id} has no job (${state})`);
      }
    } finally {
      await queue.close();
    }
  }

  // 5. No party got two notifications for one due time.
  const dup = await db.query(
    `SELECT schedule_id, user_id FROM notifications WHERE schedule_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1`,
  );
  for (const r of dup.rows) bad.push(`two notifications for schedule ${r.schedule_id} and user ${r.user_id}`);
  return bad;
}

export async function expectInvariants(
  db: pg.Pool,
  opts: Parameters<typeof checkInvariants>[1] = {},
): Promise<void> {
  expect(await checkInvariants(db, opts)).toEqual([]);
}
