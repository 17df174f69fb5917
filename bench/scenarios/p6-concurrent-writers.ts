// P6 sixteen people editing one draft at once (PATCH with a JSON merge patch, expectedVersion
// omitted): every edit takes the proposal's row lock, so they queue. The figure is the p99 of the 16
// concurrent writers against the p99 of a single writer doing the same edits one after the other,
// and the deadlocks PostgreSQL counted meanwhile (there must be none: locks are always taken in the
// same order, proposal row first, then audit heads in institution-id order).
import type { BenchContext } from '../support/context.js';
import { DbActivitySampler } from '../support/db-activity.js';
import { closedLoop, type RequestSpec } from '../support/http-load.js';
import { validContent, type BenchUser } from '../support/fixtures.js';
import { figure, type Figure } from '../support/report.js';
import type { PhaseContext } from './phase.js';

const WRITERS = 16;

export async function runP6(p: PhaseContext): Promise<Figure[]> {
  const { sizes } = p.ctx.options;
  const writers = p.world.cuniProposers;
  if (writers.length < WRITERS) throw new Error(`P6 needs ${WRITERS} proposers of cuni`);
  const partners = ['uhd', 'su'];
  const draft = await p.apiClient.expect<{ id: string }>(201, 'POST', '/api/proposals', writers[0].token, {
    partnerInstitutionIds: partners,
    content: validContent('cuni', partners),
  });
  let n = 0;
  // Each edit changes the summary, so each one is a real change with a one-field diff in the audit log.
  const edit = (user: BenchUser): RequestSpec => ({
    method: 'PATCH',
    path: `/api/proposals/${draft.id}`,
    headers: { authorization: `Bearer ${user.token}` },
    body: JSON.stringify({ content: { summary: `Edit ${++n} by ${user.email}: a short, assessed course.` } }),
  });
  const single = () => edit(writers[0]);
  const roundRobin = () => edit(writers[n % WRITERS]);

  await closedLoop({ url: p.api.url, connections: 1, amount: 50, request: single });
  await p.ctx.quiet('P6 single writer');
  const one = await closedLoop({
    url: p.api.url,
    connections: 1,
    amount: sizes.singleWriterRequests,
    request: single,
  });
  await p.ctx.quiet('P6 concurrent writers');
  const activity = new DbActivitySampler(p.ctx.db()).start();
  const many = await closedLoop({
    url: p.api.url,
    connections: WRITERS,
    durationS: sizes.concurrentWritersS,
    request: roundRobin,
  });
  const dbActivity = activity.stop();
  const final = await p.apiClient.expect<{ version: number }>(
    200,
    'GET',
    `/api/proposals/${draft.id}`,
    writers[0].token,
  );
  p.record('P6', {
    writers: WRITERS,
    proposalId: draft.id,
    finalVersion: final.version,
    single: one,
    concurrent: many,
    dbActivity,
  });
  if (one.non2xx || many.non2xx)
    p.log(
      `P6 warning: non-2xx answers ${JSON.stringify(one.statusCodes)} ${JSON.stringify(many.statusCodes)}`,
    );
  return [
    figure({
      id: 'P6',
      name: `${WRITERS} writers on one proposal, p99`,
      unit: 'ms',
      value: many.latencyMs.p99,
      baseline: one.latencyMs.p99,
      baselineName: 'single writer p99',
      goal: { on: 'ratio', op: '<=', target: 4 },
    }),
  ];
}

export async function readDeadlocks(ctx: BenchContext): Promise<number> {
  const { rows } = await ctx
    .db()
    .query<{ deadlocks: string }>(
      `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`,
    );
  return Number(rows[0]?.deadlocks ?? 0);
}

export function deadlockFigure(before: number, after: number): Figure {
  return figure({
    id: 'P6',
    name: 'deadlocks during P6',
    unit: '',
    value: after - before,
    baseline: before,
    baselineName: 'counter before',
    ratio: null,
    goal: { on: 'value', op: '=', target: 0, unit: '' },
  });
}
