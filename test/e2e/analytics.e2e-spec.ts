import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type pg from 'pg';
import type { Role } from '../../workflows/types.js';
import { VALID_CONTENT } from '../support/review-scenario.js';
import { bearer, startServer, testPool, type TestServer, type TestUser } from '../support/server.js';

jest.setTimeout(240_000);

// A university of this suite's own leads every proposal here, so the figures are exact whatever
// other suites write into the same database. Decisions are driven through HTTP, then their times are
// set to a known timeline (the immutability trigger is bypassed for that, as a test fixture only).
const X = `an${randomUUID().slice(0, 6)}`;
const H = 3_600_000;
const WINDOW = 'from=2026-06-01T00:00:00Z&to=2026-09-01T00:00:00Z';
const { revenueShares: _shares, ...CONTENT } = VALID_CONTENT;

let t: TestServer;
let db: pg.Pool;
const u: Record<string, TestUser> = {};
let allianceToken: string;
const ids: Record<string, string> = {};
const refs: Record<string, string> = {};

const as = (name: string) => bearer(name === 'alliance' ? allianceToken : u[name].token);

async function send(id: string, who: string, type: string, body: Record<string, unknown> = {}) {
  const res = await t
    .http()
    .post(`/api/proposals/${id}/events`)
    .set(as(who))
    .send({ type, ...body });
  if (res.status !== 200) throw new Error(`${who} ${type}: ${res.status} ${JSON.stringify(res.body)}`);
}

const allMet = async () => {
  const res = await t.http().get('/api/quality-criteria').set(as('alliance'));
  return { criteria: (res.body as Array<{ id: string }>).map((c) => ({ criterion: c.id, result: 'met' })) };
};

/** Sets the proposal's creation and its decisions (in version order) to these times. */
async function retime(id: string, createdAt: string, hoursAfter: number[]): Promise<void> {
  const c = await db.connect();
  try {
    await c.query('BEGIN');
    await c.query(`SET LOCAL session_replication_role = replica`);
    await c.query(`UPDATE proposals SET created_at = $2 WHERE id = $1`, [id, createdAt]);
    const { rowCount } = await c.query(
      `WITH d AS (SELECT id, row_number() OVER (ORDER BY proposal_version) AS n FROM decisions WHERE proposal_id = $1)
       UPDATE decisions SET created_at = $2::timestamptz + ($3::float8[])[d.n] * interval '1 hour'
       FROM d WHERE decisions.id = d.id`,
      [id, createdAt, hoursAfter],
    );
    expect(rowCount).toBe(hoursAfter.length);
    // The stage entry times kept beside them follow (the rule of migration 1795930000000-stage-times).
    await c.query(
      `UPDATE decisions d SET stage_entered_at = x.entered FROM (
         SELECT id, coalesce(max(created_at) FILTER (WHERE from_state IS DISTINCT FROM to_state)
           OVER (ORDER BY proposal_version ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), $2::timestamptz) AS entered
         FROM decisions WHERE proposal_id = $1) x
       WHERE d.id = x.id`,
      [id, createdAt],
    );
    await c.query(
      `UPDATE proposals SET state_entered_at = coalesce((SELECT created_at FROM decisions
         WHERE proposal_id = $1 AND from_state IS DISTINCT FROM to_state ORDER BY proposal_version DESC LIMIT 1), $2)
       WHERE id = $1`,
      [id, createdAt],
    );
    await c.query('COMMIT');
  } finally {
    c.release();
  }
}

async function create(key: string, partners: string[], title = `Analytics ${key}`): Promise<string> {
  const res = await t
    .http()
    .post('/api/proposals')
    .set(as('proposer'))
    .send({ partnerInstitutionIds: partners, content: { ...CONTENT, title } });
  expect(res.status).toBe(201);
  ids[key] = res.body.id;
  refs[key] = res.body.reference;
  return res.body.id as string;
}

beforeAll(async () => {
  t = await startServer({ WORKER: 'off' });
  db = testPool();
  allianceToken = await t.admin();
  const inst = await t
    .http()
    .post('/api/institutions')
    .set(as('alliance'))
    .send({ id: X, name: `Analytics ${X}`, kind: 'university', country: 'IT' });
  expect(inst.status).toBe(201);
  const specs: Array<[string, string, Role[]]> = [
    ['proposer', X, ['proposer']],
    ['admin', X, ['admin']],
    ['uhdReviewer', 'uhd', ['reviewer']],
    ['suReviewer', 'su', ['reviewer']],
    ['uhdAdmin', 'uhd', ['admin']],
    ['unimiAdmin', 'unimi', ['admin']],
    ['quality', '4euplus', ['quality_officer']],
    ['anvur', 'anvur', ['agency_liaison']],
    ['gac', 'gac', ['agency_liaison']],
  ];
  for (const [name, institution, roles] of specs) u[name] = await t.user(institution, roles, name);
  const met = await allMet();

  // P1: published. P2: approved, waits on its publisher. P3: waits in qualityReview.
  // P4: changes requested, resubmitted, waits in partnerReview. P5: rejected.
  const p1 = await create('P1', ['uhd']);
  await send(p1, 'proposer', 'SUBMIT');
  await send(p1, 'uhdReviewer', 'PARTNER_APPROVE');
  await send(p1, 'quality', 'QUALITY_APPROVE', met);
  await send(p1, 'anvur', 'AGENCY_CONFIRM', { outcome: 'aligned' });
  await send(p1, 'gac', 'AGENCY_CONFIRM', { outcome: 'aligned' });
  await send(p1, 'admin', 'PUBLISH');
  const p2 = await create('P2', ['uhd']);
  await send(p2, 'proposer', 'SUBMIT');
  await send(p2, 'uhdReviewer', 'PARTNER_APPROVE');
  await send(p2, 'quality', 'QUALITY_APPROVE', met);
  await send(p2, 'anvur', 'AGENCY_CONFIRM', { outcome: 'aligned' });
  await send(p2, 'gac', 'AGENCY_CONFIRM', { outcome: 'aligned' });
  const p3 = await create('P3', ['su'], '=HYPERLINK("http://evil.test")');
  await send(p3, 'proposer', 'SUBMIT');
  await send(p3, 'suReviewer', 'PARTNER_APPROVE');
  const p4 = await create('P4', ['uhd']);
  await send(p4, 'proposer', 'SUBMIT');
  await send(p4, 'uhdReviewer', 'PARTNER_REQUEST_CHANGES', { comment: 'More sources.' });
  await send(p4, 'proposer', 'SUBMIT');
  const p5 = await create('P5', ['su']);
  await send(p5, 'proposer', 'SUBMIT');
  await send(p5, 'suReviewer', 'PARTNER_APPROVE');
  await send(p5, 'quality', 'QUALITY_REJECT', { comment: 'Out of scope.' });

  // Hours after creation of each decision. Completed partnerReview visits: 10, 20, 30, 40, 50 h.
  await retime(p1, '2026-06-01T00:00:00Z', [1, 11, 21, 31, 41, 45]);
  await retime(p2, '2026-06-02T00:00:00Z', [1, 21, 41, 51, 61]);
  await retime(p3, '2026-07-01T00:00:00Z', [1, 31]);
  await retime(p4, '2026-07-02T00:00:00Z', [1, 41, 51]);
  await retime(p5, '2026-08-01T00:00:00Z', [1, 51, 61]);
  // P3's quality officers: reminded once, escalated, next reminder owed.
  await db.query(
    `UPDATE reminder_schedule SET status = 'delivered',
       delivered_at = CASE kind WHEN 'reminder' THEN '2026-07-07T07:00:00Z'::timestamptz ELSE '2026-07-16T07:00:00Z' END
     WHERE proposal_id = $1 AND party_key = 'quality' AND status = 'pending'`,
    [p3],
  );
  await db.query(
    `INSERT INTO reminder_schedule (proposal_id, stage_entry, state, party_key, kind, attempt, due_at)
     SELECT proposal_id, stage_entry, state, party_key, 'reminder', 2, '2030-01-01T00:00:00Z'
     FROM reminder_schedule WHERE proposal_id = $1 AND party_key = 'quality' AND kind = 'reminder'`,
    [p3],
  );
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

type StageRow = {
  stage: string;
  institutionId: string | null;
  entered: number;
  left: number;
  medianMs: number | null;
  p90Ms: number | null;
  waiting: number;
  overdue: number | null;
};

async function stages(
  who: string,
  query = `${WINDOW}&institutionId=${X}`,
): Promise<Record<string, StageRow>> {
  const res = await t.http().get(`/api/analytics/stages?${query}`).set(as(who));
  expect(res.status).toBe(200);
  return Object.fromEntries(
    (res.body.rows as StageRow[]).filter((r) => r.institutionId === null).map((r) => [r.stage, r]),
  );
}

describe('analytics of stages, throughput and waiting', () => {
  it('computes entered, left, median and p90 time in stage, waiting and overdue from the decisions', async () => {
    const res = await t.http().get(`/api/analytics/stages?${WINDOW}&institutionId=${X}`).set(as('alliance'));
    expect(res.body).toMatchObject({
      from: '2026-06-01T00:00:00.000Z',
      to: '2026-09-01T00:00:00.000Z',
      escalationAfterMs: 14 * 24 * H,
    });
    const row = (stage: string, institutionId: string | null) =>
      (res.body.rows as StageRow[]).find((r) => r.stage === stage && r.institutionId === institutionId);
    // percentile_cont: median of 10..50 h is 30 h; p90 is 40 + 0.6 × 10 = 46 h.
    expect(row('partnerReview', null)).toEqual({
      stage: 'partnerReview',
      institutionId: null,
      entered: 6,
      left: 5,
      medianMs: 30 * H,
      p90Ms: 46 * H,
      waiting: 1,
      overdue: 1,
    });
    expect(row('partnerReview', X)).toEqual({ ...row('partnerReview', null), institutionId: X });
    // Completed 10, 10, 20 h: median 10 h, p90 10 + 0.8 × 10 = 18 h.
    expect(row('qualityReview', null)).toMatchObject({
      entered: 4,
      left: 3,
      medianMs: 10 * H,
      p90Ms: 18 * H,
      waiting: 1,
      overdue: 1,
    });
    expect(row('agencyAlignment', null)).toMatchObject({
      entered: 2,
      left: 2,
      medianMs: 20 * H,
      p90Ms: 20 * H,
      waiting: 0,
      overdue: 0,
    });
    expect(row('changesRequested', null)).toMatchObject({
      entered: 1,
      left: 1,
      medianMs: 10 * H,
      waiting: 0,
    });
    expect(row('approved', null)).toMatchObject({
      entered: 2,
      left: 1,
      medianMs: 4 * H,
      waiting: 1,
      overdue: null,
    });
    expect(row('draft', null)).toMatchObject({
      entered: 5,
      left: 5,
      medianMs: 1 * H,
      p90Ms: 1 * H,
      waiting: 0,
    });
    // A window holding only July: partnerReview visits that ended then are P3's (30 h) and P4's first (40 h).
    const july = await stages(
      'alliance',
      `from=2026-07-01T00:00:00Z&to=2026-08-01T00:00:00Z&institutionId=${X}`,
    );
    expect(july.partnerReview).toMatchObject({ entered: 3, left: 2, medianMs: 35 * H, p90Ms: 39 * H });
  });

  it('counts monthly throughput: submitted, approved, published, rejected', async () => {
    const res = await t.http().get(`/api/analytics/throughput?${WINDOW}&institutionId=${X}`).set(as('admin'));
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([
      { month: '2026-06', submitted: 2, approved: 2, published: 1, rejected: 0 },
      { month: '2026-07', submitted: 3, approved: 0, published: 0, rejected: 0 },
      { month: '2026-08', submitted: 1, approved: 0, published: 0, rejected: 1 },
    ]);
  });

  it('lists every waiting proposal with its pending party, since when, reminders sent and escalation', async () => {
    const res = await t.http().get(`/api/analytics/waiting?institutionId=${X}`).set(as('quality'));
    expect(res.status).toBe(200);
    const items = res.body.items as Array<Record<string, unknown>>;
    expect(items.map((i) => [i.reference, i.state, i.partyKey])).toEqual([
      [refs.P2, 'approved', 'publisher'],
      [refs.P3, 'qualityReview', 'quality'],
      [refs.P4, 'partnerReview', 'partner-uhd'],
    ]);
    expect(items[0]).toMatchObject({
      since: '2026-06-04T13:00:00.000Z',
      remindersSent: 0,
      escalated: false,
      overdue: false,
    });
    expect(items[1]).toMatchObject({
      proposalId: ids.P3,
      partyKind: 'quality',
      since: '2026-07-02T07:00:00.000Z',
      remindersSent: 1,
      lastReminderAt: '2026-07-07T07:00:00.000Z',
      escalated: true,
      escalatedAt: '2026-07-16T07:00:00.000Z',
      nextReminderAt: '2030-01-01T00:00:00.000Z',
      overdue: true,
    });
    expect(items[2]).toMatchObject({
      partyKind: 'partner',
      since: '2026-07-04T03:00:00.000Z',
      remindersSent: 0,
      escalated: false,
      overdue: true,
    });
    expect(Number(items[2].waitingMs)).toBeGreaterThan(
      Date.now() - Date.parse('2026-07-04T03:00:00Z') - 60_000,
    );
  });

  it('answers each table as CSV on ?format=csv or Accept: text/csv, with formula cells neutralised', async () => {
    const csv = await t
      .http()
      .get(`/api/analytics/stages?${WINDOW}&institutionId=${X}&format=csv`)
      .set(as('admin'));
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('stage,institutionId,entered,left,medianMs,p90Ms,waiting,overdue');
    expect(lines).toContain(`partnerReview,,6,5,${30 * H},${46 * H},1,1`);
    const through = await t
      .http()
      .get(`/api/analytics/throughput?${WINDOW}&institutionId=${X}`)
      .set(as('admin'))
      .set('Accept', 'text/csv');
    expect(through.text.trim().split('\n')).toEqual([
      'month,submitted,approved,published,rejected',
      '2026-06,2,2,1,0',
      '2026-07,3,0,0,0',
      '2026-08,1,0,0,1',
    ]);
    const waiting = await t
      .http()
      .get(`/api/analytics/waiting?institutionId=${X}&format=csv`)
      .set(as('admin'));
    expect(waiting.text).toContain(`"'=HYPERLINK(""http://evil.test"")"`);
    expect(waiting.text).not.toMatch(/,"?=HYPERLINK/);
  });

  it('scopes every table to the proposals the caller may see, and refuses other roles', async () => {
    // Partner admin (uhd): P1, P2, P4. Completed partnerReview visits 10, 20, 40 h.
    expect((await stages('uhdAdmin')).partnerReview).toMatchObject({
      entered: 4,
      left: 3,
      medianMs: 20 * H,
      waiting: 1,
    });
    // Italian agency: only what reached agencyAlignment in an involved country (P1, P2).
    expect((await stages('anvur')).partnerReview).toMatchObject({
      entered: 2,
      left: 2,
      medianMs: 15 * H,
      waiting: 0,
    });
    // Uninvolved university admin: nothing.
    expect(await stages('unimiAdmin')).toEqual({});
    // Asked at the same moment, each caller still gets its own scope (identical questions share one
    // computation; callers who see different proposals never do).
    const callers = ['admin', 'uhdAdmin', 'anvur', 'unimiAdmin'];
    const alone = await Promise.all(callers.map((who) => stages(who)));
    for (let round = 0; round < 3; round++) {
      const together = await Promise.all([...callers, ...callers].map((who) => stages(who)));
      expect(together).toEqual([...alone, ...alone]);
    }
    const waiting = await t.http().get(`/api/analytics/waiting?institutionId=${X}`).set(as('anvur'));
    expect((waiting.body.items as Array<{ reference: string }>).map((i) => i.reference)).toEqual([refs.P2]);
    const uninvolved = await t
      .http()
      .get(`/api/analytics/throughput?${WINDOW}&institutionId=${X}`)
      .set(as('unimiAdmin'));
    expect(uninvolved.body.rows.map((r: { submitted: number }) => r.submitted)).toEqual([0, 0, 0]);
    for (const path of ['stages', 'throughput', 'waiting']) {
      for (const who of ['proposer', 'uhdReviewer'])
        expect([path, who, (await t.http().get(`/api/analytics/${path}`).set(as(who))).status]).toEqual([
          path,
          who,
          403,
        ]);
      expect((await t.http().get(`/api/analytics/${path}`)).status).toBe(401);
    }
    const bad = await t
      .http()
      .get('/api/analytics/stages?from=2026-09-01T00:00:00Z&to=2026-06-01T00:00:00Z')
      .set(as('admin'));
    expect([bad.status, bad.body.errors?.[0]?.field]).toEqual([400, 'to']);
  });
  it('answers the default window (whole UTC days up to now) for alliance staff as that window asked explicitly', async () => {
    // Alliance staff get the default window from the days that can no longer change (kept in memory)
    // plus the hours since; it must be the answer the single statement gives for the same window.
    const day = 24 * H;
    const midnight = Math.floor(Date.now() / day) * day;
    const iso = (ms: number) => new Date(ms).toISOString();
    const met = await allMet();
    const d1 = await create('D1', ['uhd']);
    await send(d1, 'proposer', 'SUBMIT');
    await send(d1, 'uhdReviewer', 'PARTNER_APPROVE');
    await send(d1, 'quality', 'QUALITY_APPROVE', met);
    await retime(d1, iso(midnight - 10 * day), [2, 30, 50]);
    const d2 = await create('D2', ['su']);
    await send(d2, 'proposer', 'SUBMIT');
    await send(d2, 'suReviewer', 'PARTNER_APPROVE');
    await retime(d2, iso(midnight - 3 * day), [5, 7.5]);
    const d3 = await create('D3', ['uhd']);
    await send(d3, 'proposer', 'SUBMIT');
    await send(d3, 'uhdReviewer', 'PARTNER_APPROVE');

    // The default window's answer, checked against the same window asked explicitly; `span` checks
    // the default window itself (from `to`).
    const defaultAsAsked = async (table: string, filter: string, span: (to: number) => number) => {
      const byDefault = await t.http().get(`/api/analytics/${table}?${filter}`).set(as('alliance'));
      expect(byDefault.status).toBe(200);
      const { from, to } = byDefault.body as { from: string; to: string };
      expect(from).toBe(iso(span(Date.parse(to))));
      const asked = await t
        .http()
        .get(`/api/analytics/${table}?from=${from}&to=${to}&${filter}`)
        .set(as('alliance'));
      expect(asked.body).toEqual(byDefault.body);
      return byDefault.body.rows as unknown[];
    };
    const compare = async (filter: string) =>
      (await defaultAsAsked('stages', filter, (to) => Math.floor((to - 90 * day) / day) * day)) as StageRow[];
    const stage = (rows: StageRow[], name: string) =>
      rows.find((r) => r.stage === name && r.institutionId === null);
    type MonthRow = {
      month: string;
      submitted: number;
      approved: number;
      published: number;
      rejected: number;
    };
    const compareThroughput = async (filter: string) =>
      (await defaultAsAsked('throughput', filter, (to) => to - 365 * day)) as MonthRow[];
    const total = (rows: MonthRow[], k: keyof Omit<MonthRow, 'month'>) => rows.reduce((n, r) => n + r[k], 0);
    // Throughput's window starts mid-day a year ago: a submission minutes inside it (in the part-day
    // read on every request) counts, one minutes before it does not; one at the very start of a month
    // in the settled days lands in that month.
    const aYearAgo = Date.now() - 365 * day;
    const monthStart = new Date(midnight - 150 * day);
    monthStart.setUTCDate(1);
    for (const [k, at] of [aYearAgo + 10 * 60_000, aYearAgo - 10 * 60_000, monthStart.getTime()].entries())
      await db.query(
        `INSERT INTO decisions (proposal_id, proposal_version, revision, event, from_state, to_state, actor_id,
           actor_institution_id, actor_role, payload, created_at, stage_entered_at, lead_institution_id)
         SELECT proposal_id, proposal_version + 200 + $3::int, revision, event, from_state, to_state, actor_id,
           actor_institution_id, actor_role, payload, $2, $2, lead_institution_id
         FROM decisions WHERE proposal_id = $1 AND event = 'SUBMIT' LIMIT 1`,
        [d1, iso(at), k],
      );
    const firstMonth = new Date(aYearAgo).toISOString().slice(0, 7);
    // (No earlier test of this file asks the default window, so the settled days are read here, after
    // the re-dating above.)
    const before = await compare(`institutionId=${X}`);
    // The throughput's default window is answered the same way (whole days kept, the rest read).
    const monthsBefore = await compareThroughput(`institutionId=${X}`);
    expect(total(monthsBefore, 'submitted')).toBeGreaterThanOrEqual(5);
    expect(monthsBefore[0]).toMatchObject({ month: firstMonth, submitted: 1 });
    expect(
      monthsBefore.find((r) => r.month === monthStart.toISOString().slice(0, 7))!.submitted,
    ).toBeGreaterThanOrEqual(1);
    await compareThroughput('');
    // Three partner reviews ended in the window (lasting 28 h and 2.5 h in the settled days, and
    // a moment today).
    expect(stage(before, 'partnerReview')).toMatchObject({ entered: 3, left: 3 });
    expect(stage(before, 'draft')).toMatchObject({ entered: 3, left: 3, medianMs: 2 * H });
    await compare('');
    // A decision now changes only the open hours, and the answer follows it.
    await send(d3, 'quality', 'QUALITY_APPROVE', met);
    const after = await compare(`institutionId=${X}`);
    expect(stage(after, 'qualityReview')!.left).toBe(stage(before, 'qualityReview')!.left + 1);
    await compare('');
    const monthsAfter = await compareThroughput(`institutionId=${X}`);
    await compareThroughput('');
    // A decision written now but dated in the settled days (an import, a repair) is not missed.
    await db.query(
      `INSERT INTO decisions (proposal_id, proposal_version, revision, event, from_state, to_state, actor_id,
         actor_institution_id, actor_role, payload, created_at, stage_entered_at, lead_institution_id)
       SELECT proposal_id, proposal_version + 100, revision, event, 'agencyAlignment', 'approved', actor_id,
         actor_institution_id, actor_role, payload, $2, $3, lead_institution_id
       FROM decisions WHERE proposal_id = $1 ORDER BY proposal_version DESC LIMIT 1`,
      [d1, iso(midnight - 5 * day), iso(midnight - 8 * day)],
    );
    const imported = await compare(`institutionId=${X}`);
    expect(stage(imported, 'agencyAlignment')).toMatchObject({
      left: stage(after, 'agencyAlignment')!.left + 1,
    });
    const monthsImported = await compareThroughput(`institutionId=${X}`);
    expect(total(monthsImported, 'approved')).toBe(total(monthsAfter, 'approved') + 1);
    await compareThroughput('');
  });

  it('pages the waiting list on request: the pages joined are the whole list, in its order, without repeats', async () => {
    // Two pending partners: two rows of one proposal with the same `since`, told apart by the party.
    const both = await create('W2', ['uhd', 'su']);
    await send(both, 'proposer', 'SUBMIT');
    try {
      await pagesOfWaiting(both);
    } finally {
      await send(both, 'proposer', 'WITHDRAW', { comment: 'Paging test over.' });
    }
  });

  type WaitingItem = { proposalId: string; partyKey: string | null };

  async function pagesOfWaiting(both: string): Promise<void> {
    // Every waiting proposal of X waiting since the same instant: the order falls to proposal id and
    // party, so pages split ties between proposals and inside one.
    const { rowCount } = await db.query(
      `UPDATE proposals SET state_entered_at = '2026-07-10T00:00:00Z'
       WHERE lead_institution_id = $1 AND state IN ('partnerReview', 'changesRequested', 'qualityReview', 'agencyAlignment', 'approved')`,
      [X],
    );
    expect(rowCount).toBeGreaterThanOrEqual(4);
    const whole = await t.http().get(`/api/analytics/waiting?institutionId=${X}`).set(as('quality'));
    expect(whole.status).toBe(200);
    expect(whole.body.nextCursor).toBeNull();
    const key = (i: { proposalId: string; partyKey: string | null }) => `${i.proposalId} ${i.partyKey}`;
    const all = (whole.body.items as Array<{ proposalId: string; partyKey: string | null }>).map(key);
    expect(all).toEqual(expect.arrayContaining([`${both} partner-uhd`, `${both} partner-su`]));
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const limit of [1, 2, 4]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: { items: WaitingItem[]; nextCursor: string | null } } = await t
          .http()
          .get(`/api/analytics/waiting?institutionId=${X}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
          .set(as('quality'));
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...res.body.items.map(key));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      expect([limit, seen]).toEqual([limit, all]);
      expect(pages).toBe(Math.ceil(all.length / limit));
    }
    // A download is the whole list, whatever the paging parameters (a CSV cannot carry a cursor).
    const csv = await t
      .http()
      .get(`/api/analytics/waiting?institutionId=${X}&limit=2&format=csv`)
      .set(as('quality'));
    expect(csv.text.trim().split('\n')).toHaveLength(all.length + 1);
    const one = await t.http().get(`/api/analytics/waiting?institutionId=${X}&limit=-1`).set(as('quality'));
    expect([one.status, one.body.items.length]).toEqual([200, 1]);
    for (const [query, field] of [
      ['limit=two', 'limit'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      [
        `limit=2&cursor=${Buffer.from(`{"s":"2026-02-30T00:00:00Z","i":"${both}","p":""}`).toString('base64url')}`,
        'cursor',
      ],
      [
        `limit=2&cursor=${Buffer.from('{"s":"2026-01-01T00:00:00Z","i":"x","p":""}').toString('base64url')}`,
        'cursor',
      ],
    ]) {
      const bad = await t.http().get(`/api/analytics/waiting?${query}`).set(as('quality'));
      expect([query, bad.status, bad.body.errors?.[0]?.field]).toEqual([query, 400, field]);
    }
    // Page sizes are capped, not refused, as on the other lists (0 counts as 1).
    expect((await t.http().get(`/api/analytics/waiting?limit=`).set(as('quality'))).status).toBe(200);
    for (const limit of [0, 100000]) {
      const capped = await t
        .http()
        .get(`/api/analytics/waiting?institutionId=${X}&limit=${limit}`)
        .set(as('quality'));
      expect([limit, capped.status, capped.body.items.length]).toEqual([limit, 200, limit ? all.length : 1]);
    }
  }
});
