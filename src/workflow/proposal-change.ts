import { SetMetadata } from '@nestjs/common';
import type { AnyMachineSnapshot } from 'xstate';
import type { Role, WorkflowDefinition } from '../../workflows/types.js';
import type { AuthUser } from '../auth/auth-user.js';
import type { FieldProblem } from '../common/domain-error.js';
import type { RequestMeta } from '../common/request-meta.js';
import type { EntityManager } from 'typeorm';
import type { ProposalRow } from './proposals.repository.js';

/** A decision as the definition's schema validated it: the event type and its payload fields. */
export interface DecisionEvent {
  type: string;
  payload: Record<string, unknown>;
}

interface ChangeBase {
  after: ProposalRow;
  actor: AuthUser;
  /** The role the change is recorded under (a user may hold several). */
  actingRole: Role;
  definition: WorkflowDefinition;
  /** The machine snapshot after the change. */
  snapshot: AnyMachineSnapshot;
  meta: RequestMeta;
}

export interface ProposalCreated extends ChangeBase {
  kind: 'created';
  before: null;
  event: null;
}

export interface ProposalEdited extends ChangeBase {
  kind: 'edited';
  before: ProposalRow;
  event: null;
}

export interface ProposalTransitioned extends ChangeBase {
  kind: 'event';
  before: ProposalRow;
  event: DecisionEvent;
  /** The machine entered a stage (a new `stageEntry`): what was owed in the old one is no longer. */
  stageEntered: boolean;
}

/**
 * The domain event of one committed change to a proposal. The engine hands it to every participant
 * inside the change's transaction, then (after COMMIT) to their `afterCommit`.
 */
export type ProposalChange = ProposalCreated | ProposalEdited | ProposalTransitioned;

/**
 * Joins the engine's transaction. The engine is given the participants as one ordered list
 * (src/app/change-participants.ts) and checks it at boot; a class implementing this must also carry
 * `@ChangeParticipantRole(name)`, so one left out of the list fails start-up instead of being skipped.
 */
export interface ChangeParticipant {
  /** Runs inside the transaction, after the proposal row and decision are written. Throwing rolls everything back. */
  inTransaction?(em: EntityManager, change: ProposalChange): Promise<void>;
  /**
   * Runs after COMMIT and must not throw. Only hands work already recorded in PostgreSQL (an outbox
   * row, a reminder schedule row) to Redis; if it cannot, the reconcilers do it later.
   */
  afterCommit?(change: ProposalChange): Promise<void>;
  /**
   * Problems of an event whose policy `needs` a submission, found in the database (the machine stays
   * pure). Runs in the transaction after the row lock; its problems join the machine's own (422).
   */
  submissionProblems?(em: EntityManager, row: ProposalRow): Promise<FieldProblem[]>;
}

export const CHANGE_PARTICIPANT = 'workflow:change-participant';

/** Marks a provider as a transaction participant under a name the boot check and logs use. */
export const ChangeParticipantRole = (name: string) => SetMetadata(CHANGE_PARTICIPANT, name);

/** Injection token of the ordered participant classes (given by the application's composition root). */
export const CHANGE_PARTICIPANTS = Symbol('CHANGE_PARTICIPANTS');

/** Participants the engine refuses to start without: every change is audited, owed reminders are kept. */
export const REQUIRED_PARTICIPANTS = ['reminders', 'audit'] as const;
