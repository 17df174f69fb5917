// Who may see a proposal: every state × viewer cell, for reading (GET /api/proposals/:id) and for
// listing (GET /api/proposals). The expectation of each cell comes from the rule table below, written
// by hand from DESIGN.md section 8 ("its institution's (lead or partner), those pending on it, all for
// alliance users") as the README's "Visibility" paragraph makes it precise: quality officers of other
// universities from the moment the proposal first reaches qualityReview, agencies of an involved country
// from the moment it first reaches agencyAlignment, and both for good afterwards (sticky).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Role } from '../../workflows/types.js';
import { ReviewWorld, type ActorName, type ProposalView } from '../support/review-world.js';
import { bearer, startServer, type TestServer, type TestUser } from '../support/server.js';

/** When a viewer starts seeing a cuni-led proposal (CZ) with partners uhd (DE) and su (FR). */
type SeesIt = 'always' | 'from qualityReview' | 'from agencyAlignment' | 'never';

/** The rule table: one row a relation to the proposal. */
const VIEWERS: Array<{ name: string; institutionId: string; roles: Role[]; sees: SeesIt }> = [
  // its institution's: the lead's and the partners' users, whatever their role, in every state
  { name: 'proposer of the lead', institutionId: 'cuni', roles: ['proposer'], sees: 'always' },
  // the lead's own staff: may not decide in quality review (conflict of interest) but sees it
  { name: 'quality officer of the lead', institutionId: 'cuni', roles: ['quality_officer'], sees: 'always' },
  { name: 'admin of the lead', institutionId: 'cuni', roles: ['admin'], sees: 'always' },
  { name: 'reviewer of a partner', institutionId: 'uhd', roles: ['reviewer'], sees: 'always' },
  { name: 'quality officer of a partner', institutionId: 'su', roles: ['quality_officer'], sees: 'always' },
  // all for alliance users
  { name: 'alliance admin', institutionId: '4euplus', roles: ['admin'], sees: 'always' },
  { name: 'alliance quality officer', institutionId: '4euplus', roles: ['quality_officer'], sees: 'always' },
  // pending on it: any quality officer not of the lead may decide in quality review
  { name: 'quality officer of an uninvolved university', institutionId: 'unimi', roles: ['quality_officer'], sees: 'from qualityReview' },
  { name: 'quality officer of an uninvolved university in an involved country', institutionId: 'assas', roles: ['quality_officer'], sees: 'from qualityReview' },
  // pending on it: the agency of every involved country (lead's and partners') in agency alignment
  { name: 'agency liaison of the lead country', institutionId: 'nau', roles: ['agency_liaison'], sees: 'from agencyAlignment' },
  { name: 'agency liaison of a partner country', institutionId: 'hceres', roles: ['agency_liaison'], sees: 'from agencyAlignment' },
  { name: 'admin of a partner country agency', institutionId: 'gac', roles: ['admin'], sees: 'from agencyAlignment' },
  // never: neither involved nor ever pending
  { name: 'agency liaison of an uninvolved country (IT)', institutionId: 'anvur', roles: ['agency_liaison'], sees: 'never' },
  { name: 'agency liaison of an uninvolved country (PL)', institutionId: 'pka', roles: ['agency_liaison'], sees: 'never' },
  { name: 'reviewer of an uninvolved university', institutionId: 'unimi', roles: ['reviewer'], sees: 'never' },
  { name: 'reviewer of an uninvolved university in an involved country', institutionId: 'assas', roles: ['reviewer'], sees: 'never' },
  { name: 'admin of an uninvolved university', institutionId: 'uw', roles: ['admin'], sees: 'never' },
]; // prettier-ignore

/** The furthest review stage a proposal ever reached (visibility, once granted, is never taken back). */
type Reached = 'no review stage' | 'qualityReview' | 'agencyAlignment';

function expectedToSee(sees: SeesIt, reached: Reached): boolean {
  if (sees === 'always') return true;
  if (sees === 'from qualityReview') return reached === 'qualityReview' || reached === 'agencyAlignment';
  if (sees === 'from agencyAlignment') return reached === 'agencyAlignment';
  return false;
}

/** The states, each reached by ReviewWorld's happy path (`base`) and then, for the sticky cases, more steps. */
const CASES: Array<{
  label: string;
  base: string;
  then: Array<[ActorName, string, Record<string, unknown>]>;
  state: string;
  reached: Reached;
}> = [
  { label: 'in draft', base: 'draft', then: [], state: 'draft', reached: 'no review stage' },
  { label: 'in partnerReview', base: 'partnerReview', then: [], state: 'partnerReview', reached: 'no review stage' },
  { label: 'in changesRequested by a partner', base: 'changesRequested', then: [], state: 'changesRequested', reached: 'no review stage' },
  { label: 'withdrawn as a draft', base: 'withdrawn', then: [], state: 'withdrawn', reached: 'no review stage' },
  { label: 'in qualityReview', base: 'qualityReview', then: [], state: 'qualityReview', reached: 'qualityReview' },
  {
    label: 'in changesRequested by the quality officer',
    base: 'qualityReview',
    then: [['qualityOfficer', 'QUALITY_REQUEST_CHANGES', { comment: 'Assessment is unclear.' }]],
    state: 'changesRequested',
    reached: 'qualityReview',
  },
  {
    label: 'in partnerReview again after quality review asked for changes',
    base: 'qualityReview',
    then: [
      ['qualityOfficer', 'QUALITY_REQUEST_CHANGES', { comment: 'Assessment is unclear.' }],
      ['cuniProposer', 'SUBMIT', {}],
    ],
    state: 'partnerReview',
    reached: 'qualityReview',
  },
  { label: 'rejected in quality review', base: 'rejected', then: [], state: 'rejected', reached: 'qualityReview' },
  { label: 'in agencyAlignment', base: 'agencyAlignment', then: [], state: 'agencyAlignment', reached: 'agencyAlignment' },
  {
    label: 'in changesRequested by an agency',
    base: 'agencyAlignment',
    then: [['gacLiaison', 'AGENCY_FLAG', { comment: 'Workload exceeds the national cap.' }]],
    state: 'changesRequested',
    reached: 'agencyAlignment',
  },
  {
    label: 'in partnerReview again after an agency asked for changes',
    base: 'agencyAlignment',
    then: [
      ['gacLiaison', 'AGENCY_FLAG', { comment: 'Workload exceeds the national cap.' }],
      ['cuniProposer', 'SUBMIT', {}],
    ],
    state: 'partnerReview',
    reached: 'agencyAlignment',
  },
  {
    label: 'withdrawn during agency alignment',
    base: 'agencyAlignment',
    then: [['cuniProposer', 'WITHDRAW', {}]],
    state: 'withdrawn',
    reached: 'agencyAlignment',
  },
  { label: 'approved', base: 'approved', then: [], state: 'approved', reached: 'agencyAlignment' },
  { label: 'published', base: 'published', then: [], state: 'published', reached: 'agencyAlignment' },
  { label: 'retired', base: 'retired', then: [], state: 'retired', reached: 'agencyAlignment' },
]; // prettier-ignore

/** The users who move the proposals along (ReviewWorld's sample actors); the viewers are others. */
const DRIVERS: ActorName[] = [
  'cuniProposer',
  'cuniAdmin',
  'uhdReviewer',
  'suReviewer',
  'qualityOfficer',
  'nauLiaison',
  'gacLiaison',
  'hceresLiaison',
  'allianceAdmin',
];

let t: TestServer;
let w: ReviewWorld;
const viewers = new Map<string, TestUser>();
const proposals = new Map<string, ProposalView & { createdAt: string }>();

beforeAll(async () => {
  t = await startServer();
});
beforeAll(async () => {
  w = await new ReviewWorld(t).setUp(DRIVERS);
  for (const v of VIEWERS) viewers.set(v.name, await t.user(v.institutionId, v.roles, 'vismatrix'));
  for (const c of CASES) {
    let p = await w.proposalIn(c.base);
    for (const [as, type, body] of c.then) p = await w.ok(p.id, as, type, body);
    expect([c.label, p.state]).toEqual([c.label, c.state]);
    proposals.set(c.label, p as ProposalView & { createdAt: string });
  }
}, 180_000);
afterAll(async () => {
  await t?.stop();
});

const as = (viewer: string) => bearer(viewers.get(viewer)!.token);
const verdict = (visible: boolean) => (visible ? 'sees it' : 'does not see it');
type Page = {
  status: number;
  body: { items: Array<{ id: string; createdAt: string }>; nextCursor: string | null };
};

describe('who may see a proposal, by state and relation (DESIGN section 8)', () => {
  it.each(CASES)(
    'answers GET of a proposal $label with 200 to the viewers the rule table lets see it and 404 to the others',
    async (c) => {
      const p = proposals.get(c.label)!;
      const wrong = await Promise.all(
        VIEWERS.map(async (v) => {
          const expected = expectedToSee(v.sees, c.reached) ? 200 : 404;
          const res = await t.http().get(`/api/proposals/${p.id}`).set(as(v.name));
          return res.status === expected ? [] : [`${v.name}: GET ${res.status}, expected ${expected}`];
        }),
      );
      expect(wrong.flat()).toEqual([]);
    },
  );

  it.each(CASES)(
    'lists a proposal $label, searched by its reference, to exactly the viewers the rule table lets see it',
    async (c) => {
      const p = proposals.get(c.label)!;
      const wrong = await Promise.all(
        VIEWERS.map(async (v) => {
          const expected = expectedToSee(v.sees, c.reached);
          const res: Page = await t
            .http()
            .get('/api/proposals')
            .query({ q: p.reference, limit: 100 })
            .set(as(v.name));
          if (res.status !== 200) return [`${v.name}: list ${res.status}`];
          const listed = res.body.items.some((i) => i.id === p.id);
          return listed === expected
            ? []
            : [`${v.name}: ${verdict(listed)} in the list, expected: ${verdict(expected)}`];
        }),
      );
      expect(wrong.flat()).toEqual([]);
    },
  );

  it.each(VIEWERS)(
    'lists to the $name, without a filter, exactly the proposals of the matrix the rule table lets them see',
    async (v) => {
      // Newest first: walk the pages until they reach proposals older than the matrix's first one.
      const oldest = Math.min(...[...proposals.values()].map((p) => Date.parse(p.createdAt)));
      const listed = new Set<string>();
      let cursor: string | null = null;
      do {
        const res: Page = await t
          .http()
          .get('/api/proposals')
          .query({ limit: 100, ...(cursor ? { cursor } : {}) })
          .set(as(v.name));
        expect(res.status).toBe(200);
        for (const i of res.body.items) listed.add(i.id);
        const last = res.body.items[res.body.items.length - 1];
        cursor = last && Date.parse(last.createdAt) >= oldest ? res.body.nextCursor : null;
      } while (cursor);
      const wrong = CASES.flatMap((c) => {
        const expected = expectedToSee(v.sees, c.reached);
        const seen = listed.has(proposals.get(c.label)!.id);
        return seen === expected
          ? []
          : [`${c.label}: ${verdict(seen)} in the list, expected: ${verdict(expected)}`];
      });
      expect(wrong).toEqual([]);
    },
  );
});
