// Context, events and state names of the micro-credential review (DESIGN.md section 5).
// Kept apart from the machine so the rules, the runtime and DTOs can import them without xstate.
import type { Actor, InstitutionRef } from '../types.js';

export const WORKFLOW_ID = 'micro-credential-review';

export const REVIEW_STATES = [
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
] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export const REVIEW_EVENT_TYPES = [
  'SUBMIT',
  'PARTNER_APPROVE',
  'PARTNER_REQUEST_CHANGES',
  'QUALITY_APPROVE',
  'QUALITY_REQUEST_CHANGES',
  'QUALITY_REJECT',
  'AGENCY_CONFIRM',
  'AGENCY_FLAG',
  'PUBLISH',
  'RETIRE',
  'WITHDRAW',
] as const;
export type ReviewEventType = (typeof REVIEW_EVENT_TYPES)[number];

export const CRITERION_RESULTS = ['met', 'met-with-conditions', 'not-met', 'not-applicable'] as const;
export type CriterionResult = (typeof CRITERION_RESULTS)[number];

export const AGENCY_OUTCOMES = ['aligned', 'aligned-with-conditions'] as const;
export type AgencyOutcome = (typeof AGENCY_OUTCOMES)[number];

/** Who the workflow waits for in a state; read from state `meta` by the reminder scheduler. */
export const PENDING_KINDS = [
  'undecidedPartners',
  'qualityOfficers',
  'undecidedAgencies',
  'leadProposers',
  'publishers',
  'none',
] as const;
export type PendingKind = (typeof PENDING_KINDS)[number];

export interface ReviewStateMeta {
  pending: PendingKind | (string & {});
  /** Reminders and escalation apply while this state waits. */
  reminded: boolean;
}

export interface ReviewContext {
  leadInstitutionId: string;
  /** Partners of the revision under review (taken at SUBMIT). */
  partnerInstitutionIds: string[];
  /** ISO 3166-1 alpha-2, upper case, sorted, unique: lead and partners. */
  involvedCountries: string[];
  /** Content revision under review: 1 for the first submission, +1 per resubmission. */
  revision: number;
  /** Partner institutions that approved this revision. */
  partnerApprovals: string[];
  /** Countries whose agency confirmed this revision. */
  agencyConfirmations: string[];
  /** +1 each time the machine enters a different state; 1 in the initial draft. */
  stageEntry: number;
  /** `at` of the event that entered the current state (creation time for the initial draft). */
  stageEnteredAt: string;
}

export interface ReviewInput {
  leadInstitutionId: string;
  createdAt: string;
}

/** What the runtime hands over with SUBMIT: the content and the reference data to check it against. */
export interface Submission {
  content: Record<string, unknown>;
  partnerInstitutionIds: string[];
  institutions: InstitutionRef[];
  ectsMin: number;
  ectsMax: number;
}

export interface CriterionAssessment {
  criterion: string;
  result: CriterionResult;
  note?: string;
}

interface Envelope {
  actor: Actor;
  /** ISO 8601 time of the event, set by the runtime: the machine has no clock. */
  at: string;
}

export type SubmitEvent = Envelope & { type: 'SUBMIT'; submission: Submission };
export type PartnerApproveEvent = Envelope & { type: 'PARTNER_APPROVE'; comment?: string };
export type PartnerRequestChangesEvent = Envelope & { type: 'PARTNER_REQUEST_CHANGES'; comment: string };
export type QualityApproveEvent = Envelope & {
  type: 'QUALITY_APPROVE';
  criteria: CriterionAssessment[];
  /** Ids of the current quality checklist (reference data, read by the runtime). */
  criteriaCatalogue: string[];
  comment?: string;
};
export type QualityRequestChangesEvent = Envelope & { type: 'QUALITY_REQUEST_CHANGES'; comment: string };
export type QualityRejectEvent = Envelope & { type: 'QUALITY_REJECT'; comment: string };
export type AgencyConfirmEvent = Envelope & {
  type: 'AGENCY_CONFIRM';
  outcome: AgencyOutcome;
  conditions?: string;
  nqfLevel?: string;
  reference?: string;
  comment?: string;
};
export type AgencyFlagEvent = Envelope & { type: 'AGENCY_FLAG'; comment: string };
export type PublishEvent = Envelope & { type: 'PUBLISH'; comment?: string };
export type RetireEvent = Envelope & { type: 'RETIRE'; comment: string };
export type WithdrawEvent = Envelope & { type: 'WITHDRAW'; comment?: string };

export type ReviewEvent =
  | SubmitEvent
  | PartnerApproveEvent
  | PartnerRequestChangesEvent
  | QualityApproveEvent
  | QualityRequestChangesEvent
  | QualityRejectEvent
  | AgencyConfirmEvent
  | AgencyFlagEvent
  | PublishEvent
  | RetireEvent
  | WithdrawEvent;

export function isReviewEventType(value: unknown): value is ReviewEventType {
  return typeof value === 'string' && (REVIEW_EVENT_TYPES as readonly string[]).includes(value);
}
