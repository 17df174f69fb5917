// Contract between the pure review machines (this folder) and the runtime that persists them (src/workflow).
// Nothing here may import Nest, TypeORM, BullMQ or read the clock: time and actor come in with each event.
import type { AnyStateMachine, Snapshot } from 'xstate';

export const ROLES = ['proposer', 'reviewer', 'quality_officer', 'agency_liaison', 'admin'] as const;
export type Role = (typeof ROLES)[number];

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
  kind: 'lead' | 'partner' | 'quality' | 'agency' | 'publisher';
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
}
