// The review's policy (DESIGN.md sections 5 and 8) in the one place the runtime reads it from: who
// sends what with which payload, what is editable, who sees what, and what the stages are called.
import type { DeclaredPolicy, EventPolicy, JsonSchema, RoleSpec } from '../types.js';
import { AGENCY_OUTCOMES, CRITERION_RESULTS } from './review-model.js';

/** Longest free text of a decision (comment, conditions). */
export const MAX_DECISION_TEXT = 20_000;

const text = (description: string, maxLength = MAX_DECISION_TEXT): JsonSchema => ({
  type: 'string',
  minLength: 1,
  maxLength,
  // Whitespace only counts as missing: a decision needs a reason someone can read.
  pattern: '\\S',
  description,
});

const comment = text('Why; shown in the history and the audit log');

/** An object schema of the payload fields (`type` and `expectedVersion` are the runtime's). */
export function payload(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

const withComment = (required: boolean) => payload({ comment }, required ? ['comment'] : []);

const criterion: JsonSchema = {
  type: 'object',
  properties: {
    criterion: { type: 'string', maxLength: 80, example: 'eu-quality' },
    result: { type: 'string', enum: [...CRITERION_RESULTS] },
    note: { type: 'string', maxLength: 5000 },
  },
  required: ['criterion', 'result'],
  additionalProperties: false,
};

/** Builds an event's policy; `comment` is allowed with every event and required where the design says. */
export function decision(
  actingRoles: string[],
  decidedPer: EventPolicy['decidedPer'],
  opts: {
    commentRequired?: boolean;
    payload?: JsonSchema;
    needs?: EventPolicy['needs'];
    recordedAs?: EventPolicy['recordedAs'];
  } = {},
): EventPolicy {
  const commentRequired = opts.commentRequired ?? false;
  return {
    payload: opts.payload ?? withComment(commentRequired),
    actingRoles,
    commentRequired,
    decidedPer,
    ...(opts.needs ? { needs: opts.needs } : {}),
    ...(opts.recordedAs ? { recordedAs: opts.recordedAs } : {}),
  };
}

export const REVIEW_ROLES: readonly RoleSpec[] = [
  { role: 'proposer', kinds: ['university'], delegable: false },
  { role: 'reviewer', kinds: ['university'], delegable: true },
  { role: 'quality_officer', kinds: ['university', 'alliance'], delegable: true },
  { role: 'agency_liaison', kinds: ['agency'], delegable: true },
];

export const REVIEW_EVENT_POLICIES: Readonly<Record<string, EventPolicy>> = {
  SUBMIT: decision(['proposer'], 'institution', { needs: ['submission'] }),
  PARTNER_APPROVE: decision(['reviewer'], 'institution'),
  PARTNER_REQUEST_CHANGES: decision(['reviewer'], 'institution', { commentRequired: true }),
  QUALITY_APPROVE: decision(['quality_officer'], 'institution', {
    needs: ['quality-criteria'],
    recordedAs: 'quality-decision',
    payload: payload({
      criteria: {
        type: 'array',
        maxItems: 200,
        items: criterion,
        description: 'Every criterion of GET /api/quality-criteria, none not-met',
      },
      comment,
    }),
  }),
  QUALITY_REQUEST_CHANGES: decision(['quality_officer'], 'institution', { commentRequired: true }),
  QUALITY_REJECT: decision(['quality_officer'], 'institution', { commentRequired: true }),
  AGENCY_CONFIRM: decision(['agency_liaison'], 'country', {
    recordedAs: 'agency-alignment',
    payload: {
      ...payload(
        {
          outcome: { type: 'string', enum: [...AGENCY_OUTCOMES] },
          conditions: text('Required when outcome is aligned-with-conditions'),
          nqfLevel: {
            type: 'string',
            minLength: 1,
            maxLength: 50,
            description: "Level in the country's qualifications framework",
            example: '6',
          },
          reference: {
            type: 'string',
            minLength: 1,
            maxLength: 100,
            description: "The agency's file number",
          },
          comment,
        },
        ['outcome'],
      ),
      if: { properties: { outcome: { const: 'aligned-with-conditions' } }, required: ['outcome'] },
      then: { required: ['conditions'] },
    },
  }),
  AGENCY_FLAG: decision(['agency_liaison'], 'country', { commentRequired: true }),
  PUBLISH: decision(['admin'], 'institution'),
  RETIRE: decision(['admin'], 'institution', { commentRequired: true }),
  WITHDRAW: decision(['proposer', 'admin'], 'institution'),
};

export const REVIEW_STAGE_LABELS: Readonly<Record<string, string>> = {
  draft: 'draft',
  partnerReview: 'partner review',
  qualityReview: 'the 4EU+QUALITY check',
  agencyAlignment: 'agency alignment',
  changesRequested: 'changes by the proposers',
  approved: 'approved',
  published: 'published',
  retired: 'retired',
  rejected: 'rejected',
  withdrawn: 'withdrawn',
};

/** Version 1's policy; the reminded and waiting states come from the machine's state meta. */
export const reviewPolicyV1: DeclaredPolicy = {
  roles: REVIEW_ROLES,
  events: REVIEW_EVENT_POLICIES,
  editableStates: ['draft', 'changesRequested'],
  visibility: [
    // Quality officers of any university may take it up in quality review, and keep seeing what they decided.
    { audience: 'quality-officers', fromStates: ['qualityReview'] },
    { audience: 'involved-country-agencies', fromStates: ['agencyAlignment'] },
  ],
  stageLabels: REVIEW_STAGE_LABELS,
  milestones: {
    created: 'draft',
    rejected: 'rejected',
    approved: 'approved',
    published: 'published',
    retired: 'retired',
  },
};
