import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit, type Type } from '@nestjs/common';
import { DiscoveryService, ModuleRef, Reflector } from '@nestjs/core';
import { DataSource, EntityManager } from 'typeorm';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { checkContentTypes, checkPartnerIds } from '../../workflows/micro-credential-review/index.js';
import { compileEventSchemas, payloadProblems } from './event-payload.js';
import {
  CHANGE_PARTICIPANT,
  CHANGE_PARTICIPANTS,
  REQUIRED_PARTICIPANTS,
  type ChangeParticipant,
  type ProposalChange,
} from './proposal-change.js';
import { UnknownWorkflowError, WorkflowRegistry } from '../../workflows/registry.js';
import type { Refusal, WorkflowDefinition } from '../../workflows/types.js';
import { toActor, type AuthUser } from '../auth/auth-user.js';
import {
  conflict,
  DomainError,
  forbidden,
  notFound,
  unprocessable,
  type FieldProblem,
} from '../common/domain-error.js';
import { AppConfig } from '../config/app-config.js';
import { withTransientRetry } from '../database/db-errors.js';
import {
  IdempotencyRepository,
  type IdempotentRequest,
  type StoredResponse,
} from '../idempotency/idempotency.repository.js';
import { InstitutionsService } from '../institutions/institutions.service.js';
import { mergePatch } from '../proposals/content-diff.js';
import { ProposalsRepository, type ProposalRow } from './proposals.repository.js';
import type { RequestMeta } from '../common/request-meta.js';

export const REVIEW_WORKFLOW_ID = 'micro-credential-review';

/** An event as sent: its type, the optional version check, and the payload fields its schema declares. */
export interface EventInput {
  type: string;
  expectedVersion?: number;
  [field: string]: unknown;
}

export interface CreateInput {
  partnerInstitutionIds?: string[];
  content?: Record<string, unknown>;
}

export interface EditInput {
  content?: Record<string, unknown>;
  partnerInstitutionIds?: string[];
  expectedVersion?: number;
}

export type { ProposalChange, ChangeParticipant } from './proposal-change.js';

/**
 * A change sent with an Idempotency-Key: the key is claimed first in the change's transaction and the
 * answer, rendered inside it, is stored with the change (src/idempotency). The engine then answers the
 * stored response: the first time and on every replay the same status and bytes.
 */
export interface IdempotentCall extends IdempotentRequest {
  /** The status of a successful answer (201 for creation, 200 otherwise). */
  status: number;
  /** The response body for the committed row; runs inside the transaction, so reads go through `em`. */
  render(em: EntityManager, row: ProposalRow): Promise<unknown>;
}

function refusalToError(refusal: Refusal, type: string, definition: WorkflowDefinition): DomainError {
  switch (refusal.code) {
    case 'unknown-event':
      return new DomainError('validation-failed', `type: unknown event ${type}`, [
        { field: 'type', message: 'unknown event' },
      ]);
    case 'not-allowed-in-state':
      return conflict('event-not-allowed', `${type} is not allowed in state ${refusal.state}`);
    case 'forbidden':
      return forbidden(`Your role or institution may not send ${type} on this proposal`);
    case 'already-decided':
      return conflict(
        'already-decided',
        `Your ${definition.policy.events[type]?.decidedPer ?? 'institution'} has already decided on this revision`,
      );
    case 'rule':
      return unprocessable(
        'workflow-rule',
        `${type} refused: ${refusal.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
        refusal.problems,
      );
  }
}

/**
 * The one writer of workflow state. Every change to a proposal (creation, content edit, event) runs
 * here in one transaction: lock the row, restore the snapshot, let the machine decide with xstate's
 * pure transition(), then write the new snapshot, state, version (compare-and-set), revision, the
 * decision and whatever the participants (audit log, reminder schedule) add, and commit. Effects
 * outside PostgreSQL happen only after the commit.
 */
@Injectable()
export class WorkflowEngineService implements OnModuleInit {
  private readonly logger = new Logger(WorkflowEngineService.name);
  private participants: ChangeParticipant[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly proposals: ProposalsRepository,
    private readonly registry: WorkflowRegistry,
    private readonly institutions: InstitutionsService,
    private readonly config: AppConfig,
    private readonly idempotency: IdempotencyRepository,
    private readonly moduleRef: ModuleRef,
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    @Inject(CHANGE_PARTICIPANTS) private readonly participantTypes: ReadonlyArray<Type<ChangeParticipant>>,
  ) {}

  /**
   * Resolves the ordered participant list and checks it: every listed class is a marked participant
   * of this application, every marked participant is listed, and the required ones are there. Any
   * mismatch stops start-up: a change written without its audit entry or reminders must be impossible.
   */
  onModuleInit(): void {
    for (const definition of this.registry.list()) compileEventSchemas(definition);
    const nameOf = (type: Type<unknown>) => this.reflector.get<string | undefined>(CHANGE_PARTICIPANT, type);
    const problems: string[] = [];
    const names: string[] = [];
    const resolved: ChangeParticipant[] = [];
    for (const type of this.participantTypes) {
      const name = nameOf(type);
      if (!name) {
        problems.push(`${type.name} is listed but not marked @ChangeParticipantRole`);
        continue;
      }
      if (names.includes(name)) problems.push(`participant ${name} is listed twice`);
      names.push(name);
      resolved.push(this.moduleRef.get(type, { strict: false }));
    }
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as Type<unknown> | null;
      const name = type && typeof type === 'function' ? nameOf(type) : undefined;
      if (name && !this.participantTypes.includes(type as Type<ChangeParticipant>))
        problems.push(`participant ${name} (${type!.name}) is not in the engine's participant list`);
    }
    for (const required of REQUIRED_PARTICIPANTS)
      if (!names.includes(required)) problems.push(`required participant ${required} is missing`);
    if (problems.length)
      throw new Error(`Workflow engine participants: ${[...new Set(problems)].join('; ')}`);
    this.participants = resolved;
    this.logger.log({ participants: names }, 'transaction participants in order');
  }

  /** States where someone is expected to act, in any registered version. */
  waitingStates(): string[] {
    return this.registry.waitingStates();
  }

  /**
   * The machine a proposal runs on. A version this build does not know (a release was rolled back
   * after proposals started on a newer one) is a 409 problem, not a 500: nothing can be shown or
   * decided on it until a release that has it runs again.
   */

  definitionOf(row: Pick<ProposalRow, 'workflowId' | 'workflowVersion'>): WorkflowDefinition {
    try {
      return this.registry.get(row.workflowId, row.workflowVersion);
    } catch (e) {
      if (!(e instanceof UnknownWorkflowError)) throw e;
      throw new DomainError(
        'unknown-workflow-version',
        `This proposal runs on workflow ${row.workflowId} version ${row.workflowVersion}, which this release of the service does not have; it can be listed and its history read, but not shown in full or changed until a release with that version runs`,
        undefined,
        undefined,
        { workflow: { id: row.workflowId, version: row.workflowVersion } },
      );
    }
  }

  snapshotOf(row: ProposalRow): AnyMachineSnapshot {
    return this.definitionOf(row).restore(row.snapshot) as AnyMachineSnapshot;
  }

  async create(user: AuthUser, input: CreateInput, meta: RequestMeta): Promise<ProposalRow>;
  async create(
    user: AuthUser,
    input: CreateInput,
    meta: RequestMeta,
    idem: IdempotentCall,
  ): Promise<StoredResponse>;
  async create(
    user: AuthUser,
    input: CreateInput,
    meta: RequestMeta,
    idem?: IdempotentCall,
  ): Promise<ProposalRow | StoredResponse> {
    // Read as a merge patch onto nothing, as PATCH reads content: a null member is no member.
    const content = mergePatch({}, input.content ?? {}) as Record<string, unknown>;
    const partners = input.partnerInstitutionIds ?? [];
    const definition = this.registry.latest(REVIEW_WORKFLOW_ID);
    const now = new Date();
    const [snapshot] = initialTransition(definition.machine, {
      leadInstitutionId: user.institutionId,
      createdAt: now.toISOString(),
    });
    // The id is fixed before the first attempt: if a connection was lost during a COMMIT that did
    // go through, the retry finds the row instead of creating the proposal a second time.
    const id = randomUUID();
    return this.commit(
      idem,
      async (em) => {
        // Checked inside the transaction, after the key is claimed: a replay answers as the first time.
        if (!user.roles.includes('proposer') || user.institutionKind !== 'university') {
          throw forbidden('Only proposers of a university create proposals');
        }
        await this.checkSave(em, content, partners, user.institutionId);
        const row = await this.proposals.insert(em, {
          id,
          reference: await this.proposals.nextReference(em, now.getUTCFullYear()),
          leadInstitutionId: user.institutionId,
          partnerInstitutionIds: partners,
          state: definition.stateOf(snapshot),
          workflowId: definition.id,
          workflowVersion: definition.version,
          snapshot: definition.persist(snapshot),
          revision: (snapshot.context as { revision: number }).revision,
          content,
          createdBy: user.id,
        });
        return {
          kind: 'created',
          before: null,
          after: row,
          actor: user,
          actingRole: 'proposer',
          event: null,
          definition,
          snapshot,
          meta,
        };
      },
      () => this.proposals.find(id),
    );
  }

  async edit(user: AuthUser, id: string, input: EditInput, meta: RequestMeta): Promise<ProposalRow>;
  async edit(
    user: AuthUser,
    id: string,
    input: EditInput,
    meta: RequestMeta,
    idem: IdempotentCall,
  ): Promise<StoredResponse>;
  async edit(
    user: AuthUser,
    id: string,
    input: EditInput,
    meta: RequestMeta,
    idem?: IdempotentCall,
  ): Promise<ProposalRow | StoredResponse> {
    return this.commit(idem, async (em) => {
      const row = await this.lockVisible(em, user, id);
      // First: a machine version this release lacks answers the same 409 whatever else is sent.
      const definition = this.definitionOf(row);
      if (!user.roles.includes('proposer') || user.institutionId !== row.leadInstitutionId) {
        throw forbidden("Only proposers of the lead institution edit a proposal's content");
      }
      const { editableStates } = definition.policy;
      if (!editableStates.includes(row.state)) {
        throw conflict(
          'not-editable',
          `Content can only change in ${editableStates.join(' or ')}, not in ${row.state}`,
        );
      }
      this.checkExpectedVersion(row, input.expectedVersion);
      const content = (
        input.content === undefined ? row.content : mergePatch(row.content, input.content)
      ) as Record<string, unknown>;
      const partners = input.partnerInstitutionIds ?? row.partnerInstitutionIds;
      await this.checkSave(em, content, partners, row.leadInstitutionId);
      const snapshot = definition.restore(row.snapshot) as AnyMachineSnapshot;
      const after = await this.proposals.update(em, row.id, row.version, {
        state: row.state,
        snapshot: row.snapshot,
        revision: row.revision,
        content,
        partnerInstitutionIds: partners,
        involvedCountries: row.involvedCountries,
        agencyVisible: row.agencyVisible,
        qualityVisible: row.qualityVisible,
      });
      if (!after) throw conflict('stale-version', 'The proposal changed meanwhile; reload and retry');
      return {
        kind: 'edited' as const,
        before: row,
        after,
        actor: user,
        actingRole: 'proposer',
        event: null,
        definition,
        snapshot,
        meta,
      };
    });
  }

  async send(user: AuthUser, id: string, input: EventInput, meta: RequestMeta): Promise<ProposalRow>;
  async send(
    user: AuthUser,
    id: string,
    input: EventInput,
    meta: RequestMeta,
    idem: IdempotentCall,
  ): Promise<StoredResponse>;
  async send(
    user: AuthUser,
    id: string,
    input: EventInput,
    meta: RequestMeta,
    idem?: IdempotentCall,
  ): Promise<ProposalRow | StoredResponse> {
    const { type, expectedVersion, ...payload } = input;
    // Reference data the machine needs to judge, read before taking the row lock to keep it short.
    // Which events need it is the definition's business; the latest version is a good enough guess.
    const guess = this.registry.latest(REVIEW_WORKFLOW_ID).policy.events[type];
    const institutions = guess?.needs?.includes('submission') ? await this.institutions.refs() : null;
    return this.commit(idem, async (em) => {
      const row = await this.lockVisible(em, user, id);
      const definition = this.definitionOf(row);
      this.checkExpectedVersion(row, expectedVersion);
      const policy = definition.policy.events[type];
      const invalid = payloadProblems(definition, type, payload);
      if (!policy || invalid === null) throw refusalToError({ code: 'unknown-event' }, type, definition);
      if (invalid.length)
        throw new DomainError(
          'validation-failed',
          invalid.map((p) => `${p.field}: ${p.message}`).join('; '),
          invalid,
        );
      const snapshot = definition.restore(row.snapshot) as AnyMachineSnapshot;
      const event: Record<string, unknown> = {
        ...payload,
        type,
        actor: toActor(user),
        at: new Date().toISOString(),
      };
      const needs = policy.needs ?? [];
      if (needs.includes('submission')) {
        event.submission = {
          content: row.content,
          partnerInstitutionIds: row.partnerInstitutionIds,
          institutions: institutions ?? (await this.institutions.refs()),
          ectsMin: this.config.ECTS_MIN,
          ectsMax: this.config.ECTS_MAX,
        };
      }
      if (needs.includes('quality-criteria'))
        event.criteriaCatalogue = await this.proposals.activeCriteriaIds(em);
      const refusal = definition.explainRefusal(snapshot, event);
      if (refusal && refusal.code !== 'rule') throw refusalToError(refusal, type, definition);
      const problems = refusal?.code === 'rule' ? [...refusal.problems] : [];
      if (needs.includes('submission'))
        for (const p of this.participants)
          if (p.submissionProblems) problems.push(...(await p.submissionProblems(em, row)));
      if (problems.length) throw refusalToError({ code: 'rule', problems }, type, definition);

      const [next, actions] = transition(definition.machine, snapshot, event as never);
      const state = definition.stateOf(next);
      const participants = definition.participantsOf(next);
      const grants = definition.policy.visibility
        .filter((v) => v.fromStates.includes(state))
        .map((v) => v.audience);
      const after = await this.proposals.update(em, row.id, row.version, {
        state,
        snapshot: definition.persist(next),
        revision: definition.revisionOf(next),
        content: row.content,
        // The partners of the revision under review are the machine's once it has taken them.
        partnerInstitutionIds: needs.includes('submission')
          ? participants.partnerInstitutionIds
          : row.partnerInstitutionIds,
        involvedCountries: participants.involvedCountries,
        agencyVisible: row.agencyVisible || grants.includes('involved-country-agencies'),
        qualityVisible: row.qualityVisible || grants.includes('quality-officers'),
      });
      if (!after) throw conflict('stale-version', 'The proposal changed meanwhile; reload and retry');
      const actingRole = policy.actingRoles.find((r) => user.roles.includes(r)) ?? policy.actingRoles[0];
      // The decision records exactly the payload its schema validated.
      const recorded = payload;
      await this.proposals.insertDecision(em, {
        proposalId: row.id,
        proposalVersion: after.version,
        revision: after.revision,
        event: type,
        fromState: row.state,
        toState: state,
        actorId: user.id,
        actorInstitutionId: user.institutionId,
        actorRole: actingRole,
        payload: recorded,
      });
      if (actions.some((a) => (a as { type: string }).type === 'freezeRevision')) {
        await this.proposals.insertRevision(
          em,
          row.id,
          after.revision,
          after.content,
          after.partnerInstitutionIds,
          user.id,
        );
      }
      return {
        kind: 'event' as const,
        before: row,
        after,
        actor: user,
        actingRole,
        event: { type, payload: recorded },
        stageEntered: definition.stageEntryOf(next) !== definition.stageEntryOf(snapshot),
        definition,
        snapshot: next,
        meta,
      };
    });
  }

  /**
   * Runs the change and every participant in one transaction, then the after-commit effects.
   * `committedEarlier`, for creations: before a retry, finds what an earlier attempt committed (a
   * connection lost while COMMIT was in flight leaves that open), so it is returned, not repeated.
   * `idem`: the Idempotency-Key is claimed first in the same transaction and the rendered answer stored
   * last; a retry (ours after a lost COMMIT, or the client's) then finds that answer and replays it.
   */
  private async commit(
    idem: IdempotentCall | undefined,
    work: (em: EntityManager) => Promise<ProposalChange>,
    committedEarlier?: () => Promise<ProposalRow | null>,
  ): Promise<ProposalRow | StoredResponse> {
    type Outcome =
      | { earlier: ProposalRow }
      | { replay: StoredResponse; attempt: number }
      | { change: ProposalChange; response: StoredResponse | null };
    // A lost connection or a deadlock abort rolled everything back: running it again is safe.
    const outcome = await withTransientRetry(async (attempt): Promise<Outcome> => {
      // With a key the stored answer is the proof of an earlier commit, and it is what to answer.
      const earlier = attempt > 1 && committedEarlier && !idem ? await committedEarlier() : null;
      if (earlier) return { earlier };
      return this.dataSource.transaction(async (em): Promise<Outcome> => {
        if (idem) {
          const stored = await this.idempotency.claim(em, idem);
          if (stored) return { replay: stored, attempt };
        }
        const c = await work(em);
        for (const p of this.participants) await p.inTransaction?.(em, c);
        if (!idem) return { change: c, response: null };
        const response = { status: idem.status, body: JSON.stringify(await idem.render(em, c.after)) };
        await this.idempotency.record(em, idem, response);
        return { change: c, response };
      });
    });
    if ('earlier' in outcome) {
      this.logger.warn(
        { proposalId: outcome.earlier.id },
        'creation had committed before its connection was lost',
      );
      return outcome.earlier;
    }
    if ('replay' in outcome) {
      // Our own retry found it: the change had committed before the connection was lost. Its effects
      // after the commit did not run; the reconciler hands any timers it left to Redis.
      if (outcome.attempt > 1)
        this.logger.warn(
          { userId: idem?.userId },
          'change had committed before its connection was lost; answered from its stored response',
        );
      else this.logger.log({ userId: idem?.userId }, 'idempotent request answered from its stored response');
      return outcome.replay;
    }
    const { change, response } = outcome;
    this.logger.log(
      {
        proposalId: change.after.id,
        kind: change.kind,
        event: change.event?.type,
        version: change.after.version,
      },
      'proposal changed',
    );
    for (const p of this.participants) {
      if (!p.afterCommit) continue;
      await p
        .afterCommit(change)
        .catch((e: unknown) =>
          this.logger.warn(
            { proposalId: change.after.id, err: (e as Error).message },
            'after-commit effect failed; the reconciler will retry',
          ),
        );
    }
    return response ?? change.after;
  }

  private async lockVisible(em: EntityManager, user: AuthUser, id: string): Promise<ProposalRow> {
    const row = await this.proposals.lock(em, id);
    if (!row || !ProposalsRepository.isVisibleTo(user, row)) throw notFound('Proposal');
    return row;
  }

  private checkExpectedVersion(row: ProposalRow, expected: number | undefined): void {
    if (expected !== undefined && expected !== row.version) {
      throw conflict(
        'stale-version',
        `expectedVersion ${expected} is stale: the proposal is at version ${row.version}`,
      );
    }
  }

  /**
   * Types and partners at every save (400 naming the field): each partner a known university other
   * than the lead, named once. Completeness waits for SUBMIT.
   */
  private async checkSave(
    em: EntityManager,
    content: unknown,
    partners: string[],
    leadInstitutionId: string,
  ): Promise<void> {
    const problems: FieldProblem[] = checkContentTypes(content);
    if (partners.length > 0) {
      const institutions = await this.proposals.institutionKinds(em, partners);
      problems.push(...checkPartnerIds(partners, leadInstitutionId, institutions).problems);
    }
    if (problems.length) {
      throw new DomainError(
        'validation-failed',
        problems.map((p) => `${p.field}: ${p.message}`).join('; '),
        problems,
      );
    }
  }
}
