import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { machineEdges } from '../../workflows/machine-graph.js';
import {
  authorize,
  microCredentialReviewMachine as machine,
  microCredentialReviewV1 as definition,
  partyKeyPart,
  REVIEW_EVENT_TYPES,
  REVIEW_STATES,
  ruleProblems,
  type ReviewContext,
  type ReviewEvent,
  type ReviewEventType,
  type ReviewState,
} from '../../workflows/micro-credential-review/index.js';
import type { Actor, Role } from '../../workflows/types.js';
import { ROLES } from '../../workflows/types.js';
import {
  actorOf,
  CREATED_AT,
  CRITERIA_CATALOGUE,
  REVIEW_INPUT,
  SAMPLE_ACTORS,
  scenarioAttempts,
  submissionOf,
  toMachineEvent,
  VALID_CONTENT,
  type SampleActorName,
} from '../support/review-scenario.js';

type Snap = SnapshotFrom<typeof machine>;
type Step = [ReviewEventType, SampleActorName | Actor, Record<string, unknown>?];

const T0 = '2026-03-03T10:00:00.000Z';
/** A distinct, increasing time per step, so stageEnteredAt shows which event entered a state. */
const timeOf = (i: number) => new Date(Date.parse(T0) + i * 3_600_000).toISOString();

const defaultBody = (type: ReviewEventType): Record<string, unknown> =>
  scenarioAttempts().find((attempt) => attempt.type === type)!.body;

function eventOf([type, who, body]: Step, at: string): ReviewEvent {
  const actor = typeof who === 'string' ? SAMPLE_ACTORS[who] : who;
  const event = toMachineEvent({ type, actor: 'cuniProposer', body: body ?? defaultBody(type) }, at);
  return { ...event, actor } as ReviewEvent;
}

function start(): Snap {
  return initialTransition(machine, REVIEW_INPUT)[0];
}

/** Sends the steps in order; every one of them must be accepted. */
function run(steps: Step[], from: Snap = start()): Snap {
  return steps.reduce((snapshot, step, i) => {
    const event = eventOf(step, timeOf(i));
    const [next] = transition(machine, snapshot, event);
    if (next === snapshot) throw new Error(`${step[0]} refused in ${String(snapshot.value)}`);
    return next;
  }, from);
}

function send(snapshot: Snap, step: Step, at = '2026-04-01T00:00:00.000Z') {
  const event = eventOf(step, at);
  const [next, actions] = transition(machine, snapshot, event);
  return { next, actions, event };
}

const TO_PARTNER_REVIEW: Step[] = [['SUBMIT', 'cuniProposer']];
const TO_QUALITY_REVIEW: Step[] = [
  ...TO_PARTNER_REVIEW,
  ['PARTNER_APPROVE', 'uhdReviewer'],
  ['PARTNER_APPROVE', 'suReviewer'],
];
const TO_AGENCY_ALIGNMENT: Step[] = [...TO_QUALITY_REVIEW, ['QUALITY_APPROVE', 'qualityOfficer']];
const TO_APPROVED: Step[] = [
  ...TO_AGENCY_ALIGNMENT,
  ['AGENCY_CONFIRM', 'nauLiaison'],
  ['AGENCY_CONFIRM', 'gacLiaison'],
  ['AGENCY_CONFIRM', 'hceresLiaison'],
];
const TO_PUBLISHED: Step[] = [...TO_APPROVED, ['PUBLISH', 'cuniAdmin']];
const TO_CHANGES_REQUESTED: Step[] = [...TO_PARTNER_REVIEW, ['PARTNER_REQUEST_CHANGES', 'uhdReviewer']];

const STEPS_TO: Record<ReviewState, Step[]> = {
  draft: [],
  partnerReview: TO_PARTNER_REVIEW,
  qualityReview: TO_QUALITY_REVIEW,
  agencyAlignment: TO_AGENCY_ALIGNMENT,
  changesRequested: TO_CHANGES_REQUESTED,
  approved: TO_APPROVED,
  published: TO_PUBLISHED,
  retired: [...TO_PUBLISHED, ['RETIRE', 'allianceAdmin']],
  rejected: [...TO_QUALITY_REVIEW, ['QUALITY_REJECT', 'qualityOfficer']],
  withdrawn: [['WITHDRAW', 'cuniProposer']],
};
const reach = (state: ReviewState) => run(STEPS_TO[state]);

/** Refused: xstate hands back the very same snapshot and no actions. */
function expectRefused(snapshot: Snap, step: Step) {
  const { next, actions } = send(snapshot, step);
  expect(next).toBe(snapshot);
  expect(actions).toEqual([]);
}

const refusal = (snapshot: Snap, step: Step) =>
  definition.explainRefusal(snapshot, eventOf(step, T0) as unknown as Record<string, unknown>);

describe('the machine definition', () => {
  it('has the id and version proposals record', () => {
    expect(machine.id).toBe('micro-credential-review');
    expect(machine.version).toBe('1');
    expect(definition.id).toBe('micro-credential-review');
    expect(definition.version).toBe(1);
  });

  it('has exactly the states and events of DESIGN.md section 5', () => {
    expect(definition.states).toEqual(REVIEW_STATES);
    expect(definition.finalStates).toEqual(['retired', 'rejected', 'withdrawn']);
    expect(definition.eventTypes).toEqual(REVIEW_EVENT_TYPES);
  });

  it('implements the transition table of DESIGN.md section 5, and nothing else', () => {
    const expected = [
      'draft SUBMIT partnerReview',
      'draft WITHDRAW withdrawn',
      'partnerReview PARTNER_APPROVE qualityReview',
      'partnerReview PARTNER_APPROVE partnerReview',
      'partnerReview PARTNER_REQUEST_CHANGES changesRequested',
      'partnerReview WITHDRAW withdrawn',
      'qualityReview QUALITY_APPROVE agencyAlignment',
      'qualityReview QUALITY_REQUEST_CHANGES changesRequested',
      'qualityReview QUALITY_REJECT rejected',
      'qualityReview WITHDRAW withdrawn',
      'agencyAlignment AGENCY_CONFIRM approved',
      'agencyAlignment AGENCY_CONFIRM agencyAlignment',
      'agencyAlignment AGENCY_FLAG changesRequested',
      'agencyAlignment WITHDRAW withdrawn',
      'changesRequested SUBMIT partnerReview',
      'changesRequested WITHDRAW withdrawn',
      'approved PUBLISH published',
      'published RETIRE retired',
    ];
    const actual = machineEdges(machine).map(({ source, event, target }) => `${source} ${event} ${target}`);
    expect(actual.sort()).toEqual(expected.sort());
  });

  it('declares who is pending in every state, and reminds only during the four review stages', () => {
    const metaOf = (state: string) => machine.root.states[state].meta;
    expect(Object.fromEntries(REVIEW_STATES.map((state) => [state, metaOf(state)]))).toEqual({
      draft: { pending: 'leadProposers', reminded: false },
      partnerReview: { pending: 'undecidedPartners', reminded: true },
      qualityReview: { pending: 'qualityOfficers', reminded: true },
      agencyAlignment: { pending: 'undecidedAgencies', reminded: true },
      changesRequested: { pending: 'leadProposers', reminded: true },
      approved: { pending: 'publishers', reminded: false },
      published: { pending: 'none', reminded: false },
      retired: { pending: 'none', reminded: false },
      rejected: { pending: 'none', reminded: false },
      withdrawn: { pending: 'none', reminded: false },
    });
  });
});

describe('draft', () => {
  it('starts at revision 1, stage entry 1, entered at the creation time, with no actions', () => {
    const [snapshot, actions] = initialTransition(machine, REVIEW_INPUT);
    expect(snapshot.value).toBe('draft');
    expect(snapshot.context).toEqual({
      leadInstitutionId: 'cuni',
      partnerInstitutionIds: [],
      involvedCountries: [],
      revision: 1,
      partnerApprovals: [],
      agencyConfirmations: [],
      stageEntry: 1,
      stageEnteredAt: CREATED_AT,
    });
    expect(actions).toEqual([]);
  });

  it('SUBMIT by a lead proposer with complete content goes to partnerReview and freezes revision 1', () => {
    const { next, actions } = send(start(), ['SUBMIT', 'cuniProposer'], '2026-03-04T08:00:00.000Z');
    expect(next.value).toBe('partnerReview');
    expect(next.context).toEqual({
      leadInstitutionId: 'cuni',
      partnerInstitutionIds: ['uhd', 'su'],
      involvedCountries: ['CZ', 'DE', 'FR'],
      revision: 1,
      partnerApprovals: [],
      agencyConfirmations: [],
      stageEntry: 2,
      stageEnteredAt: '2026-03-04T08:00:00.000Z',
    });
    expect(actions.map((action) => [action.type, action.params])).toEqual([
      ['freezeRevision', { revision: 1 }],
    ]);
  });

  it('SUBMIT takes the involved countries from the institutions, unique and sorted', () => {
    const event = {
      ...eventOf(['SUBMIT', 'cuniProposer'], T0),
      submission: submissionOf({ ...VALID_CONTENT, revenueShares: undefined }, ['su', 'assas', 'uhd']),
    } as ReviewEvent;
    const [next] = transition(machine, start(), event);
    expect(next.context.involvedCountries).toEqual(['CZ', 'DE', 'FR']);
    expect(next.context.partnerInstitutionIds).toEqual(['su', 'assas', 'uhd']);
  });

  it('SUBMIT with incomplete content is refused, with every problem explained', () => {
    const snapshot = start();
    const event = {
      ...eventOf(['SUBMIT', 'cuniProposer'], T0),
      submission: submissionOf({ title: 'ab' }, []),
    } as ReviewEvent;
    const [next, actions] = transition(machine, snapshot, event);
    expect(next).toBe(snapshot);
    expect(actions).toEqual([]);
    const explained = definition.explainRefusal(snapshot, event as unknown as Record<string, unknown>);
    expect(explained?.code).toBe('rule');
    const fields = explained?.code === 'rule' ? explained.problems.map((problem) => problem.field) : [];
    expect(fields).toEqual(
      expect.arrayContaining(['partnerInstitutionIds', 'content.title', 'content.summary']),
    );
  });

  it('SUBMIT without a submission is a rule problem, not a crash', () => {
    const event = { type: 'SUBMIT', actor: SAMPLE_ACTORS.cuniProposer, at: T0 };
    expect(definition.explainRefusal(start(), event)).toEqual({
      code: 'rule',
      problems: [{ field: 'submission', message: 'is required' }],
    });
    expect(transition(machine, start(), event as never)[0].value).toBe('draft');
  });

  it('SUBMIT by a proposer of another institution is refused', () => {
    expectRefused(start(), ['SUBMIT', actorOf('uhd', ['proposer'])]);
  });

  it('WITHDRAW by a lead proposer ends in withdrawn (final)', () => {
    const { next, actions } = send(start(), ['WITHDRAW', 'cuniProposer', {}]);
    expect(next.value).toBe('withdrawn');
    expect(next.status).toBe('done');
    expect(next.context.stageEntry).toBe(2);
    expect(actions).toEqual([]);
  });
});

describe('partnerReview', () => {
  it('PARTNER_APPROVE of the first partner records it and stays, without a new stage', () => {
    const before = reach('partnerReview');
    const { next, actions } = send(before, ['PARTNER_APPROVE', 'uhdReviewer']);
    expect(next.value).toBe('partnerReview');
    expect(next.context).toEqual({ ...before.context, partnerApprovals: ['uhd'] });
    expect(actions).toEqual([]);
  });

  it('PARTNER_APPROVE of the last partner goes to qualityReview', () => {
    const before = run([...TO_PARTNER_REVIEW, ['PARTNER_APPROVE', 'suReviewer']]);
    const { next } = send(before, ['PARTNER_APPROVE', 'uhdReviewer'], '2026-04-02T00:00:00.000Z');
    expect(next.value).toBe('qualityReview');
    expect(next.context.partnerApprovals).toEqual(['su', 'uhd']);
    expect(next.context.stageEntry).toBe(before.context.stageEntry + 1);
    expect(next.context.stageEnteredAt).toBe('2026-04-02T00:00:00.000Z');
  });

  it('PARTNER_APPROVE twice by the same partner is refused as already decided', () => {
    const snapshot = run([...TO_PARTNER_REVIEW, ['PARTNER_APPROVE', 'uhdReviewer']]);
    const colleague = actorOf('uhd', ['reviewer'], 'another-uhd-reviewer');
    expectRefused(snapshot, ['PARTNER_APPROVE', colleague]);
    expect(refusal(snapshot, ['PARTNER_APPROVE', colleague])).toEqual({ code: 'already-decided' });
    expect(refusal(snapshot, ['PARTNER_REQUEST_CHANGES', colleague])).toEqual({ code: 'already-decided' });
  });

  it('PARTNER_APPROVE accepts an optional comment but not a non-string one', () => {
    const snapshot = reach('partnerReview');
    expect(send(snapshot, ['PARTNER_APPROVE', 'uhdReviewer', {}]).next.context.partnerApprovals).toEqual([
      'uhd',
    ]);
    expect(refusal(snapshot, ['PARTNER_APPROVE', 'uhdReviewer', { comment: 5 }])).toEqual({
      code: 'rule',
      problems: [{ field: 'comment', message: 'must be a string' }],
    });
  });

  it('PARTNER_REQUEST_CHANGES with a comment goes to changesRequested', () => {
    const { next } = send(reach('partnerReview'), [
      'PARTNER_REQUEST_CHANGES',
      'suReviewer',
      { comment: 'More.' },
    ]);
    expect(next.value).toBe('changesRequested');
    expect(next.context.stageEntry).toBe(3);
  });

  it.each([[{}], [{ comment: '' }], [{ comment: '  \n\t ' }], [{ comment: null }]])(
    'PARTNER_REQUEST_CHANGES with a missing or blank comment (%j) is refused',
    (body) => {
      const snapshot = reach('partnerReview');
      expectRefused(snapshot, ['PARTNER_REQUEST_CHANGES', 'suReviewer', body]);
      expect(refusal(snapshot, ['PARTNER_REQUEST_CHANGES', 'suReviewer', body])).toEqual({
        code: 'rule',
        problems: [{ field: 'comment', message: 'is required' }],
      });
    },
  );

  it('WITHDRAW by a lead admin ends in withdrawn', () => {
    expect(send(reach('partnerReview'), ['WITHDRAW', 'cuniAdmin', {}]).next.value).toBe('withdrawn');
  });
});

describe('qualityReview', () => {
  const assessed = (results: Record<string, string> = {}) =>
    CRITERIA_CATALOGUE.map((criterion) => ({ criterion, result: results[criterion] ?? 'met' }));

  it('QUALITY_APPROVE assessing every criterion, none not-met, goes to agencyAlignment', () => {
    const criteria = assessed({
      'eu-relevance': 'met-with-conditions',
      'alliance-ects-range': 'not-applicable',
    });
    criteria[0] = { ...criteria[0], note: 'Fine.' } as (typeof criteria)[number];
    const { next, actions } = send(reach('qualityReview'), [
      'QUALITY_APPROVE',
      'qualityOfficer',
      { criteria },
    ]);
    expect(next.value).toBe('agencyAlignment');
    expect(actions).toEqual([]);
  });

  it('QUALITY_APPROVE with a not-met criterion is refused, naming the result', () => {
    const body = { criteria: assessed({ 'eu-transparency': 'not-met' }) };
    const snapshot = reach('qualityReview');
    expectRefused(snapshot, ['QUALITY_APPROVE', 'qualityOfficer', body]);
    expect(refusal(snapshot, ['QUALITY_APPROVE', 'qualityOfficer', body])).toEqual({
      code: 'rule',
      problems: [{ field: 'criteria[1].result', message: expect.stringContaining('not met') }],
    });
  });

  it('QUALITY_APPROVE with unassessed criteria is refused, listing the missing ids', () => {
    const body = { criteria: assessed().slice(2) };
    expect(refusal(reach('qualityReview'), ['QUALITY_APPROVE', 'qualityOfficer', body])).toEqual({
      code: 'rule',
      problems: [{ field: 'criteria', message: 'criteria not assessed: eu-quality, eu-transparency' }],
    });
  });

  it('QUALITY_APPROVE with unknown, duplicated or malformed assessments reports each one', () => {
    const criteria: unknown[] = [
      ...assessed(),
      { criterion: 'made-up', result: 'met' },
      { criterion: 'eu-quality', result: 'met' },
      { criterion: 'eu-relevance', result: 'maybe', extra: 1 },
      'met',
      { criterion: 'eu-quality', result: 'met', note: 3 },
    ];
    const explained = refusal(reach('qualityReview'), ['QUALITY_APPROVE', 'qualityOfficer', { criteria }]);
    expect(explained).toEqual({
      code: 'rule',
      problems: [
        { field: 'criteria[6].criterion', message: 'unknown criterion "made-up"' },
        { field: 'criteria[7].criterion', message: 'criterion "eu-quality" is assessed more than once' },
        { field: 'criteria[8].extra', message: 'unknown field' },
        { field: 'criteria[8].criterion', message: 'criterion "eu-relevance" is assessed more than once' },
        {
          field: 'criteria[8].result',
          message: 'must be one of: met, met-with-conditions, not-met, not-applicable',
        },
        { field: 'criteria[9]', message: 'must be an object { criterion, result, note? }' },
        { field: 'criteria[10].criterion', message: 'criterion "eu-quality" is assessed more than once' },
        { field: 'criteria[10].note', message: 'must be a string' },
      ],
    });
  });

  it('QUALITY_APPROVE without criteria or without a checklist is refused', () => {
    const snapshot = reach('qualityReview');
    expect(refusal(snapshot, ['QUALITY_APPROVE', 'qualityOfficer', {}])).toEqual({
      code: 'rule',
      problems: [{ field: 'criteria', message: 'must list an assessment of every quality criterion' }],
    });
    const event = { ...eventOf(['QUALITY_APPROVE', 'qualityOfficer'], T0), criteriaCatalogue: [] };
    expect(definition.explainRefusal(snapshot, event)).toEqual({
      code: 'rule',
      problems: [{ field: 'criteriaCatalogue', message: 'the quality checklist is missing or empty' }],
    });
    expect(transition(machine, snapshot, event as ReviewEvent)[0]).toBe(snapshot);
  });

  it('a quality officer of the lead institution may not review (conflict of interest)', () => {
    const snapshot = reach('qualityReview');
    const ownOfficer = actorOf('cuni', ['quality_officer']);
    for (const type of ['QUALITY_APPROVE', 'QUALITY_REQUEST_CHANGES', 'QUALITY_REJECT'] as const) {
      expectRefused(snapshot, [type, ownOfficer]);
      expect(refusal(snapshot, [type, ownOfficer])).toEqual({ code: 'forbidden' });
    }
  });

  it('a quality officer of a partner or another university may review', () => {
    const snapshot = reach('qualityReview');
    expect(send(snapshot, ['QUALITY_APPROVE', actorOf('uhd', ['quality_officer'])]).next.value).toBe(
      'agencyAlignment',
    );
    expect(send(snapshot, ['QUALITY_APPROVE', actorOf('unimi', ['quality_officer'])]).next.value).toBe(
      'agencyAlignment',
    );
  });

  it('QUALITY_REQUEST_CHANGES with a comment goes to changesRequested', () => {
    expect(send(reach('qualityReview'), ['QUALITY_REQUEST_CHANGES', 'qualityOfficer']).next.value).toBe(
      'changesRequested',
    );
  });

  it('QUALITY_REJECT with a comment ends in rejected (final)', () => {
    const { next } = send(reach('qualityReview'), ['QUALITY_REJECT', 'qualityOfficer']);
    expect(next.value).toBe('rejected');
    expect(next.status).toBe('done');
  });

  it.each([['QUALITY_REQUEST_CHANGES'], ['QUALITY_REJECT']] as const)(
    '%s without a comment is refused',
    (type) => {
      const snapshot = reach('qualityReview');
      expectRefused(snapshot, [type, 'qualityOfficer', { comment: ' ' }]);
      expect(refusal(snapshot, [type, 'qualityOfficer', {}])).toEqual({
        code: 'rule',
        problems: [{ field: 'comment', message: 'is required' }],
      });
    },
  );

  it('WITHDRAW ends in withdrawn', () => {
    expect(send(reach('qualityReview'), ['WITHDRAW', 'cuniProposer']).next.value).toBe('withdrawn');
  });
});

describe('agencyAlignment', () => {
  it('AGENCY_CONFIRM of one involved country records it and stays', () => {
    const before = reach('agencyAlignment');
    const { next, actions } = send(before, ['AGENCY_CONFIRM', 'nauLiaison']);
    expect(next.value).toBe('agencyAlignment');
    expect(next.context).toEqual({ ...before.context, agencyConfirmations: ['CZ'] });
    expect(actions).toEqual([]);
  });

  it('AGENCY_CONFIRM of the last involved country goes to approved', () => {
    const before = run([
      ...TO_AGENCY_ALIGNMENT,
      ['AGENCY_CONFIRM', 'hceresLiaison'],
      ['AGENCY_CONFIRM', 'nauLiaison'],
    ]);
    const { next } = send(before, ['AGENCY_CONFIRM', 'gacLiaison']);
    expect(next.value).toBe('approved');
    expect(next.context.agencyConfirmations).toEqual(['FR', 'CZ', 'DE']);
    expect(next.context.stageEntry).toBe(before.context.stageEntry + 1);
  });

  it('AGENCY_CONFIRM aligned-with-conditions requires the conditions', () => {
    const snapshot = reach('agencyAlignment');
    const body = { outcome: 'aligned-with-conditions' };
    expectRefused(snapshot, ['AGENCY_CONFIRM', 'gacLiaison', body]);
    expect(refusal(snapshot, ['AGENCY_CONFIRM', 'gacLiaison', { ...body, conditions: '  ' }])).toEqual({
      code: 'rule',
      problems: [{ field: 'conditions', message: 'is required' }],
    });
    expect(
      send(snapshot, ['AGENCY_CONFIRM', 'gacLiaison', { ...body, conditions: 'Annual report.' }]).next
        .context,
    ).toMatchObject({ agencyConfirmations: ['DE'] });
  });

  it('AGENCY_CONFIRM with an unknown outcome or non-string nqfLevel/reference is refused', () => {
    expect(
      refusal(reach('agencyAlignment'), [
        'AGENCY_CONFIRM',
        'gacLiaison',
        { outcome: 'yes', nqfLevel: 7, reference: [] },
      ]),
    ).toEqual({
      code: 'rule',
      problems: [
        { field: 'outcome', message: 'must be one of: aligned, aligned-with-conditions' },
        { field: 'nqfLevel', message: 'must be a string' },
        { field: 'reference', message: 'must be a string' },
      ],
    });
  });

  it('an agency of an uninvolved country may not decide', () => {
    const snapshot = reach('agencyAlignment');
    const pka = actorOf('pka', ['agency_liaison']);
    expectRefused(snapshot, ['AGENCY_CONFIRM', pka]);
    expect(refusal(snapshot, ['AGENCY_FLAG', pka])).toEqual({ code: 'forbidden' });
  });

  it('a second liaison of a country that already confirmed is refused as already decided', () => {
    const snapshot = run([...TO_AGENCY_ALIGNMENT, ['AGENCY_CONFIRM', 'nauLiaison']]);
    const colleague = actorOf('nau', ['agency_liaison'], 'nau-2');
    expectRefused(snapshot, ['AGENCY_CONFIRM', colleague]);
    expect(refusal(snapshot, ['AGENCY_CONFIRM', colleague])).toEqual({ code: 'already-decided' });
    expect(refusal(snapshot, ['AGENCY_FLAG', colleague])).toEqual({ code: 'already-decided' });
  });

  it('countries are matched case-insensitively', () => {
    const lowerCase = { ...SAMPLE_ACTORS.gacLiaison, country: 'de' };
    expect(
      send(reach('agencyAlignment'), ['AGENCY_CONFIRM', lowerCase]).next.context.agencyConfirmations,
    ).toEqual(['DE']);
  });

  it('AGENCY_FLAG with a comment goes to changesRequested; without one it is refused', () => {
    const snapshot = reach('agencyAlignment');
    expect(send(snapshot, ['AGENCY_FLAG', 'hceresLiaison']).next.value).toBe('changesRequested');
    expectRefused(snapshot, ['AGENCY_FLAG', 'hceresLiaison', {}]);
  });

  it('WITHDRAW ends in withdrawn', () => {
    expect(send(reach('agencyAlignment'), ['WITHDRAW', 'cuniAdmin']).next.value).toBe('withdrawn');
  });
});

describe('changesRequested', () => {
  it('resubmission starts revision 2, clears every earlier decision and freezes the new revision', () => {
    const before = run([
      ...TO_AGENCY_ALIGNMENT,
      ['AGENCY_CONFIRM', 'nauLiaison'],
      ['AGENCY_FLAG', 'gacLiaison'],
    ]);
    expect(before.value).toBe('changesRequested');
    expect(before.context.partnerApprovals).toEqual(['uhd', 'su']);
    expect(before.context.agencyConfirmations).toEqual(['CZ']);
    const { next, actions } = send(before, ['SUBMIT', 'cuniProposer'], '2026-05-01T00:00:00.000Z');
    expect(next.value).toBe('partnerReview');
    expect(next.context).toEqual({
      ...before.context,
      revision: 2,
      partnerApprovals: [],
      agencyConfirmations: [],
      stageEntry: before.context.stageEntry + 1,
      stageEnteredAt: '2026-05-01T00:00:00.000Z',
    });
    expect(actions.map((action) => [action.type, action.params])).toEqual([
      ['freezeRevision', { revision: 2 }],
    ]);
    // The partners decide again on the new revision.
    expect(authorize('PARTNER_APPROVE', next.context, SAMPLE_ACTORS.uhdReviewer)).toBe('ok');
  });

  it('every resubmission adds one revision', () => {
    const cycle: Step[] = [
      ['PARTNER_REQUEST_CHANGES', 'uhdReviewer'],
      ['SUBMIT', 'cuniProposer'],
    ];
    const snapshot = run([...TO_PARTNER_REVIEW, ...cycle, ...cycle, ...cycle]);
    expect(snapshot.context.revision).toBe(4);
    expect(snapshot.context.stageEntry).toBe(8);
  });

  it('a resubmission may change the partners, and the involved countries with them', () => {
    const event = {
      ...eventOf(['SUBMIT', 'cuniProposer'], T0),
      submission: submissionOf({ ...VALID_CONTENT, revenueShares: undefined }, ['ucph']),
    } as ReviewEvent;
    const [next] = transition(machine, reach('changesRequested'), event);
    expect(next.context.partnerInstitutionIds).toEqual(['ucph']);
    expect(next.context.involvedCountries).toEqual(['CZ', 'DK']);
  });

  it('an incomplete resubmission is refused', () => {
    const event = { ...eventOf(['SUBMIT', 'cuniProposer'], T0), submission: submissionOf({}) } as ReviewEvent;
    const snapshot = reach('changesRequested');
    expect(transition(machine, snapshot, event)[0]).toBe(snapshot);
  });

  it('WITHDRAW ends in withdrawn', () => {
    expect(send(reach('changesRequested'), ['WITHDRAW', 'cuniProposer']).next.value).toBe('withdrawn');
  });
});

describe('approved and published', () => {
  it.each([['cuniAdmin'], ['allianceAdmin']] as const)('PUBLISH by %s goes to published', (who) => {
    const { next, actions } = send(reach('approved'), ['PUBLISH', who, {}]);
    expect(next.value).toBe('published');
    expect(actions).toEqual([]);
  });

  it('PUBLISH by an admin of a partner is refused', () => {
    expectRefused(reach('approved'), ['PUBLISH', actorOf('uhd', ['admin'])]);
  });

  it('WITHDRAW is no longer possible once approved', () => {
    expect(refusal(reach('approved'), ['WITHDRAW', 'cuniProposer'])).toEqual({
      code: 'not-allowed-in-state',
      state: 'approved',
    });
  });

  it.each([['cuniAdmin'], ['allianceAdmin']] as const)(
    'RETIRE with a comment by %s ends in retired',
    (who) => {
      const { next } = send(reach('published'), ['RETIRE', who]);
      expect(next.value).toBe('retired');
      expect(next.status).toBe('done');
    },
  );

  it('RETIRE without a comment is refused', () => {
    expectRefused(reach('published'), ['RETIRE', 'allianceAdmin', {}]);
  });
});

describe('final states', () => {
  it.each([['retired'], ['rejected'], ['withdrawn']] as const)('%s accepts no event at all', (state) => {
    const snapshot = reach(state);
    expect(snapshot.status).toBe('done');
    for (const type of REVIEW_EVENT_TYPES) {
      expect(refusal(snapshot, [type, 'cuniProposer'])).toEqual({ code: 'not-allowed-in-state', state });
      expectRefused(snapshot, [type, 'allianceAdmin']);
    }
    expect(definition.availableEvents(snapshot, SAMPLE_ACTORS.allianceAdmin)).toEqual([]);
  });
});

describe('authorization matrix: every event × role × relation to the proposal', () => {
  // Lead cuni (CZ), partners uhd (DE) and su (FR); gac is the German agency, pka the Polish one.
  const RELATIONS = {
    lead: 'cuni',
    partner: 'uhd',
    involvedAgency: 'gac',
    uninvolvedAgency: 'pka',
    otherUniversity: 'ucph',
    alliance: '4euplus',
  } as const;
  type Relation = keyof typeof RELATIONS;
  const notLead: Relation[] = [
    'partner',
    'involvedAgency',
    'uninvolvedAgency',
    'otherUniversity',
    'alliance',
  ];

  const ALLOWED: Record<ReviewEventType, [Role, Relation[]][]> = {
    SUBMIT: [['proposer', ['lead']]],
    PARTNER_APPROVE: [['reviewer', ['partner']]],
    PARTNER_REQUEST_CHANGES: [['reviewer', ['partner']]],
    QUALITY_APPROVE: [['quality_officer', notLead]],
    QUALITY_REQUEST_CHANGES: [['quality_officer', notLead]],
    QUALITY_REJECT: [['quality_officer', notLead]],
    AGENCY_CONFIRM: [['agency_liaison', ['involvedAgency']]],
    AGENCY_FLAG: [['agency_liaison', ['involvedAgency']]],
    PUBLISH: [['admin', ['lead', 'alliance']]],
    RETIRE: [['admin', ['lead', 'alliance']]],
    WITHDRAW: [
      ['proposer', ['lead']],
      ['admin', ['lead']],
    ],
  };
  const STATE_FOR: Record<ReviewEventType, ReviewState> = {
    SUBMIT: 'draft',
    PARTNER_APPROVE: 'partnerReview',
    PARTNER_REQUEST_CHANGES: 'partnerReview',
    QUALITY_APPROVE: 'qualityReview',
    QUALITY_REQUEST_CHANGES: 'qualityReview',
    QUALITY_REJECT: 'qualityReview',
    AGENCY_CONFIRM: 'agencyAlignment',
    AGENCY_FLAG: 'agencyAlignment',
    PUBLISH: 'approved',
    RETIRE: 'published',
    WITHDRAW: 'partnerReview',
  };
  const snapshots = Object.fromEntries(REVIEW_STATES.map((state) => [state, reach(state)])) as Record<
    ReviewState,
    Snap
  >;

  const cases = REVIEW_EVENT_TYPES.flatMap((type) =>
    ROLES.flatMap((role) =>
      (Object.keys(RELATIONS) as Relation[]).map((relation) => {
        const allowed = ALLOWED[type].some(([r, relations]) => r === role && relations.includes(relation));
        return { type, role, relation, allowed };
      }),
    ),
  );

  it('covers 11 events × 5 roles × 6 relations', () => {
    expect(cases).toHaveLength(330);
  });

  it.each(cases)(
    '$type by a $role of the $relation institution: allowed=$allowed',
    ({ type, role, relation, allowed }) => {
      const snapshot = snapshots[STATE_FOR[type]];
      const actor = actorOf(RELATIONS[relation], [role]);
      expect(authorize(type, snapshot.context, actor)).toBe(allowed ? 'ok' : 'forbidden');
      expect(definition.availableEvents(snapshot, actor).includes(type)).toBe(allowed);
      const { next } = send(snapshot, [type, actor]);
      expect(next !== snapshot).toBe(allowed);
      expect(refusal(snapshot, [type, actor])).toEqual(allowed ? null : { code: 'forbidden' });
    },
  );

  it('passes when any one of several roles qualifies', () => {
    const both = actorOf('cuni', ['reviewer', 'proposer']);
    expect(send(start(), ['SUBMIT', both]).next.value).toBe('partnerReview');
    const partnerWithManyRoles = actorOf('uhd', ['proposer', 'admin', 'reviewer']);
    expect(definition.availableEvents(snapshots.partnerReview, partnerWithManyRoles)).toEqual([
      'PARTNER_APPROVE',
      'PARTNER_REQUEST_CHANGES',
    ]);
    expect(definition.availableEvents(snapshots.draft, partnerWithManyRoles)).toEqual([]);
  });

  it('an agency liaison working at a university is not an agency, even in an involved country', () => {
    const universityLiaison = actorOf('uhd', ['agency_liaison']);
    expect(authorize('AGENCY_CONFIRM', snapshots.agencyAlignment.context, universityLiaison)).toBe(
      'forbidden',
    );
  });

  it('a malformed actor is forbidden, never a crash', () => {
    for (const actor of [undefined, null, {}, 'admin', { ...SAMPLE_ACTORS.cuniAdmin, roles: 'admin' }])
      expect(authorize('PUBLISH', snapshots.approved.context, actor)).toBe('forbidden');
    expect(authorize('NOT_AN_EVENT', snapshots.approved.context, SAMPLE_ACTORS.cuniAdmin)).toBe('forbidden');
  });

  it('the machine refuses events with a malformed actor without throwing', () => {
    for (const state of ['partnerReview', 'agencyAlignment', 'approved'] as const) {
      const snapshot = snapshots[state];
      for (const type of REVIEW_EVENT_TYPES)
        for (const actor of [undefined, null, { institutionId: 'uhd', roles: ['reviewer'] }]) {
          const event = { ...eventOf([type, 'cuniProposer'], T0), actor } as unknown as ReviewEvent;
          expect(transition(machine, snapshot, event)[0]).toBe(snapshot);
        }
    }
  });
});

describe('persist → JSON → restore', () => {
  it.each(REVIEW_STATES.map((state) => [state]))('round-trips a snapshot in %s', (state) => {
    const snapshot = reach(state);
    const persisted = definition.persist(snapshot);
    const restored = definition.restore(JSON.parse(JSON.stringify(persisted))) as Snap;
    expect(definition.stateOf(restored)).toBe(state);
    expect(restored.value).toBe(snapshot.value);
    expect(restored.context).toEqual(snapshot.context);
    expect(restored.status).toBe(snapshot.status);
    expect(definition.persist(restored)).toEqual(persisted);
  });

  it('persists plain JSON with the state and the context', () => {
    const persisted = definition.persist(reach('partnerReview'));
    expect(JSON.parse(JSON.stringify(persisted))).toEqual(persisted);
    expect(persisted).toMatchObject({ value: 'partnerReview', status: 'active', context: { revision: 1 } });
  });

  it('a restored snapshot keeps transitioning, with the same result as the original', () => {
    const original = run([...TO_PARTNER_REVIEW, ['PARTNER_APPROVE', 'uhdReviewer']]);
    const restored = definition.restore(JSON.parse(JSON.stringify(definition.persist(original)))) as Snap;
    const step: Step = ['PARTNER_APPROVE', 'suReviewer'];
    const fromOriginal = send(original, step).next;
    const fromRestored = send(restored, step).next;
    expect(fromRestored.value).toBe('qualityReview');
    expect(fromRestored.context).toEqual(fromOriginal.context);
    expect(
      definition.explainRefusal(restored, eventOf(['PARTNER_APPROVE', 'uhdReviewer'], T0) as never),
    ).toEqual({
      code: 'already-decided',
    });
  });

  it('restore refuses what is not a persisted review snapshot', () => {
    const good = definition.persist(reach('partnerReview'));
    expect(() => definition.restore(null)).toThrow('not an object');
    expect(() => definition.restore({ ...good, value: 'limbo' })).toThrow('unknown state "limbo"');
    expect(() => definition.restore({ ...good, context: { revision: 'one' } })).toThrow('malformed context');
  });

  it('refuses snapshots of another machine', () => {
    expect(() => definition.stateOf({ status: 'active', output: undefined, error: undefined })).toThrow(
      'Not a snapshot of micro-credential-review v1',
    );
  });
});

describe('explainRefusal', () => {
  it('says unknown-event for an event the workflow does not know, or no type', () => {
    expect(definition.explainRefusal(start(), { type: 'APPROVE_EVERYTHING' })).toEqual({
      code: 'unknown-event',
    });
    expect(definition.explainRefusal(start(), {})).toEqual({ code: 'unknown-event' });
  });

  it('says not-allowed-in-state, naming the state, before looking at the sender', () => {
    expect(refusal(start(), ['PUBLISH', actorOf('uw', ['reviewer'])])).toEqual({
      code: 'not-allowed-in-state',
      state: 'draft',
    });
  });

  it('says forbidden before already-decided and before payload rules', () => {
    const snapshot = run([...TO_PARTNER_REVIEW, ['PARTNER_APPROVE', 'uhdReviewer']]);
    expect(refusal(snapshot, ['PARTNER_REQUEST_CHANGES', 'qualityOfficer', {}])).toEqual({
      code: 'forbidden',
    });
    expect(refusal(snapshot, ['PARTNER_REQUEST_CHANGES', 'uhdReviewer', {}])).toEqual({
      code: 'already-decided',
    });
    expect(refusal(snapshot, ['PARTNER_REQUEST_CHANGES', 'suReviewer', {}])).toEqual({
      code: 'rule',
      problems: [{ field: 'comment', message: 'is required' }],
    });
  });

  it('lists every rule problem, including a missing time', () => {
    const event = { type: 'AGENCY_FLAG', actor: SAMPLE_ACTORS.gacLiaison, comment: '' };
    expect(definition.explainRefusal(reach('agencyAlignment'), event)).toEqual({
      code: 'rule',
      problems: [
        { field: 'at', message: 'must be an ISO 8601 date-time' },
        { field: 'comment', message: 'is required' },
      ],
    });
  });

  it('returns null exactly when transition() accepts the event (random events, actors and payloads)', () => {
    const states = REVIEW_STATES.map((state) => reach(state));
    const extraStates = [
      run([...TO_PARTNER_REVIEW, ['PARTNER_APPROVE', 'suReviewer']]),
      run([...TO_AGENCY_ALIGNMENT, ['AGENCY_CONFIRM', 'hceresLiaison']]),
    ];
    const actors = [
      ...Object.values(SAMPLE_ACTORS),
      ...['cuni', 'uhd', 'gac', 'pka', 'ucph', '4euplus', 'su', 'nau'].flatMap((id) =>
        ROLES.map((role) => actorOf(id, [role])),
      ),
    ];
    const bodies = [
      ...scenarioAttempts().map((attempt) => attempt.body),
      {},
      { comment: ' ' },
      { comment: 3 },
      { outcome: 'aligned-with-conditions' },
      { criteria: [{ criterion: 'eu-quality', result: 'not-met' }] },
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...states, ...extraStates),
        fc.constantFrom(...REVIEW_EVENT_TYPES),
        fc.constantFrom(...actors),
        fc.constantFrom(...bodies),
        (snapshot, type, actor, body) => {
          const event = eventOf([type, actor, body], T0);
          const [next] = transition(machine, snapshot, event);
          const explained = definition.explainRefusal(snapshot, event as unknown as Record<string, unknown>);
          return (explained === null) === (next !== snapshot);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('availableEvents', () => {
  const available = (state: ReviewState | Snap, who: SampleActorName | Actor) =>
    definition.availableEvents(
      typeof state === 'string' ? reach(state) : state,
      typeof who === 'string' ? SAMPLE_ACTORS[who] : who,
    );

  it('offers each sample user what it may send now', () => {
    expect(available('draft', 'cuniProposer')).toEqual(['SUBMIT', 'WITHDRAW']);
    expect(available('draft', 'cuniAdmin')).toEqual(['WITHDRAW']);
    expect(available('draft', 'uhdReviewer')).toEqual([]);
    expect(available('partnerReview', 'uhdReviewer')).toEqual(['PARTNER_APPROVE', 'PARTNER_REQUEST_CHANGES']);
    expect(available('partnerReview', 'cuniProposer')).toEqual(['WITHDRAW']);
    expect(available('qualityReview', 'qualityOfficer')).toEqual([
      'QUALITY_APPROVE',
      'QUALITY_REQUEST_CHANGES',
      'QUALITY_REJECT',
    ]);
    expect(available('qualityReview', actorOf('cuni', ['quality_officer']))).toEqual([]);
    expect(available('agencyAlignment', 'nauLiaison')).toEqual(['AGENCY_CONFIRM', 'AGENCY_FLAG']);
    expect(available('changesRequested', 'cuniProposer')).toEqual(['SUBMIT', 'WITHDRAW']);
    expect(available('approved', 'allianceAdmin')).toEqual(['PUBLISH']);
    expect(available('approved', 'cuniProposer')).toEqual([]);
    expect(available('published', 'cuniAdmin')).toEqual(['RETIRE']);
  });

  it('offers nothing to a party that already decided', () => {
    expect(available(run([...TO_PARTNER_REVIEW, ['PARTNER_APPROVE', 'uhdReviewer']]), 'uhdReviewer')).toEqual(
      [],
    );
    expect(available(run([...TO_AGENCY_ALIGNMENT, ['AGENCY_CONFIRM', 'gacLiaison']]), 'gacLiaison')).toEqual(
      [],
    );
  });

  it('does not apply payload rules (a request-changes without comment is still offered)', () => {
    expect(available('partnerReview', 'suReviewer')).toContain('PARTNER_REQUEST_CHANGES');
  });
});

describe('pendingParties', () => {
  const base = { country: null, excludedInstitutionId: null };

  it('draft: the lead proposers, not reminded', () => {
    expect(definition.pendingParties(reach('draft'))).toEqual([
      { ...base, key: 'lead-cuni', kind: 'lead', role: 'proposer', institutionId: 'cuni', reminded: false },
    ]);
  });

  it('partnerReview: one party per partner that has not approved yet, reminded', () => {
    const partner = (id: string) => ({
      ...base,
      key: `partner-${id}`,
      kind: 'partner',
      role: 'reviewer',
      institutionId: id,
      reminded: true,
    });
    expect(definition.pendingParties(reach('partnerReview'))).toEqual([partner('uhd'), partner('su')]);
    expect(
      definition.pendingParties(run([...TO_PARTNER_REVIEW, ['PARTNER_APPROVE', 'uhdReviewer']])),
    ).toEqual([partner('su')]);
  });

  it('qualityReview: the quality officers, except those of the lead', () => {
    expect(definition.pendingParties(reach('qualityReview'))).toEqual([
      {
        key: 'quality',
        kind: 'quality',
        role: 'quality_officer',
        institutionId: null,
        country: null,
        excludedInstitutionId: 'cuni',
        reminded: true,
      },
    ]);
  });

  it('agencyAlignment: one party per involved country not yet confirmed', () => {
    const agency = (country: string) => ({
      key: `agency-${country.toLowerCase()}`,
      kind: 'agency',
      role: 'agency_liaison',
      institutionId: null,
      country,
      excludedInstitutionId: null,
      reminded: true,
    });
    expect(definition.pendingParties(reach('agencyAlignment'))).toEqual([
      agency('CZ'),
      agency('DE'),
      agency('FR'),
    ]);
    expect(
      definition.pendingParties(run([...TO_AGENCY_ALIGNMENT, ['AGENCY_CONFIRM', 'gacLiaison']])),
    ).toEqual([agency('CZ'), agency('FR')]);
  });

  it('changesRequested: the lead proposers, reminded', () => {
    expect(definition.pendingParties(reach('changesRequested'))).toEqual([
      { ...base, key: 'lead-cuni', kind: 'lead', role: 'proposer', institutionId: 'cuni', reminded: true },
    ]);
  });

  it('approved: the publisher (admins of the lead), not reminded', () => {
    expect(definition.pendingParties(reach('approved'))).toEqual([
      { ...base, key: 'publisher', kind: 'publisher', role: 'admin', institutionId: 'cuni', reminded: false },
    ]);
  });

  it.each([['published'], ['retired'], ['rejected'], ['withdrawn']] as const)('%s: nobody', (state) => {
    expect(definition.pendingParties(reach(state))).toEqual([]);
  });

  it('keys are safe for job ids even for unusual institution ids', () => {
    expect(partyKeyPart('cuni')).toBe('cuni');
    expect(partyKeyPart('ai-dk')).toBe('ai-dk');
    expect(partyKeyPart('Uni_X:1')).toMatch(/^[a-z0-9-]+$/);
    expect(partyKeyPart('Uni_X')).not.toBe(partyKeyPart('uni-x'));
    const context: ReviewContext = { ...reach('partnerReview').context, partnerInstitutionIds: ['Odd Id/1'] };
    const snapshot = machine.resolveState({ value: 'partnerReview', context });
    for (const party of definition.pendingParties(snapshot)) expect(party.key).toMatch(/^[a-z0-9-]+$/);
  });
});

describe('mermaid', () => {
  const diagram = definition.mermaid();

  it('is a stateDiagram-v2 starting in draft', () => {
    expect(diagram.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(diagram).toContain('[*] --> draft');
  });

  it('contains every state and every transition edge, self transitions included', () => {
    for (const state of REVIEW_STATES) expect(diagram).toContain(state);
    for (const { source, event, target } of machineEdges(machine))
      expect(diagram).toContain(`  ${source} --> ${target}: ${event}\n`);
    expect(diagram).toContain('partnerReview --> partnerReview: PARTNER_APPROVE');
    expect(diagram).toContain('agencyAlignment --> agencyAlignment: AGENCY_CONFIRM');
    expect(diagram.split('\n').filter((line) => line.includes(': '))).toHaveLength(18);
  });

  it('ends every final state', () => {
    for (const state of ['retired', 'rejected', 'withdrawn']) expect(diagram).toContain(`${state} --> [*]`);
    expect(diagram).not.toContain('published --> [*]');
  });
});

describe('rules module', () => {
  it('ruleProblems never throws on garbage', () => {
    const context = reach('qualityReview').context;
    fc.assert(
      fc.property(fc.constantFrom(...REVIEW_EVENT_TYPES, 'X'), fc.anything(), (type, event) => {
        return Array.isArray(ruleProblems(type, context, event));
      }),
    );
  });
});
