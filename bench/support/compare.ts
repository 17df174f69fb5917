// Throughput comparisons of the app and a baseline server under the same closed-loop load.
import type { BenchContext } from './context.js';
import { closedLoop, type LoadResult, type RequestSpec } from './http-load.js';
import { UsageSampler, type UsageReport } from './processes.js';

/** autocannon connections of the P1 and P2 throughput runs (app and baseline alike). */
export const CONNECTIONS = 32;

export interface MeasuredRun {
  result: LoadResult;
  usage: UsageReport;
}

/** Warm-up, then (once the machine is quiet) a measured closed-loop run with CPU and RSS sampled. */
export async function measuredRun(
  ctx: BenchContext,
  label: string,
  url: string,
  pid: number,
  request: RequestSpec | (() => RequestSpec),
  warmupS: number,
  seconds: number,
): Promise<MeasuredRun> {
  await closedLoop({ url, connections: CONNECTIONS, durationS: warmupS, request });
  await ctx.quiet(label);
  const sampler = new UsageSampler({ server: pid }).start();
  const result = await closedLoop({ url, connections: CONNECTIONS, durationS: seconds, request });
  return { result, usage: sampler.stop() };
}

/** App and baseline alternate `rounds` times (noise only ever lowers throughput: the best run counts). */
export async function alternate(
  rounds: number,
  app: () => Promise<MeasuredRun>,
  baseline: () => Promise<MeasuredRun>,
): Promise<{ app: MeasuredRun; baseline: MeasuredRun; runs: Array<{ app: number; baseline: number }> }> {
  const runs: Array<{ app: MeasuredRun; baseline: MeasuredRun }> = [];
  for (let r = 0; r < rounds; r++) runs.push({ app: await app(), baseline: await baseline() });
  const best = (k: 'app' | 'baseline') =>
    runs.map((x) => x[k]).sort((a, b) => b.result.okPerSecond - a.result.okPerSecond)[0];
  return {
    app: best('app'),
    baseline: best('baseline'),
    runs: runs.map((x) => ({
      app: Math.round(x.app.result.okPerSecond),
      baseline: Math.round(x.baseline.result.okPerSecond),
    })),
  };
}
