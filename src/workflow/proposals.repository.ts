import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AuthUser } from '../auth/auth-user.js';
import { returnedRows } from '../database/returned-rows.js';

/** A proposal row as the engine and the readers use it (snake_case mapped once, here). */
export interface ProposalRow {
  id: string;
  reference: string;
  leadInstitutionId: string;
  partnerInstitutionIds: string[];
  involvedCountries: string[];
  agencyVisible: boolean;
  qualityVisible: boolean;
  state: string;
  workflowId: string;
  workflowVersion: number;
  snapshot: Record<string, unknown>;
  version: number;
  revision: number;
  content: Record<string, unknown>;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, reference, lead_institution_id AS "leadInstitutionId",
  partner_institution_ids AS "partnerInstitutionIds", involved_countries AS "involvedCountries",
  agency_visible AS "agencyVisible", quality_visible AS "qualityVisible", state, workflow_id AS "workflowId", workflow_version AS "workflowVersion",
  snapshot, version, revision, content, created_by AS "createdBy", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** What a list item needs. */
export type ProposalListRow = Pick<
  ProposalRow,
  | 'id'
  | 'reference'
  | 'leadInstitutionId'
  | 'partnerInstitutionIds'
  | 'state'
  | 'version'
  | 'revision'
  | 'createdAt'
  | 'updatedAt'
> & { title: string | null };

/**
 * What the inbox reads of each candidate: only what the machine needs to say whether it waits on the
 * caller, and the order (a request may read a thousand candidates, and shows twenty).
 */
export type WaitingCandidate = Pick<
  ProposalRow,
  'id' | 'version' | 'workflowId' | 'workflowVersion' | 'snapshot'
> & {
  stateEnteredAt: Date;
};

/** An inbox item as shown: the list item, with what the machine needs for its pending parties. */
export type WaitingRow = ProposalListRow & WaitingCandidate;

/** What the machine needs of a candidate, and its place in the waiting order (besides id and version). */
const MACHINE_COLUMNS = `p.workflow_id AS "workflowId", p.workflow_version AS "workflowVersion", p.snapshot,
  p.state_entered_at AS "stateEnteredAt"`;
const CANDIDATE_COLUMNS = `p.id, p.version, ${MACHINE_COLUMNS}`;

const LIST_COLUMNS = `p.id, p.reference, p.title, p.lead_institution_id AS "leadInstitutionId",
  p.partner_institution_ids AS "partnerInstitutionIds", p.state, p.version, p.revision,
  p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;

export interface ProposalUpdate {
  state: string;
  snapshot: Record<string, unknown>;
  revision: number;
  content: Record<string, unknown>;
  partnerInstitutionIds: string[];
  involvedCountries: string[];
  agencyVisible: boolean;
  qualityVisible: boolean;
}

export interface DecisionInsert {
  proposalId: string;
  proposalVersion: number;
  revision: number;
  event: string;
  fromState: string | null;
  toState: string;
  actorId: string;
  actorInstitutionId: string;
  actorRole: string;
  /** The event's payload as its definition's schema validated it. */
  payload: Record<string, unknown>;
}

/**
 * SQL where it matters: the visibility predicate, locking, compare-and-set. The SQL visibility
 * predicate and `isVisibleTo` below state the same rule (DESIGN.md section 8) in two forms.
 */
@Injectable()
export class ProposalsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Lead and partner users; quality officers of universities once it reached a state granting them
   * visibility (the workflow definition's `visibility`: they may decide there); agency users of an
   * involved country once it reached a state granting them; alliance users.
   *
   * As disjoint branches, each a plain AND the planner can serve from one index: `p.lead_institution_id
   * = X` (never also a partner: a CHECK forbids it), `p.partner_institution_ids @> ARRAY[X]`
   * (containment, not `= ANY`: only containment can use the GIN index, and its element statistics give
   * the planner a real estimate), the quality officers' remainder. An OR of them would leave the planner
   * one plan for all: reading the whole list order and filtering, however few rows match.
   */
  static visibilityBranches(user: AuthUser, params: unknown[]): string[] {
    if (ProposalsRepository.seesEverything(user)) return ['TRUE'];
    if (user.institutionKind === 'agency') {
      params.push(user.country);
      return [`p.agency_visible AND p.involved_countries @> ARRAY[$${params.length}]::text[]`];
    }
    params.push(user.institutionId);
    const [lead, partner] = ProposalsRepository.involvementBranches(`$${params.length}`);
    if (!user.roles.includes('quality_officer')) return [lead, partner];
    return [lead, partner, `p.quality_visible AND NOT (${lead}) AND NOT (${partner})`];
  }

  /**
   * The same visibility as one predicate, for whole-set aggregates (analytics) that read every
   * visible row anyway; paged lists use the branches.
   */
  static visibilitySql(user: AuthUser, params: unknown[]): string {
    return `(${ProposalsRepository.visibilityBranches(user, params)
      .map((b) => `(${b})`)
      .join(' OR ')})`;
  }

  /** Lead, or partner: disjoint (the lead is never also a partner). */
  static involvementBranches(param: string): [string, string] {
    return [`p.lead_institution_id = ${param}`, `p.partner_institution_ids @> ARRAY[${param}]::text[]`];
  }

  /** Alliance staff see every proposal (the first branch of the rule). */
  static seesEverything(user: AuthUser): boolean {
    return user.institutionKind === 'alliance';
  }

  static isVisibleTo(
    user: AuthUser,
    row: Pick<
      ProposalRow,
      'leadInstitutionId' | 'partnerInstitutionIds' | 'agencyVisible' | 'qualityVisible' | 'involvedCountries'
    >,
  ): boolean {
    if (ProposalsRepository.seesEverything(user)) return true;
    if (user.institutionKind === 'agency')
      return row.agencyVisible && user.country !== null && row.involvedCountries.includes(user.country);
    return (
      row.leadInstitutionId === user.institutionId ||
      row.partnerInstitutionIds.includes(user.institutionId) ||
      (row.qualityVisible && user.roles.includes('quality_officer'))
    );
  }

  async find(id: string, em: EntityManager = this.dataSource.manager): Promise<ProposalRow | null> {
    const rows: ProposalRow[] = await em.query(`SELECT ${COLUMNS} FROM proposals p WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /**
   * Takes the row lock: concurrent changes to one proposal queue here and then see each other's
   * result. The transaction-scoped advisory lock on the id is taken first because its queue is
   * first come, first served (waiters on a row lock are not), which keeps the latency tail of many
   * writers on one proposal short.
   */
  async lock(em: EntityManager, id: string): Promise<ProposalRow | null> {
    const rows: ProposalRow[] = await em.query(
      `SELECT ${COLUMNS} FROM proposals p CROSS JOIN LATERAL pg_advisory_xact_lock(hashtextextended(p.id::text, 0))
       WHERE p.id = $1 FOR UPDATE OF p`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * A page of what the user may see, newest first. Reads only what a list item shows (the stored
   * `title`, never content or snapshot). Visibility and the institution filter are unions of disjoint
   * AND branches (see visibilityBranches); each branch reads at most a page, in list order where an
   * index has it ((lead, created_at, id), (state, created_at, id), (created_at, id)) or through the
   * GIN index and a top-N sort where its rows are few.
   */
  async list(
    user: AuthUser,
    filter: {
      state?: string;
      institutionId?: string;
      text?: string;
      limit: number;
      after?: { c: string; i: string };
    },
  ): Promise<ProposalListRow[]> {
    const params: unknown[] = [];
    let branches = ProposalsRepository.visibilityBranches(user, params).map((b) => [b]);
    if (filter.institutionId) {
      params.push(filter.institutionId);
      const [lead, partner] = ProposalsRepository.involvementBranches(`$${params.length}`);
      branches = branches.flatMap((b) => [
        [...b, lead],
        [...b, partner],
      ]);
      // The user's own lead branch meets another lead only if they are the same institution.
      if (user.institutionKind === 'university' && filter.institutionId !== user.institutionId)
        branches.splice(0, 1);
    }
    const common: string[] = [];
    if (filter.state) {
      params.push(filter.state);
      common.push(`p.state = $${params.length}`);
    }
    if (filter.text) {
      // A substring, not a pattern: LIKE's wildcards in the text are matched literally.
      params.push(`%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      common.push(`(p.title ILIKE $${params.length} OR p.reference ILIKE $${params.length})`);
    }
    if (filter.after) {
      params.push(filter.after.c, filter.after.i);
      common.push(`(p.created_at, p.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(filter.limit);
    const limit = `$${params.length}`;
    const page = (where: string[]) =>
      `SELECT ${LIST_COLUMNS} FROM proposals p WHERE ${[...where, ...common].map((w) => `(${w})`).join(' AND ')}
       ORDER BY p.created_at DESC, p.id DESC LIMIT ${limit}`;
    if (branches.length === 1) return this.dataSource.query(page(branches[0]), params);
    // Each branch reads at most a page in list order; the newest of those make the page.
    return this.dataSource.query(
      `SELECT * FROM (${branches.map((b) => `(${page(b)})`).join(' UNION ALL ')}) AS u
       ORDER BY "createdAt" DESC, id DESC LIMIT ${limit}`,
      params,
    );
  }

  /**
   * Visible proposals in the given states, longest in their stage first (`state_entered_at`, id: the
   * waiting-order index), for the inbox to pick those that wait on the caller.
   */
  async inStagesOldestFirst(
    user: AuthUser,
    states: string[],
    after: { s: string; i: string } | undefined,
    limit: number,
  ): Promise<WaitingCandidate[]> {
    const params: unknown[] = [];
    const where = [ProposalsRepository.visibilitySql(user, params)];
    params.push(states);
    where.push(`p.state = ANY ($${params.length}::text[])`);
    if (after) {
      params.push(after.s, after.i);
      where.push(
        `(p.state_entered_at, p.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
      );
    }
    params.push(limit);
    return this.dataSource.query(
      `SELECT ${CANDIDATE_COLUMNS}
       FROM proposals p
       WHERE ${where.join(' AND ')} ORDER BY p.state_entered_at, p.id LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * The inbox's items as they are now, by id (primary key): the candidates found waiting, read again with
   * their list columns. Only those still visible to the user and still in one of the stages.
   */
  async waitingRows(user: AuthUser, states: string[], ids: string[]): Promise<WaitingRow[]> {
    if (ids.length === 0) return [];
    const params: unknown[] = [];
    const where = [ProposalsRepository.visibilitySql(user, params)];
    params.push(states);
    where.push(`p.state = ANY ($${params.length}::text[])`);
    params.push(ids);
    where.push(`p.id = ANY ($${params.length}::uuid[])`);
    return this.dataSource.query(
      `SELECT ${LIST_COLUMNS}, ${MACHINE_COLUMNS} FROM proposals p WHERE ${where.join(' AND ')}`,
      params,
    );
  }

  /** Next human reference of the year; the counter row lock makes it unique under concurrency. */
  async nextReference(em: EntityManager, year: number): Promise<string> {
    const [{ last }]: Array<{ last: number }> = await em.query(
      `INSERT INTO reference_counters (year, last) VALUES ($1, 1)
       ON CONFLICT (year) DO UPDATE SET last = reference_counters.last + 1 RETURNING last`,
      [year],
    );
    return `MC-${year}-${String(last).padStart(4, '0')}`;
  }

  async insert(
    em: EntityManager,
    row: Pick<
      ProposalRow,
      | 'id'
      | 'reference'
      | 'leadInstitutionId'
      | 'partnerInstitutionIds'
      | 'state'
      | 'workflowId'
      | 'workflowVersion'
      | 'snapshot'
      | 'revision'
      | 'content'
      | 'createdBy'
    >,
  ): Promise<ProposalRow> {
    const rows: ProposalRow[] = await em.query(
      `INSERT INTO proposals AS p (id, reference, lead_institution_id, partner_institution_ids, state, workflow_id,
         workflow_version, snapshot, revision, content, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
      [
        row.id,
        row.reference,
        row.leadInstitutionId,
        row.partnerInstitutionIds,
        row.state,
        row.workflowId,
        row.workflowVersion,
        row.snapshot,
        row.revision,
        row.content,
        row.createdBy,
      ],
    );
    return rows[0];
  }

  /** Compare-and-set on `version`: returns the new row, or null when someone else changed it first. */
  async update(
    em: EntityManager,
    id: string,
    expectedVersion: number,
    u: ProposalUpdate,
  ): Promise<ProposalRow | null> {
    const rows: ProposalRow[] = await em.query(
      `UPDATE proposals AS p SET state = $3, snapshot = $4, revision = $5, content = $6, partner_institution_ids = $7,
         involved_countries = $8, agency_visible = $9, quality_visible = $10, version = version + 1, updated_at = now(),
         state_entered_at = CASE WHEN p.state IS DISTINCT FROM $3 THEN now() ELSE p.state_entered_at END
       WHERE id = $1 AND version = $2 RETURNING ${COLUMNS}`,
      [
        id,
        expectedVersion,
        u.state,
        u.snapshot,
        u.revision,
        u.content,
        u.partnerInstitutionIds,
        u.involvedCountries,
        u.agencyVisible,
        u.qualityVisible,
      ],
    );
    const list = returnedRows<ProposalRow>(rows);
    return list[0] ?? null;
  }

  /**
   * Also records when the proposal entered the state the decision was taken in (its latest state
   * change before this one, or its creation), which the analytics read as the start of a stage visit,
   * and the proposal's lead institution.
   */
  async insertDecision(em: EntityManager, d: DecisionInsert): Promise<void> {
    await em.query(
      `INSERT INTO decisions (proposal_id, proposal_version, revision, event, from_state, to_state, actor_id,
         actor_institution_id, actor_role, payload, stage_entered_at, lead_institution_id)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce(
         (SELECT e.created_at FROM decisions e
          WHERE e.proposal_id = $1 AND e.proposal_version < $2 AND e.from_state IS DISTINCT FROM e.to_state
          ORDER BY e.proposal_version DESC LIMIT 1),
         p.created_at), p.lead_institution_id
       FROM proposals p WHERE p.id = $1`,
      [
        d.proposalId,
        d.proposalVersion,
        d.revision,
        d.event,
        d.fromState,
        d.toState,
        d.actorId,
        d.actorInstitutionId,
        d.actorRole,
        JSON.stringify(d.payload),
      ],
    );
  }

  async insertRevision(
    em: EntityManager,
    proposalId: string,
    revision: number,
    content: unknown,
    partners: string[],
    submittedBy: string,
  ): Promise<void> {
    await em.query(
      `INSERT INTO proposal_revisions (proposal_id, revision, content, partner_institution_ids, submitted_by)
       VALUES ($1, $2, $3, $4, $5)`,
      [proposalId, revision, content, partners, submittedBy],
    );
  }

  /** Kind of each named institution that exists (partners are checked against it at every save). */
  async institutionKinds(em: EntityManager, ids: string[]): Promise<Array<{ id: string; kind: string }>> {
    return em.query(`SELECT id, kind FROM institutions WHERE id = ANY ($1::text[])`, [ids]);
  }

  async activeCriteriaIds(em: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await em.query(
      `SELECT id FROM quality_criteria WHERE active ORDER BY position, id`,
    );
    return rows.map((r) => r.id);
  }
}
