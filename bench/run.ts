// npm run bench [-- --quick] : starts the service on a fresh database, loads it on loopback, and prints
// each figure beside a baseline measured in this same run on this same machine (see bench/README.md).
import os from 'node:os';
import path from 'node:path';
import { runP1 } from './scenarios/p1-framework-tax.js';
import { runP2 } from './scenarios/p2-proposal-read.js';
import { runP3 } from './scenarios/p3-transitions.js';
import { runP4 } from './scenarios/p4-reminders.js';
import { runP5 } from './scenarios/p5-audit.js';
import { runP6, deadlockFigure, readDeadlocks } from './scenarios/p6-concurrent-writers.js';
import { runP8 } from './scenarios/p8-catalogue.js';
import { runP7 } from './scenarios/p7-queries-at-scale.js';
import { runP9 } from './scenarios/p9-credentials.js';
import type { PhaseContext } from './scenarios/phase.js';
import { ApiClient } from './support/api-client.js';
import { BenchContext, RESULTS_DIR } from './support/context.js';
import { createTemplates, createWorld } from './support/fixtures.js';
import { parseOptions, type Phase } from './support/options.js';
import { killAllNow, memoryOf, stopAll } from './support/processes.js';
import { summarizeProfiles } from './support/profile.js';
import { renderTable, writeResults, type Figure } from './support/report.js';
import { machineInfo } from './support/machine.js';

const wallStart = performance.now();
const log = (line: string) =>
  process.stderr.write(
    `[bench ${((performance.now() - wallStart) / 1000).toFixed(1).padStart(6)}s] ${line}\n`,
  );

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const ctx = new BenchContext(options, log);
  const want = (phase: Phase) => options.only.has(phase);
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const record = (key: string, data: unknown) => (details[key] = data);
  const restarts: Phase[] = [];
  // A phase that fails is reported and the others still run (a shared machine has bad moments).
  const failures: Record<string, string> = {};
  const describe = (e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e));

  // Whatever happens (error, Ctrl-C), child processes stop and the database goes.
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log('interrupted: stopping processes and dropping the bench database');
    void stopAll()
      .then(() => ctx.cleanUp())
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAllNow);

  log(`${options.quick ? 'quick' : 'full'} run, database ${ctx.dbName}, Redis prefix ${ctx.redisPrefix}`);
  const machine = await machineInfo(ctx);
  if (machine.loadAverage1m > 0.5)
    log(
      `load average ${machine.loadAverage1m} at start (earlier work included); the bench waits for quiet before each run`,
    );
  try {
    const api = await ctx.startApi('api');
    const apiClient = new ApiClient(api.url);
    log(`API up at ${api.url} (pid ${api.pid}); creating users and template proposals`);
    const world = await createWorld(apiClient, want('P6') ? 16 : 0);
    const reviewTemplates = await createTemplates(apiClient, world, 'partnerReview');
    const idleRss = memoryOf(api.pid)?.rssMiB ?? null;
    const p: PhaseContext = { ctx, api, apiClient, world, reviewTemplates, log, record };

    // Each phase, with a check that nobody restarted the shared PostgreSQL server meanwhile.
    const phase = async (name: Phase, run: () => Promise<Figure[]>) => {
      if (!want(name)) return;
      log(`${name} …`);
      const before = await ctx.postgresStartedAt();
      let got: Figure[];
      try {
        got = await run();
      } catch (e) {
        failures[name] = describe(e);
        log(`${name} failed: ${describe(e)}`);
        return;
      }
      if ((await ctx.postgresStartedAt()) !== before) {
        log(
          `WARNING: PostgreSQL was restarted during ${name} (not by this bench); its figures are unreliable`,
        );
        restarts.push(name);
        for (const f of got)
          f.note = `${f.note ? `${f.note}; ` : ''}PostgreSQL restarted during this phase: rerun`;
      }
      figures.push(...got);
    };
    await phase('P1', () => runP1(p));
    await phase('P2', () => runP2(p));
    await phase('P3', () => runP3(p, idleRss));
    await phase('P9', () => runP9(p));
    await phase('P6', async () => {
      const before = await readDeadlocks(ctx);
      const got = await runP6(p);
      // Backends flush their statistics when they exit: stop the API before reading the counter.
      await api.stop();
      return [...got, deadlockFigure(before, await readDeadlocks(ctx))];
    });
    await api.stop();
    await phase('P4', () => runP4(p));
    await phase('P5', () => runP5(p));
    await phase('P7', async () => {
      // A fresh API (the main one is stopped after P6), default configuration, worker in-process.
      const api7 = await ctx.startApi('api-p7');
      try {
        return await runP7({ ...p, api: api7, apiClient: new ApiClient(api7.url) });
      } finally {
        await api7.stop();
      }
    });
    await phase('P8', () => runP8(p));
  } catch (e) {
    failures.setUp = describe(e);
    log(`failed: ${describe(e)}`);
  } finally {
    await stopAll();
    await ctx.cleanUp().catch((e: unknown) => log(`clean-up failed: ${String(e)}`));
  }

  const wallClockS = Math.round((performance.now() - wallStart) / 100) / 10;
  const table = renderTable(figures);
  process.stdout.write(
    `\n${table}\n\nwall clock ${wallClockS} s (${options.quick ? 'quick' : 'full'} run)\n`,
  );
  const profiles = options.profile ? summarizeProfiles(ctx.profileDir) : undefined;
  if (profiles) process.stdout.write(`\n${profiles.text}\n`);
  const file = path.join(RESULTS_DIR, 'latest.json');
  writeResults(file, {
    mode: options.quick ? 'quick' : 'full',
    phases: [...options.only],
    startedAt: ctx.startedAt.toISOString(),
    wallClockS,
    machine: { ...machine, cpus: os.cpus().length },
    failures,
    quietWaits: ctx.quietWaits,
    postgresRestartedDuring: restarts,
    figures,
    details,
    profiles: profiles?.data,
  });
  process.stdout.write(`results: ${path.relative(process.cwd(), file)}\n`);
  const failed = Object.keys(failures);
  if (failed.length)
    process.stdout.write(`FAILED: ${failed.join(', ')} (see the log above and latest.json)\n`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
