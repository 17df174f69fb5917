import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { VALID_CONTENT } from '../support/review-scenario.js';
import {
  EVENT_TYPES,
  eventBody,
  mayAct,
  REACHED_AGENCY,
  REACHED_QUALITY,
  sees,
  STATE_EVENTS,
} from '../support/design-rules.js';
import { ALL_ACTORS, ReviewWorld, type ActorName } from '../support/review-world.js';
import { bearer, startServer, testPool, type TestServer } from '../support/server.js';

let t: TestServer;
let w: ReviewWorld;
let db: pg.Pool;

beforeAll(async () => {
  t = await startServer();
  w = await new ReviewWorld(t).setUp();
  db = testPool();
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

const problemFields = (body: { errors?: Array<{ field: string }> }) =>
  (body.errors ?? []).map((e) => e.field);

describe('proposal lifecycle', () => {
  it('runs from draft to retired with three institutions in three countries', async () => {
    const draft = await w.create({ title: 'Draft title' }, ['uhd', 'su']);
    expect(draft).toMatchObject({
      state: 'draft',
      version: 1,
      revision: 1,
      reference: expect.stringMatching(/^MC-\d{4}-\d{4}$/),
      workflow: { id: 'micro-credential-review', version: 1 },
      availableEvents: ['SUBMIT', 'WITHDRAW'],
    });
    const patched = await t
      .http()
      .patch(`/api/proposals/${draft.id}`)
      .set(w.auth('cuniProposer'))
      .send({ content: VALID_CONTENT, expectedVersion: 1 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ version: 2, content: VALID_CONTENT });

    let p = await w.ok(draft.id, 'cuniProposer', 'SUBMIT');
    expect(p).toMatchObject({ state: 'partnerReview', version: 3, revision: 1 });
    expect(p.pending.map((x) => x.key).sort()).toEqual(['partner-su', 'partner-uhd']);
    expect((await w.get(p.id, 'uhdReviewer')).body.availableEvents).toEqual([
      'PARTNER_APPROVE',
      'PARTNER_REQUEST_CHANGES',
    ]);

    p = await w.ok(p.id, 'uhdReviewer', 'PARTNER_APPROVE', { comment: 'Fits our programme.' });
    expect(p.state).toBe('partnerReview');
    expect(p.pending.map((x) => x.key)).toEqual(['partner-su']);
    expect(p.availableEvents).toEqual([]);
    p = await w.ok(p.id, 'suReviewer', 'PARTNER_APPROVE');
    expect(p.state).toBe('qualityReview');
    expect(p.pending).toEqual([expect.objectContaining({ key: 'quality', excludedInstitutionId: 'cuni' })]);

    // Agencies see nothing until agency alignment.
    expect((await w.get(p.id, 'nauLiaison')).status).toBe(404);
    p = await w.ok(p.id, 'qualityOfficer', 'QUALITY_APPROVE', w.allMet());
    expect(p.state).toBe('agencyAlignment');
    expect(p.pending.map((x) => x.key).sort()).toEqual(['agency-cz', 'agency-de', 'agency-fr']);
    const asNau = await w.get(p.id, 'nauLiaison');
    expect(asNau.status).toBe(200);
    expect(asNau.body.availableEvents).toEqual(['AGENCY_CONFIRM', 'AGENCY_FLAG']);
    expect((await w.get(p.id, 'anvurLiaison')).status).toBe(404);

    p = await w.ok(p.id, 'nauLiaison', 'AGENCY_CONFIRM', {
      outcome: 'aligned',
      nqfLevel: '7',
      reference: 'NAU-2026-17',
    });
    p = await w.ok(p.id, 'gacLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned', nqfLevel: '7' });
    expect(p.state).toBe('agencyAlignment');
    p = await w.ok(p.id, 'hceresLiaison', 'AGENCY_CONFIRM', {
      outcome: 'aligned-with-conditions',
      conditions: 'Register in RNCP first.',
    });
    expect(p.state).toBe('approved');
    expect((await w.get(p.id, 'cuniAdmin')).body.availableEvents).toEqual(['PUBLISH']);
    p = await w.ok(p.id, 'cuniAdmin', 'PUBLISH');
    expect(p.state).toBe('published');
    p = await w.ok(p.id, 'allianceAdmin', 'RETIRE', { comment: 'Replaced by a programme.' });
    expect(p).toMatchObject({ state: 'retired', version: 11, availableEvents: [], pending: [] });

    const history = await t.http().get(`/api/proposals/${p.id}/history`).set(w.auth('uhdReviewer'));
    expect(history.status).toBe(200);
    expect(history.body.map((h: { event: string }) => h.event)).toEqual([
      'CREATE',
      'SUBMIT',
      'PARTNER_APPROVE',
      'PARTNER_APPROVE',
      'QUALITY_APPROVE',
      'AGENCY_CONFIRM',
      'AGENCY_CONFIRM',
      'AGENCY_CONFIRM',
      'PUBLISH',
      'RETIRE',
    ]);
    expect(history.body[2]).toMatchObject({
      actorInstitutionId: 'uhd',
      actorRole: 'reviewer',
      comment: 'Fits our programme.',
      fromState: 'partnerReview',
      toState: 'partnerReview',
      revision: 1,
    });
    expect(history.body[4].criteria).toHaveLength(w.criteria.length);
    expect(history.body[5]).toMatchObject({
      outcome: 'aligned',
      nqfLevel: '7',
      reference: 'NAU-2026-17',
      actorInstitutionId: 'nau',
    });
    expect(history.body[7]).toMatchObject({
      outcome: 'aligned-with-conditions',
      conditions: 'Register in RNCP first.',
    });
  });

  it('clears earlier decisions on resubmission and keeps each submitted revision with a field-by-field diff', async () => {
    let p = await w.proposalIn('partnerReview');
    p = await w.ok(p.id, 'uhdReviewer', 'PARTNER_APPROVE');
    p = await w.ok(p.id, 'suReviewer', 'PARTNER_REQUEST_CHANGES', { comment: 'Add French sources.' });
    expect(p).toMatchObject({ state: 'changesRequested', revision: 1 });
    expect(p.pending).toEqual([expect.objectContaining({ key: 'lead-cuni', kind: 'lead' })]);

    const edit = await t
      .http()
      .patch(`/api/proposals/${p.id}`)
      .set(w.auth('cuniProposer'))
      .send({ content: { ects: 6, workloadHours: 160, prerequisites: null, languages: ['en', 'fr'] } });
    expect(edit.status).toBe(200);
    expect(edit.body.content.prerequisites).toBeUndefined();
    p = await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    expect(p).toMatchObject({ state: 'partnerReview', revision: 2 });
    // uhd approved revision 1; on revision 2 it must decide again.
    expect(p.pending.map((x) => x.key).sort()).toEqual(['partner-su', 'partner-uhd']);
    expect((await w.get(p.id, 'uhdReviewer')).body.availableEvents).toContain('PARTNER_APPROVE');

    const diff = await t.http().get(`/api/proposals/${p.id}/revisions/1/diff/2`).set(w.auth('suReviewer'));
    expect(diff.status).toBe(200);
    expect(diff.body).toEqual({
      from: 1,
      to: 2,
      changes: [
        { field: 'content.ects', change: 'changed', before: 5, after: 6 },
        { field: 'content.languages[1]', change: 'changed', before: 'cs', after: 'fr' },
        { field: 'content.languages[2]', change: 'removed', before: 'de' },
        { field: 'content.languages[3]', change: 'removed', before: 'fr' },
        { field: 'content.prerequisites', change: 'removed', before: VALID_CONTENT.prerequisites },
        { field: 'content.workloadHours', change: 'changed', before: 140, after: 160 },
      ],
    });
    expect(
      (await t.http().get(`/api/proposals/${p.id}/revisions/1/diff/3`).set(w.auth('suReviewer'))).status,
    ).toBe(404);
    expect(
      (await t.http().get(`/api/proposals/${p.id}/revisions/x/diff/1`).set(w.auth('suReviewer'))).status,
    ).toBe(404);

    const { rows } = await db.query(
      `SELECT revision FROM proposal_revisions WHERE proposal_id = $1 ORDER BY revision`,
      [p.id],
    );
    expect(rows).toEqual([{ revision: 1 }, { revision: 2 }]);
    await expect(
      db.query(`UPDATE proposal_revisions SET content = '{}' WHERE proposal_id = $1`, [p.id]),
    ).rejects.toThrow(/immutable/);
  });

  it('withdraws before approval and rejects in quality review', async () => {
    const p = await w.proposalIn('qualityReview');
    expect((await w.ok(p.id, 'cuniAdmin', 'WITHDRAW')).state).toBe('withdrawn');
    expect((await w.proposalIn('rejected')).state).toBe('rejected');
  });
});

describe('content rules', () => {
  it('refuses SUBMIT of incomplete content with 422 listing every problem', async () => {
    const p = await w.create({ title: 'Hi' }, []);
    const res = await w.send(p.id, 'cuniProposer', 'SUBMIT');
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    const fields = problemFields(res.body);
    for (const f of [
      'content.title',
      'content.summary',
      'content.learningOutcomes',
      'content.ects',
      'content.eqfLevel',
      'content.assessment',
      'content.participationForm',
      'content.languages',
      'content.targetGroups',
      'content.strategicAreas',
      'content.qualityAssurance',
      'content.thematicArea',
      'partnerInstitutionIds',
    ]) {
      expect(fields).toContain(f);
    }
    expect((await w.get(p.id)).body).toMatchObject({ state: 'draft', version: 1 });
  });

  it.each([
    ['ECTS outside the range', { ects: 20 }, 'content.ects'],
    ['ECTS not a multiple of 0.5', { ects: 5.3, workloadHours: 140 }, 'content.ects'],
    ['hours per ECTS outside 25..30', { workloadHours: 400 }, 'content.workloadHours'],
    [
      'a bad ESCO URI',
      { learningOutcomes: [{ description: 'x', escoSkillUri: 'http://example.org/skill/1' }] },
      'content.learningOutcomes[0].escoSkillUri',
    ],
    [
      'revenue shares not summing to 100',
      {
        revenueShares: [
          { institutionId: 'cuni', percent: 50 },
          { institutionId: 'uhd', percent: 40 },
        ],
      },
      'content.revenueShares',
    ],
    [
      'revenue shares naming an outsider',
      {
        revenueShares: [
          { institutionId: 'cuni', percent: 50 },
          { institutionId: 'unimi', percent: 50 },
        ],
      },
      'content.revenueShares[1].institutionId',
    ],
  ])('refuses SUBMIT with %s (422)', async (_name, change, field) => {
    const p = await w.create({ ...VALID_CONTENT, ...change });
    const res = await w.send(p.id, 'cuniProposer', 'SUBMIT');
    expect(res.status).toBe(422);
    expect(problemFields(res.body)).toContain(field);
  });

  it('refuses unknown, non-university, lead and repeated partners at every save with 400 naming each', async () => {
    const created = await t
      .http()
      .post('/api/proposals')
      .set(w.auth('cuniProposer'))
      .send({
        partnerInstitutionIds: ['uhd', 'nowhere', 'hceres', '4euplus', 'cuni', 'uhd'],
        content: VALID_CONTENT,
      });
    expect(created.status).toBe(400);
    expect(problemFields(created.body)).toEqual([1, 2, 3, 4, 5].map((i) => `partnerInstitutionIds[${i}]`));
    const p = await w.create(VALID_CONTENT, ['uhd']);
    const cases: Array<[string[], string]> = [
      [['uhd', 'nowhere'], 'partnerInstitutionIds[1]'],
      [['anvur'], 'partnerInstitutionIds[0]'],
      [['4euplus'], 'partnerInstitutionIds[0]'],
      [['cuni'], 'partnerInstitutionIds[0]'],
      [['su', 'su'], 'partnerInstitutionIds[1]'],
    ];
    for (const [partnerInstitutionIds, field] of cases) {
      const res = await t
        .http()
        .patch(`/api/proposals/${p.id}`)
        .set(w.auth('cuniProposer'))
        .send({ partnerInstitutionIds });
      expect([res.status, problemFields(res.body)]).toEqual([400, [field]]);
    }
    expect((await w.get(p.id)).body).toMatchObject({ version: 1, partnerInstitutionIds: ['uhd'] });
  });

  it('still refuses SUBMIT (422) of a proposal saved with an unknown partner before partners were checked at save', async () => {
    const p = await w.create(VALID_CONTENT, ['uhd']);
    await db.query(`UPDATE proposals SET partner_institution_ids = '{uhd,nowhere,hceres}' WHERE id = $1`, [
      p.id,
    ]);
    const res = await w.send(p.id, 'cuniProposer', 'SUBMIT');
    expect(res.status).toBe(422);
    expect(problemFields(res.body)).toEqual(
      expect.arrayContaining(['partnerInstitutionIds[1]', 'partnerInstitutionIds[2]']),
    );
    // Any save names the partners to fix.
    const edit = await t
      .http()
      .patch(`/api/proposals/${p.id}`)
      .set(w.auth('cuniProposer'))
      .send({ content: { title: 'Fixed title' } });
    expect([edit.status, problemFields(edit.body)]).toEqual([
      400,
      ['partnerInstitutionIds[1]', 'partnerInstitutionIds[2]'],
    ]);
  });

  it('checks types at every save with 400 naming the field, and changes nothing', async () => {
    const res = await t
      .http()
      .post('/api/proposals')
      .set(w.auth('cuniProposer'))
      .send({
        partnerInstitutionIds: ['uhd'],
        content: { title: 42, ects: 'five', learningOutcomes: [{ text: 'x' }], colour: 'red' },
      });
    expect(res.status).toBe(400);
    expect(problemFields(res.body)).toEqual(
      expect.arrayContaining([
        'content.title',
        'content.ects',
        'content.learningOutcomes[0].text',
        'content.colour',
      ]),
    );
    const p = await w.create({ title: 'Fine' });
    const bad = await t
      .http()
      .patch(`/api/proposals/${p.id}`)
      .set(w.auth('cuniProposer'))
      .send({ content: { eqfLevel: 6.5 } });
    expect(bad.status).toBe(400);
    expect(problemFields(bad.body)).toEqual(['content.eqfLevel']);
    const lead = await t
      .http()
      .patch(`/api/proposals/${p.id}`)
      .set(w.auth('cuniProposer'))
      .send({ partnerInstitutionIds: ['cuni'] });
    expect(lead.status).toBe(400);
    expect(problemFields(lead.body)).toEqual(['partnerInstitutionIds[0]']);
    expect((await w.get(p.id)).body).toMatchObject({ version: 1, content: { title: 'Fine' } });
  });

  it('refuses PATCH outside draft/changesRequested with 409 and from anyone but lead proposers with 403', async () => {
    const p = await w.proposalIn('partnerReview');
    expect(
      (
        await t
          .http()
          .patch(`/api/proposals/${p.id}`)
          .set(w.auth('cuniProposer'))
          .send({ content: { title: 'New' } })
      ).status,
    ).toBe(409);
    const d = await w.create();
    expect(
      (
        await t
          .http()
          .patch(`/api/proposals/${d.id}`)
          .set(w.auth('uhdReviewer'))
          .send({ content: { title: 'New' } })
      ).status,
    ).toBe(403);
    expect(
      (
        await t
          .http()
          .patch(`/api/proposals/${d.id}`)
          .set(w.auth('cuniAdmin'))
          .send({ content: { title: 'New' } })
      ).status,
    ).toBe(403);
    expect(
      (
        await t
          .http()
          .patch(`/api/proposals/${d.id}`)
          .set(w.auth('unimiProposer'))
          .send({ content: { title: 'New' } })
      ).status,
    ).toBe(404);
  });

  it('refuses QUALITY_APPROVE with an unassessed or not-met criterion (422) and events without their required fields (400)', async () => {
    const p = await w.proposalIn('qualityReview');
    const partial = await w.send(p.id, 'qualityOfficer', 'QUALITY_APPROVE', {
      criteria: [{ criterion: w.criteria[0], result: 'met' }],
    });
    expect(partial.status).toBe(422);
    const notMet = await w.send(p.id, 'qualityOfficer', 'QUALITY_APPROVE', {
      criteria: w.criteria.map((criterion, i) => ({ criterion, result: i === 2 ? 'not-met' : 'met' })),
    });
    expect(notMet.status).toBe(422);
    expect(problemFields(notMet.body)).toContain('criteria[2].result');
    const noComment = await w.send(p.id, 'qualityOfficer', 'QUALITY_REJECT');
    expect(noComment.status).toBe(400);
    expect(problemFields(noComment.body)).toEqual(['comment']);
    const blank = await w.send(p.id, 'qualityOfficer', 'QUALITY_REQUEST_CHANGES', { comment: '   ' });
    expect(blank.status).toBe(400);
    const misplaced = await w.send(p.id, 'qualityOfficer', 'QUALITY_REJECT', {
      comment: 'x',
      outcome: 'aligned',
    });
    expect(misplaced.status).toBe(400);
    expect(problemFields(misplaced.body)).toEqual(['outcome']);
    const unknown = await w.send(p.id, 'qualityOfficer', 'APPROVE_EVERYTHING');
    expect(unknown.status).toBe(400);
    expect(problemFields(unknown.body)).toEqual(['type']);
    expect((await w.get(p.id)).body).toMatchObject({ state: 'qualityReview', version: p.version });
  });

  it('requires conditions with aligned-with-conditions and an outcome with AGENCY_CONFIRM (400)', async () => {
    const p = await w.proposalIn('agencyAlignment');
    expect(problemFields((await w.send(p.id, 'nauLiaison', 'AGENCY_CONFIRM', {})).body)).toEqual(['outcome']);
    expect(
      problemFields(
        (await w.send(p.id, 'nauLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned-with-conditions' })).body,
      ),
    ).toEqual(['conditions']);
    const flag = await w.ok(p.id, 'gacLiaison', 'AGENCY_FLAG', { comment: 'Not aligned with the DQR.' });
    expect(flag.state).toBe('changesRequested');
  });
});

describe('authorization matrix (every event × every relation × state)', () => {
  const STATES = [
    'draft',
    'partnerReview',
    'qualityReview',
    'agencyAlignment',
    'changesRequested',
    'approved',
    'published',
    'withdrawn',
  ];

  it.each(STATES)(
    'in %s answers 404/409/403 as DESIGN says and offers exactly the allowed events',
    async (state) => {
      const p = await w.proposalIn(state);
      const mismatches: string[] = [];
      for (const name of ALL_ACTORS) {
        const view = await w.get(p.id, name);
        const visible = sees(name, REACHED_AGENCY.has(state), REACHED_QUALITY.has(state));
        if (view.status !== (visible ? 200 : 404)) mismatches.push(`${name} GET ${view.status}`);
        const allowed = STATE_EVENTS[state].filter((e) => mayAct(e, name));
        if (visible && JSON.stringify(view.body.availableEvents) !== JSON.stringify(allowed)) {
          mismatches.push(
            `${name} availableEvents ${JSON.stringify(view.body.availableEvents)} != ${JSON.stringify(allowed)}`,
          );
        }
        for (const event of EVENT_TYPES) {
          if (visible && STATE_EVENTS[state].includes(event) && mayAct(event, name)) continue; // would really act: covered by availableEvents
          const expected = !visible ? 404 : !STATE_EVENTS[state].includes(event) ? 409 : 403;
          const body = eventBody(event, w.criteria);
          const res = await w.send(p.id, name, event, body);
          if (res.status !== expected)
            mismatches.push(`${name} ${event}: ${res.status} expected ${expected}`);
        }
      }
      expect(mismatches).toEqual([]);
      const after = await w.get(p.id, 'allianceAdmin');
      expect(after.body.version).toBe(p.version);
    },
  );

  it('answers a nonexistent proposal exactly like an invisible one', async () => {
    const p = await w.proposalIn('draft');
    const invisible = await w.get(p.id, 'unimiReviewer');
    const missing = await w.get(randomUUID(), 'unimiReviewer');
    const garbage = await w.get('not-a-uuid', 'unimiReviewer');
    expect([invisible.status, missing.status, garbage.status]).toEqual([404, 404, 404]);
    expect(missing.body).toEqual(invisible.body);
    expect(garbage.body).toEqual(invisible.body);
    const ev1 = await w.send(p.id, 'unimiReviewer', 'SUBMIT');
    const ev2 = await w.send(randomUUID(), 'unimiReviewer', 'SUBMIT');
    expect([ev1.status, ev2.status]).toEqual([404, 404]);
    expect(ev1.body).toEqual(ev2.body);
  });

  it('refuses a second decision by the same partner institution with 409', async () => {
    const p = await w.proposalIn('partnerReview');
    await w.ok(p.id, 'uhdReviewer', 'PARTNER_APPROVE');
    const again = await w.send(p.id, 'uhdReviewer', 'PARTNER_APPROVE');
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/already-decided/);
  });
});

describe('listing and visibility', () => {
  it('lists only what the caller may see, filtered and paginated without duplicates', async () => {
    const mine = await w.create({ title: 'Visible to uhd' }, ['uhd']);
    const other = await w.create({ title: 'Not for uhd' }, ['su']);
    const ids = async (as: ActorName, query = '') => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: { items: Array<{ id: string }>; nextCursor: string | null } } =
          await t
            .http()
            .get(`/api/proposals?limit=7${query}${cursor ? `&cursor=${cursor}` : ''}`)
            .set(w.auth(as));
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((i) => i.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      return seen;
    };
    const uhd = await ids('uhdReviewer');
    expect(uhd).toContain(mine.id);
    expect(uhd).not.toContain(other.id);
    // unimi sees only proposals it takes part in (other suites may have created some), never these.
    const unimi = await ids('unimiReviewer');
    expect(unimi).not.toContain(mine.id);
    expect(unimi).not.toContain(other.id);
    const foreign = await db.query(
      `SELECT id FROM proposals WHERE id = ANY ($1::uuid[]) AND lead_institution_id <> 'unimi' AND NOT ('unimi' = ANY (partner_institution_ids))`,
      [unimi],
    );
    expect(foreign.rows).toEqual([]);
    const alliance = await ids('qualityOfficer');
    expect(alliance).toEqual(expect.arrayContaining([mine.id, other.id]));
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM proposals`);
    expect(alliance).toHaveLength(rows[0].n);
    const drafts = await ids('qualityOfficer', '&state=draft&institutionId=su');
    expect(drafts).toContain(other.id);
    expect(drafts).not.toContain(mine.id);
    expect(await ids('nauLiaison')).not.toContain(mine.id);
    expect((await t.http().get('/api/proposals?state=bogus').set(w.auth('cuniProposer'))).status).toBe(400);
  });

  it('shows a proposal to quality officers of uninvolved universities from quality review on, so they can decide', async () => {
    const listed = async (as: ActorName) => {
      const res = await t.http().get('/api/proposals?state=qualityReview&limit=100').set(w.auth(as));
      expect(res.status).toBe(200);
      return (res.body.items as Array<{ id: string }>).map((i) => i.id);
    };
    const p = await w.proposalIn('partnerReview');
    expect((await w.get(p.id, 'unimiQualityOfficer')).status).toBe(404);
    await w.ok(p.id, 'uhdReviewer', 'PARTNER_APPROVE');
    expect((await w.get(p.id, 'unimiQualityOfficer')).status).toBe(404);
    await w.ok(p.id, 'suReviewer', 'PARTNER_APPROVE');
    const inQuality = await w.get(p.id, 'unimiQualityOfficer');
    expect([inQuality.status, inQuality.body.availableEvents]).toEqual([
      200,
      ['QUALITY_APPROVE', 'QUALITY_REQUEST_CHANGES', 'QUALITY_REJECT'],
    ]);
    expect(await listed('unimiQualityOfficer')).toContain(p.id);
    // the same university's reviewers are not concerned
    expect((await w.get(p.id, 'unimiReviewer')).status).toBe(404);
    expect(await listed('unimiReviewer')).not.toContain(p.id);
    const sent = await w.ok(p.id, 'unimiQualityOfficer', 'QUALITY_REQUEST_CHANGES', { comment: 'Sources?' });
    expect(sent.state).toBe('changesRequested');
    // it stays visible to the officer who decided, like a decided agency's proposal
    expect((await w.get(p.id, 'unimiQualityOfficer')).status).toBe(200);
    expect((await w.get(p.id, 'unimiQualityOfficer')).body.availableEvents).toEqual([]);
  });

  it('refuses proposal creation by non-proposers with 403', async () => {
    const res = await t.http().post('/api/proposals').set(w.auth('uhdReviewer')).send({ content: {} });
    expect(res.status).toBe(403);
  });
});

describe('concurrency', () => {
  it('lets exactly one of 16 simultaneous identical partner decisions succeed; the rest get 409', async () => {
    const p = await w.proposalIn('partnerReview');
    const extra = await Promise.all([1, 2, 3].map((i) => t.user('uhd', ['reviewer'], `uhd-rev-${i}`)));
    const tokens = [w.users.get('uhdReviewer')!.token, ...extra.map((u) => u.token)];
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        t
          .http()
          .post(`/api/proposals/${p.id}/events`)
          .set(bearer(tokens[i % tokens.length]))
          .send({ type: 'PARTNER_APPROVE' }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(15).fill(409)]);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM decisions WHERE proposal_id = $1 AND event = 'PARTNER_APPROVE'`,
      [p.id],
    );
    expect(rows[0].n).toBe(1);
    expect((await w.get(p.id)).body.version).toBe(p.version + 1);
  });

  it('refuses a stale expectedVersion with 409 and accepts the current one', async () => {
    const p = await w.proposalIn('partnerReview');
    const stale = await w.send(p.id, 'uhdReviewer', 'PARTNER_APPROVE', { expectedVersion: p.version - 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.type).toMatch(/stale-version/);
    expect(
      (await w.send(p.id, 'uhdReviewer', 'PARTNER_APPROVE', { expectedVersion: p.version })).status,
    ).toBe(200);
    const patchStale = await t
      .http()
      .patch(`/api/proposals/${p.id}`)
      .set(w.auth('cuniProposer'))
      .send({ expectedVersion: 1, content: {} });
    expect(patchStale.status).toBe(409);
  });

  it('gives 30 proposals created at once 30 distinct references', async () => {
    const res = await Promise.all(
      Array.from({ length: 30 }, () =>
        t.http().post('/api/proposals').set(w.auth('cuniProposer')).send({ content: {} }),
      ),
    );
    expect(res.map((r) => r.status)).toEqual(res.map(() => 201));
    const refs = res.map((r) => r.body.reference as string);
    expect(new Set(refs).size).toBe(30);
  });
});

describe('workflow description', () => {
  it('describes the machine with a generated Mermaid diagram and the quality checklist', async () => {
    const res = await t.http().get('/api/workflows/micro-credential-review').set(w.auth('uhdReviewer'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'micro-credential-review', version: 1, versions: [1] });
    expect(res.body.states).toEqual(
      expect.arrayContaining([
        'draft',
        'partnerReview',
        'qualityReview',
        'agencyAlignment',
        'changesRequested',
        'approved',
        'published',
        'retired',
        'rejected',
        'withdrawn',
      ]),
    );
    expect(res.body.finalStates.sort()).toEqual(['rejected', 'retired', 'withdrawn']);
    expect(res.body.mermaid).toMatch(/^stateDiagram-v2/);
    for (const tr of res.body.transitions as Array<{ from: string; event: string; to: string }>) {
      expect(res.body.mermaid).toContain(`${tr.from} --> ${tr.to}: ${tr.event}`);
    }
    expect(res.body.qualityCriteria.map((c: { id: string }) => c.id)).toEqual(w.criteria);
    expect(w.criteria.length).toBeGreaterThanOrEqual(19);
    expect((await t.http().get('/api/workflows/nope').set(w.auth('uhdReviewer'))).status).toBe(404);
  });
});
