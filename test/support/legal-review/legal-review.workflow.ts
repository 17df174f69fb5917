// Test-only version 2 of the review: a legal review by the alliance office's legal officers between
// the quality check and agency alignment. It is what a release adding a stage writes (issue 12): this
// definition, a migration for its new role (legal-role.migration.ts) and tests – nothing in src/.
import {
  acceptsWith,
  authorize,
  COMMENT_REQUIRED,
  createReviewWorkflowDefinition,
  decision,
  isActor,
  reviewPolicyV1,
  reviewSetup,
  ruleProblems,
  type Authorization,
  type ReviewContext,
} from '../../../workflows/micro-credential-review/index.js';
import { reviewMachineConfigV1 as v1 } from '../../../workflows/micro-credential-review/micro-credential-review.machine.js';
import type { Problem, WorkflowDefinition } from '../../../workflows/types.js';

export const LEGAL_ROLE = 'legal_officer';
const LEGAL_EVENTS = ['LEGAL_APPROVE', 'LEGAL_REQUEST_CHANGES'];

/** Legal officers of the alliance office decide the legal review; everything else as in v1. */
function authorizeV2(type: string, context: ReviewContext, actor: unknown): Authorization {
  if (!LEGAL_EVENTS.includes(type)) return authorize(type, context, actor);
  if (!isActor(actor)) return 'forbidden';
  return actor.roles.includes(LEGAL_ROLE) && actor.institutionKind === 'alliance' ? 'ok' : 'forbidden';
}

const commentRequired = [...COMMENT_REQUIRED, 'LEGAL_REQUEST_CHANGES'];
const problemsV2 = (type: string, context: ReviewContext, event: unknown): Problem[] =>
  ruleProblems(type, context, event, commentRequired);

const config = {
  ...v1,
  version: '2',
  states: {
    ...v1.states,
    qualityReview: {
      ...v1.states.qualityReview,
      on: { ...v1.states.qualityReview.on, QUALITY_APPROVE: { guard: 'accepted', target: 'legalReview' } },
    },
    legalReview: {
      description: 'A legal officer of the alliance office checks the partnership agreement and licences.',
      meta: { pending: 'legalOfficers', reminded: true },
      entry: 'enterStage',
      on: {
        LEGAL_APPROVE: { guard: 'accepted', target: 'agencyAlignment' },
        LEGAL_REQUEST_CHANGES: { guard: 'accepted', target: 'changesRequested' },
        WITHDRAW: { guard: 'accepted', target: 'withdrawn' },
      },
    },
  },
};

// The machine's event types are v1's; the two new ones are checked by the rules above at run time.
export const legalReviewMachine = reviewSetup(acceptsWith(authorizeV2, problemsV2)).createMachine(
  config as unknown as typeof v1,
);

export const legalReviewV2: WorkflowDefinition = createReviewWorkflowDefinition(legalReviewMachine, 2, {
  authorize: authorizeV2,
  ruleProblems: problemsV2,
  policy: {
    ...reviewPolicyV1,
    roles: [...reviewPolicyV1.roles, { role: LEGAL_ROLE, kinds: ['alliance'], delegable: true }],
    events: {
      ...reviewPolicyV1.events,
      LEGAL_APPROVE: decision([LEGAL_ROLE], 'institution'),
      LEGAL_REQUEST_CHANGES: decision([LEGAL_ROLE], 'institution', { commentRequired: true }),
    },
    stageLabels: { ...reviewPolicyV1.stageLabels, legalReview: 'the legal review' },
  },
  pendingKinds: {
    legalOfficers: () => [
      {
        key: 'legal',
        kind: 'legal',
        role: LEGAL_ROLE,
        institutionId: null,
        country: null,
        excludedInstitutionId: null,
      },
    ],
  },
});
