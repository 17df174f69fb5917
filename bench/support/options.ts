// Command-line options and the sizes of every phase. Quick mode keeps the shape of the full run
// (same phases, same baselines) with shorter runs and smaller data, so it stays a smoke test.

export const PHASES = ['P1', 'P2', 'P3', 'P9', 'P6', 'P4', 'P5', 'P7', 'P8'] as const;
export type Phase = (typeof PHASES)[number];

export interface Sizes {
  /** Seconds of unmeasured load before each measured closed-loop run (JIT, pools, caches). */
  warmupS: number;
  /** Seconds of each measured max-throughput run (P1, P2). */
  throughputS: number;
  /** Max-throughput runs alternate app and baseline this many times; the best of each counts. */
  rounds: number;
  /** Seconds of each fixed-rate latency run. */
  latencyS: number;
  /** Seconds of the P3 max-throughput run (app and pgbench). */
  transitionsS: number;
  /** Seconds per candidate route when P1 looks for the cheapest authenticated GET. */
  probeS: number;
  /** P6: requests of the single writer and seconds of the 16-writer run. */
  singleWriterRequests: number;
  concurrentWritersS: number;
  /** P4: proposals submitted for the drain backlog (two partner reminders each). */
  reminderBacklogProposals: number;
  /** P4: submissions per second and seconds of the commit-to-delivery latency run. */
  reminderLatencyRate: number;
  reminderLatencyS: number;
  /** P5: entries in the generated audit log. */
  auditEntries: number;
}

export interface BenchOptions {
  quick: boolean;
  /** Run only these phases (setup always runs). */
  only: Set<Phase>;
  /** Start API and worker processes with --cpu-prof and print where their time went. */
  profile: boolean;
  /** Keep the bench database and Redis keys for inspection instead of dropping them. */
  keep: boolean;
  sizes: Sizes;
}

const FULL: Sizes = {
  warmupS: 3,
  throughputS: 10,
  rounds: 2,
  latencyS: 15,
  transitionsS: 20,
  probeS: 3,
  singleWriterRequests: 400,
  concurrentWritersS: 15,
  reminderBacklogProposals: 2500,
  reminderLatencyRate: 10,
  reminderLatencyS: 20,
  auditEntries: 1_000_000,
};

const QUICK: Sizes = {
  warmupS: 1,
  throughputS: 4,
  rounds: 1,
  latencyS: 4,
  transitionsS: 5,
  probeS: 1,
  singleWriterRequests: 100,
  concurrentWritersS: 4,
  reminderBacklogProposals: 400,
  reminderLatencyRate: 10,
  reminderLatencyS: 5,
  auditEntries: 100_000,
};

export const USAGE = `npm run bench -- [--quick] [--only P1,P3] [--profile] [--keep]
  --quick     smoke run: shorter runs, 100,000 audit entries instead of 1,000,000 (P5) and
              20,000 proposals / 500,000 audit entries instead of 200,000 / 5,000,000 (P7)
  --only      run only these phases (${PHASES.join(', ')}); setup always runs
  --profile   start the API/worker with --cpu-prof; print the hottest functions (skews the figures)
  --keep      keep the bench database and Redis keys afterwards (for EXPLAIN ANALYZE and the like)`;

export function parseOptions(argv: string[]): BenchOptions {
  let quick = false;
  let profile = false;
  let keep = false;
  let only = new Set<Phase>(PHASES);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--profile') profile = true;
    else if (arg === '--keep') keep = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      const wanted = (list ?? '').split(',').map((s) => s.trim().toUpperCase());
      const unknown = wanted.filter((p) => !(PHASES as readonly string[]).includes(p));
      if (unknown.length || wanted.length === 0)
        throw new Error(`--only: unknown phase ${unknown.join(', ')}`);
      only = new Set(wanted as Phase[]);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return { quick, only, profile, keep, sizes: quick ? QUICK : FULL };
}
