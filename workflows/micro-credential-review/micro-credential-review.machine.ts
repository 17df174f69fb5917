// The micro-credential review machine, version 1 (DESIGN.md section 5).
// Pure XState v5: no clock, no I/O. Time (`at`) and `actor` arrive with every event; the runtime
// persists snapshots and performs the named side-effect actions it finds in `transition()`'s result.
import { and, assign, setup } from 'xstate';
import { accepts, involvedCountries, normalizeCountry } from './rules.js';
import {
  WORKFLOW_ID,
  type ReviewContext,
  type ReviewEvent,
  type ReviewInput,
  type ReviewStateMeta,
} from './review-model.js';

export const MICRO_CREDENTIAL_REVIEW_VERSION = 1;

/**
 * Guards and actions shared by every version of the review (test-only versions included). A version
 * with events of its own passes its own rules: the `accepted` guard asks them.
 */
export function reviewSetup(acceptsEvent: typeof accepts = accepts) {
  return setup({
    types: {
      context: {} as ReviewContext,
      events: {} as ReviewEvent,
      input: {} as ReviewInput,
      meta: {} as ReviewStateMeta,
    },
    guards: {
      // One guard for every event, so the machine and the runtime's explanations use the same rules.
      accepted: ({ context, event }) => acceptsEvent(event.type, context, event),
      completesPartnerApprovals: ({ context, event }) => {
        const approved = new Set([...context.partnerApprovals, event.actor.institutionId]);
        return context.partnerInstitutionIds.every((id) => approved.has(id));
      },
      completesAgencyConfirmations: ({ context, event }) => {
        if (event.actor.country === null) return false;
        const confirmed = new Set([...context.agencyConfirmations, normalizeCountry(event.actor.country)]);
        return context.involvedCountries.every((country) => confirmed.has(country));
      },
    },
    actions: {
      // Every state's entry: a new stage starts (the runtime can key reminder jobs on stageEntry).
      enterStage: assign(({ context, event }) => ({
        stageEntry: context.stageEntry + 1,
        // The initial entry has only the init event; the context already holds the creation time.
        stageEnteredAt: 'at' in event && typeof event.at === 'string' ? event.at : context.stageEnteredAt,
      })),
      startNewRevision: assign(({ context }) => ({ revision: context.revision + 1 })),
      applySubmission: assign(({ context, event }) => {
        if (event.type !== 'SUBMIT') return {};
        const { partnerInstitutionIds, institutions } = event.submission;
        // Earlier decisions were about an earlier revision: they no longer count.
        return {
          partnerInstitutionIds: [...partnerInstitutionIds],
          involvedCountries: involvedCountries(
            context.leadInstitutionId,
            partnerInstitutionIds,
            institutions,
          ),
          partnerApprovals: [],
          agencyConfirmations: [],
        };
      }),
      recordPartnerApproval: assign(({ context, event }) => ({
        partnerApprovals: [...context.partnerApprovals, event.actor.institutionId],
      })),
      recordAgencyConfirmation: assign(({ context, event }) =>
        event.actor.country === null
          ? {}
          : { agencyConfirmations: [...context.agencyConfirmations, normalizeCountry(event.actor.country)] },
      ),
      // No-op here: the runtime sees it among the actions returned by `transition()` and stores the
      // submitted content as the immutable revision `params.revision`.
      freezeRevision: (_, _params: { revision: number }) => {},
    },
  });
}

export const reviewMachineSetup = reviewSetup();

const freezeRevision = {
  type: 'freezeRevision',
  params: ({ context }: { context: ReviewContext }) => ({ revision: context.revision }),
} as const;

const withdraw = { WITHDRAW: { guard: 'accepted', target: 'withdrawn' } } as const;

/** The configuration every later version starts from (exported so it can be extended, never mutated). */
export const reviewMachineConfigV1 = {
  id: WORKFLOW_ID,
  version: String(MICRO_CREDENTIAL_REVIEW_VERSION),
  initial: 'draft',
  context: ({ input }) => ({
    leadInstitutionId: input.leadInstitutionId,
    partnerInstitutionIds: [],
    involvedCountries: [],
    revision: 1,
    partnerApprovals: [],
    agencyConfirmations: [],
    // enterStage on draft's entry makes this 1.
    stageEntry: 0,
    stageEnteredAt: input.createdAt,
  }),
  states: {
    draft: {
      description: 'Proposers of the lead institution write the proposal.',
      meta: { pending: 'leadProposers', reminded: false },
      entry: 'enterStage',
      on: {
        SUBMIT: { guard: 'accepted', target: 'partnerReview', actions: ['applySubmission', freezeRevision] },
        ...withdraw,
      },
    },
    partnerReview: {
      description: 'A reviewer of every partner institution approves, or sends it back.',
      meta: { pending: 'undecidedPartners', reminded: true },
      entry: 'enterStage',
      on: {
        PARTNER_APPROVE: [
          {
            guard: and(['accepted', 'completesPartnerApprovals']),
            target: 'qualityReview',
            actions: 'recordPartnerApproval',
          },
          { guard: 'accepted', actions: 'recordPartnerApproval' },
        ],
        PARTNER_REQUEST_CHANGES: { guard: 'accepted', target: 'changesRequested' },
        ...withdraw,
      },
    },
    qualityReview: {
      description: 'An alliance quality officer (not of the lead) checks every quality criterion.',
      meta: { pending: 'qualityOfficers', reminded: true },
      entry: 'enterStage',
      on: {
        QUALITY_APPROVE: { guard: 'accepted', target: 'agencyAlignment' },
        QUALITY_REQUEST_CHANGES: { guard: 'accepted', target: 'changesRequested' },
        QUALITY_REJECT: { guard: 'accepted', target: 'rejected' },
        ...withdraw,
      },
    },
    agencyAlignment: {
      description: 'The agency of every involved country records alignment with national rules.',
      meta: { pending: 'undecidedAgencies', reminded: true },
      entry: 'enterStage',
      on: {
        AGENCY_CONFIRM: [
          {
            guard: and(['accepted', 'completesAgencyConfirmations']),
            target: 'approved',
            actions: 'recordAgencyConfirmation',
          },
          { guard: 'accepted', actions: 'recordAgencyConfirmation' },
        ],
        AGENCY_FLAG: { guard: 'accepted', target: 'changesRequested' },
        ...withdraw,
      },
    },
    changesRequested: {
      description: 'Proposers of the lead institution revise and resubmit.',
      meta: { pending: 'leadProposers', reminded: true },
      entry: 'enterStage',
      on: {
        SUBMIT: {
          guard: 'accepted',
          target: 'partnerReview',
          actions: ['startNewRevision', 'applySubmission', freezeRevision],
        },
        ...withdraw,
      },
    },
    approved: {
      description: 'Aligned everywhere; waiting to be published.',
      meta: { pending: 'publishers', reminded: false },
      entry: 'enterStage',
      on: { PUBLISH: { guard: 'accepted', target: 'published' } },
    },
    published: {
      description: 'In the alliance catalogue.',
      meta: { pending: 'none', reminded: false },
      entry: 'enterStage',
      on: { RETIRE: { guard: 'accepted', target: 'retired' } },
    },
    retired: {
      description: 'No longer offered.',
      type: 'final',
      meta: { pending: 'none', reminded: false },
      entry: 'enterStage',
    },
    rejected: {
      description: 'Refused by the quality review.',
      type: 'final',
      meta: { pending: 'none', reminded: false },
      entry: 'enterStage',
    },
    withdrawn: {
      description: 'Withdrawn by the lead institution.',
      type: 'final',
      meta: { pending: 'none', reminded: false },
      entry: 'enterStage',
    },
  },
} as const satisfies Parameters<typeof reviewMachineSetup.createMachine>[0];

export const microCredentialReviewMachine = reviewMachineSetup.createMachine(reviewMachineConfigV1);

export type MicroCredentialReviewMachine = typeof microCredentialReviewMachine;
