import { describe, expect, it } from '@jest/globals';
import {
  createReviewWorkflowDefinition,
  microCredentialReviewMachine,
  microCredentialReviewV1,
  reviewPolicyV1,
} from '../../workflows/micro-credential-review/index.js';
import { defaultWorkflowRegistry } from '../../workflows/registry.js';
import { eventRequestSchema, payloadProblems } from '../../src/workflow/event-payload.js';

const v1 = microCredentialReviewV1;

describe('the workflow definition as the home of the policy', () => {
  it('declares a policy for every event and a label for every state of its machine', () => {
    expect(Object.keys(v1.policy.events).sort()).toEqual([...v1.eventTypes].sort());
    for (const state of v1.states) expect(v1.policy.stageLabels[state]).toEqual(expect.any(String));
  });

  it('refuses to build a definition whose policy misses an event of the machine', () => {
    const { PUBLISH: _left, ...events } = reviewPolicyV1.events;
    expect(() =>
      createReviewWorkflowDefinition(microCredentialReviewMachine, 1, {
        policy: { ...reviewPolicyV1, events },
      }),
    ).toThrow(/event PUBLISH has no policy/);
  });

  it('refuses a policy whose comment rule disagrees with its payload schema', () => {
    const events = {
      ...reviewPolicyV1.events,
      RETIRE: { ...reviewPolicyV1.events.RETIRE, commentRequired: false },
    };
    expect(() =>
      createReviewWorkflowDefinition(microCredentialReviewMachine, 1, {
        policy: { ...reviewPolicyV1, events },
      }),
    ).toThrow(/RETIRE: commentRequired disagrees/);
  });

  it('refuses a policy that names a state the machine does not have', () => {
    expect(() =>
      createReviewWorkflowDefinition(microCredentialReviewMachine, 1, {
        policy: { ...reviewPolicyV1, editableStates: ['draft', 'legalReview'] },
      }),
    ).toThrow(/unknown state legalReview/);
  });

  it('derives the reminded and waiting states from the state meta', () => {
    expect(v1.policy.remindedStates).toEqual([
      'partnerReview',
      'qualityReview',
      'agencyAlignment',
      'changesRequested',
    ]);
    expect(v1.policy.waitingStates).toEqual([
      'draft',
      'partnerReview',
      'qualityReview',
      'agencyAlignment',
      'changesRequested',
      'approved',
    ]);
  });
});

describe('event payloads validated against the definition', () => {
  it('accepts a valid payload', () => {
    expect(payloadProblems(v1, 'AGENCY_CONFIRM', { outcome: 'aligned', nqfLevel: '6' })).toEqual([]);
    expect(payloadProblems(v1, 'PARTNER_APPROVE', {})).toEqual([]);
  });

  it('names a missing or blank required comment', () => {
    expect(payloadProblems(v1, 'PARTNER_REQUEST_CHANGES', {})).toEqual([
      { field: 'comment', message: 'is required for PARTNER_REQUEST_CHANGES' },
    ]);
    expect(payloadProblems(v1, 'RETIRE', { comment: '  \n' })).toEqual([
      { field: 'comment', message: 'must not be blank' },
    ]);
  });

  it('requires conditions only with an aligned-with-conditions outcome', () => {
    expect(payloadProblems(v1, 'AGENCY_CONFIRM', { outcome: 'aligned-with-conditions' })).toEqual([
      { field: 'conditions', message: 'is required for AGENCY_CONFIRM' },
    ]);
    expect(payloadProblems(v1, 'AGENCY_CONFIRM', {})).toEqual([
      { field: 'outcome', message: 'is required for AGENCY_CONFIRM' },
    ]);
  });

  it('refuses fields that do not belong to the event, and names nested fields', () => {
    expect(payloadProblems(v1, 'PUBLISH', { outcome: 'aligned' })).toEqual([
      { field: 'outcome', message: 'is not a field of PUBLISH' },
    ]);
    expect(
      payloadProblems(v1, 'QUALITY_APPROVE', { criteria: [{ criterion: 'eu-quality', result: 'great' }] }),
    ).toEqual([{ field: 'criteria[0].result', message: expect.stringMatching(/^must be one of met, /) }]);
  });

  it('answers null for an event the definition does not have', () => {
    expect(payloadProblems(v1, 'LEGAL_APPROVE', {})).toBeNull();
  });

  it('documents one request body for every registered event, with each field saying where it belongs', () => {
    const schema = eventRequestSchema(defaultWorkflowRegistry().list());
    const properties = schema.properties as Record<string, { enum?: string[]; description?: string }>;
    expect(properties.type.enum).toEqual([...v1.eventTypes]);
    expect(properties.outcome.description).toMatch(/With AGENCY_CONFIRM\. Required for AGENCY_CONFIRM/);
    expect(properties.comment.description).toMatch(/Required for PARTNER_REQUEST_CHANGES, /);
    expect(Object.keys(properties)).toEqual(
      expect.arrayContaining([
        'type',
        'comment',
        'criteria',
        'outcome',
        'conditions',
        'nqfLevel',
        'reference',
        'expectedVersion',
      ]),
    );
  });
});

describe('the registry, read by the runtime instead of state names', () => {
  const registry = defaultWorkflowRegistry();

  it('finds the decisions credentials and the catalogue read by what they record', () => {
    expect(registry.eventsRecordedAs('quality-decision')).toEqual(['QUALITY_APPROVE']);
    expect(registry.eventsRecordedAs('agency-alignment')).toEqual(['AGENCY_CONFIRM']);
    expect(registry.submitEvents()).toEqual(['SUBMIT']);
  });

  it('knows the milestones and the roles with where they can be held', () => {
    expect(registry.milestone('approved')).toEqual(['approved']);
    expect(registry.roles().find((r) => r.role === 'agency_liaison')).toEqual({
      role: 'agency_liaison',
      kinds: ['agency'],
      delegable: true,
    });
    expect(registry.roles().map((r) => r.role)).toContain('admin');
  });
});
