// The scene the phases play on: users created through the API like an alliance admin would, template
// proposals created and submitted through the API, and many clones of those templates made with SQL.
// Cloning copies exactly what the API wrote (snapshot, content, revision, owed reminder rows), so a
// clone behaves like the template under every later request, and a scene of 10,000s of proposals
// takes seconds instead of minutes of set-up requests.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ApiClient } from './api-client.js';
import { ADMIN, USER_PASSWORD } from './context.js';
import { VALID_CONTENT } from '../../test/support/review-scenario.js';

/** The universities of DESIGN.md section 4. */
export const UNIVERSITIES = ['cuni', 'uhd', 'su', 'ucph', 'unimi', 'uw', 'unige', 'assas'] as const;

/** The tests' complete content (it passes every submission rule), with revenue shares for this triple. */
export function validContent(lead: string, partners: readonly string[]): Record<string, unknown> {
  // 33.34 + 33.33 + 33.33 = 100, naming only lead and partners.
  return {
    ...VALID_CONTENT,
    revenueShares: [
      { institutionId: lead, percent: 33.34 },
      { institutionId: partners[0], percent: 33.33 },
      { institutionId: partners[1], percent: 33.33 },
    ],
  };
}

/** Lead plus two partners: 3 involved institutions, so every decision lands in 3 audit logs. */
export interface Triple {
  lead: string;
  partners: [string, string];
}

/**
 * 24 triples: each university leads 3 proposals with different partner pairs. Mixing them spreads the
 * audit-chain head locks over the 8 university logs the way real traffic would, instead of funnelling
 * every transition through the same three chains.
 */
export function triples(): Triple[] {
  const u = UNIVERSITIES;
  const out: Triple[] = [];
  u.forEach((lead, i) => {
    for (const [a, b] of [
      [1, 2],
      [3, 5],
      [4, 7],
    ]) {
      out.push({ lead, partners: [u[(i + a) % u.length], u[(i + b) % u.length]] });
    }
  });
  return out;
}

export interface BenchUser {
  id: string;
  email: string;
  institutionId: string;
  token: string;
}

/** Tokens of the users the phases act as. */
export interface World {
  adminToken: string;
  proposers: Map<string, BenchUser>;
  reviewers: Map<string, BenchUser>;
  /** Extra proposers of cuni for P6 (16 people editing one draft). */
  cuniProposers: BenchUser[];
}

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

export async function createWorld(api: ApiClient, extraCuniProposers: number): Promise<World> {
  const adminToken = await api.login(ADMIN.email, ADMIN.password);
  const specs: Array<{ key: string; institutionId: string; role: string }> = [
    ...UNIVERSITIES.flatMap((i) => [
      { key: `proposer:${i}`, institutionId: i, role: 'proposer' },
      { key: `reviewer:${i}`, institutionId: i, role: 'reviewer' },
    ]),
    ...Array.from({ length: extraCuniProposers }, (_, n) => ({
      key: `writer:${n}`,
      institutionId: 'cuni',
      role: 'proposer',
    })),
  ];
  // Password hashing (argon2id, 19 MiB) dominates here: 4 at a time keeps libuv's pool busy.
  const users = await inBatches(specs, 4, async (s) => {
    const email = `${s.key.replace(':', '-')}@${s.institutionId}.bench`;
    const created = await api.expect<{ id: string }>(201, 'POST', '/api/users', adminToken, {
      email,
      password: USER_PASSWORD,
      displayName: `Bench ${s.key}`,
      institutionId: s.institutionId,
      roles: [s.role],
    });
    return {
      key: s.key,
      user: {
        id: created.id,
        email,
        institutionId: s.institutionId,
        token: await api.login(email, USER_PASSWORD),
      },
    };
  });
  const byKey = new Map(users.map((u) => [u.key, u.user]));
  return {
    adminToken,
    proposers: new Map(UNIVERSITIES.map((i) => [i, byKey.get(`proposer:${i}`)!])),
    reviewers: new Map(UNIVERSITIES.map((i) => [i, byKey.get(`reviewer:${i}`)!])),
    cuniProposers: users.filter((u) => u.key.startsWith('writer:')).map((u) => u.user),
  };
}

export interface Template {
  id: string;
  triple: Triple;
  state: string;
}

/** One proposal per triple, created (and submitted unless `state` is draft) through the API. */
export async function createTemplates(
  api: ApiClient,
  world: World,
  state: 'draft' | 'partnerReview',
): Promise<Template[]> {
  return inBatches(triples(), 4, async (triple) => {
    const token = world.proposers.get(triple.lead)!.token;
    const p = await api.expect<{ id: string }>(201, 'POST', '/api/proposals', token, {
      partnerInstitutionIds: triple.partners,
      content: validContent(triple.lead, triple.partners),
    });
    if (state === 'partnerReview')
      await api.expect(200, 'POST', `/api/proposals/${p.id}/events`, token, { type: 'SUBMIT' });
    return { id: p.id, triple, state };
  });
}

export interface Clone {
  id: string;
  triple: Triple;
}

let referenceCounter = 0;

/**
 * `count` copies of the templates (round robin): proposal row, submitted revisions and pending
 * reminder rows. References use the year 2099 so they never meet the API's own counter.
 */
export async function cloneProposals(db: pg.Pool, templates: Template[], count: number): Promise<Clone[]> {
  const clones: Clone[] = [];
  const batch = 5000;
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const ids: string[] = [];
    const from: string[] = [];
    const refs: string[] = [];
    for (let k = 0; k < n; k++) {
      const t = templates[(start + k) % templates.length];
      const id = randomUUID();
      ids.push(id);
      from.push(t.id);
      refs.push(`MC-2099-${String(++referenceCounter).padStart(6, '0')}`);
      clones.push({ id, triple: t.triple });
    }
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO proposals (id, reference, lead_institution_id, partner_institution_ids, involved_countries,
           agency_visible, quality_visible, state, workflow_id, workflow_version, snapshot, version, revision, content, created_by)
         SELECT m.id, m.ref, t.lead_institution_id, t.partner_institution_ids, t.involved_countries, t.agency_visible,
           t.quality_visible, t.state, t.workflow_id, t.workflow_version, t.snapshot, t.version, t.revision, t.content, t.created_by
         FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS m(id, tid, ref) JOIN proposals t ON t.id = m.tid`,
        [ids, from, refs],
      );
      await client.query(
        `INSERT INTO proposal_revisions (proposal_id, revision, content, partner_institution_ids, submitted_by)
         SELECT m.id, r.revision, r.content, r.partner_institution_ids, r.submitted_by
         FROM unnest($1::uuid[], $2::uuid[]) AS m(id, tid) JOIN proposal_revisions r ON r.proposal_id = m.tid`,
        [ids, from],
      );
      await client.query(
        `INSERT INTO reminder_schedule (proposal_id, stage_entry, state, party_key, kind, attempt, due_at)
         SELECT m.id, r.stage_entry, r.state, r.party_key, r.kind, r.attempt, r.due_at
         FROM unnest($1::uuid[], $2::uuid[]) AS m(id, tid)
         JOIN reminder_schedule r ON r.proposal_id = m.tid AND r.status = 'pending'`,
        [ids, from],
      );
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    } finally {
      client.release();
    }
  }
  await db.query('ANALYZE proposals; ANALYZE reminder_schedule; ANALYZE proposal_revisions');
  return clones;
}
