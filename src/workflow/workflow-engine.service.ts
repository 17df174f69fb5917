import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { checkContentTypes } from '../../workflows/micro-credential-review/index.js';
import { WorkflowRegistry } from '../../workflows/registry.js';
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
  ) {}

  register(participant: ChangeParticipant): void {
    this.participants.push(participant);
    this.participants.sort((a, b) => a.order - b.order);
  }

  useSubmitCheck(check: SubmitCheck): void {
    this.submitChecks.push(check);
  }

  definitionOf(row: Pick<ProposalRow, 'workflowId' | 'workflowVersion'>): WorkflowDefinition {
    return this.registry.get(row.workflowId, row.workflowVersion);
  }

  snapshotOf(row: ProposalRow): AnyMachineSnapshot {
    return this.definitionOf(row).restore(row.snapshot) as AnyMachineSnapshot;
  }

  async create(user: AuthUser, input: CreateInput, meta: RequestMeta): Promise<ProposalRow> {
    if (!user.roles.includes('proposer') || user.institutionKind !== 'university') {
      throw forbidden('Only proposers of a university create proposals');
    }
    const content = input.content ?? {};
    const partners = input.partnerInstitutionIds ?? [];
    this.checkSave(content, partners, user.institutionId);
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
      async (em) => {
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

  async edit(user: AuthUser, id: string, input: EditInput, meta: RequestMeta): Promise<ProposalRow> {
    return this.commit(async (em) => {
      const row = await this.lockVisible(em, user, id);
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
      this.checkSave(content, partners, row.leadInstitutionId);
      const definition = this.definitionOf(row);
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

  async send(user: AuthUser, id: string, input: EventInput, meta: RequestMeta): Promise<ProposalRow> {
    // Reference data the machine needs to judge, read before taking the row lock to keep it short.
    const institutions = input.type === 'SUBMIT' ? await this.institutions.refs() : [];
    return this.commit(async (em) => {
      const row = await this.lockVisible(em, user, id);
      this.checkExpectedVersion(row, input.expectedVersion);
      const definition = this.definitionOf(row);
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

  /** Runs the change and every participant in one transaction, then the after-commit effects. */
  /**
   * `committedEarlier`, for creations: before a retry, finds what an earlier attempt committed (a
   * connection lost while COMMIT was in flight leaves that open), so it is returned, not repeated.
   */
  private async commit(
    work: (em: EntityManager) => Promise<ProposalChange>,
    committedEarlier?: () => Promise<ProposalRow | null>,
  ): Promise<ProposalRow> {
    // A lost connection or a deadlock abort rolled everything back: running it again is safe.
    const outcome = await withTransientRetry(
      async (attempt): Promise<{ earlier: ProposalRow } | { change: ProposalChange }> => {
        const earlier = attempt > 1 && committedEarlier ? await committedEarlier() : null;
        if (earlier) return { earlier };
        return {
          change: await this.dataSource.transaction(async (em) => {
            const c = await work(em);
            for (const p of this.participants) await p.inTransaction(em, c);
            return c;
          }),
        };
      },
    );
    if ('earlier' in outcome) {
      this.logger.warn(
        { proposalId: outcome.earlier.id },
        'creation had committed before its connection was lost',
      );
      return outcome.earlier;
    }
    const { change } = outcome;
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
    return change.after;
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

  /** Types at every save (400 naming the field); completeness waits for SUBMIT. */
  private checkSave(content: unknown, partners: string[], leadInstitutionId: string): void {
    const problems: FieldProblem[] = checkContentTypes(content);
    partners.forEach((p, i) => {
      if (p === leadInstitutionId)
        problems.push({
          field: `partnerInstitutionIds[${i}]`,
          message: 'the lead institution cannot be its own partner',
        });
    });
    if (new Set(partners).size !== partners.length)
      problems.push({ field: 'partnerInstitutionIds', message: 'duplicate institutions' });
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
