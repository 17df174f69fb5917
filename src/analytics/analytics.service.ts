import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DataSource } from 'typeorm';
import type { AuthUser } from '../auth/auth-user.js';
import { decodeCursor, encodeCursor, type Page } from '../common/cursor.js';
import { DomainError } from '../common/domain-error.js';
import { InFlight } from '../common/in-flight.js';
import { AppConfig } from '../config/app-config.js';
import { WorkflowRegistry } from '../../workflows/registry.js';
import { ProposalsRepository } from '../workflow/proposals.repository.js';
import { utcMonths } from './months.js';
import { percentileCont, roundHalfEven } from './percentiles.js';
import type {
  AnalyticsQueryDto,
  StageRowDto,
  StagesDto,
  ThroughputDto,
  ThroughputRowDto,
  WaitingQueryDto,
  WaitingRowDto,
} from './analytics.dto.js';
import { DEFAULT_WAITING_PAGE } from './analytics.dto.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A decision is dated when its transaction began; one still open that long after midnight is not
 * expected, so the days before (now - SETTLING_MS) are taken as final.
 */
const SETTLING_MS = 60 * 60 * 1000;

/** Days that can no longer change: durations of the visits that ended (sorted) and the entries. */
interface SettledDays {
  /** The newest decision when they were read: a later one dated before them means they changed. */
  lastDecisionId: string;
  /** stage → lead → visits that ended (a visit without a duration counts here, not below) */
  left: Map<string, Map<string, number>>;
  /** stage → lead → durations (ms), ascending */
  ended: Map<string, Map<string, Float64Array>>;
  /** stage → durations of every lead, ascending */
  all: Map<string, Float64Array>;
  /** stage → lead → entries */
  entered: Map<string, Map<string, number>>;
}

/** The hours since, and now: per lead. */
interface OpenStage {
  left: Map<string, number>;
  ended: Map<string, number[]>;
  entered: Map<string, number>;
  waiting: Map<string, number>;
  overdue: Map<string, number>;
}

/**
 * What the throughput counts, over decisions `d`, given the parameters holding the submit events and
 * the approved, published and rejected states: the one definition both of its statements use.
 */
function throughputCounts(d: string, [submit, approved, published, rejected]: string[]): string {
  const arrived = (states: string) =>
    `${d}.to_state = ANY (${states}::text[]) AND ${d}.from_state IS DISTINCT FROM ${d}.to_state`;
  return `count(*) FILTER (WHERE ${d}.event = ANY (${submit}::text[]))::int AS submitted,
    count(*) FILTER (WHERE ${arrived(approved)})::int AS approved,
    count(*) FILTER (WHERE ${arrived(published)})::int AS published,
    count(*) FILTER (WHERE ${d}.to_state = ANY (${rejected}::text[]))::int AS rejected`;
}

/** One month's throughput counts (per lead institution below). */
type MonthCounts = Omit<ThroughputRowDto, 'month'>;

/** Throughput of whole days that can no longer change: month ('YYYY-MM') → lead → counts. */
interface SettledThroughput {
  /** The newest decision when they were read (as SettledDays.lastDecisionId). */
  lastDecisionId: string;
  months: Map<string, Map<string, MonthCounts>>;
}

function monthsOf(
  rows: Array<MonthCounts & { month: string; lead: string }>,
): Map<string, Map<string, MonthCounts>> {
  const out = new Map<string, Map<string, MonthCounts>>();
  for (const { month, lead, submitted, approved, published, rejected } of rows)
    inner(out, month).set(lead, { submitted, approved, published, rejected });
  return out;
}

/**
 * The settled part of a default window from `cache` (read once per key), then the part read on every
 * request. When the latter finds a decision dated inside the settled part that arrived after it was
 * read (an import, a repair), the settled part is read again, once; null when that happens again (the
 * caller then answers with its single statement).
 */
async function settledAndOpen<S extends { lastDecisionId: string }, O extends { backdated: boolean }>(
  cache: LRUCache<string, Promise<S>>,
  key: string,
  readSettled: () => Promise<S>,
  readOpen: (lastDecisionId: string) => Promise<O>,
): Promise<{ settled: S; open: O } | null> {
  for (let attempt = 0; attempt < 2; attempt++) {
    let settled = cache.get(key);
    if (!settled) {
      settled = readSettled();
      cache.set(key, settled);
      settled.catch(() => cache.delete(key));
    }
    const past = await settled;
    const open = await readOpen(past.lastDecisionId);
    if (!open.backdated) return { settled: past, open };
    cache.delete(key);
  }
  return null;
}

function inner<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let m = outer.get(key);
  if (!m) outer.set(key, (m = new Map()));
  return m;
}

/** Institution ids compared as the SQL orders them (COLLATE "C"). */
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Midnight UTC at the start of the day of `t`. */
function startOfUtcDay(t: number): Date {
  return new Date(Math.floor(t / DAY_MS) * DAY_MS);
}

/** The longest window a table is computed for: ten years (of 366 days). */
const MAX_WINDOW_MS = 10 * 366 * DAY_MS;

/**
 * The window asked for; `from` defaults to `defaultSpanMs` before `to` (which defaults to now), or with
 * `wholeDays` to the start of that UTC day.
 */
function window(q: AnalyticsQueryDto, defaultSpanMs: number, wholeDays = false): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : new Date();
  const start = to.getTime() - defaultSpanMs;
  const from = q.from ? new Date(q.from) : wholeDays ? startOfUtcDay(start) : new Date(start);
  if (from.getTime() > to.getTime())
    throw new DomainError('validation-failed', 'to: must not be before from', [
      { field: 'to', message: 'must not be before from' },
    ]);
  // A window is a question about the alliance's own years; a thousand years of empty months is not one.
  if (to.getTime() - from.getTime() > MAX_WINDOW_MS)
    throw new DomainError('validation-failed', 'from: the window may span at most 10 years', [
      { field: 'from', message: 'the window may span at most 10 years' },
    ]);
  return { from, to };
}

/**
 * Dashboards computed from the records themselves (decisions, proposals, reminder schedule) with SQL,
 * never from counters that could drift. Each caller sees only the proposals it may see
 * (ProposalsRepository.visibilitySql, the rule of the proposal list).
 */
@Injectable()
export class AnalyticsService {
  /**
   * A dashboard is opened by many people at once and each answer reads every state change of the
   * window (at P7 scale, ~110 ms of database time): identical questions asked while one is being
   * answered share that answer rather than queue more of the same work on the same cores.
   */
  private readonly sharedStages = new InFlight<StagesDto>();
  private readonly sharedThroughput = new InFlight<ThroughputDto>();
  /**
   * The settled days of the default window, per (window start, settled until). Read again after ten
   * minutes at the latest, so a hand-made change to old records (which nothing in the service does)
   * is seen within that time; a decision inserted with an old date is noticed on the next request.
   */
  private readonly settled = new LRUCache<string, Promise<SettledDays>>({ max: 2, ttl: 10 * 60_000 });
  /** The same for the throughput's default window: its whole days before the settling hour. */
  private readonly settledThroughput = new LRUCache<string, Promise<SettledThroughput>>({
    max: 2,
    ttl: 10 * 60_000,
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly registry: WorkflowRegistry,
  ) {}

  /** Stages someone acts in (their pending parties), in machine order, from every workflow version. */
  private get stageList(): string[] {
    return this.registry.waitingStates();
  }

  /**
   * These statements are estimated expensive enough for PostgreSQL's JIT, whose compilation alone
   * took longer than the query (measured: 230 ms of 1.5 s on the P8 data set), and for parallel
   * workers, which a dashboard that several people open at once cannot afford: each request would
   * start two more processes competing for the same cores (measured at P7 scale, 5 requests/s on two
   * cores: p50 240 ms with workers, see README "Catalogue and analytics"). Both off for them.
   */
  private run<T>(sql: string, params: unknown[]): Promise<T> {
    return this.dataSource.transaction(async (em) => {
      await em.query(`SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0`);
      return em.query(sql, params) as Promise<T>;
    });
  }

  /**
   * What an answer depends on besides the records: the caller's visibility rule with its values, the
   * filter and the window as asked (a window left to its default is the one of the computation joined).
   */
  private shareKey(table: string, user: AuthUser, q: AnalyticsQueryDto): string {
    const params: unknown[] = [];
    const rule = ProposalsRepository.visibilitySql(user, params);
    return JSON.stringify([
      table,
      rule,
      params,
      ProposalsRepository.seesEverything(user),
      q.institutionId ?? null,
      q.from ?? null,
      q.to ?? null,
    ]);
  }

  /** The caller's proposals as a CTE body over `proposals p`, with the lead filter and `extra`. */
  private visible(
    user: AuthUser,
    institutionId: string | undefined,
    params: unknown[],
    extra?: string,
  ): string {
    const where = [ProposalsRepository.visibilitySql(user, params)];
    if (extra) where.push(extra);
    if (institutionId) {
      params.push(institutionId);
      where.push(`p.lead_institution_id = $${params.length}`);
    }
    return `SELECT p.id, p.reference, p.state, p.lead_institution_id, p.created_at, p.state_entered_at,
              p.content ->> 'title' AS title
            FROM proposals p WHERE ${where.join(' AND ')}`;
  }

  /**
   * Stage visits: a proposal enters draft when created and every other stage with a decision that
   * changes its state; a visit ends with the next state change. Each such decision carries when the
   * stage it leaves was entered (decisions.stage_entered_at), and the proposal when its current stage
   * was (proposals.state_entered_at), so nothing reads a proposal's earlier decisions. Time in stage
   * counts the visits that ended within the window; entered/left count entries/exits within it;
   * waiting/overdue are as of now.
   */
  stages(user: AuthUser, q: AnalyticsQueryDto): Promise<StagesDto> {
    return this.sharedStages.run(this.shareKey('stages', user, q), () => this.computeStages(user, q));
  }

  private async computeStages(user: AuthUser, q: AnalyticsQueryDto): Promise<StagesDto> {
    const { from, to } = window(q, 90 * DAY_MS, true);
    const rows =
      ProposalsRepository.seesEverything(user) && !q.from && !q.to
        ? await this.stagesFromSettledDays(user, from, to, q.institutionId)
        : await this.stageRows(user, q.institutionId, from, to);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      escalationAfterMs: this.config.ESCALATION_AFTER_MS,
      rows,
    };
  }

  /** The stage table of a window in one statement (any caller, any window). */
  private stageRows(
    user: AuthUser,
    institutionId: string | undefined,
    from: Date,
    to: Date,
  ): Promise<StageRowDto[]> {
    const params: unknown[] = [];
    const visible = this.visible(user, institutionId, params);
    params.push(
      from,
      to,
      this.config.ESCALATION_AFTER_MS,
      this.stageList,
      this.registry.remindedStates(),
      this.registry.milestone('created')[0],
    );
    const [f, t, esc, stages, reminded, created] = [6, 5, 4, 3, 2, 1].map((k) => `$${params.length - k + 1}`);
    // Alliance staff see every proposal: their state changes come from the decisions' index alone
    // (each decision carries its lead institution); anyone else's through the visibility rule.
    let scope = `AND d.proposal_id IN (SELECT id FROM visible)`;
    if (ProposalsRepository.seesEverything(user)) {
      scope = '';
      if (institutionId) {
        params.push(institutionId);
        scope = `AND d.lead_institution_id = $${params.length}`;
      }
    }
    return this.run<StageRowDto[]>(
      `WITH visible AS NOT MATERIALIZED (${visible}),
       -- State changes within the window (a partial index on their time that holds every column read).
       -- Read twice from the index rather than materialized (measured: 90 ms to materialize 133,000 rows).
       changes AS NOT MATERIALIZED (
         SELECT d.lead_institution_id, d.from_state, d.to_state, d.created_at, d.stage_entered_at
         FROM decisions d
         WHERE d.from_state IS DISTINCT FROM d.to_state AND d.created_at >= ${f} AND d.created_at < ${t}
           ${scope}),
       -- Only the visits that ended are sorted (for the percentiles); the counts are hashed.
       ended AS (
         SELECT from_state AS stage, lead_institution_id, count(*)::int AS "left",
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY done_ms))::float8 AS "medianMs",
           round(percentile_cont(0.9) WITHIN GROUP (ORDER BY done_ms))::float8 AS "p90Ms"
         -- date_part is float8 arithmetic; extract() would compute in numeric (measured: 12 ms more).
         FROM (SELECT lead_institution_id, from_state, date_part('epoch', created_at - stage_entered_at) * 1000 AS done_ms
               FROM changes WHERE from_state = ANY (${stages}::text[])) x
         GROUP BY GROUPING SETS ((from_state), (from_state, lead_institution_id))),
       -- Counts per stage and institution, each branch aggregated on its own before they are added up
       -- (measured: appending the 190,000 raw rows into one aggregate cost 40 ms more at P7 scale).
       counted AS (
         SELECT to_state AS stage, lead_institution_id, count(*)::int AS entered, 0 AS waiting, 0 AS overdue
         FROM changes WHERE to_state = ANY (${stages}::text[])
         GROUP BY to_state, lead_institution_id
         UNION ALL
         SELECT ${created}::text, lead_institution_id, count(*)::int, 0, 0 FROM visible
         WHERE created_at >= ${f} AND created_at < ${t} AND ${created}::text = ANY (${stages}::text[])
         GROUP BY lead_institution_id
         UNION ALL
         -- the visit going on now
         SELECT state, lead_institution_id, 0, count(*)::int,
           count(*) FILTER (WHERE state_entered_at < now() - ${esc}::bigint * interval '1 millisecond')::int
         FROM visible WHERE state = ANY (${stages}::text[])
         GROUP BY state, lead_institution_id),
       counted_all AS (
         SELECT stage, lead_institution_id, entered, waiting, overdue FROM counted
         UNION ALL
         SELECT stage, NULL, sum(entered)::int, sum(waiting)::int, sum(overdue)::int FROM counted GROUP BY stage)
       -- A row per stage (all institutions: lead_institution_id null) and per stage and institution.
       SELECT stage, lead_institution_id AS "institutionId", sum(entered)::int AS entered,
         sum("left")::int AS "left", max("medianMs") AS "medianMs", max("p90Ms") AS "p90Ms",
         sum(waiting)::int AS waiting,
         CASE WHEN stage = ANY (${reminded}::text[]) THEN sum(overdue)::int END AS overdue
       FROM (
         SELECT stage, lead_institution_id, 0 AS entered, "left", "medianMs", "p90Ms", 0 AS waiting, 0 AS overdue
         FROM ended
         UNION ALL
         SELECT stage, lead_institution_id, entered, 0, NULL, NULL, waiting, overdue FROM counted_all) z
       GROUP BY stage, lead_institution_id
       ORDER BY array_position(${stages}::text[], stage), lead_institution_id COLLATE "C" NULLS FIRST`,
      params,
    );
  }

  /**
   * The stage table of the default window for a caller who sees every proposal, assembled from the
   * days that can no longer change (read once per process and day, kept in memory) and the hours
   * since (read on every request, with the proposals waiting now). The answer is the one
   * `stageRows` gives for the same window (the analytics e2e suite compares them); only its cost
   * differs: at P7 scale ~110 ms of database time a request for the whole window, ~30 ms this way.
   */
  private async stagesFromSettledDays(
    user: AuthUser,
    from: Date,
    to: Date,
    institutionId: string | undefined,
  ): Promise<StageRowDto[]> {
    const settledUntil = startOfUtcDay(to.getTime() - SETTLING_MS);
    const parts = await settledAndOpen(
      this.settled,
      `${from.toISOString()} ${settledUntil.toISOString()}`,
      () => this.readSettled(from, settledUntil),
      (lastDecisionId) => this.readOpen(settledUntil, to, institutionId, lastDecisionId),
    );
    if (!parts) return this.stageRows(user, institutionId, from, to);
    const { settled, open } = parts;
    return this.assemble(settled, open.stages, institutionId);
  }

  private assemble(
    settled: SettledDays,
    open: Map<string, OpenStage>,
    institutionId: string | undefined,
  ): StageRowDto[] {
    const reminded = new Set(this.registry.remindedStates());
    const rows: StageRowDto[] = [];
    for (const stage of this.stageList) {
      const leads = new Set<string>();
      const pastLeft = settled.left.get(stage);
      const pastEnded = settled.ended.get(stage);
      const pastEntered = settled.entered.get(stage);
      const now = open.get(stage);
      for (const m of [pastLeft, pastEntered, now?.left, now?.entered, now?.waiting])
        for (const lead of m?.keys() ?? []) if (!institutionId || lead === institutionId) leads.add(lead);
      if (leads.size === 0) continue;
      const row = (lead: string | null, ended: ArrayLike<number>, recent: number[]): StageRowDto => {
        const sum = (m: Map<string, number> | undefined) =>
          lead === null ? [...leads].reduce((n, l) => n + (m?.get(l) ?? 0), 0) : (m?.get(lead) ?? 0);
        const pct = (p: number) => {
          const v = percentileCont(ended, recent, p);
          return v === null ? null : roundHalfEven(v);
        };
        return {
          stage,
          institutionId: lead,
          entered: sum(pastEntered) + sum(now?.entered),
          left: sum(pastLeft) + sum(now?.left),
          medianMs: pct(0.5),
          p90Ms: pct(0.9),
          waiting: sum(now?.waiting),
          overdue: reminded.has(stage) ? sum(now?.overdue) : null,
        };
      };
      const none = new Float64Array(0);
      const allPast = institutionId
        ? (pastEnded?.get(institutionId) ?? none)
        : (settled.all.get(stage) ?? none);
      const allRecent = [...leads].flatMap((l) => now?.ended.get(l) ?? []).sort((a, b) => a - b);
      rows.push(row(null, allPast, allRecent));
      for (const lead of [...leads].sort(byteOrder))
        rows.push(row(lead, pastEnded?.get(lead) ?? none, now?.ended.get(lead) ?? []));
    }
    return rows;
  }

  /** Visits that ended in [from, until) (durations sorted, per stage and lead) and entries per stage and lead. */
  private async readSettled(from: Date, until: Date): Promise<SettledDays> {
    const stages = this.stageList;
    const created = this.registry.milestone('created')[0];
    // Taken first: anything newer is checked for an old date on every request (readOpen).
    const [{ id: lastDecisionId }] = await this.run<Array<{ id: string }>>(
      `SELECT coalesce(max(id), 0)::text AS id FROM decisions`,
      [],
    );
    const [ended, entered] = await Promise.all([
      this.run<Array<{ stage: string; lead: string; ms: number | null }>>(
        `SELECT from_state AS stage, lead_institution_id AS lead,
           date_part('epoch', created_at - stage_entered_at) * 1000 AS ms
         FROM decisions
         WHERE from_state IS DISTINCT FROM to_state AND created_at >= $1 AND created_at < $2
           AND from_state = ANY ($3::text[])`,
        [from, until, stages],
      ),
      this.run<Array<{ stage: string; lead: string; n: number }>>(
        `SELECT to_state AS stage, lead_institution_id AS lead, count(*)::int AS n
         FROM decisions
         WHERE from_state IS DISTINCT FROM to_state AND created_at >= $1 AND created_at < $2
           AND to_state = ANY ($3::text[])
         GROUP BY to_state, lead_institution_id
         UNION ALL
         SELECT $4::text, lead_institution_id, count(*)::int FROM proposals
         WHERE created_at >= $1 AND created_at < $2 AND $4::text = ANY ($3::text[])
         GROUP BY lead_institution_id`,
        [from, until, stages, created],
      ),
    ]);
    const out: SettledDays = {
      lastDecisionId,
      left: new Map(),
      ended: new Map(),
      all: new Map(),
      entered: new Map(),
    };
    const lists = new Map<string, Map<string, number[]>>();
    for (const r of ended) {
      const left = inner(out.left, r.stage);
      left.set(r.lead, (left.get(r.lead) ?? 0) + 1);
      // percentile_cont skips a visit without a duration; `left` still counts it.
      if (r.ms === null) continue;
      const byLead = inner(lists, r.stage);
      const list = byLead.get(r.lead);
      if (list) list.push(r.ms);
      else byLead.set(r.lead, [r.ms]);
    }
    for (const [stage, byLead] of lists) {
      const sorted = new Map<string, Float64Array>();
      const all: number[] = [];
      for (const [lead, values] of byLead) {
        sorted.set(lead, Float64Array.from(values).sort());
        for (const v of values) all.push(v);
      }
      out.ended.set(stage, sorted);
      out.all.set(stage, Float64Array.from(all).sort());
    }
    for (const r of entered) {
      const m = inner(out.entered, r.stage);
      m.set(r.lead, (m.get(r.lead) ?? 0) + r.n);
    }
    return out;
  }

  /** Visits ended and entries in [since, to), and the proposals waiting (and overdue) now, per stage and lead. */
  private async readOpen(
    since: Date,
    to: Date,
    institutionId: string | undefined,
    lastDecisionId: string,
  ): Promise<{ stages: Map<string, OpenStage>; backdated: boolean }> {
    const params: unknown[] = [
      since,
      to,
      this.stageList,
      this.registry.milestone('created')[0],
      this.config.ESCALATION_AFTER_MS,
      lastDecisionId,
    ];
    let lead = '';
    if (institutionId) {
      params.push(institutionId);
      lead = `AND lead_institution_id = $${params.length}`;
    }
    const rows = await this.run<
      Array<{
        kind: 'left' | 'entered' | 'waiting' | 'backdated';
        stage: string;
        lead: string;
        ms: number | null;
        n: number;
        m: number;
      }>
    >(
      `WITH changes AS NOT MATERIALIZED (
         SELECT lead_institution_id, from_state, to_state, created_at, stage_entered_at FROM decisions
         WHERE from_state IS DISTINCT FROM to_state AND created_at >= $1 AND created_at < $2 ${lead})
       SELECT 'left' AS kind, from_state AS stage, lead_institution_id AS lead,
         date_part('epoch', created_at - stage_entered_at) * 1000 AS ms, 1 AS n, 0 AS m
       FROM changes WHERE from_state = ANY ($3::text[])
       UNION ALL
       SELECT 'entered', to_state, lead_institution_id, NULL, count(*)::int, 0
       FROM changes WHERE to_state = ANY ($3::text[]) GROUP BY to_state, lead_institution_id
       UNION ALL
       SELECT 'entered', $4::text, lead_institution_id, NULL, count(*)::int, 0 FROM proposals
       WHERE created_at >= $1 AND created_at < $2 AND $4::text = ANY ($3::text[]) ${lead}
       GROUP BY lead_institution_id
       UNION ALL
       SELECT 'waiting', state, lead_institution_id, NULL, count(*)::int,
         count(*) FILTER (WHERE state_entered_at < now() - $5::bigint * interval '1 millisecond')::int
       FROM proposals WHERE state = ANY ($3::text[]) ${lead}
       GROUP BY state, lead_institution_id
       UNION ALL
       -- decisions written since the settled days were read, dated inside them (one is enough)
       SELECT 'backdated', NULL, NULL, NULL, 1, 0
       FROM (SELECT 1 FROM decisions WHERE id > $6::bigint AND created_at < $1 LIMIT 1) x`,
      params,
    );
    const stages = new Map<string, OpenStage>();
    let backdated = false;
    for (const r of rows) {
      if (r.kind === 'backdated') {
        backdated = true;
        continue;
      }
      let o = stages.get(r.stage);
      if (!o)
        stages.set(
          r.stage,
          (o = {
            left: new Map(),
            ended: new Map(),
            entered: new Map(),
            waiting: new Map(),
            overdue: new Map(),
          }),
        );
      if (r.kind === 'left') {
        o.left.set(r.lead, (o.left.get(r.lead) ?? 0) + 1);
        if (r.ms === null) continue;
        const list = o.ended.get(r.lead);
        if (list) list.push(r.ms);
        else o.ended.set(r.lead, [r.ms]);
      } else if (r.kind === 'entered') o.entered.set(r.lead, (o.entered.get(r.lead) ?? 0) + r.n);
      else {
        o.waiting.set(r.lead, r.n);
        o.overdue.set(r.lead, r.m);
      }
    }
    for (const o of stages.values()) for (const list of o.ended.values()) list.sort((a, b) => a - b);
    return { stages, backdated };
  }

  /** Per UTC month of the window, from the decisions: submissions, arrivals in approved, published and rejected. */
  throughput(user: AuthUser, q: AnalyticsQueryDto): Promise<ThroughputDto> {
    return this.sharedThroughput.run(this.shareKey('throughput', user, q), () =>
      this.computeThroughput(user, q),
    );
  }

  private async computeThroughput(user: AuthUser, q: AnalyticsQueryDto): Promise<ThroughputDto> {
    const { from, to } = window(q, 365 * DAY_MS);
    const rows =
      ProposalsRepository.seesEverything(user) && !q.from && !q.to
        ? await this.throughputFromSettledDays(user, from, to, q.institutionId)
        : await this.throughputRows(user, q.institutionId, from, to);
    return { from: from.toISOString(), to: to.toISOString(), rows };
  }

  /** The throughput table of a window in one statement (any caller, any window). */
  private throughputRows(
    user: AuthUser,
    institutionId: string | undefined,
    from: Date,
    to: Date,
  ): Promise<ThroughputRowDto[]> {
    const params: unknown[] = [];
    const visible = this.visible(user, institutionId, params);
    params.push(from, to, ...this.milestoneParams);
    const [f, t, ...milestones] = [6, 5, 4, 3, 2, 1].map((k) => `$${params.length - k + 1}`);
    return this.run<ThroughputRowDto[]>(
      `WITH visible AS (${visible}),
       months AS (
         SELECT generate_series(date_trunc('month', ${f}::timestamptz AT TIME ZONE 'UTC'),
                                date_trunc('month', (${t}::timestamptz - interval '1 millisecond') AT TIME ZONE 'UTC'),
                                interval '1 month') AS month),
       counted AS (
         SELECT date_trunc('month', d.created_at AT TIME ZONE 'UTC') AS month,
           ${throughputCounts('d', milestones)}
         FROM decisions d JOIN visible v ON v.id = d.proposal_id
         WHERE d.created_at >= ${f} AND d.created_at < ${t}
         GROUP BY 1)
       SELECT to_char(m.month, 'YYYY-MM') AS month, coalesce(c.submitted, 0)::int AS submitted,
         coalesce(c.approved, 0)::int AS approved, coalesce(c.published, 0)::int AS published,
         coalesce(c.rejected, 0)::int AS rejected
       FROM months m LEFT JOIN counted c ON c.month = m.month ORDER BY m.month`,
      params,
    );
  }

  /**
   * Alliance staff's default window (every proposal is theirs to see, so no visibility join): the
   * whole days up to the settling hour are counted once per (first day, settled until) and kept,
   * the rest (the part of the first day, the hours since) is read on every request. Same answer as
   * `throughputRows` for that window (the analytics e2e suite compares them): at P7 scale ~650 ms of
   * database time for the whole window, a few ms this way.
   */
  private async throughputFromSettledDays(
    user: AuthUser,
    from: Date,
    to: Date,
    institutionId: string | undefined,
  ): Promise<ThroughputRowDto[]> {
    const settledFrom = new Date(Math.ceil(from.getTime() / DAY_MS) * DAY_MS);
    const settledUntil = startOfUtcDay(to.getTime() - SETTLING_MS);
    if (settledFrom.getTime() >= settledUntil.getTime())
      return this.throughputRows(user, institutionId, from, to);
    const parts = await settledAndOpen(
      this.settledThroughput,
      `${settledFrom.toISOString()} ${settledUntil.toISOString()}`,
      () => this.readSettledThroughput(settledFrom, settledUntil),
      (lastDecisionId) => this.readOpenThroughput(from, settledFrom, settledUntil, to, lastDecisionId),
    );
    if (!parts) return this.throughputRows(user, institutionId, from, to);
    const { settled, open } = parts;
    return utcMonths(from, to).map((month) => {
      const row: ThroughputRowDto = { month, submitted: 0, approved: 0, published: 0, rejected: 0 };
      for (const byLead of [settled.months.get(month), open.months.get(month)])
        for (const [lead, c] of byLead ?? [])
          if (!institutionId || lead === institutionId) {
            row.submitted += c.submitted;
            row.approved += c.approved;
            row.published += c.published;
            row.rejected += c.rejected;
          }
      return row;
    });
  }

  /** The throughput counts per month and lead of the decisions dated in `where` (params from $5 on). */
  private monthCountsSql(where: string): string {
    return `SELECT 'counts' AS kind, to_char(date_trunc('month', d.created_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month,
         d.lead_institution_id AS lead, ${throughputCounts('d', ['$1', '$2', '$3', '$4'])}
       FROM decisions d WHERE ${where} GROUP BY 2, 3`;
  }

  private get milestoneParams(): unknown[] {
    return [
      this.registry.submitEvents(),
      this.registry.milestone('approved'),
      this.registry.milestone('published'),
      this.registry.milestone('rejected'),
    ];
  }

  private async readSettledThroughput(from: Date, until: Date): Promise<SettledThroughput> {
    // Taken first: anything newer is checked for an old date on every request (readOpenThroughput).
    const [{ id: lastDecisionId }] = await this.run<Array<{ id: string }>>(
      `SELECT coalesce(max(id), 0)::text AS id FROM decisions`,
      [],
    );
    const rows = await this.run<Array<MonthCounts & { month: string; lead: string }>>(
      this.monthCountsSql('created_at >= $5 AND created_at < $6'),
      [...this.milestoneParams, from, until],
    );
    return { lastDecisionId, months: monthsOf(rows) };
  }

  /** [from, settledFrom) and [settledUntil, to) per month and lead, and whether the settled days changed. */
  private async readOpenThroughput(
    from: Date,
    settledFrom: Date,
    settledUntil: Date,
    to: Date,
    lastDecisionId: string,
  ): Promise<{ months: Map<string, Map<string, MonthCounts>>; backdated: boolean }> {
    const rows = await this.run<
      Array<MonthCounts & { kind: 'counts' | 'backdated'; month: string; lead: string }>
    >(
      `${this.monthCountsSql('(created_at >= $5 AND created_at < $6) OR (created_at >= $7 AND created_at < $8)')}
       UNION ALL
       -- decisions written since the settled days were read, dated inside them (one is enough)
       SELECT 'backdated', NULL, NULL, 0, 0, 0, 0
       FROM (SELECT 1 FROM decisions WHERE id > $9::bigint AND created_at >= $6 AND created_at < $7 LIMIT 1) x`,
      [...this.milestoneParams, from, settledFrom, settledUntil, to, lastDecisionId],
    );
    return {
      months: monthsOf(rows.filter((r) => r.kind === 'counts')),
      backdated: rows.some((r) => r.kind === 'backdated'),
    };
  }

  /**
   * Every waiting proposal, one row per pending party: since when (its last state change, kept in
   * proposals.state_entered_at by the engine), the reminders delivered to that party in this stage
   * entry and whether it was escalated (from the reminder schedule). An approved proposal waits on
   * its publisher, who is not reminded. A page reads the reminders of its own proposals only.
   */
  async waiting(user: AuthUser, q: WaitingQueryDto): Promise<Page<WaitingRowDto>> {
    // Paged when asked (limit or cursor): a keyset on (since, proposal, party), the order of the list.
    const paged = q.limit !== undefined || q.cursor !== undefined;
    const limit = q.limit ?? DEFAULT_WAITING_PAGE;
    const after = paged ? decodeCursor(q.cursor, { s: 'timestamp', i: 'uuid', p: 'key' }) : undefined;
    const params: unknown[] = [];
    const visible = this.visible(user, q.institutionId, params);
    const approvedStates = this.registry.milestone('approved');
    params.push(
      [...this.registry.remindedStates(), ...approvedStates],
      this.config.ESCALATION_AFTER_MS,
      approvedStates,
    );
    const [states, esc, approved] = [3, 2, 1].map((k) => `$${params.length - k + 1}`);
    const key = [`x.since`, `x."proposalId"`, `coalesce(x."partyKey", '') COLLATE "C"`];
    const order = key.join(', ');
    let keyset = '';
    // A page needs at most limit + 2 proposals: the cursor's own (its remaining parties, maybe none),
    // then at least one row from each following proposal.
    let proposalsFrom = '';
    if (after) {
      params.push(after.s, after.i, after.p);
      const n = params.length;
      keyset = `WHERE (${order}) > ($${n - 2}::timestamptz, $${n - 1}::uuid, $${n}::text COLLATE "C")`;
      proposalsFrom = `AND (state_entered_at, id) >= ($${n - 2}::timestamptz, $${n - 1}::uuid)`;
    }
    const proposalsPage = paged ? `ORDER BY state_entered_at, id LIMIT $${params.push(limit + 2)}` : '';
    const rows: Array<
      Omit<WaitingRowDto, 'since' | 'lastReminderAt' | 'nextReminderAt' | 'escalatedAt'> & {
        since: Date;
        sinceKey: string;
        lastReminderAt: Date | null;
        nextReminderAt: Date | null;
        escalatedAt: Date | null;
      }
    > = await this.run(
      `SELECT * FROM (WITH visible AS (${visible}),
       waiting AS (SELECT * FROM visible WHERE state = ANY (${states}::text[]) ${proposalsFrom} ${proposalsPage}),
       entry AS (
         SELECT r.proposal_id, max(r.stage_entry) AS stage_entry
         FROM reminder_schedule r JOIN waiting w ON w.id = r.proposal_id AND r.state = w.state
         GROUP BY r.proposal_id),
       parties AS (
         SELECT r.proposal_id, r.party_key,
           count(*) FILTER (WHERE r.kind = 'reminder' AND r.status = 'delivered') AS reminders_sent,
           max(r.delivered_at) FILTER (WHERE r.kind = 'reminder' AND r.status = 'delivered') AS last_reminder_at,
           min(r.due_at) FILTER (WHERE r.kind = 'reminder' AND r.status = 'pending') AS next_reminder_at,
           max(r.delivered_at) FILTER (WHERE r.kind = 'escalation' AND r.status = 'delivered') AS escalated_at,
           bool_or(r.status = 'pending') AS pending
         FROM reminder_schedule r JOIN entry e ON e.proposal_id = r.proposal_id AND e.stage_entry = r.stage_entry
         GROUP BY r.proposal_id, r.party_key)
       SELECT w.id AS "proposalId", w.reference, w.title, w.state, w.lead_institution_id AS "leadInstitutionId",
         CASE WHEN w.state = ANY (${approved}::text[]) THEN 'publisher' ELSE pt.party_key END AS "partyKey",
         w.state_entered_at AS since,
         to_char(w.state_entered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sinceKey",
         (extract(epoch FROM now() - w.state_entered_at) * 1000)::float8 AS "waitingMs",
         coalesce(pt.reminders_sent, 0)::int AS "remindersSent",
         pt.last_reminder_at AS "lastReminderAt", pt.next_reminder_at AS "nextReminderAt",
         pt.escalated_at IS NOT NULL AS escalated, pt.escalated_at AS "escalatedAt",
         (w.state <> ALL (${approved}::text[]) AND w.state_entered_at < now() - ${esc}::bigint * interval '1 millisecond') AS overdue
       FROM waiting w
       LEFT JOIN parties pt ON pt.proposal_id = w.id AND pt.pending AND w.state <> ALL (${approved}::text[])) x
       ${keyset} ORDER BY ${order} ${paged ? `LIMIT $${params.push(limit + 1)}` : ''}`,
      params,
    );
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    const page = paged ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map(({ sinceKey: _key, ...r }) => ({
        ...r,
        waitingMs: Math.round(r.waitingMs),
        partyKind: r.partyKey ? r.partyKey.split('-')[0] : null,
        since: new Date(r.since).toISOString(),
        lastReminderAt: iso(r.lastReminderAt),
        nextReminderAt: iso(r.nextReminderAt),
        escalatedAt: iso(r.escalatedAt),
      })),
      nextCursor:
        paged && rows.length > limit && last
          ? encodeCursor({ s: last.sinceKey, i: last.proposalId, p: last.partyKey ?? '' })
          : null,
    };
  }
}
