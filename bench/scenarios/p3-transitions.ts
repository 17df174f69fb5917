// P3 POST /api/proposals/:id/events transitions/s: PARTNER_APPROVEs over many proposals, each with a
// lead and two partners (so every decision appends to 3 audit chains, cancels the decider's reminder
// rows and, for the second approval, enters qualityReview and writes the quality officers' rows).
// Baseline: pgbench running the statements of one such transition (checked against what the app sends,
// captured through a recording proxy) with the same number of clients. App and pgbench runs alternate
// (best of each counts). Also: p99 at half the app's max rate (open loop; pgbench --rate at the same
// rate for its baseline) and the API's peak RSS under this load.
import { randomBytes, randomUUID } from 'node:crypto';
import { ApiClient } from '../support/api-client.js';
import { DbActivitySampler, type ActivityReport } from '../support/db-activity.js';
import { cloneProposals, type Clone } from '../support/fixtures.js';
import { closedLoop, openLoop, type RequestSpec } from '../support/http-load.js';
import { runPgbench } from '../support/pgbench.js';
import { memoryOf, UsageSampler, type UsageReport } from '../support/processes.js';
import { figure, type Figure } from '../support/report.js';
import { withCaptureApi } from '../support/capture-api.js';
import { statementSignature } from '../support/sql-capture.js';
import type { PhaseContext } from './phase.js';

/** HTTP connections of the app run = pgbench clients. */
export const CLIENTS = 16;
/** A proposal's second approval is queued this many requests after its first: a steady 50/50 mix. */
const LAG = 64;
const PGBENCH_PROPOSALS = 2000;

const COMMENT = 'Fits our programme.';

/** Both partners' approvals of each clone, interleaved so first and second approvals alternate. */
function transitionQueue(p: PhaseContext, clones: Clone[]): { next: () => RequestSpec | null } {
  const list: RequestSpec[] = [];
  const approve = (c: Clone, partner: string, withComment: boolean): RequestSpec => ({
    method: 'POST',
    path: `/api/proposals/${c.id}/events`,
    headers: { authorization: `Bearer ${p.world.reviewers.get(partner)!.token}` },
    body: JSON.stringify({ type: 'PARTNER_APPROVE', ...(withComment ? { comment: COMMENT } : {}) }),
  });
  for (let i = 0; i < clones.length + LAG; i++) {
    if (i < clones.length) list.push(approve(clones[i], clones[i].triple.partners[0], i % 2 === 0));
    if (i >= LAG) list.push(approve(clones[i - LAG], clones[i - LAG].triple.partners[1], i % 2 === 1));
  }
  let i = 0;
  return { next: () => (i < list.length ? list[i++] : null) };
}

function mustNext(q: { next: () => RequestSpec | null }): () => RequestSpec {
  return () => {
    const r = q.next();
    if (!r) throw new Error('P3 ran out of prepared transitions');
    return r;
  };
}

export async function runP3(p: PhaseContext, idleRssMiB: number | null): Promise<Figure[]> {
  const { sizes } = p.ctx.options;
  const db = p.ctx.db();

  // Warm-up on proposals of its own; it also tells how many proposals the measured runs need.
  const warm = transitionQueue(p, await cloneProposals(db, p.reviewTemplates, 1500));
  const warmRun = await closedLoop({
    url: p.api.url,
    connections: CLIENTS,
    durationS: sizes.warmupS,
    request: mustNext(warm),
  });
  const estimate = Math.max(50, warmRun.okPerSecond);
  const amount = Math.round(estimate * 1.3 * sizes.transitionsS);
  // The half-load run adds its 2 s warm-up at half the rate.
  const needed =
    Math.ceil((sizes.rounds * amount + estimate * (sizes.latencyS + 2) + 2 * LAG + CLIENTS) / 2) + 100;
  const queue = transitionQueue(p, await cloneProposals(db, p.reviewTemplates, needed));
  p.log(`P3 warm-up ${Math.round(estimate)} transitions/s; ${needed} proposals prepared`);

  const statements = await checkStatements(p);
  const targets = await prepareTargets(p);
  const script = pgbenchScript();
  const variables = { targets, newhash: randomBytes(32).toString('hex'), requestid: randomUUID() };
  await p.ctx.settle();

  const appRuns: Array<
    Awaited<ReturnType<typeof closedLoop>> & { usage: UsageReport; dbActivity: ActivityReport }
  > = [];
  const pgRuns: Array<
    Awaited<ReturnType<typeof runPgbench>> & { usage: UsageReport; dbActivity: ActivityReport }
  > = [];
  for (let round = 0; round < sizes.rounds; round++) {
    await p.ctx.quiet('P3 app');
    let sampler = new UsageSampler({ api: p.api.pid }).start();
    let activity = new DbActivitySampler(db).start();
    const run = await closedLoop({ url: p.api.url, connections: CLIENTS, amount, request: mustNext(queue) });
    appRuns.push({ ...run, usage: sampler.stop(), dbActivity: activity.stop() });
    await p.ctx.quiet('P3 pgbench');
    sampler = new UsageSampler({}).start();
    activity = new DbActivitySampler(db).start();
    const pg = await runPgbench({
      script,
      databaseUrl: p.ctx.databaseUrl,
      clients: CLIENTS,
      threads: 2,
      durationS: sizes.transitionsS,
      variables,
    });
    pgRuns.push({ ...pg, usage: sampler.stop(), dbActivity: activity.stop() });
  }
  const maxRun = [...appRuns].sort((a, b) => b.okPerSecond - a.okPerSecond)[0];
  const pgMax = [...pgRuns].sort((a, b) => b.tps - a.tps)[0];

  const halfRate = Math.max(1, Math.round(maxRun.okPerSecond / 2));
  await p.ctx.quiet('P3 app half load');
  const halfSampler = new UsageSampler({ api: p.api.pid }).start();
  const halfRun = await openLoop({
    url: p.api.url,
    rate: halfRate,
    durationS: sizes.latencyS,
    next: queue.next,
  });
  const halfUsage = halfSampler.stop();
  const hwm = memoryOf(p.api.pid)?.hwmMiB ?? null;
  if (appRuns.some((r) => r.non2xx) || halfRun.non2xx)
    p.log(
      `P3 warning: non-2xx answers ${JSON.stringify(appRuns.map((r) => r.statusCodes))} ${JSON.stringify(halfRun.statusCodes)}`,
    );
  await p.ctx.quiet('P3 pgbench half load');
  const pgHalf = await runPgbench({
    script,
    databaseUrl: p.ctx.databaseUrl,
    clients: CLIENTS,
    threads: 2,
    durationS: sizes.latencyS,
    rate: halfRate,
    variables,
  });
  if (pgRuns.some((r) => r.failed) || pgHalf.failed)
    p.log(
      `P3 warning: pgbench failed transactions ${pgRuns.map((r) => r.failed).join('/')}/${pgHalf.failed}`,
    );

  const peakRss = Math.max(...appRuns.map((r) => r.usage.peakRssMiB.api ?? 0), halfUsage.peakRssMiB.api ?? 0);
  p.record('P3', {
    clients: CLIENTS,
    warmup: warmRun,
    app: maxRun,
    appRuns: appRuns.map((r) => Math.round(r.okPerSecond)),
    appHalf: { ...halfRun, usage: halfUsage },
    pgbench: { ...pgMax, output: undefined },
    pgbenchRuns: pgRuns.map((r) => Math.round(r.tps)),
    pgbenchHalf: { tps: pgHalf.tps, failed: pgHalf.failed, latencyMs: pgHalf.latencyMs },
    pgbenchScript: script,
    statementsMatch: statements.matches,
    appStatements: statements.app,
    rss: { idleMiB: idleRssMiB, peakMiB: peakRss, hwmMiB: hwm },
  });
  return [
    figure({
      id: 'P3',
      name: 'PARTNER_APPROVE transitions',
      unit: '/s',
      value: maxRun.okPerSecond,
      baseline: pgMax.tps,
      baselineName: `pgbench, same statements, ${CLIENTS} clients`,
      goal: { on: 'ratio', op: '>=', target: 0.5 },
      ...(statements.matches ? {} : { note: 'pgbench script out of date with the app (see log)' }),
    }),
    figure({
      id: 'P3',
      name: `p99 @ half load (${halfRate}/s)`,
      unit: 'ms',
      value: halfRun.latencyMs.p99,
      baseline: pgHalf.latencyMs.p99,
      baselineName: `pgbench --rate ${halfRate}`,
      goal: { on: 'value', op: '<=', target: 200, unit: 'ms' },
    }),
    figure({
      id: 'RSS',
      name: 'API peak RSS under P3 load',
      unit: 'MiB',
      value: peakRss,
      baseline: idleRssMiB,
      baselineName: 'same process idle after start-up',
      goal: null,
    }),
  ];
}

/**
 * Proposals of pgbench's own (clones, like the app's) and, per proposal, one row per partner: the
 * actor, its user, the sorted involved institutions (the audit heads it locks) and the party key
 * that stays pending after its approval.
 */
async function prepareTargets(p: PhaseContext): Promise<number> {
  const db = p.ctx.db();
  const clones = await cloneProposals(db, p.reviewTemplates, PGBENCH_PROPOSALS);
  const rows = clones.flatMap((c, k) =>
    c.triple.partners.map((actor, j) => ({
      n: 2 * k + j + 1,
      id: c.id,
      actorInst: actor,
      actorUser: p.world.reviewers.get(actor)!.id,
      involved: `{${[...new Set([c.triple.lead, ...c.triple.partners])].sort().join(',')}}`,
      keep: j === 0 ? `{partner-${c.triple.partners[1]}}` : '{quality}',
    })),
  );
  await db.query(`DROP TABLE IF EXISTS bench_p3_targets`);
  await db.query(
    `CREATE TABLE bench_p3_targets (n int PRIMARY KEY, proposal_id uuid NOT NULL, actor_inst text NOT NULL,
       actor_user uuid NOT NULL, involved text NOT NULL, keep text NOT NULL)`,
  );
  await db.query(
    `INSERT INTO bench_p3_targets SELECT * FROM unnest($1::int[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[])`,
    [
      rows.map((r) => r.n),
      rows.map((r) => r.id),
      rows.map((r) => r.actorInst),
      rows.map((r) => r.actorUser),
      rows.map((r) => r.involved),
      rows.map((r) => r.keep),
    ],
  );
  await db.query('ANALYZE bench_p3_targets');
  return rows.length;
}

const PROPOSAL_COLUMNS = `id, reference, lead_institution_id AS "leadInstitutionId",
  partner_institution_ids AS "partnerInstitutionIds", involved_countries AS "involvedCountries",
  agency_visible AS "agencyVisible", quality_visible AS "qualityVisible", state, workflow_id AS "workflowId", workflow_version AS "workflowVersion",
  snapshot, version, revision, content, created_by AS "createdBy", created_at AS "createdAt", updated_at AS "updatedAt"`;

const SCHEDULE_COLUMNS = `id, proposal_id AS "proposalId", stage_entry AS "stageEntry", state, party_key AS "partyKey", kind, attempt,
  due_at AS "dueAt", status`;

const AUDIT_INSERT_COLUMNS = `institution_id, seq, at, proposal_id, proposal_reference, actor_id, actor_institution_id,
  actor_role, action, from_state, to_state, revision, data, request_id, client_ip, prev_hash, hash`;

/** One statement of the script; `only` limits it to first approvals or to second approvals (stage change). */
interface Step {
  sql: string;
  gset?: string;
  only?: 'first' | 'second';
}

const update = (state: string): string => `UPDATE proposals AS p SET state = ${state}, snapshot = :snapshot,
  revision = :revision, content = :content, partner_institution_ids = :partnerInstitutionIds,
  involved_countries = :involvedCountries, agency_visible = :agencyVisible,
  quality_visible = :qualityVisible, version = version + 1, updated_at = now(),
  state_entered_at = CASE WHEN p.state IS DISTINCT FROM ${state} THEN now() ELSE p.state_entered_at END
  WHERE id = :id AND version = :version RETURNING ${PROPOSAL_COLUMNS}`;

/**
 * One transition's statements, in the app's order and round trips (the run checks that order against
 * what the app sends, see checkStatements): lock the proposal, compare-and-set update, decision,
 * reminder cancel, [first rows of the next stage], the audit append (heads locked in id order, hashed,
 * inserted and moved in one statement), COMMIT, then the read of pending reminder times for the answer. Where pgbench cannot
 * pass what the app computes in JavaScript between statements, a statement keeps its work and changes
 * its form, which makes this baseline, if anything, slightly cheaper than the app's:
 *  - the proposal and actor come from bench_p3_targets, joined into the locking SELECT (one round trip);
 *  - the audit append builds a shorter canonical template in SQL (the app sends one per chain);
 *  - half of the transactions change state and insert the two quality rows (the app's second approvals);
 *    the stage entry is random, so each cancel finds whatever earlier runs left pending;
 *  - ':' cannot appear in a literal (pgbench would take ':MI' for a variable): to_char's format is
 *    spelled with chr(58).
 */
const STEPS: Step[] = [
  {
    // The per-request account check of the auth guard (src/auth/current-user.service.ts), for the actor.
    sql: `SELECT u.institution_id, u.roles, u.active, u.token_generation, u.surviving_token_id,
    EXISTS (SELECT 1 FROM deputies d WHERE d.deputy_id = u.id AND d.ends_at > now()) AS deputy_now
  FROM users u WHERE u.id = (SELECT actor_user FROM bench_p3_targets WHERE n = :n)`,
  },
  { sql: 'START TRANSACTION' },
  {
    sql: `SELECT ${PROPOSAL_COLUMNS}, t.actor_inst, t.actor_user, t.involved, t.keep
  FROM proposals p JOIN bench_p3_targets t ON t.proposal_id = p.id
  CROSS JOIN LATERAL pg_advisory_xact_lock(hashtextextended(p.id::text, 0)) WHERE t.n = :n FOR UPDATE OF p`,
    gset: '',
  },
  { sql: update(':state'), gset: 'new_', only: 'first' },
  {
    sql: update(`CASE WHEN state = 'partnerReview' THEN 'qualityReview' ELSE 'partnerReview' END`),
    gset: 'new_',
    only: 'second',
  },
  {
    sql: `INSERT INTO decisions (proposal_id, proposal_version, revision, event, from_state, to_state, actor_id,
  actor_institution_id, actor_role, payload, stage_entered_at, lead_institution_id)
  SELECT :id, :new_version, :new_revision, 'PARTNER_APPROVE', :state, :new_state, :actor_user, :actor_inst,
  'reviewer', ('{"comment"' || chr(58) || '"${COMMENT}"}')::jsonb, coalesce(
  (SELECT e.created_at FROM decisions e WHERE e.proposal_id = :id AND e.proposal_version < :new_version
     AND e.from_state IS DISTINCT FROM e.to_state ORDER BY e.proposal_version DESC LIMIT 1),
  p.created_at), p.lead_institution_id FROM proposals p WHERE p.id = :id`,
  },
  {
    sql: `UPDATE reminder_schedule SET status = 'cancelled'
  WHERE proposal_id = :id AND status = 'pending' AND (stage_entry <> :se OR NOT (party_key = ANY (:keep::text[])))
  RETURNING id`,
  },
  {
    sql: `INSERT INTO reminder_schedule AS r (proposal_id, stage_entry, state, party_key, kind, attempt, due_at)
  SELECT :id, :se, 'qualityReview', v.party_key, v.kind, v.attempt, now() + v.delay_ms * interval '1 millisecond'
  FROM unnest('{quality,quality}'::text[], '{reminder,escalation}'::text[], '{1,1}'::int[],
    '{432000000,1209600000}'::bigint[]) AS v(party_key, kind, attempt, delay_ms)
  ON CONFLICT DO NOTHING
  RETURNING ${SCHEDULE_COLUMNS}`,
    only: 'second',
  },
  {
    // The app's append: heads locked in id order, seq and time taken, the markers of its canonical
    // template replaced, SHA-256 in PostgreSQL, entries inserted and heads moved, in one statement.
    sql: `WITH v AS (SELECT inst AS institution_id, '{"action"' || chr(58) || '"PARTNER_APPROVE","at"' || chr(58) || '"@@at@@","seq"' || chr(58) || '"@@seq@@","data"' || chr(58) || '{"comment"' || chr(58) || '"${COMMENT}"}}' AS template
    FROM unnest(:involved::text[]) AS inst),
  heads AS (SELECT institution_id, seq, hash FROM audit_heads WHERE institution_id = ANY (:involved::text[]) ORDER BY institution_id FOR UPDATE),
  t AS (SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || chr(58) || 'MI' || chr(58) || 'SS.MS"Z"') AS at),
  next AS (SELECT h.institution_id, h.seq + 1 AS seq, h.hash AS prev_hash, t.at,
    replace(replace(v.template, '"@@seq@@"', (h.seq + 1)::text), '"@@at@@"', '"' || t.at || '"') AS canonical
    FROM heads h JOIN v USING (institution_id) CROSS JOIN t),
  hashed AS (SELECT n.*, encode(sha256(convert_to(n.prev_hash || n.canonical, 'UTF8')), 'hex') AS hash FROM next n),
  appended AS (INSERT INTO audit_entries (${AUDIT_INSERT_COLUMNS}, canonical)
    SELECT institution_id, seq, at::timestamptz, :id, :reference, :actor_user, :actor_inst, 'reviewer', 'PARTNER_APPROVE',
    :state, :new_state, :new_revision, '{"comment": "${COMMENT}"}', :requestid, '127.0.0.1', prev_hash, hash, canonical FROM hashed
    RETURNING institution_id, seq, hash)
  UPDATE audit_heads h SET seq = a.seq, hash = a.hash FROM appended a WHERE h.institution_id = a.institution_id
  RETURNING a.institution_id`,
  },
  { sql: 'COMMIT' },
  {
    sql: `SELECT party_key AS "partyKey", kind, min(due_at) AS "dueAt" FROM reminder_schedule
  WHERE proposal_id = :id AND status = 'pending' GROUP BY party_key, kind`,
  },
];

function pgbenchScript(): string {
  const lines = [
    '\\set n random(1, :targets)',
    '\\set second random(0, 1)',
    '\\set se random(1000, 2000000000)',
  ];
  for (const step of STEPS) {
    const sql = step.gset !== undefined ? `${step.sql} \\gset ${step.gset}`.trimEnd() : `${step.sql};`;
    if (step.only) lines.push(step.only === 'second' ? '\\if :second = 1' : '\\if :second = 0');
    lines.push(sql);
    if (step.only) lines.push('\\endif');
  }
  return `${lines.join('\n')}\n`;
}

/** The statement signatures of the script for a first and for a second approval. */
function scriptSignatures(kind: 'first' | 'second'): string[] {
  return STEPS.filter((s) => !s.only || s.only === kind).map((s) => statementSignature(s.sql));
}

/**
 * Sends one first and one second approval through an API process whose database connection runs
 * through a recording proxy, and compares what it sent with the script. A mismatch means the app
 * changed and the baseline no longer runs the same statements: the run says so loudly.
 */
async function checkStatements(
  p: PhaseContext,
): Promise<{ matches: boolean; app: Record<string, string[]> }> {
  const app: Record<string, string[]> = {};
  await withCaptureApi(p.ctx, async (api, recorder) => {
    const [clone] = await cloneProposals(p.ctx.db(), p.reviewTemplates, 1);
    const client = new ApiClient(api.url);
    for (const [i, kind] of (['first', 'second'] as const).entries()) {
      const from = recorder.statements.length;
      const token = p.world.reviewers.get(clone.triple.partners[i])!.token;
      await client.expect(200, 'POST', `/api/proposals/${clone.id}/events`, token, {
        type: 'PARTNER_APPROVE',
      });
      // LISTEN is the account cache's own connection starting to listen (first authenticated request).
      app[kind] = recorder.statements
        .slice(from)
        .map((st) => st.sql)
        .filter((sql) => !/^\s*listen\b/i.test(sql));
    }
  });
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const matches = (['first', 'second'] as const).every((k) =>
    same(app[k].map(statementSignature), scriptSignatures(k)),
  );
  if (!matches) {
    p.log('P3 WARNING: the pgbench script no longer matches the statements the app sends for a transition:');
    for (const k of ['first', 'second'] as const)
      p.log(
        `  ${k} approval: app [${app[k].map(statementSignature).join(' | ')}]\n           script [${scriptSignatures(k).join(' | ')}]`,
      );
  }
  return { matches, app };
}
