import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import type { AuthUser } from '../../src/auth/auth-user.js';
import { ProposalsService } from '../../src/proposals/proposals.service.js';
import { ProposalsRepository, type WaitingCandidate } from '../../src/workflow/proposals.repository.js';
import { World, type CastName } from './support/in-process.js';

let w: World;
beforeAll(async () => {
  w = await World.start();
});
afterAll(async () => {
  await w?.stop();
});

/**
 * The inbox screens candidates with the machine, then reads the page's items again. A repository that
 * runs `between` (once) right after the screening read that returned `id`, as another request could.
 */
class ChangesAfterScreening extends ProposalsRepository {
  armed?: { id: string; between: () => Promise<unknown> };

  override async inStagesOldestFirst(...args: Parameters<ProposalsRepository['inStagesOldestFirst']>) {
    const rows: WaitingCandidate[] = await super.inStagesOldestFirst(...args);
    const armed = this.armed;
    if (armed && rows.some((r) => r.id === armed.id)) {
      this.armed = undefined;
      await armed.between();
    }
    return rows;
  }
}

describe('the inbox when a proposal changes between screening and showing', () => {
  /** Every page of the user's inbox, in order, following nextCursor to the end. */
  const everything = async (service: ProposalsService, user: AuthUser) => {
    const items = [];
    let cursor: string | undefined;
    do {
      const page = await service.waiting(user, { limit: 100, cursor });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  };
  const inbox = async (service: ProposalsService, user: AuthUser, id: string) =>
    (await everything(service, user)).find((i) => i.id === id);
  const setUp = async () => {
    const repo = new ChangesAfterScreening(w.app.get(DataSource));
    const service = new ProposalsService(repo, w.engine, w.app.get(DataSource));
    const p = await w.drive((await w.create()).id, 'partnerReview');
    const approveBy = (as: CastName) => () => w.send(p.id, as, 'PARTNER_APPROVE');
    return { repo, service, p, approveBy };
  };

  it('leaves out a proposal that stopped waiting on the caller in between', async () => {
    const { repo, service, p, approveBy } = await setUp();
    repo.armed = { id: p.id, between: approveBy('uhdReviewer') };
    expect(await inbox(service, w.user('uhdReviewer'), p.id)).toBeUndefined();
    expect(repo.armed).toBeUndefined();
  });

  it('shows a proposal that still waits on the caller as it is now, not as it was screened', async () => {
    const { repo, service, p, approveBy } = await setUp();
    repo.armed = { id: p.id, between: approveBy('uhdReviewer') };
    const item = await inbox(service, w.user('suReviewer'), p.id);
    expect(repo.armed).toBeUndefined();
    expect(item).toMatchObject({ id: p.id, version: p.version + 1, state: 'partnerReview' });
    expect(item?.pending.map((party) => party.institutionId)).toEqual(['su']);
    expect(item?.availableEvents).toContain('PARTNER_APPROVE');
  });

  it('leaves out a proposal that left the waiting stages in between (withdrawn)', async () => {
    const { repo, service, p } = await setUp();
    repo.armed = { id: p.id, between: () => w.send(p.id, 'cuniProposer', 'WITHDRAW') };
    expect(await inbox(service, w.user('suReviewer'), p.id)).toBeUndefined();
    expect(repo.armed).toBeUndefined();
  });

  it('keeps the waiting order when a proposal re-entered its stage in between (sent back, resubmitted)', async () => {
    const { repo, service, p } = await setUp();
    // Entered partnerReview after p: behind it in su's inbox.
    const q = await w.drive((await w.create()).id, 'partnerReview');
    repo.armed = {
      id: p.id,
      between: async () => {
        await w.send(p.id, 'uhdReviewer', 'PARTNER_REQUEST_CHANGES', { comment: 'Please add the workload.' });
        await w.send(p.id, 'cuniProposer', 'SUBMIT');
      },
    };
    const items = await everything(service, w.user('suReviewer'));
    expect(repo.armed).toBeUndefined();
    const since = items.map((i) => i.since);
    expect(since).toEqual([...since].sort());
    expect(items.filter((i) => i.id === q.id)).toHaveLength(1);
    // p waits on su again, from its new stage entry: behind q if it is listed at all on this pass.
    expect(items.filter((i) => i.id === p.id).length).toBeLessThanOrEqual(1);
    const at = items.findIndex((i) => i.id === p.id);
    expect({ at, afterQ: at === -1 || at > items.findIndex((i) => i.id === q.id) }).toEqual({
      at,
      afterQ: true,
    });
    expect(await inbox(service, w.user('suReviewer'), p.id)).toMatchObject({
      state: 'partnerReview',
      revision: 2,
    });
  });
});
