import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ReviewWorld, type ActorName, type ProposalView } from '../support/review-world.js';
import { startServer, testPool, type TestServer } from '../support/server.js';

jest.setTimeout(240_000);

/** An inbox item: the list item, the machine's view for the caller, and since when it waits. */
interface WaitingItem {
  id: string;
  reference: string;
  title: string | null;
  leadInstitutionId: string;
  partnerInstitutionIds: string[];
  state: string;
  version: number;
  revision: number;
  createdAt: string;
  updatedAt: string;
  pending: Array<{ key: string; kind: string; institutionId?: string | null } & Record<string, unknown>>;
  availableEvents: string[];
  since: string;
}

interface WaitingPage {
  items: WaitingItem[];
  nextCursor: string | null;
}

// Other suites write into the same database: every assertion is about this suite's own proposals.
describe('GET /api/proposals/waiting (the inbox)', () => {
  let t: TestServer;
  let w: ReviewWorld;
  const page = async (as: ActorName, query = ''): Promise<WaitingPage> => {
    const res = await t.http().get(`/api/proposals/waiting${query}`).set(w.auth(as));
    expect([res.status, res.body]).toEqual([200, expect.anything()]);
    return res.body as WaitingPage;
  };
  /** Every page, following nextCursor to the end. */
  const all = async (as: ActorName, limit = 100): Promise<WaitingPage['items']> => {
    const items: WaitingPage['items'] = [];
    let cursor: string | null = null;
    do {
      const p: WaitingPage = await page(
        as,
        `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      items.push(...p.items);
      cursor = p.nextCursor;
    } while (cursor);
    return items;
  };
  const ids = (items: Array<{ id: string }>) => items.map((i) => i.id);

  let draft: ProposalView;
  let inPartner: ProposalView;
  let inQuality: ProposalView;
  let inAgency: ProposalView;
  let sentBack: ProposalView;
  let done: ProposalView;

  beforeAll(async () => {
    t = await startServer();
    w = await new ReviewWorld(t).setUp([
      'cuniProposer',
      'cuniAdmin',
      'uhdReviewer',
      'suReviewer',
      'qualityOfficer',
      'nauLiaison',
      'gacLiaison',
      'hceresLiaison',
      'unimiReviewer',
      'cuniReviewer',
    ]);
    // Entered their stages in this order: the inbox lists the longest waits first.
    inPartner = await w.proposalIn('partnerReview');
    inQuality = await w.proposalIn('qualityReview');
    inAgency = await w.proposalIn('agencyAlignment');
    sentBack = await w.proposalIn('changesRequested');
    draft = await w.proposalIn('draft');
    done = await w.proposalIn('rejected');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('lists for each person the proposals they may decide now, longest in its stage first', async () => {
    const mine = (items: WaitingPage['items']) =>
      ids(items).filter((id) =>
        [draft, inPartner, inQuality, inAgency, sentBack, done].some((p) => p.id === id),
      );
    expect(mine(await all('uhdReviewer'))).toEqual([inPartner.id]);
    expect(mine(await all('qualityOfficer'))).toEqual([inQuality.id]);
    // The agencies of each involved country: CZ (lead), DE and FR (partners).
    for (const liaison of ['nauLiaison', 'gacLiaison', 'hceresLiaison'] as const)
      expect(mine(await all(liaison))).toEqual([inAgency.id]);
    // The lead's proposer: what they may submit (a draft, changes requested), in the order they got there.
    expect(mine(await all('cuniProposer'))).toEqual([sentBack.id, draft.id]);
    // An uninvolved university's reviewer: nothing of these.
    expect(mine(await all('unimiReviewer'))).toEqual([]);
    // A reviewer of the lead: its drafts wait on the lead's proposers, not on them; its admin sees every
    // party of the institution (escalations reach admins): the drafts, not the partners' reviews.
    expect(mine(await all('cuniReviewer'))).toEqual([]);
    expect(mine(await all('cuniAdmin'))).toEqual([sentBack.id, draft.id]);

    const item = (await all('qualityOfficer')).find((i) => i.id === inQuality.id)!;
    expect(item.availableEvents).toEqual(expect.arrayContaining(['QUALITY_APPROVE']));
    expect(item.pending.map((p) => p.kind)).toEqual(['quality']);
    expect(new Date(item.since).toISOString()).toBe(item.since);
  });

  it('keeps listing a proposal for an institution that is still pending, and drops it once nobody there is', async () => {
    // The partner review waits on uhd and su; uhd approves: su's reviewer still has it, uhd's not.
    const p = await w.proposalIn('partnerReview');
    expect(ids(await all('uhdReviewer'))).toContain(p.id);
    await w.ok(p.id, 'uhdReviewer', 'PARTNER_APPROVE');
    expect(ids(await all('uhdReviewer'))).not.toContain(p.id);
    expect(ids(await all('suReviewer'))).toContain(p.id);
    // The lead's administrator sees it waiting on others, not on them.
    expect(ids(await all('cuniAdmin'))).not.toContain(p.id);
  });

  it("shows each item as the proposal's own page does, without the content: reminder and escalation times included", async () => {
    const p = await w.proposalIn('partnerReview');
    const items = (await all('suReviewer')).filter((i) => [p.id, inPartner.id].includes(i.id));
    expect(items).toHaveLength(2);
    for (const { since, ...item } of items) {
      const own = (await t.http().get(`/api/proposals/${item.id}`).set(w.auth('suReviewer'))).body;
      const { content, workflow: _workflow, createdBy: _createdBy, ...rest } = own;
      expect(item).toEqual({ ...rest, title: content.title ?? null });
      expect(item).not.toHaveProperty('content');
      expect(new Date(since).getTime()).toBeLessThanOrEqual(Date.now());
      // The partner reviews are reminded: each proposal's own times, read for the whole page at once.
      const su = item.pending.find((x) => x.institutionId === 'su')!;
      expect(su.nextReminderAt).toEqual(expect.any(String));
      expect(su.escalationAt).toEqual(expect.any(String));
    }
    const times = items.map((i) => i.pending.find((x) => x.institutionId === 'su')!);
    expect(times[0].nextReminderAt).not.toBe(times[1].nextReminderAt);
  }); // prettier-ignore

  it('pages with a cursor in the same order as one long page, without repeats', async () => {
    const one = ids(await all('cuniProposer', 100));
    const paged = ids(await all('cuniProposer', 1));
    expect(paged).toEqual(one);
    expect(new Set(paged).size).toBe(paged.length);
    const since = (await all('cuniProposer')).map((i) => i.since);
    expect([...since].sort()).toEqual(since);
  });

  it('answers 400 naming the field for a cursor it did not issue, and for a bad limit', async () => {
    for (const [query, field] of [
      ['?cursor=not-a-cursor', 'cursor'],
      ['?limit=abc', 'limit'],
    ] as const) {
      const res = await t.http().get(`/api/proposals/waiting${query}`).set(w.auth('uhdReviewer'));
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.errors)).toContain(field);
    }
  });

  it('reads the stored state_entered_at of each stage (the waiting-order index), not the history', async () => {
    const db = testPool();
    try {
      const { rows } = await db.query<{ at: Date }>(
        `SELECT state_entered_at AS at FROM proposals WHERE id = $1`,
        [inQuality.id],
      );
      const item = (await all('qualityOfficer')).find((i) => i.id === inQuality.id)!;
      expect(item.since).toBe(rows[0].at.toISOString());
    } finally {
      await db.end();
    }
  });
});
