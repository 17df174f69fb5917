import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DataSource, EntityManager } from 'typeorm';
import type { Snapshot } from 'xstate';
import type { AuthUser } from '../auth/auth-user.js';
import { toActor } from '../auth/auth-user.js';
import { decodeCursor, encodeCursor, type Page } from '../common/cursor.js';
import { DomainError, notFound } from '../common/domain-error.js';
import { DEFAULT_PAGE_SIZE, type PageQueryDto } from '../common/pagination.dto.js';
import {
  ProposalsRepository,
  type ProposalListRow,
  type ProposalRow,
  type WaitingCandidate,
} from '../workflow/proposals.repository.js';
import { WorkflowEngineService } from '../workflow/workflow-engine.service.js';
import { diffJson } from './content-diff.js';
import type {
  HistoryEntryDto,
  ListProposalsQueryDto,
  PendingPartyDto,
  ProposalDto,
  ProposalSummaryDto,
  RevisionDiffDto,
  WaitingProposalDto,
} from './proposal.dto.js';

/** Candidates read per query, and at most per request, when finding what waits on a user. */
const WAITING_BATCH = 100;
const WAITING_SCAN = 1000;
/**
 * Restored machine snapshots the inbox keeps, by proposal, workflow version and row version; about 1 KB
 * each. The service never changes a row's snapshot without moving its version on; the time limit is for
 * changes made by hand in the database (or a restored backup reusing versions).
 */
const RESTORED_MAX = 20_000;
const RESTORED_TTL_MS = 10 * 60_000;

const restoredKey = (r: WaitingCandidate) => `${r.id}/${r.workflowId}@${r.workflowVersion}/${r.version}`;

/** Per pending party (its key): when it is next reminded, and escalated. */
export type PartyTimes = Map<string, { nextReminderAt: Date | null; escalationAt: Date | null }>;

/** A list item (the proposals list, and the inbox's items). */
const summaryOf = (r: ProposalListRow): ProposalSummaryDto => ({
  id: r.id,
  reference: r.reference,
  title: r.title,
  leadInstitutionId: r.leadInstitutionId,
  partnerInstitutionIds: r.partnerInstitutionIds,
  state: r.state,
  version: r.version,
  revision: r.revision,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** Adds reminder times to pending parties ("why is it stuck"); provided by the reminders module. */
export interface PendingTimesSource {
  timesFor(proposalId: string, em?: EntityManager): Promise<PartyTimes>;
  /** The same for a page of proposals, in one read. */
  timesForMany(proposalIds: string[]): Promise<Map<string, PartyTimes>>;
}

/** The read side of proposals. Writes go through WorkflowEngineService. */
@Injectable()
export class ProposalsService {
  private pendingTimes?: PendingTimesSource;
  private readonly logger = new Logger(ProposalsService.name);
  private readonly skipped = new Set<string>();
  /**
   * The inbox restores every candidate it screens (up to WAITING_SCAN a request, the same ones for every
   * reviewer of an institution), and restoring is most of its CPU. Only committed rows go in: the inbox
   * reads outside any transaction, so a version rolled back can never be cached.
   */
  private readonly restored = new LRUCache<string, Snapshot<unknown>>({
    max: RESTORED_MAX,
    ttl: RESTORED_TTL_MS,
  });

  constructor(
    private readonly repo: ProposalsRepository,
    private readonly engine: WorkflowEngineService,
    private readonly dataSource: DataSource,
  ) {}

  usePendingTimes(source: PendingTimesSource): void {
    this.pendingTimes = source;
  }

  async getVisible(user: AuthUser, id: string): Promise<ProposalRow> {
    const row = await this.repo.find(id);
    if (!row || !ProposalsRepository.isVisibleTo(user, row)) throw notFound('Proposal');
    return row;
  }

  async get(user: AuthUser, id: string): Promise<ProposalDto> {
    return this.toDto(user, await this.getVisible(user, id));
  }

  /**
   * The full view of a row for this caller: pending parties and the events it may send, from the machine.
   * `em`: inside a change's transaction (an idempotent answer is rendered there), to see its own writes.
   */
  async toDto(user: AuthUser, row: ProposalRow, em?: EntityManager): Promise<ProposalDto> {
    const times = this.pendingTimes ? await this.pendingTimes.timesFor(row.id, em) : new Map();
    return this.view(user, row, times);
  }

  /** toDto with the reminder times already read. */
  private view(user: AuthUser, row: ProposalRow, times: PartyTimes): ProposalDto {
    return {
      id: row.id,
      reference: row.reference,
      leadInstitutionId: row.leadInstitutionId,
      partnerInstitutionIds: row.partnerInstitutionIds,
      state: row.state,
      version: row.version,
      revision: row.revision,
      content: row.content,
      workflow: { id: row.workflowId, version: row.workflowVersion },
      createdBy: row.createdBy,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      ...this.machineView(user, row, times),
    };
  }

  /** What the machine says of the row for this caller: who is pending (with reminder times), what they may send. */
  private machineView(
    user: AuthUser,
    row: Pick<ProposalRow, 'workflowId' | 'workflowVersion' | 'snapshot'>,
    times: PartyTimes,
    restored?: Snapshot<unknown>,
  ): Pick<ProposalDto, 'pending' | 'availableEvents'> {
    const definition = this.engine.definitionOf(row);
    const snapshot = restored ?? definition.restore(row.snapshot);
    const pending: PendingPartyDto[] = definition.pendingParties(snapshot).map((p) => {
      const t = times.get(p.key);
      return {
        ...p,
        ...(p.reminded
          ? {
              nextReminderAt: t?.nextReminderAt?.toISOString() ?? null,
              escalationAt: t?.escalationAt?.toISOString() ?? null,
            }
          : {}),
      };
    });
    return { pending, availableEvents: definition.availableEvents(snapshot, toActor(user)) };
  }

  async list(user: AuthUser, q: ListProposalsQueryDto): Promise<Page<ProposalSummaryDto>> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(q.cursor, { c: 'timestamp', i: 'uuid' });
    const rows = await this.repo.list(user, {
      state: q.state,
      institutionId: q.institutionId,
      text: q.q?.trim() || undefined,
      limit: limit + 1,
      after,
    });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(summaryOf),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ c: last.createdAt.toISOString(), i: last.id }) : null,
    };
  }

  /**
   * What waits on the caller, longest-waiting first: proposals where they may decide now (any event but
   * WITHDRAW, which the lead may send at any time), or where their institution is a pending party whose
   * role they hold (a colleague's review), or any party of their institution for its admins (who get its
   * escalations).
   * Candidates are read oldest-in-stage first in batches and checked against the machine; a request
   * reads at most WAITING_SCAN of them, so a page may come back short with a cursor to go on from.
   */
  async waiting(user: AuthUser, q: PageQueryDto): Promise<Page<WaitingProposalDto>> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    let after = decodeCursor(q.cursor, { s: 'timestamp', i: 'uuid' });
    const states = this.engine.waitingStates();
    const actor = toActor(user);
    const found: WaitingCandidate[] = [];
    let scanned = 0;
    let more = true;
    while (more && found.length < limit && scanned < WAITING_SCAN) {
      const rows = await this.repo.inStagesOldestFirst(user, states, after, WAITING_BATCH);
      more = rows.length === WAITING_BATCH;
      for (const [k, row] of rows.entries()) {
        scanned++;
        after = { s: row.stateEnteredAt.toISOString(), i: row.id };
        if (!this.waitsOn(row, user, actor)) continue;
        found.push(row);
        if (found.length === limit) {
          more ||= k < rows.length - 1;
          break;
        }
      }
    }
    // The list columns of the few found, read again. A row changed since it was screened is shown as it
    // is now if it still waits on the caller in the same stage; one that entered another stage is left
    // for the page where the waiting order puts it now.
    const current = await this.repo.waitingRows(
      user,
      states,
      found.map((r) => r.id),
    );
    const byId = new Map(current.map((r) => [r.id, r]));
    const shown = found.flatMap((screened) => {
      const row = byId.get(screened.id);
      if (!row || row.stateEnteredAt.getTime() !== screened.stateEnteredAt.getTime()) return [];
      return restoredKey(row) === restoredKey(screened) || this.waitsOn(row, user, actor) ? [row] : [];
    });
    const times = this.pendingTimes
      ? await this.pendingTimes.timesForMany(shown.map((r) => r.id))
      : new Map<string, PartyTimes>();
    const items = shown.map((r) => ({
      ...summaryOf(r),
      ...this.machineView(user, r, times.get(r.id) ?? new Map(), this.restoredCandidate(r)),
      since: r.stateEnteredAt.toISOString(),
    }));
    return { items, nextCursor: more && after ? encodeCursor(after) : null };
  }

  private waitsOn(row: WaitingCandidate, user: AuthUser, actor: ReturnType<typeof toActor>): boolean {
    try {
      const definition = this.engine.definitionOf(row);
      const snapshot = this.restoredCandidate(row);
      const admin = user.roles.includes('admin');
      return (
        definition.availableEvents(snapshot, actor).some((e) => e !== 'WITHDRAW') ||
        definition
          .pendingParties(snapshot)
          .some((p) => p.institutionId === user.institutionId && (admin || user.roles.includes(p.role)))
      );
    } catch (error) {
      // A machine version this build does not know (after a rollback), or a stored snapshot it cannot
      // restore: the proposal's own page says so; the inbox of everyone else must not fail for it.
      // Said once per proposal and process.
      if (!this.skipped.has(row.id)) {
        this.skipped.add(row.id);
        this.logger.warn(`inbox skips proposal ${row.id}: ${(error as Error).message}`);
      }
      return false;
    }
  }

  /**
   * A candidate's restored snapshot, from the cache when this row version was restored before. One that
   * does not restore throws and is not kept: it is tried again on the next request (waitsOn says why once).
   */
  private restoredCandidate(row: WaitingCandidate): Snapshot<unknown> {
    const key = restoredKey(row);
    let snapshot = this.restored.get(key);
    if (!snapshot) {
      snapshot = this.engine.definitionOf(row).restore(row.snapshot);
      this.restored.set(key, snapshot);
    }
    return snapshot;
  }

  async history(user: AuthUser, id: string): Promise<HistoryEntryDto[]> {
    const row = await this.getVisible(user, id);
    const decisions: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT event, from_state AS "fromState", to_state AS "toState", revision, proposal_version AS version,
              actor_id AS "actorId", actor_institution_id AS "actorInstitutionId", actor_role AS "actorRole",
              payload, created_at AS at
       FROM decisions WHERE proposal_id = $1 ORDER BY proposal_version`,
      [id],
    );
    const created: HistoryEntryDto = {
      event: 'CREATE',
      fromState: null,
      // The state it was created in: where the first decision started from (readable on any version).
      toState: (decisions[0]?.fromState as string | undefined) ?? row.state,
      revision: 1,
      version: 1,
      actorId: row.createdBy,
      actorInstitutionId: row.leadInstitutionId,
      actorRole: 'proposer',
      at: row.createdAt.toISOString(),
    };
    return [
      created,
      ...decisions.map(({ payload, ...d }) => {
        // The payload's fields as the decision recorded them (the workflow version's schema).
        const entry: Record<string, unknown> = {
          ...d,
          ...(payload as Record<string, unknown>),
          at: (d.at as Date).toISOString(),
        };
        return entry as unknown as HistoryEntryDto;
      }),
    ];
  }

  async diff(user: AuthUser, id: string, a: number, b: number): Promise<RevisionDiffDto> {
    await this.getVisible(user, id);
    const rows: Array<{ revision: number; content: unknown; partners: string[] }> =
      await this.dataSource.query(
        `SELECT revision, content, partner_institution_ids AS partners FROM proposal_revisions
       WHERE proposal_id = $1 AND revision = ANY ($2::int[])`,
        [id, [a, b]],
      );
    const byRev = new Map(rows.map((r) => [r.revision, r]));
    const missing = [a, b].filter((r) => !byRev.has(r));
    if (missing.length) {
      throw new DomainError('not-found', `Revision ${missing.join(' and ')} has not been submitted`);
    }
    const from = byRev.get(a)!;
    const to = byRev.get(b)!;
    return {
      from: a,
      to: b,
      changes: [
        ...diffJson(from.content, to.content, 'content'),
        ...diffJson([...from.partners].sort(), [...to.partners].sort(), 'partnerInstitutionIds'),
      ],
    };
  }
}
