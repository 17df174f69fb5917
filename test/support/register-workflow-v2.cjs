// Test-only preload (`node -r ./test/support/register-workflow-v2.cjs dist/src/main.js`): registers a
// version 2 of the review machine next to version 1, as a release adding a version would. v2 sends
// quality change requests to their own state; everything else is v1.
const path = require('node:path');

const dist = path.join(process.cwd(), 'dist', 'workflows');
const registry = require(path.join(dist, 'registry.js'));
const review = require(path.join(dist, 'micro-credential-review', 'index.js'));
const v1 = review.reviewMachineConfigV1;

const machine = review.reviewMachineSetup.createMachine({
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
const v2 = review.createReviewWorkflowDefinition(machine, 2, {
  policy: {
    ...review.reviewPolicyV1,
    editableStates: [...review.reviewPolicyV1.editableStates, 'qualityChangesRequested'],
    stageLabels: {
      ...review.reviewPolicyV1.stageLabels,
      qualityChangesRequested: 'changes for the quality check',
    },
  },
});
registry.workflowRegistry().register(v2);
