import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { checkContentTypes, checkPartnerIds } from '../../workflows/micro-credential-review/index.js';
import { UnknownWorkflowError, WorkflowRegistry } from '../../workflows/registry.js';
import type { Refusal, Role, WorkflowDefinition } from '../../workflows/types.js';
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

/** The role a decision is recorded under, by event (a user may hold several). */
const ACTING_ROLES: Record<string, Role[]> = {
  SUBMIT: ['proposer'],
  PARTNER_APPROVE: ['reviewer'],
  PARTNER_REQUEST_CHANGES: ['reviewer'],
  QUALITY_APPROVE: ['quality_officer'],
  QUALITY_REQUEST_CHANGES: ['quality_officer'],
  QUALITY_REJECT: ['quality_officer'],
  AGENCY_CONFIRM: ['agency_liaison'],
  AGENCY_FLAG: ['agency_liaison'],
  PUBLISH: ['admin'],
  RETIRE: ['admin'],
  WITHDRAW: ['proposer', 'admin'],
};

export interface EventInput {
  type: string;
  comment?: string;
  criteria?: Array<{ criterion: string; result: string; note?: string }>;
  outcome?: string;
  conditions?: string;
  nqfLevel?: string;
  reference?: string;
  expectedVersion?: number;
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

/** What one committed change did, for the writers that join the transaction (audit, reminders). */
export interface ProposalChange {
  kind: 'created' | 'edited' | 'event';
  before: ProposalRow | null;
  after: ProposalRow;
  actor: AuthUser;
  actingRole: Role;
  event: EventInput | null;
  definition: WorkflowDefinition;
  snapshot: AnyMachineSnapshot;
  meta: RequestMeta;
}

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

/** Joins the engine's transaction; registered by the audit and reminder modules. */
export interface ChangeParticipant {
  /** Lower runs first. Writers that take contended locks (the audit chain heads) go last, to hold them briefly. */
  readonly order: number;
  /** Runs inside the transaction, after the proposal row is written. Throwing rolls everything back. */
  inTransaction(em: EntityManager, change: ProposalChange): Promise<void>;
  /** Runs after commit (hand timers to Redis and the like); must not throw. */
  afterCommit?(change: ProposalChange): Promise<void>;
}

/**
 * A rule of SUBMIT that needs the database (e.g. stackability references must exist and close no
 * cycle). The engine runs it inside the transaction, after the row lock, and adds its problems to the
 * machine's own: the machine stays pure.
 */
export interface SubmitCheck {
  check(em: EntityManager, row: ProposalRow): Promise<FieldProblem[]>;
}

function refusalToError(refusal: Refusal, type: string): DomainError {
  switch (refusal.code) {
    case 'unknown-event':
      return new DomainError('validation-failed', 400, `type: unknown event ${type}`, [
        { field: 'type', message: 'unknown event' },
      ]);
    case 'not-allowed-in-state':
      return conflict('event-not-allowed', `${type} is not allowed in state ${refusal.state}`);
    case 'forbidden':
      return forbidden(`Your role or institution may not send ${type} on this proposal`);
    case 'already-decided':
      return conflict(
        'already-decided',
        `Your ${type.startsWith('AGENCY') ? 'country' : 'institution'} has already decided on this revision`,
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
export class WorkflowEngineService {
  private readonly logger = new Logger(WorkflowEngineService.name);
  private readonly participants: ChangeParticipant[] = [];
  private readonly submitChecks: SubmitCheck[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly proposals: ProposalsRepository,
    private readonly registry: WorkflowRegistry,
    private readonly institutions: InstitutionsService,
    private readonly config: AppConfig,
    private readonly idempotency: IdempotencyRepository,
  ) {}

  register(participant: ChangeParticipant): void {
    this.participants.push(participant);
    this.participants.sort((a, b) => a.order - b.order);
  }

  useSubmitCheck(check: SubmitCheck): void {
    this.submitChecks.push(check);
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
        409,
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
    const content = input.content ?? {};
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
      if (row.state !== 'draft' && row.state !== 'changesRequested') {
        throw conflict(
          'not-editable',
          `Content can only change in draft or changesRequested, not in ${row.state}`,
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
        kind: 'edited',
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
    // Reference data the machine needs to judge, read before taking the row lock to keep it short.
    const institutions = input.type === 'SUBMIT' ? await this.institutions.refs() : [];
    return this.commit(idem, async (em) => {
      const row = await this.lockVisible(em, user, id);
      const definition = this.definitionOf(row);
      this.checkExpectedVersion(row, input.expectedVersion);
      const snapshot = definition.restore(row.snapshot) as AnyMachineSnapshot;
      const event: Record<string, unknown> = {
        type: input.type,
        actor: toActor(user),
        at: new Date().toISOString(),
      };
      for (const key of ['comment', 'outcome', 'conditions', 'nqfLevel', 'reference'] as const) {
        if (input[key] !== undefined) event[key] = input[key];
      }
      if (input.type === 'SUBMIT') {
        event.submission = {
          content: row.content,
          partnerInstitutionIds: row.partnerInstitutionIds,
          institutions,
          ectsMin: this.config.ECTS_MIN,
          ectsMax: this.config.ECTS_MAX,
        };
      }
      if (input.type === 'QUALITY_APPROVE') {
        event.criteria = input.criteria ?? [];
        event.criteriaCatalogue = await this.proposals.activeCriteriaIds(em);
      }
      const refusal = definition.explainRefusal(snapshot, event);
      if (refusal && refusal.code !== 'rule') throw refusalToError(refusal, input.type);
      const problems = refusal?.code === 'rule' ? [...refusal.problems] : [];
      if (input.type === 'SUBMIT')
        for (const c of this.submitChecks) problems.push(...(await c.check(em, row)));
      if (problems.length) throw refusalToError({ code: 'rule', problems }, input.type);

      const [next, actions] = transition(definition.machine, snapshot, event as never);
      const ctx = next.context as {
        revision: number;
        partnerInstitutionIds: string[];
        involvedCountries: string[];
      };
      const state = definition.stateOf(next);
      const after = await this.proposals.update(em, row.id, row.version, {
        state,
        snapshot: definition.persist(next),
        revision: ctx.revision,
        content: row.content,
        partnerInstitutionIds:
          input.type === 'SUBMIT' ? ctx.partnerInstitutionIds : row.partnerInstitutionIds,
        involvedCountries: ctx.involvedCountries,
        agencyVisible: row.agencyVisible || state === 'agencyAlignment',
        qualityVisible: row.qualityVisible || state === 'qualityReview',
      });
      if (!after) throw conflict('stale-version', 'The proposal changed meanwhile; reload and retry');
      const actingRole =
        (ACTING_ROLES[input.type] ?? []).find((r) => user.roles.includes(r)) ?? user.roles[0];
      await this.proposals.insertDecision(em, {
        proposalId: row.id,
        proposalVersion: after.version,
        revision: after.revision,
        event: input.type,
        fromState: row.state,
        toState: state,
        actorId: user.id,
        actorInstitutionId: user.institutionId,
        actorRole: actingRole,
        comment: input.comment,
        criteria: input.type === 'QUALITY_APPROVE' ? event.criteria : undefined,
        outcome: input.outcome,
        conditions: input.conditions,
        nqfLevel: input.nqfLevel,
        externalReference: input.reference,
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
        kind: 'event',
        before: row,
        after,
        actor: user,
        actingRole,
        event: input,
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
        for (const p of this.participants) await p.inTransaction(em, c);
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
      const institutions: Array<{ id: string; kind: string }> = await em.query(
        `SELECT id, kind FROM institutions WHERE id = ANY ($1::text[])`,
        [partners],
      );
      problems.push(...checkPartnerIds(partners, leadInstitutionId, institutions).problems);
    }
    if (problems.length) {
      throw new DomainError(
        'validation-failed',
        400,
        problems.map((p) => `${p.field}: ${p.message}`).join('; '),
        problems,
      );
    }
  }
}
