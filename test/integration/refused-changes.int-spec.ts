import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toProblem } from '../../src/common/problem-details.filter.js';
import type { ProposalRow } from '../../src/workflow/proposals.repository.js';
import { meta, VALID_CONTENT, World } from './support/in-process.js';

let w: World;
beforeAll(async () => {
  w = await World.start();
});
afterAll(async () => {
  await w?.stop();
});

/** Runs the refused change and checks it wrote nothing anywhere: no row, no decision, no audit entry, same version. */
async function refusedWithoutTrace(
  attempt: () => Promise<unknown>,
  problem: { status: number; code: string },
  id?: string,
): Promise<void> {
  const before = await w.everything();
  const proposalBefore = id ? await w.footprint(id) : null;
  const error: unknown = await attempt().then(
    () => new Error('the change was not refused'),
    (e: unknown) => e,
  );
  // The answer as the HTTP filter maps it: code from the throw site, status from the one mapping.
  expect({ status: toProblem(error).problem.status, code: (error as { code?: string }).code }).toEqual(
    problem,
  );
  expect(await w.everything()).toEqual(before);
  if (id) expect(await w.footprint(id)).toEqual(proposalBefore);
}

describe('a refused event changes nothing at all', () => {
  let draft: ProposalRow;
  let inPartnerReview: ProposalRow;
  let inQualityReview: ProposalRow;
  beforeAll(async () => {
    draft = await w.create();
    inPartnerReview = await w.create();
    await w.send(inPartnerReview.id, 'cuniProposer', 'SUBMIT');
    await w.send(inPartnerReview.id, 'uhdReviewer', 'PARTNER_APPROVE');
    inQualityReview = await w.create();
    await w.drive(inQualityReview.id, 'qualityReview');
  });

  it('a wrong role: a partner’s reviewer submitting the lead’s draft (403)', async () => {
    await refusedWithoutTrace(
      () => w.send(draft.id, 'uhdReviewer', 'SUBMIT'),
      { status: 403, code: 'forbidden' },
      draft.id,
    );
  });

  it('a wrong relation: the lead’s proposer approving as if a partner (403)', async () => {
    await refusedWithoutTrace(
      () => w.send(inPartnerReview.id, 'cuniProposer', 'PARTNER_APPROVE'),
      { status: 403, code: 'forbidden' },
      inPartnerReview.id,
    );
  });

  it('a wrong state: PUBLISH of a draft (409)', async () => {
    await refusedWithoutTrace(
      () => w.send(draft.id, 'cuniAdmin', 'PUBLISH'),
      { status: 409, code: 'event-not-allowed' },
      draft.id,
    );
  });

  it('a party deciding twice on one revision (409)', async () => {
    await refusedWithoutTrace(
      () => w.send(inPartnerReview.id, 'uhdReviewer', 'PARTNER_APPROVE'),
      { status: 409, code: 'already-decided' },
      inPartnerReview.id,
    );
  });

  it('a stale expectedVersion (409)', async () => {
    await refusedWithoutTrace(
      () => w.send(inPartnerReview.id, 'suReviewer', 'PARTNER_APPROVE', { expectedVersion: 1 }),
      { status: 409, code: 'stale-version' },
      inPartnerReview.id,
    );
  });

  it('a bad payload: PARTNER_REQUEST_CHANGES without its comment (400, by the definition’s schema)', async () => {
    await refusedWithoutTrace(
      () => w.send(inPartnerReview.id, 'suReviewer', 'PARTNER_REQUEST_CHANGES'),
      { status: 400, code: 'validation-failed' },
      inPartnerReview.id,
    );
  });

  it('a bad payload: QUALITY_APPROVE with a criterion not met (422)', async () => {
    const criteria = w.criteria.map((criterion, i) => ({ criterion, result: i === 0 ? 'not-met' : 'met' }));
    await refusedWithoutTrace(
      () => w.send(inQualityReview.id, 'qualityOfficer', 'QUALITY_APPROVE', { criteria }),
      { status: 422, code: 'workflow-rule' },
      inQualityReview.id,
    );
  });

  it('an event the machine does not know (400)', async () => {
    await refusedWithoutTrace(
      () => w.send(draft.id, 'cuniProposer', 'APPROVE_EVERYTHING'),
      { status: 400, code: 'validation-failed' },
      draft.id,
    );
  });

  it('SUBMIT of incomplete content (422, listing the missing fields)', async () => {
    const incomplete = await w.create({ title: 'Only a title' });
    await refusedWithoutTrace(
      () => w.send(incomplete.id, 'cuniProposer', 'SUBMIT'),
      { status: 422, code: 'workflow-rule' },
      incomplete.id,
    );
  });

  it('a proposal the user may not see answers 404, as if it did not exist', async () => {
    await refusedWithoutTrace(
      () => w.send(draft.id, 'unimiReviewer', 'PARTNER_APPROVE'),
      { status: 404, code: 'not-found' },
      draft.id,
    );
  });
});

describe('a refused creation or edit changes nothing at all', () => {
  it('a reviewer creating a proposal (403)', async () => {
    await refusedWithoutTrace(() => w.create(VALID_CONTENT, ['uhd'], 'unimiReviewer'), {
      status: 403,
      code: 'forbidden',
    });
  });

  it('a proposal naming its lead as a partner (400)', async () => {
    await refusedWithoutTrace(() => w.create(VALID_CONTENT, ['cuni']), {
      status: 400,
      code: 'validation-failed',
    });
  });

  it('content of the wrong type (400)', async () => {
    await refusedWithoutTrace(() => w.create({ ects: 'five' }), { status: 400, code: 'validation-failed' });
  });

  it('an edit by a partner (403), outside draft (409), or with a stale expectedVersion (409)', async () => {
    const draft = await w.create();
    const submitted = await w.create();
    await w.send(submitted.id, 'cuniProposer', 'SUBMIT');
    const edit = (id: string, as: 'cuniProposer' | 'uhdReviewer', expectedVersion?: number) => () =>
      w.engine.edit(w.user(as), id, { content: { summary: 'Not saved' }, expectedVersion }, meta());
    await refusedWithoutTrace(edit(draft.id, 'uhdReviewer'), { status: 403, code: 'forbidden' }, draft.id);
    await refusedWithoutTrace(
      edit(submitted.id, 'cuniProposer'),
      { status: 409, code: 'not-editable' },
      submitted.id,
    );
    await refusedWithoutTrace(
      edit(draft.id, 'cuniProposer', 7),
      { status: 409, code: 'stale-version' },
      draft.id,
    );
  });
});
