// P7 the read paths at scale: 200,000 proposals over every state and 5,000,000 audit entries (20,000 /
// 500,000 with --quick), generated in SQL. For each request path, max throughput (closed loop) against
// a bare node:http + pg server running the same service and repository code (and, to show what the
// framework alone costs, a bare NestJS application running that code too), and p50/p99 at a fixed
// rate (open loop, both sides at the same rate). Each query's plan (EXPLAIN (FORMAT JSON) with the
// run's own parameters) is recorded: the root node and every index the plan reads.
import type pg from 'pg';
import { AuditRepository } from '../../src/audit/audit.repository.js';
import type { AuthUser } from '../../src/auth/auth-user.js';
import { NotificationsService } from '../../src/notifications/notifications.service.js';
import { ProposalsRepository } from '../../src/workflow/proposals.repository.js';
import { alternate, measuredRun, type MeasuredRun } from '../support/compare.js';
import { openLoop, type RequestSpec } from '../support/http-load.js';
import { inboxService } from '../support/inbox-service.js';
import { figure, type Figure } from '../support/report.js';
import { createStateTemplates, generateScaleData } from '../support/scale-fixture.js';
import { NEST_FLOOR, startBareServer, type PhaseContext } from './phase.js';

/** The fixed rate of the latency runs (requests per second, Poisson arrivals). */
export const FIXED_RATE = 50;
/** The issue's ceiling on each query's p99 at that rate. */
const P99_MS = 50;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  Plans?: PlanNode[];
}

/** The plan's root and every scan below it (type and index), in plan order. */
export function planSummary(plan: PlanNode): { root: string; scans: string[]; indexes: string[] } {
  const scans: string[] = [];
  const indexes: string[] = [];
  const walk = (n: PlanNode) => {
    if (/Scan/.test(n['Node Type'])) scans.push(n['Node Type']);
    if (n['Index Name']) indexes.push(n['Index Name']);
    (n.Plans ?? []).forEach(walk);
  };
  walk(plan);
  return { root: plan['Node Type'], scans, indexes };
}

/** A data source for the repositories that EXPLAINs each statement, then runs it. */
function explaining(db: pg.Pool, plans: Array<{ sql: string; plan: ReturnType<typeof planSummary> }>) {
  const query = async (sql: string, params?: unknown[]) => {
    const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (FORMAT JSON) ${sql}`,
      params,
    );
    plans.push({
      sql: sql.replace(/\s+/g, ' ').slice(0, 160),
      plan: planSummary(rows[0]['QUERY PLAN'][0].Plan),
    });
    return (await db.query(sql, params)).rows;
  };
  return { query, manager: { query } } as never;
}

interface Route {
  name: string;
  /** Requests to the app (bearer token) and to the bare server (the user as a header). */
  app: () => RequestSpec;
  bare: () => RequestSpec;
  explain: (ds: never) => Promise<unknown>;
}

export async function runP7(p: PhaseContext): Promise<Figure[]> {
  const { quick, sizes } = p.ctx.options;
  const db = p.ctx.db();
  const proposals = quick ? 20_000 : 200_000;
  const auditEntries = quick ? 500_000 : 5_000_000;
  const tplStart = performance.now();
  const templates = await createStateTemplates(p.apiClient, p.world, db);
  const templatesS = Math.round((performance.now() - tplStart) / 100) / 10;
  p.log(`P7: ${templates.length} templates through the API in ${templatesS} s; generating data in SQL`);
  const data = await generateScaleData(db, templates, proposals, auditEntries);
  p.log(`P7: generated ${JSON.stringify(data)}`);
  await p.ctx.settle();

  const { rows: unis } = await db.query<{ id: string; country: string }>(
    `SELECT id, country FROM institutions WHERE kind = 'university'`,
  );
  const countryOf = new Map(unis.map((u) => [u.id, u.country]));
  const reviewer = (i: string) => {
    const u = p.world.reviewers.get(i)!;
    const user: AuthUser = {
      id: u.id,
      institutionId: i,
      institutionKind: 'university',
      country: countryOf.get(i) ?? null,
      roles: ['reviewer'],
    };
    return { token: u.token, user, header: Buffer.from(JSON.stringify(user)).toString('base64url') };
  };
  const cuni = reviewer('cuni');
  const uhd = reviewer('uhd');
  const { rows: auditProposals } = await db.query<{ id: string }>(
    `SELECT id FROM proposals WHERE reference LIKE 'MC-2098-%'
       AND (lead_institution_id = 'cuni' OR partner_institution_ids @> ARRAY['cuni']) ORDER BY id LIMIT 1000`,
  );
  let k = 0;
  const someProposal = () => auditProposals[k++ % auditProposals.length].id;
  const adminToken = p.world.adminToken;
  const bareHeader = (r: { header: string }) => ({ 'x-bench-user': r.header });
  const get = (path: string, headers: Record<string, string>): RequestSpec => ({
    method: 'GET',
    path,
    headers,
  });
  const alliance: AuthUser = {
    id: '00000000-0000-0000-0000-000000000000',
    institutionId: '4euplus',
    institutionKind: 'alliance',
    country: null,
    roles: ['admin'],
  };
  const allianceHeader = { 'x-bench-user': Buffer.from(JSON.stringify(alliance)).toString('base64url') };

  const routes: Route[] = [
    {
      name: "GET /api/proposals (a reviewer's first page)",
      app: () => get('/api/proposals', { authorization: `Bearer ${cuni.token}` }),
      bare: () => get('/api/proposals', bareHeader(cuni)),
      explain: (ds) => new ProposalsRepository(ds).list(cuni.user, { limit: 21 }),
    },
    {
      name: 'GET /api/proposals?state=qualityReview',
      app: () => get('/api/proposals?state=qualityReview', { authorization: `Bearer ${uhd.token}` }),
      bare: () => get('/api/proposals?state=qualityReview', bareHeader(uhd)),
      explain: (ds) => new ProposalsRepository(ds).list(uhd.user, { state: 'qualityReview', limit: 21 }),
    },
    {
      name: 'GET /api/proposals?institutionId=uw',
      app: () => get('/api/proposals?institutionId=uw', { authorization: `Bearer ${cuni.token}` }),
      bare: () => get('/api/proposals?institutionId=uw', bareHeader(cuni)),
      explain: (ds) => new ProposalsRepository(ds).list(cuni.user, { institutionId: 'uw', limit: 21 }),
    },
    {
      name: "GET /api/proposals/waiting (a reviewer's inbox)",
      app: () => get('/api/proposals/waiting', { authorization: `Bearer ${cuni.token}` }),
      bare: () => get('/api/proposals/waiting', bareHeader(cuni)),
      explain: (ds) => inboxService(ds).waiting(cuni.user, {}),
    },
    {
      name: 'GET /api/me/notifications',
      app: () => get('/api/me/notifications', { authorization: `Bearer ${uhd.token}` }),
      bare: () => get('/api/me/notifications', bareHeader(uhd)),
      explain: (ds) => new NotificationsService(ds).list(uhd.user, {}),
    },
    {
      name: 'GET /api/institutions/cuni/audit?proposalId=',
      app: () =>
        get(`/api/institutions/cuni/audit?proposalId=${someProposal()}`, {
          authorization: `Bearer ${adminToken}`,
        }),
      bare: () => get(`/api/institutions/cuni/audit?proposalId=${someProposal()}`, allianceHeader),
      explain: (ds) => new AuditRepository(ds).search('cuni', { proposalId: someProposal() }, 21),
    },
    {
      name: 'GET /api/institutions/cuni/audit (newest first)',
      app: () => get('/api/institutions/cuni/audit', { authorization: `Bearer ${adminToken}` }),
      bare: () => get('/api/institutions/cuni/audit', allianceHeader),
      explain: (ds) => new AuditRepository(ds).search('cuni', {}, 21),
    },
  ];

  const plans: Record<string, Array<{ sql: string; plan: ReturnType<typeof planSummary> }>> = {};
  for (const r of routes) {
    plans[r.name] = [];
    await r.explain(explaining(db, plans[r.name]));
  }
  p.log(
    `P7 plans: ${JSON.stringify(Object.fromEntries(Object.entries(plans).map(([n, x]) => [n, x.map((y) => y.plan)])))}`,
  );

  const details: Record<string, Record<string, unknown>> = {};
  /** Per route: its req/s figure, then its latency figures (the NestJS figure goes between them). */
  const byRoute = new Map<string, { throughput: Figure; latency: Figure[]; baselineRps: number }>();
  const bare = await startBareServer(p.ctx, { MODE: 'p7', POOL_SIZE: '30' });
  try {
    for (const r of routes) {
      const best = await alternate(
        sizes.rounds,
        () =>
          measuredRun(
            p.ctx,
            `P7 app ${r.name}`,
            p.api.url,
            p.api.pid,
            r.app,
            sizes.warmupS,
            sizes.throughputS,
          ),
        () =>
          measuredRun(
            p.ctx,
            `P7 baseline ${r.name}`,
            bare.url,
            bare.pid,
            r.bare,
            sizes.warmupS,
            sizes.throughputS,
          ),
      );
      for (const [who, run] of Object.entries({ app: best.app, baseline: best.baseline }))
        if (run.result.non2xx)
          throw new Error(`P7 ${r.name} ${who} answered ${JSON.stringify(run.result.statusCodes)}`);
      await p.ctx.quiet(`P7 app fixed rate ${r.name}`);
      const appFixed = await openLoop({
        url: p.api.url,
        rate: FIXED_RATE,
        durationS: sizes.latencyS,
        next: r.app,
      });
      await p.ctx.quiet(`P7 baseline fixed rate ${r.name}`);
      const baseFixed = await openLoop({
        url: bare.url,
        rate: FIXED_RATE,
        durationS: sizes.latencyS,
        next: r.bare,
      });
      const plan = plans[r.name].map((x) => x.plan);
      details[r.name] = { ...best, appFixed, baselineFixed: baseFixed, plans: plans[r.name] };
      const planNote = `plan: ${plan.map((x) => `${x.root} → ${x.scans.join('/')} (${x.indexes.join(', ') || 'no index'})`).join('; ')}`;
      const baselineName = `bare node:http + pg @ ${FIXED_RATE}/s`;
      byRoute.set(r.name, {
        baselineRps: best.baseline.result.okPerSecond,
        throughput: figure({
          id: 'P7',
          name: r.name,
          unit: 'req/s',
          value: best.app.result.okPerSecond,
          baseline: best.baseline.result.okPerSecond,
          baselineName: 'bare node:http + pg, same SQL',
          goal: { on: 'ratio', op: '>=', target: 0.5 },
          note: planNote,
        }),
        latency: [
          figure({
            id: 'P7',
            name: `p50 @ ${FIXED_RATE}/s`,
            unit: 'ms',
            value: appFixed.latencyMs.p50,
            baseline: baseFixed.latencyMs.p50,
            baselineName,
            goal: null,
          }),
          figure({
            id: 'P7',
            name: `p99 @ ${FIXED_RATE}/s`,
            unit: 'ms',
            value: appFixed.latencyMs.p99,
            baseline: baseFixed.latencyMs.p99,
            baselineName,
            goal: { on: 'value', op: '<=', target: P99_MS, unit: 'ms' },
          }),
        ],
      });
    }
  } finally {
    await bare.stop();
  }

  // The framework alone: a bare NestJS app running the bare server's code, best of as many runs. It
  // runs once the bare server has stopped, because three pools of 30 connections at once (app, bare
  // server, NestJS) come to PostgreSQL's default limit of 100; so it is not interleaved with them.
  const floor = await startBareServer(p.ctx, { POOL_SIZE: '30' }, NEST_FLOOR);
  const figures: Figure[] = [];
  try {
    for (const r of routes) {
      let nest: MeasuredRun | undefined;
      for (let i = 0; i < sizes.rounds; i++) {
        const run = await measuredRun(
          p.ctx,
          `P7 bare NestJS ${r.name}`,
          floor.url,
          floor.pid,
          r.bare,
          sizes.warmupS,
          sizes.throughputS,
        );
        if (run.result.non2xx)
          throw new Error(`P7 ${r.name} bare NestJS answered ${JSON.stringify(run.result.statusCodes)}`);
        if (!nest || run.result.okPerSecond > nest.result.okPerSecond) nest = run;
      }
      const measured = byRoute.get(r.name)!;
      details[r.name].nest = nest;
      figures.push(
        measured.throughput,
        figure({
          id: 'P7',
          name: 'the same on a bare NestJS app',
          unit: 'req/s',
          value: nest!.result.okPerSecond,
          baseline: measured.baselineRps,
          baselineName: 'bare node:http + pg, same SQL',
          goal: null,
          note: 'the framework alone: Nest on Fastify with its defaults, running the bare server’s code, measured after the others',
        }),
        ...measured.latency,
      );
    }
  } finally {
    await floor.stop();
  }
  p.record('P7', {
    data,
    templates: templates.length,
    templatesS,
    fixedRate: FIXED_RATE,
    plans,
    routes: details,
  });
  return figures;
}
