// P7's database: proposals in every state, made the way the rest of the bench makes them (templates
// driven through the API, so each snapshot is the machine's own for its state), then cloned set-based
// in SQL (generate_series) into 200,000 rows spread over leads, partner pairs, states and two years of
// creation times; delivered reminders with their notifications; and millions of audit entries.
import type pg from 'pg';
import type { ApiClient } from './api-client.js';
import { ADMIN, USER_PASSWORD } from './context.js';
import { triples, UNIVERSITIES, validContent, type World } from './fixtures.js';

/** States of the clones and their weights (of 100): a year's mix, most proposals finished. */
export const STATE_WEIGHTS: Record<string, number> = {
  draft: 12,
  partnerReview: 14,
  changesRequested: 5,
  qualityReview: 8,
  agencyAlignment: 6,
  approved: 5,
  published: 32,
  rejected: 6,
  withdrawn: 12,
};

export interface ScaleTemplate {
  id: string;
  state: string;
  lead: string;
}

/** Extra actors the later states need: a quality officer and one liaison per agency. */
async function reviewActors(api: ApiClient, adminToken: string, db: pg.Pool) {
  const { rows: agencies } = await db.query<{ id: string; country: string }>(
    `SELECT id, country FROM institutions WHERE kind = 'agency'`,
  );
  const make = async (institutionId: string, role: string, key: string) => {
    const email = `${key}@${institutionId}.bench`;
    await api.expect(201, 'POST', '/api/users', adminToken, {
      email,
      password: USER_PASSWORD,
      displayName: `Bench ${key}`,
      institutionId,
      roles: [role],
    });
    return api.login(email, USER_PASSWORD);
  };
  const quality = await make('4euplus', 'quality_officer', 'p7-quality');
  const liaisons = new Map<string, string>();
  for (const a of agencies) liaisons.set(a.country, await make(a.id, 'agency_liaison', `p7-liaison-${a.id}`));
  return { quality, liaisons };
}

/**
 * One template per (state, lead university), each driven through the API into its state with the
 * requests users send; partner pairs vary with the state.
 */
export async function createStateTemplates(
  api: ApiClient,
  world: World,
  db: pg.Pool,
): Promise<ScaleTemplate[]> {
  const admin = await api.login(ADMIN.email, ADMIN.password);
  const actors = await reviewActors(api, admin, db);
  const criteria = (await api.expect<Array<{ id: string }>>(200, 'GET', '/api/quality-criteria', admin)).map(
    (c) => ({ criterion: c.id, result: 'met' }),
  );
  const all = triples();
  const states = Object.keys(STATE_WEIGHTS);
  const jobs = states.flatMap((state, s) =>
    UNIVERSITIES.map((lead, l) => ({ state, triple: all[3 * l + (s % 3)] })),
  );
  const drive = async ({ state, triple }: (typeof jobs)[number]): Promise<ScaleTemplate> => {
    const proposer = world.proposers.get(triple.lead)!.token;
    const event = (token: string, body: Record<string, unknown>) =>
      api.expect<{ pending: Array<{ kind: string; country: string | null }> }>(
        200,
        'POST',
        `/api/proposals/${p.id}/events`,
        token,
        body,
      );
    const p = await api.expect<{ id: string }>(201, 'POST', '/api/proposals', proposer, {
      partnerInstitutionIds: triple.partners,
      content: validContent(triple.lead, triple.partners),
    });
    const done = () => ({ id: p.id, state, lead: triple.lead });
    if (state === 'draft') return done();
    if (state === 'withdrawn') {
      await event(proposer, { type: 'WITHDRAW', comment: 'Funding ended.' });
      return done();
    }
    await event(proposer, { type: 'SUBMIT' });
    if (state === 'partnerReview') return done();
    const [a, b] = triple.partners.map((i) => world.reviewers.get(i)!.token);
    if (state === 'changesRequested') {
      await event(a, { type: 'PARTNER_REQUEST_CHANGES', comment: 'Please add German sources.' });
      return done();
    }
    await event(a, { type: 'PARTNER_APPROVE' });
    await event(b, { type: 'PARTNER_APPROVE' });
    if (state === 'qualityReview') return done();
    if (state === 'rejected') {
      await event(actors.quality, { type: 'QUALITY_REJECT', comment: 'Not a micro-credential.' });
      return done();
    }
    let after = await event(actors.quality, { type: 'QUALITY_APPROVE', criteria });
    if (state === 'agencyAlignment') return done();
    for (const party of after.pending.filter((x) => x.kind === 'agency'))
      after = await event(actors.liaisons.get(party.country!)!, {
        type: 'AGENCY_CONFIRM',
        outcome: 'aligned',
      });
    if (state === 'approved') return done();
    await event(admin, { type: 'PUBLISH' });
    return done();
  };
  const out: ScaleTemplate[] = [];
  for (let i = 0; i < jobs.length; i += 6) out.push(...(await Promise.all(jobs.slice(i, i + 6).map(drive))));
  const { rows } = await db.query<{ id: string; state: string }>(
    `SELECT id, state FROM proposals WHERE id = ANY ($1::uuid[])`,
    [out.map((t) => t.id)],
  );
  const wrong = rows.filter((r) => r.state !== out.find((t) => t.id === r.id)!.state);
  if (wrong.length) throw new Error(`P7 templates not in their states: ${JSON.stringify(wrong)}`);
  return out;
}

export interface ScaleData {
  proposals: number;
  auditEntries: number;
  notifications: number;
  seconds: { proposals: number; notifications: number; audit: number; analyze: number; total: number };
}

/** Clones, reminders with notifications, and audit entries, all set-based in SQL. */
export async function generateScaleData(
  db: pg.Pool,
  templates: ScaleTemplate[],
  proposals: number,
  auditEntries: number,
): Promise<ScaleData> {
  const t0 = performance.now();
  const lap = (() => {
    let last = t0;
    return () => {
      const now = performance.now();
      const s = Math.round((now - last) / 100) / 10;
      last = now;
      return s;
    };
  })();
  // Each template as often as its state's weight: a weighted pick by index.
  const weighted = templates.flatMap((t) => Array<string>(STATE_WEIGHTS[t.state]).fill(t.id));
  // Clones (and their submitted revisions) in one statement; two years of creation times, newest first.
  await db.query(
    `WITH src AS MATERIALIZED (
       SELECT g, gen_random_uuid() AS id, ($1::uuid[])[1 + (g::bigint * 2654435761) % $3] AS tid,
              now() - interval '1 hour' - g * (interval '2 years' / $2) AS at,
              -- Days between two steps of this proposal's path (1 to 10), for its decisions' times.
              interval '1 day' * (1 + g % 10) AS gap
       FROM generate_series(1, $2::int) g),
     cloned AS (
       INSERT INTO proposals (id, reference, lead_institution_id, partner_institution_ids, involved_countries,
         agency_visible, quality_visible, state, workflow_id, workflow_version, snapshot, version, revision, content,
         created_by, created_at, updated_at, state_entered_at)
       SELECT s.id, 'MC-2098-' || lpad(s.g::text, 6, '0'), t.lead_institution_id, t.partner_institution_ids,
         t.involved_countries, t.agency_visible, t.quality_visible, t.state, t.workflow_id, t.workflow_version,
         t.snapshot, t.version, t.revision, t.content, t.created_by, s.at, LEAST(s.at + t.version * s.gap, now()),
         LEAST(s.at + coalesce((SELECT max(d.proposal_version) FROM decisions d
                                WHERE d.proposal_id = t.id AND d.from_state IS DISTINCT FROM d.to_state), 0) * s.gap, now())
       FROM src s JOIN proposals t ON t.id = s.tid
       RETURNING id),
     -- The template's decisions (its path through the machine, made through the API), spread over
     -- the clone's life: what the analytics read.
     decided AS (
       INSERT INTO decisions (proposal_id, proposal_version, revision, event, from_state, to_state, actor_id,
         actor_institution_id, actor_role, created_at, payload, stage_entered_at, lead_institution_id)
       SELECT s.id, d.proposal_version, d.revision, d.event, d.from_state, d.to_state, d.actor_id,
         d.actor_institution_id, d.actor_role, LEAST(s.at + d.proposal_version * s.gap, now()), d.payload,
         LEAST(s.at + coalesce(d.entered_version, 0) * s.gap, now()), d.lead_institution_id
       FROM src s JOIN (
         SELECT t.*, max(t.proposal_version) FILTER (WHERE t.from_state IS DISTINCT FROM t.to_state)
           OVER (PARTITION BY t.proposal_id ORDER BY t.proposal_version
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS entered_version
         FROM decisions t) d ON d.proposal_id = s.tid)
     INSERT INTO proposal_revisions (proposal_id, revision, content, partner_institution_ids, submitted_by, submitted_at)
     SELECT s.id, r.revision, r.content, r.partner_institution_ids, r.submitted_by, s.at
     FROM src s JOIN proposal_revisions r ON r.proposal_id = s.tid`,
    [weighted, proposals, weighted.length],
  );
  const proposalsS = lap();
  // Two delivered reminders per partner of every clone waiting in partner review, each with a
  // notification for every reviewer of that partner (a reviewer's inbox of thousands, 70 % read).
  const { rowCount } = await db.query(
    `WITH s AS (
       INSERT INTO reminder_schedule (proposal_id, stage_entry, state, party_key, kind, attempt, due_at, status, delivered_at, created_at)
       SELECT p.id, 1, 'partnerReview', 'partner-' || pi, 'reminder', a, p.created_at + a * interval '3 days',
              'delivered', p.created_at + a * interval '3 days', p.created_at
       FROM proposals p CROSS JOIN unnest(p.partner_institution_ids) AS pi CROSS JOIN generate_series(1, 2) AS a
       WHERE p.reference LIKE 'MC-2098-%' AND p.state = 'partnerReview'
       RETURNING id, proposal_id, party_key, attempt, due_at)
     INSERT INTO notifications (user_id, schedule_id, kind, proposal_id, proposal_reference, state, party_key, title, body, created_at, read_at)
     SELECT u.id, s.id, 'reminder', s.proposal_id, p.reference, 'partnerReview', s.party_key,
            'Reminder: ' || p.reference || ' is waiting for ' || substr(s.party_key, 9) || ' in partner review',
            'Micro-credential proposal ' || p.reference || ' needs a decision. Reminder ' || s.attempt || '.',
            s.due_at, CASE WHEN hashtext(s.id::text) % 10 < 7 THEN s.due_at + interval '1 day' END
     FROM s JOIN proposals p ON p.id = s.proposal_id
     JOIN users u ON u.institution_id = substr(s.party_key, 9) AND 'reviewer' = ANY (u.roles)`,
  );
  const notificationsS = lap();
  // Audit entries, an equal share per university log, appended after what the API wrote: actions
  // mixed like the service's, each about a proposal the university is involved in. prev_hash links
  // each entry to the one before (the chain's shape), but the hashes are not SHA-256 over the
  // canonical text (md5 pairs, cheaper): P7 only searches, `verify` would report these logs broken.
  const share = Math.floor(auditEntries / UNIVERSITIES.length);
  // Building the secondary indexes once afterwards is several times faster than updating them row by
  // row; the primary key stays (each log is appended in seq order, at the right edge of the btree).
  const { rows: indexes } = await db.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes
     WHERE tablename = 'audit_entries' AND indexname <> 'audit_entries_pkey'`,
  );
  for (const ix of indexes) await db.query(`DROP INDEX ${ix.name}`);
  const appendLog = async (uni: string) => {
    const client = await db.connect();
    // A PostgreSQL restart (another suite's fault test) must fail the phase, not kill the bench.
    client.on('error', () => undefined);
    try {
      // The join and the seq order in memory, not in temporary files.
      await client.query(`SET work_mem = '128MB'`);
      await appendOne(client, uni);
      await client.query(`RESET work_mem`);
    } finally {
      client.release();
    }
  };
  const appendOne = (client: pg.PoolClient, uni: string) =>
    client.query(
      `WITH props AS MATERIALIZED (
         SELECT (row_number() OVER (ORDER BY p.created_at))::int - 1 AS k, p.id, p.reference FROM proposals p
         WHERE p.reference LIKE 'MC-2098-%' AND (p.lead_institution_id = $1 OR p.partner_institution_ids @> ARRAY[$1]::text[])),
       n AS (SELECT count(*)::int AS n FROM props),
       h AS (SELECT seq AS head, hash AS head_hash FROM audit_heads WHERE institution_id = $1),
       who AS (SELECT array_agg(id) AS actors FROM users WHERE institution_id = $1),
       e AS (
         SELECT h.head + g AS seq, g, h.head_hash, props.id, props.reference, who.actors[1 + g % cardinality(who.actors)] AS actor,
                (ARRAY['PARTNER_APPROVE','PARTNER_APPROVE','PARTNER_APPROVE','SUBMIT','SUBMIT','REMINDER','REMINDER','REMINDER',
                       'EDIT','EDIT','EDIT','CREATE','QUALITY_APPROVE','AGENCY_CONFIRM','ESCALATION','PUBLISH'])[1 + g % 16] AS action
         FROM generate_series(1, $2::int) AS g CROSS JOIN h CROSS JOIN n CROSS JOIN who
         JOIN props ON props.k = (g::bigint * 7919) % n.n)
       INSERT INTO audit_entries (institution_id, seq, at, proposal_id, proposal_reference, actor_id, actor_institution_id,
         actor_role, action, from_state, to_state, revision, data, request_id, client_ip, canonical, prev_hash, hash)
       SELECT $1, e.seq, now() + e.g * interval '1 millisecond', e.id, e.reference,
              CASE WHEN e.action IN ('REMINDER', 'ESCALATION') THEN NULL ELSE e.actor END,
              CASE WHEN e.action IN ('REMINDER', 'ESCALATION') THEN NULL ELSE $1 END,
              CASE WHEN e.action IN ('REMINDER', 'ESCALATION') THEN NULL ELSE 'reviewer' END,
              e.action, 'partnerReview', 'partnerReview', 1, '{}'::jsonb, NULL, NULL,
              json_build_object('action', e.action, 'seq', e.seq)::text,
              CASE WHEN e.g = 1 THEN e.head_hash ELSE md5($1 || (e.seq - 1)) || md5((e.seq - 1) || $1) END,
              md5($1 || e.seq) || md5(e.seq || $1)
       FROM e ORDER BY e.seq`,
      [uni, share],
    );
  // Two logs at a time (the machine's two cores).
  for (let i = 0; i < UNIVERSITIES.length; i += 2)
    await Promise.all(UNIVERSITIES.slice(i, i + 2).map(appendLog));
  await db.query(
    `UPDATE audit_heads SET seq = seq + $2, hash = md5(institution_id || (seq + $2)) || md5((seq + $2) || institution_id)
     WHERE institution_id = ANY ($1::text[])`,
    [UNIVERSITIES, share],
  );
  const c = await db.connect();
  c.on('error', () => undefined);
  try {
    await c.query(`SET maintenance_work_mem = '256MB'`);
    for (const ix of indexes) await c.query(ix.def);
    await c.query(`RESET maintenance_work_mem`);
  } finally {
    c.release();
  }
  const auditS = lap();
  await db.query(
    'ANALYZE proposals; ANALYZE proposal_revisions; ANALYZE reminder_schedule; ANALYZE notifications; ANALYZE audit_entries',
  );
  const analyzeS = lap();
  return {
    proposals,
    auditEntries: share * UNIVERSITIES.length,
    notifications: rowCount ?? 0,
    seconds: {
      proposals: proposalsS,
      notifications: notificationsS,
      audit: auditS,
      analyze: analyzeS,
      total: Math.round((performance.now() - t0) / 100) / 10,
    },
  };
}
