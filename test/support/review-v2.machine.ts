// A test-only version 2 of the review: v1 plus a `qualityChangesRequested` state, so that quality
// officers' change requests go back to them directly instead of through partner review again.
// It exists to prove that proposals started on v1 keep running on v1 once v2 is registered.
import {
  createReviewWorkflowDefinition,
  reviewMachineSetup,
  reviewPolicyV1,
} from '../../workflows/micro-credential-review/index.js';
import { reviewMachineConfigV1 as v1 } from '../../workflows/micro-credential-review/micro-credential-review.machine.js';
import type { WorkflowDefinition } from '../../workflows/types.js';

export const reviewV2Machine = reviewMachineSetup.createMachine({
  ...v1,
  version: '2',
  states: {
    ...v1.states,
    qualityReview: {
      ...v1.states.qualityReview,
      on: {
        ...v1.states.qualityReview.on,
        QUALITY_REQUEST_CHANGES: { guard: 'accepted', target: 'qualityChangesRequested' },
      },
    },
    qualityChangesRequested: {
      description: 'Proposers revise for the quality officers; partner approvals still stand.',
      meta: { pending: 'leadProposers', reminded: true },
      entry: 'enterStage',
      on: {
        SUBMIT: {
          guard: 'accepted',
          target: 'qualityReview',
          actions: [
            'startNewRevision',
            { type: 'freezeRevision', params: ({ context }) => ({ revision: context.revision }) },
          ],
        },
        WITHDRAW: { guard: 'accepted', target: 'withdrawn' },
      },
    },
  },
});

export const microCredentialReviewV2: WorkflowDefinition = createReviewWorkflowDefinition(
  reviewV2Machine,
  2,
  {
    policy: {
      ...reviewPolicyV1,
      editableStates: [...reviewPolicyV1.editableStates, 'qualityChangesRequested'],
      stageLabels: {
        ...reviewPolicyV1.stageLabels,
        qualityChangesRequested: 'changes for the quality check',
      },
    },
  },
);
