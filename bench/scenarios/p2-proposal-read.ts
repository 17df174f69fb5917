// P2 GET /api/proposals/:id against a bare node:http + pg server running the app's own SQL (the
// proposal row, then the pending reminder times). What the app adds: the framework (P1's tax), JWT
// and visibility checks, restoring the machine snapshot to compute pending parties and the caller's
// available events, and the DTO. Latency is measured open-loop at half the app's max rate; the
// baseline runs at the same absolute rate.
import { alternate, CONNECTIONS, measuredRun } from '../support/compare.js';
import { cloneProposals } from '../support/fixtures.js';
import { openLoop, type RequestSpec } from '../support/http-load.js';
import { figure, type Figure } from '../support/report.js';
import { startBareServer, type PhaseContext } from './phase.js';

const PROPOSALS = 2000;

export async function runP2(p: PhaseContext): Promise<Figure[]> {
  const { sizes } = p.ctx.options;
  const clones = await cloneProposals(p.ctx.db(), p.reviewTemplates, PROPOSALS);
  await p.ctx.settle();
  // A partner's reviewer reads proposals it is involved in: visibility holds, availableEvents computed.
  const requests: RequestSpec[] = clones.map((c) => ({
    method: 'GET',
    path: `/api/proposals/${c.id}`,
    headers: { authorization: `Bearer ${p.world.reviewers.get(c.triple.partners[0])!.token}` },
  }));
  let i = 0;
  const next = () => requests[i++ % requests.length];

  const bare = await startBareServer(p.ctx, { MODE: 'proposal', POOL_SIZE: '30' });
  try {
    const best = await alternate(
      sizes.rounds,
      () => measuredRun(p.ctx, 'P2 app', p.api.url, p.api.pid, next, sizes.warmupS, sizes.throughputS),
      () => measuredRun(p.ctx, 'P2 baseline', bare.url, bare.pid, next, sizes.warmupS, sizes.throughputS),
    );
    for (const [who, run] of Object.entries({ app: best.app, baseline: best.baseline }))
      if (run.result.non2xx) throw new Error(`P2 ${who} answered ${JSON.stringify(run.result.statusCodes)}`);
    const halfRate = Math.max(1, Math.round(best.app.result.okPerSecond / 2));
    await p.ctx.quiet('P2 app half rate');
    const appHalf = await openLoop({ url: p.api.url, rate: halfRate, durationS: sizes.latencyS, next });
    await p.ctx.quiet('P2 baseline half rate');
    const baseHalf = await openLoop({ url: bare.url, rate: halfRate, durationS: sizes.latencyS, next });
    p.record('P2', {
      connections: CONNECTIONS,
      proposals: PROPOSALS,
      halfRate,
      ...best,
      appHalf,
      baselineHalf: baseHalf,
    });
    const baselineName = `bare node:http + pg @ ${halfRate}/s`;
    return [
      figure({
        id: 'P2',
        name: 'GET /api/proposals/:id',
        unit: 'req/s',
        value: best.app.result.okPerSecond,
        baseline: best.baseline.result.okPerSecond,
        baselineName: 'bare node:http + pg, same SQL',
        goal: { on: 'ratio', op: '>=', target: 0.5 },
      }),
      figure({
        id: 'P2',
        name: `p50 @ half max (${halfRate}/s)`,
        unit: 'ms',
        value: appHalf.latencyMs.p50,
        baseline: baseHalf.latencyMs.p50,
        baselineName,
        goal: null,
      }),
      figure({
        id: 'P2',
        name: `p99 @ half max (${halfRate}/s)`,
        unit: 'ms',
        value: appHalf.latencyMs.p99,
        baseline: baseHalf.latencyMs.p99,
        baselineName,
        goal: null,
      }),
    ];
  } finally {
    await bare.stop();
  }
}
