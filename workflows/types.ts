// Contract between the pure review machines (this folder) and the runtime that persists them (src/workflow).
// Nothing here may import Nest, TypeORM, BullMQ or read the clock: time and actor come in with each event.
import type { AnyStateMachine, Snapshot } from 'xstate';

/** The roles of the released workflows (each definition declares the roles its events need, in `roles`). */
export const ROLES = ['proposer', 'reviewer', 'quality_officer', 'agency_liaison', 'admin'] as const;
/** A role name: `admin` plus whatever the registered workflow definitions declare. */
export type Role = string;
/** Administers an institution's accounts and publishes; no workflow declares it, every build has it. */
export const ADMIN_ROLE = 'admin';

export const INSTITUTION_KINDS = ['university', 'alliance', 'agency'] as const;
export type InstitutionKind = (typeof INSTITUTION_KINDS)[number];

export interface InstitutionRef {
  id: string;
  kind: InstitutionKind;
  /** ISO 3166-1 alpha-2, null for the alliance office. */
  country: string | null;
}

/** Who sends an event. The runtime fills it from the verified token and the institutions table. */
export interface Actor {
  userId: string;
  institutionId: string;
  institutionKind: InstitutionKind;
  country: string | null;
  roles: Role[];
}

/** A validation or rule problem, addressed by a JSON-ish path such as `content.learningOutcomes[2].escoSkillUri`. */
export interface Problem {
  field: string;
  message: string;
}

/** Someone the workflow is waiting for. `key` is stable within a stage entry and safe in BullMQ job ids. */
export interface PendingParty {
  key: string;
  /** What kind of party ('lead', 'partner', 'agency', …): `agency` parties are a country's agencies. */
  kind: string;
  /** The role whose holders must act (and are reminded). */
  role: Role;
  /** The institution whose users act; null when any institution of a kind/country may act. */
  institutionId: string | null;
  /** For agency parties: the country whose agency must confirm. */
  country: string | null;
  /** Institution whose users may NOT act for this party (quality officers of the lead). */
  excludedInstitutionId: string | null;
  /** Whether reminders and escalation apply while this party is pending (state meta). */
  reminded: boolean;
}

export type Refusal =
  | { code: 'unknown-event' }
  | { code: 'not-allowed-in-state'; state: string }
  | { code: 'forbidden' }
  | { code: 'already-decided' }
  | { code: 'rule'; problems: Problem[] };

/** A JSON Schema (draft 2020-12, as ajv and OpenAPI 3.1 read it). */
export type JsonSchema = Record<string, unknown>;

/** A role some event needs: at which kinds of institution it can be held, and whether deputies receive it. */
export interface RoleSpec {
  role: Role;
  kinds: readonly InstitutionKind[];
  /** A colleague named as deputy acts with it during the period (never true for admin or proposer). */
  delegable: boolean;
}

/** Everything the runtime must know about one event type besides the machine's transitions. */
export interface EventPolicy {
  /**
   * The payload besides `type` and `expectedVersion`, as an object schema. The one schema that
   * validates requests, documents the request body in OpenAPI and is the decision record's shape.
   */
  payload: JsonSchema;
  /** Roles a decision is recorded under, in order of preference (a user may hold several). */
  actingRoles: readonly Role[];
  /** A comment is required (also in `payload`; here for people and the web form). */
  commentRequired: boolean;
  /** What one decision is per, for "already decided" answers. */
  decidedPer: 'institution' | 'country';
  /** Reference data the runtime adds to the event before the machine judges it. */
  needs?: ReadonlyArray<'submission' | 'quality-criteria'>;
  /** How readers outside the workflow (credentials, catalogue) find this decision. */
  recordedAs?: 'quality-decision' | 'agency-alignment';
}

/**
 * Who may read a proposal besides its lead and partners (alliance users read all): once a proposal
 * enters one of `fromStates`, the audience keeps seeing it.
 * - `quality-officers`: quality officers of universities (they may decide while it is under quality review);
 * - `involved-country-agencies`: users of the agencies of the countries of the lead and the partners.
 */
export type VisibilityAudience = 'quality-officers' | 'involved-country-agencies';
export const VISIBILITY_AUDIENCES: readonly VisibilityAudience[] = [
  'quality-officers',
  'involved-country-agencies',
];

/** The states the runtime gives a meaning beyond the machine's own. */
export interface Milestones {
  /** Where a proposal starts. */
  created: string;
  /** Refused for good. */
  rejected: string;
  /** Approved by everyone: the endorsement credential is issued on entering it. */
  approved: string;
  /** In the public catalogue. */
  published: string;
  /** Taken out of the catalogue. */
  retired: string;
}

/** A workflow version's policy: everything the runtime reads instead of knowing the machine by heart. */
export interface WorkflowPolicy {
  roles: readonly RoleSpec[];
  /** One entry per event type of the machine. */
  events: Readonly<Record<string, EventPolicy>>;
  /** States in which the lead's proposers edit the content. */
  editableStates: readonly string[];
  visibility: ReadonlyArray<{ audience: VisibilityAudience; fromStates: readonly string[] }>;
  /** Each state's name for people (reminders, analytics, the web app). */
  stageLabels: Readonly<Record<string, string>>;
  /** States in which reminders and escalations run (from state meta). */
  remindedStates: readonly string[];
  /** States in which someone is expected to act (pending parties), in machine order. */
  waitingStates: readonly string[];
  milestones: Milestones;
}

/** The policy a version declares; the reminded and waiting states are derived from its state meta. */
export type DeclaredPolicy = Omit<WorkflowPolicy, 'remindedStates' | 'waitingStates'>;

/** What the runtime needs of one registered machine version. */
export interface WorkflowDefinition {
  id: string;
  version: number;
  machine: AnyStateMachine;
  /** All event types the machine knows. */
  eventTypes: readonly string[];
  /** All state names. */
  states: readonly string[];
  finalStates: readonly string[];
  /** Restore a snapshot persisted with `persist()` (plain JSON). */
  restore(persisted: unknown): Snapshot<unknown>;
  /** Plain JSON for a jsonb column. */
  persist(snapshot: Snapshot<unknown>): Record<string, unknown>;
  /** State name of a snapshot (the `state` column). */
  stateOf(snapshot: Snapshot<unknown>): string;
  /** Parties still to act, computed from state meta and context. */
  pendingParties(snapshot: Snapshot<unknown>): PendingParty[];
  /** Event types this actor may send now (role, relation and not-yet-decided; payload rules not applied). */
  availableEvents(snapshot: Snapshot<unknown>, actor: Actor): string[];
  /** Why the machine would not take this event, or null when it would. */
  explainRefusal(snapshot: Snapshot<unknown>, event: Record<string, unknown>): Refusal | null;
  /** Mermaid stateDiagram-v2 generated from the machine definition. */
  mermaid(): string;
  policy: WorkflowPolicy;
  /** +1 each time the machine enters a stage: reminders are keyed on it. */
  stageEntryOf(snapshot: Snapshot<unknown>): number;
  /** When the current stage was entered (ISO 8601). */
  stageEnteredAtOf(snapshot: Snapshot<unknown>): string;
  /** The content revision under review. */
  revisionOf(snapshot: Snapshot<unknown>): number;
  /** Partners and involved countries of the revision under review (stored in indexed columns). */
  participantsOf(snapshot: Snapshot<unknown>): {
    partnerInstitutionIds: string[];
    involvedCountries: string[];
  };
}
