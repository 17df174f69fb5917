import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { AuditRepository, type AuditFilter } from '../../src/audit/audit.repository.js';
import type { AuthUser } from '../../src/auth/auth-user.js';
import { NotificationsService } from '../../src/notifications/notifications.service.js';
import { ProposalsRepository } from '../../src/workflow/proposals.repository.js';
import { startServer } from '../support/server.js';

/**
 * The request paths' SQL (the service's own repository code, in-process) on a database of its own
 * with tens of thousands of rows, where the filters are selective: each plan must read its page
 * through an index and look at a bounded number of rows, not at the table.
 */

const PROPOSALS = 30_000;
const AUDIT_ENTRIES = 60_000;
const NOTIFICATIONS = 6_000;
/**
 * Rows a plan may look at (table and index rows, filtered ones included) for a page of 21. Reading in
 * list order and filtering looks at page ÷ selectivity rows, collecting the matches through an index
 * and sorting them looks at selectivity × N; a planner that can do both stays under about
 * 2·sqrt(page·N) (1,600 here) whatever the selectivity. One that cannot reads the table.
 */
const ROWS_BUDGET = 2_500;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

interface Examined {
  sql: string;
  nodes: string[];
  indexes: string[];
  /** Rows the scans produced or threw away. */
  rowsLookedAt: number;
}

function examine(sql: string, plan: PlanNode): Examined {
  const out: Examined = { sql, nodes: [], indexes: [], rowsLookedAt: 0 };
  const walk = (n: PlanNode) => {
    out.nodes.push(n['Node Type']);
    if (n['Index Name']) out.indexes.push(n['Index Name']);
    if (/Scan/.test(n['Node Type']) && !/Bitmap Index/.test(n['Node Type']))
      out.rowsLookedAt +=
        (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0)) *
        n['Actual Loops'];
    (n.Plans ?? []).forEach(walk);
  };
  walk(plan);
  return out;
}

let admin: pg.Pool;
let db: pg.Pool;
let dbName: string;
const users: Record<string, AuthUser> = {};
let someProposal: string;

/** A data source for the repositories that runs EXPLAIN ANALYZE of every statement instead. */
function explaining(into: Examined[]) {
  const query = async (sql: string, params?: unknown[]) => {
    const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      params,
    );
    into.push(examine(sql, rows[0]['QUERY PLAN'][0].Plan));
    return [];
  };
  return { query, manager: { query } } as never;
}

async function plansOf(run: (ds: never) => Promise<unknown>): Promise<Examined[]> {
  const got: Examined[] = [];
  await run(explaining(got));
  expect(got.length).toBeGreaterThan(0);
  return got;
}

function expectIndexed(plans: Examined[]): void {
  for (const p of plans) {
    const seen = { sql: p.sql.replace(/\s+/g, ' '), nodes: p.nodes, rows: p.rowsLookedAt };
    expect({ ...seen, seqScan: p.nodes.includes('Seq Scan') }).toEqual({ ...seen, seqScan: false });
    expect({ ...seen, indexes: p.indexes.length > 0 }).toEqual({ ...seen, indexes: true });
    expect({ ...seen, withinBudget: p.rowsLookedAt <= ROWS_BUDGET }).toEqual({ ...seen, withinBudget: true });
  }
}

beforeAll(async () => {
  const base = new URL(process.env.DATABASE_URL as string);
  dbName = `${base.pathname.slice(1)}_plans`.slice(0, 63);
  const url = new URL(base.toString());
  url.pathname = `/${dbName}`;
  // The service creates and migrates a database of this test's own (the bulk rows below would get
  // in the other tests' way in the shared one).
  const server = await startServer({ DATABASE_URL: url.toString(), WORKER: 'off' });
  await server.stop();
  const maintenance = new URL(base.toString());
  maintenance.pathname = '/postgres';
  admin = new pg.Pool({ connectionString: maintenance.toString(), max: 1 });
  db = new pg.Pool({ connectionString: url.toString(), max: 2 });

  const { rows: made } = await db.query<{ id: string; institution_id: string; roles: string[] }>(
    `INSERT INTO users (email, display_name, institution_id, roles, password_hash)
     VALUES ('rev@cuni.test', 'R', 'cuni', '{reviewer}', 'x'), ('rev@uw.test', 'R', 'uw', '{reviewer}', 'x'),
            ('qo@cuni.test', 'Q', 'cuni', '{quality_officer}', 'x'), ('liaison@pka.test', 'L', 'pka', '{agency_liaison}', 'x')
     RETURNING id, institution_id, roles`,
  );
  const user = (institutionId: string, role: string): AuthUser => {
    const u = made.find((m) => m.institution_id === institutionId && m.roles.includes(role))!;
    return {
      id: u.id,
      institutionId,
      institutionKind: institutionId === 'pka' ? 'agency' : 'university',
      country: institutionId === 'pka' ? 'PL' : institutionId === 'uw' ? 'PL' : 'CZ',
      roles: [role as AuthUser['roles'][number]],
    };
  };
  users.cuniReviewer = user('cuni', 'reviewer');
  users.uwReviewer = user('uw', 'reviewer');
  users.cuniQuality = user('cuni', 'quality_officer');
  users.pkaLiaison = user('pka', 'agency_liaison');

  // Seven universities lead and partner each other; uw (Poland) is partner in 0.1 % of the proposals
  // only (30), and Polish involvement reaches the agency stage in a tenth of those.
  await db.query(
    `WITH u AS (SELECT ARRAY['cuni','uhd','su','ucph','unimi','unige','assas'] AS a)
     INSERT INTO proposals (reference, lead_institution_id, partner_institution_ids, involved_countries, agency_visible,
       quality_visible, state, workflow_id, workflow_version, snapshot, content, created_by, created_at, state_entered_at)
     SELECT 'MC-2097-' || lpad(g::text, 6, '0'), u.a[1 + g % 7],
            CASE WHEN g % 1000 = 0 THEN ARRAY[u.a[1 + (g + 1) % 7], 'uw'] ELSE ARRAY[u.a[1 + (g + 1) % 7], u.a[1 + (g + 2) % 7]] END,
            CASE WHEN g % 1000 = 0 THEN ARRAY['CZ', 'PL'] ELSE ARRAY['CZ', 'DE'] END,
            g % 10 = 0, g % 5 = 0,
            (ARRAY['draft','partnerReview','qualityReview','agencyAlignment','approved','published'])[1 + g % 6],
            'micro-credential-review', 1, '{}'::jsonb, jsonb_build_object('title', 'Course ' || g), $2::uuid,
            now() - g * interval '1 minute', now() - (g * 7919 % $1::int) * interval '1 minute'
     FROM u CROSS JOIN generate_series(1, $1::int) AS g`,
    [PROPOSALS, users.cuniReviewer.id],
  );
  await db.query(
    `WITH s AS (
       INSERT INTO reminder_schedule (proposal_id, stage_entry, state, party_key, kind, attempt, due_at, status)
       SELECT id, 1, 'partnerReview', 'partner-cuni', 'reminder', 1, created_at, 'delivered'
       FROM proposals ORDER BY created_at DESC LIMIT $1
       RETURNING id, proposal_id, due_at)
     INSERT INTO notifications (user_id, schedule_id, kind, proposal_id, proposal_reference, state, party_key, title, body, created_at, read_at)
     SELECT $2::uuid, s.id, 'reminder', s.proposal_id, 'MC-2097-000001', 'partnerReview', 'partner-cuni', 't', 'b', s.due_at,
            CASE WHEN hashtext(s.id::text) % 10 <> 0 THEN s.due_at END
     FROM s`,
    [NOTIFICATIONS, users.cuniReviewer.id],
  );
  const { rows: head } = await db.query<{ seq: string }>(
    `SELECT seq FROM audit_heads WHERE institution_id = 'cuni'`,
  );
  await db.query(
    `WITH props AS MATERIALIZED (SELECT (row_number() OVER ())::int - 1 AS k, id FROM proposals LIMIT 3000)
     INSERT INTO audit_entries (institution_id, seq, at, proposal_id, actor_id, action, data, canonical, prev_hash, hash)
     SELECT 'cuni', $2::bigint + g, now(), props.id, CASE WHEN g % 50 = 0 THEN $3::uuid END,
            (ARRAY['EDIT','SUBMIT','REMINDER','PARTNER_APPROVE','USER_CREATE'])[1 + g % 5], '{}', '{}', repeat('0', 64), repeat('0', 64)
     FROM generate_series(1, $1::int) AS g JOIN props ON props.k = g % 3000`,
    [AUDIT_ENTRIES, Number(head[0].seq), users.cuniQuality.id],
  );
  someProposal = (
    await db.query<{ id: string }>(`SELECT id FROM proposals ORDER BY created_at DESC LIMIT 1 OFFSET 500`)
  ).rows[0].id;
  await db.query('ANALYZE');
}, 180_000);

afterAll(async () => {
  await db?.end();
  await admin?.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin?.end();
});

const PAGE = 21;
const cursorOf = async (sql: string) => {
  const { rows } = await db.query<{ c: Date; i: string }>(sql);
  return { c: rows[0].c.toISOString(), i: rows[0].i };
};

describe('request-path queries at scale', () => {
  it('lists a rarely involved university’s proposals through the lead and partner indexes', async () => {
    expectIndexed(await plansOf((ds) => new ProposalsRepository(ds).list(users.uwReviewer, { limit: PAGE })));
  });

  it('lists proposals filtered by state and by a rarely involved institution through indexes', async () => {
    expectIndexed(
      await plansOf((ds) =>
        new ProposalsRepository(ds).list(users.cuniReviewer, { state: 'approved', limit: PAGE }),
      ),
    );
    expectIndexed(
      await plansOf((ds) =>
        new ProposalsRepository(ds).list(users.cuniReviewer, { institutionId: 'uw', limit: PAGE }),
      ),
    );
  });

  it('lists a later page, a quality officer’s and an agency’s proposals through indexes', async () => {
    const after = await cursorOf(
      `SELECT created_at AS c, id AS i FROM proposals ORDER BY created_at DESC, id DESC OFFSET 5000 LIMIT 1`,
    );
    expectIndexed(
      await plansOf((ds) => new ProposalsRepository(ds).list(users.cuniReviewer, { limit: PAGE, after })),
    );
    expectIndexed(
      await plansOf((ds) => new ProposalsRepository(ds).list(users.cuniQuality, { limit: PAGE })),
    );
    expectIndexed(await plansOf((ds) => new ProposalsRepository(ds).list(users.pkaLiaison, { limit: PAGE })));
  });

  it('finds what may wait on a reviewer, a quality officer and an agency, oldest in stage first, through indexes', async () => {
    const states = ['draft', 'partnerReview', 'qualityReview', 'agencyAlignment', 'approved'];
    for (const user of [users.uwReviewer, users.cuniReviewer, users.cuniQuality, users.pkaLiaison])
      expectIndexed(
        await plansOf((ds) => new ProposalsRepository(ds).inStagesOldestFirst(user, states, undefined, 100)),
      );
    const after = await db.query<{ s: Date; i: string }>(
      `SELECT state_entered_at AS s, id AS i FROM proposals ORDER BY state_entered_at, id OFFSET 5000 LIMIT 1`,
    );
    const cursor = { s: after.rows[0].s.toISOString(), i: after.rows[0].i };
    expectIndexed(
      await plansOf((ds) =>
        new ProposalsRepository(ds).inStagesOldestFirst(users.cuniReviewer, states, cursor, 100),
      ),
    );
    // The page's items read again by id.
    const { rows: page } = await db.query<{ id: string }>(
      `SELECT id FROM proposals WHERE state = 'partnerReview' ORDER BY id LIMIT 20`,
    );
    const ids = page.map((r) => r.id);
    expect(ids).toHaveLength(20);
    for (const user of [users.cuniReviewer, users.cuniQuality, users.pkaLiaison])
      expectIndexed(await plansOf((ds) => new ProposalsRepository(ds).waitingRows(user, states, ids)));
  });

  it('pages through a user’s notifications, all and unread, newest first, through an index', async () => {
    const service = (ds: never) => new NotificationsService(ds);
    const later = await cursorOf(
      `SELECT created_at AS c, id AS i FROM notifications ORDER BY created_at DESC, id DESC OFFSET 3000 LIMIT 1`,
    );
    const cursor = Buffer.from(JSON.stringify(later)).toString('base64url');
    expectIndexed(await plansOf((ds) => service(ds).list(users.cuniReviewer, {})));
    expectIndexed(await plansOf((ds) => service(ds).list(users.cuniReviewer, { unread: true })));
    expectIndexed(await plansOf((ds) => service(ds).list(users.cuniReviewer, { cursor })));
  });

  it('searches an audit log by proposal, action and actor, newest first with a cursor, through indexes', async () => {
    const search = (f: AuditFilter) => plansOf((ds) => new AuditRepository(ds).search('cuni', f, PAGE));
    expectIndexed(await search({}));
    expectIndexed(await search({ beforeSeq: 20_000 }));
    expectIndexed(await search({ proposalId: someProposal }));
    expectIndexed(await search({ action: 'SUBMIT', beforeSeq: 30_000 }));
    expectIndexed(await search({ actorId: users.cuniQuality.id }));
  });
});
