import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProposalsRepository, type ProposalRow } from '../../src/workflow/proposals.repository.js';
import { VALID_CONTENT, World, type CastName } from './support/in-process.js';

let w: World;
// A word in every title of this file's proposals: lists are filtered by it, so proposals other test
// files made in the same database never show.
const TAG = `vis${randomUUID().slice(0, 8)}`;
const made: Record<string, ProposalRow> = {};

beforeAll(async () => {
  w = await World.start();
  const create = (name: string, partners: string[], as: CastName = 'cuniProposer') =>
    w.create({ ...VALID_CONTENT, title: `${TAG} ${name}` }, partners, as);
  // Created in this order: newest first is the reverse (NEWEST_FIRST below).
  made.cuniDraft = await create('cuni draft', ['uhd']);
  made.suDraft = await create('su draft', ['ucph'], 'suProposer');
  made.inQualityReview = await w.drive(
    (await create('in quality review', ['uhd', 'su'])).id,
    'qualityReview',
  );
  made.inAgencyAlignment = await w.drive(
    (await create('in agency alignment', ['uhd', 'su'])).id,
    'agencyAlignment',
  );
});
afterAll(async () => {
  await w?.stop();
});

const names = (rows: Array<{ id: string }>) =>
  rows.map((r) => Object.keys(made).find((k) => made[k].id === r.id) ?? `other ${r.id}`);

const NEWEST_FIRST = ['inAgencyAlignment', 'inQualityReview', 'suDraft', 'cuniDraft'];

describe('ProposalsRepository.list shows each user what they may see, newest first', () => {
  it.each<[CastName, string[]]>([
    ['cuniProposer', ['inAgencyAlignment', 'inQualityReview', 'cuniDraft']],
    ['uhdReviewer', ['inAgencyAlignment', 'inQualityReview', 'cuniDraft']],
    ['suReviewer', ['inAgencyAlignment', 'inQualityReview', 'suDraft']],
    ['ucphReviewer', ['suDraft']],
    ['unimiReviewer', []],
    // Quality officers of other universities, once a proposal reached qualityReview (they may decide there).
    ['unimiQualityOfficer', ['inAgencyAlignment', 'inQualityReview']],
    // Agencies of an involved country, once it reached agencyAlignment; not an uninvolved country's.
    ['nauLiaison', ['inAgencyAlignment']],
    ['anvurLiaison', []],
    ['allianceAdmin', NEWEST_FIRST],
  ])('%s sees %j', async (as, expected) => {
    const rows = await w.repo.list(w.user(as), { text: TAG, limit: 50 });
    expect(names(rows)).toEqual(expected);
    // The SQL predicate and isVisibleTo state the same rule.
    const visible = NEWEST_FIRST.filter((n) => ProposalsRepository.isVisibleTo(w.user(as), made[n]));
    expect(names(rows)).toEqual(visible);
  });

  it('filters by involved institution and by state within what the user may see', async () => {
    const cuni = w.user('cuniProposer');
    expect(names(await w.repo.list(cuni, { text: TAG, institutionId: 'su', limit: 50 }))).toEqual([
      'inAgencyAlignment',
      'inQualityReview',
    ]);
    expect(names(await w.repo.list(cuni, { text: TAG, institutionId: 'ucph', limit: 50 }))).toEqual([]);
    expect(names(await w.repo.list(cuni, { text: TAG, state: 'draft', limit: 50 }))).toEqual(['cuniDraft']);
    const admin = w.user('allianceAdmin');
    expect(names(await w.repo.list(admin, { text: TAG, institutionId: 'ucph', limit: 50 }))).toEqual([
      'suDraft',
    ]);
  });

  it('pages by keyset cursor (created_at, id) without gaps or repeats', async () => {
    const admin = w.user('allianceAdmin');
    const first = await w.repo.list(admin, { text: TAG, limit: 3 });
    expect(names(first)).toEqual(NEWEST_FIRST.slice(0, 3));
    const last = first[first.length - 1];
    const next = await w.repo.list(admin, {
      text: TAG,
      limit: 3,
      after: { c: last.createdAt.toISOString(), i: last.id },
    });
    expect(names(next)).toEqual(NEWEST_FIRST.slice(3));
  });

  it('matches the search text literally: % and _ are not wildcards', async () => {
    const admin = w.user('allianceAdmin');
    expect(await w.repo.list(admin, { text: `${TAG}%draft`, limit: 50 })).toEqual([]);
    expect(await w.repo.list(admin, { text: `${TAG}_`, limit: 50 })).toEqual([]);
    expect(names(await w.repo.list(admin, { text: `${TAG} su`, limit: 50 }))).toEqual(['suDraft']);
  });

  it('nextReference numbers the year’s proposals MC-<year>-<4 digits>, one after the other', async () => {
    const year = new Date().getUTCFullYear();
    expect(made.cuniDraft.reference).toMatch(new RegExp(`^MC-${year}-\\d{4}$`));
    const numbers = Object.values(made)
      .map((p) => Number(p.reference.slice(-4)))
      .sort((a, b) => a - b);
    expect(numbers).toEqual([numbers[0], numbers[0] + 1, numbers[0] + 2, numbers[0] + 3]);
  });
});
