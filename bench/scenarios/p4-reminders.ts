// P4 the reminder pipeline: committed reminder_schedule row → BullMQ job → worker → notification,
// audit entry and next reminder written. Reminders are made due at once (REMINDER_FIRST_AFTER_MS=1):
//  - drain: an API process without worker submits a backlog of proposals (each SUBMIT owes two partner
//    reminders and hands their jobs to Redis after commit); then a worker process starts and the rate
//    is read from the rows' delivered_at (first to last delivery, database clock);
//  - latency: with the worker running, SUBMITs arrive at a steady mean rate (open loop); each reminder's created_at (the
//    submitting transaction) to delivered_at (the delivering transaction) is its commit-to-delivery time.
// Baseline: raw BullMQ on the same Redis, same job options and worker settings, a no-op processor:
// drain rate of an equal backlog, and add-to-completion latency at the same job rate.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { JOB_DEFAULTS } from '../../src/queue/queue.constants.js';
import { ApiClient } from '../support/api-client.js';
import { DbActivitySampler } from '../support/db-activity.js';
import { cloneProposals, createTemplates, type Clone } from '../support/fixtures.js';
import { closedLoop, openLoop, type RequestSpec } from '../support/http-load.js';
import { UsageSampler } from '../support/processes.js';
import { figure, type Figure } from '../support/report.js';
import { sleep, summarize } from '../support/stats.js';
import type { PhaseContext } from './phase.js';

/** The service's defaults (WORKER_CONCURRENCY, QUEUE_LOCK_MS), used by the app's worker and the baseline. */
const CONCURRENCY = 8;
const LOCK_MS = 30_000;

export async function runP4(p: PhaseContext): Promise<Figure[]> {
  const { sizes } = p.ctx.options;
  const db = p.ctx.db();
  const env = {
    REMINDER_FIRST_AFTER_MS: '1',
    // Later reminders and escalations stay out of the measurement.
    REMINDER_INTERVAL_MS: String(24 * 3600 * 1000),
    WORKER_CONCURRENCY: String(CONCURRENCY),
    QUEUE_LOCK_MS: String(LOCK_MS),
  };
  const api = await p.ctx.startApi('api-p4', { ...env, WORKER: 'off' });
  const client = new ApiClient(api.url);
  const templates = await createTemplates(client, p.world, 'draft');
  const submit = (c: Clone): RequestSpec => ({
    method: 'POST',
    path: `/api/proposals/${c.id}/events`,
    headers: { authorization: `Bearer ${p.world.proposers.get(c.triple.lead)!.token}` },
    body: '{"type":"SUBMIT"}',
  });
  const owed = async (ids: string[]) =>
    (
      await db.query<{ n: string; delivered: string }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE status = 'delivered') AS delivered FROM reminder_schedule
         WHERE proposal_id = ANY ($1::uuid[]) AND kind = 'reminder' AND attempt = 1`,
        [ids],
      )
    ).rows[0];
  const waitDelivered = async (ids: string[], timeoutS: number) => {
    const deadline = Date.now() + timeoutS * 1000;
    for (;;) {
      const { n, delivered } = await owed(ids);
      if (Number(delivered) >= Number(n)) return Number(n);
      if (Date.now() > deadline)
        throw new Error(`P4: ${delivered} of ${n} reminders delivered after ${timeoutS} s`);
      await sleep(100);
    }
  };

  let worker: Awaited<ReturnType<typeof p.ctx.startWorker>> | undefined;
  let drain: { reminders: number; seconds: number; rate: number; notifications: number };
  let latency: { submitted: Awaited<ReturnType<typeof openLoop>>; ms: ReturnType<typeof summarize> };
  let workerUsage: ReturnType<UsageSampler['stop']>;
  let dbActivity: ReturnType<DbActivitySampler['stop']>;
  try {
    // The backlog: every SUBMIT commits two immediately due reminder rows and queues their jobs.
    const backlog = await cloneProposals(db, templates, sizes.reminderBacklogProposals);
    let b = 0;
    const submitted = await closedLoop({
      url: api.url,
      connections: 16,
      amount: backlog.length,
      request: () => submit(backlog[b++]),
    });
    if (submitted.non2xx) throw new Error(`P4 SUBMIT answered ${JSON.stringify(submitted.statusCodes)}`);
    const backlogIds = backlog.map((c) => c.id);

    await p.ctx.quiet('P4 drain');
    worker = await p.ctx.startWorker('worker-p4', env);
    const sampler = new UsageSampler({ worker: worker.pid }).start();
    const activity = new DbActivitySampler(db).start();
    const reminders = await waitDelivered(backlogIds, 600);
    workerUsage = sampler.stop();
    dbActivity = activity.stop();
    const { rows } = await db.query<{ seconds: number; notifications: string }>(
      `SELECT extract(epoch FROM max(r.delivered_at) - min(r.delivered_at))::float8 AS seconds,
         (SELECT count(*) FROM notifications n WHERE n.proposal_id = ANY ($1::uuid[])) AS notifications
       FROM reminder_schedule r WHERE r.proposal_id = ANY ($1::uuid[]) AND r.kind = 'reminder' AND r.attempt = 1`,
      [backlogIds],
    );
    const seconds = Math.max(rows[0].seconds, 0.001);
    drain = {
      reminders,
      seconds,
      rate: (reminders - 1) / seconds,
      notifications: Number(rows[0].notifications),
    };

    // Commit-to-delivery at a steady pace, worker idle in between.
    const paced = await cloneProposals(
      db,
      templates,
      Math.ceil(sizes.reminderLatencyRate * sizes.reminderLatencyS) + 1,
    );
    let k = 0;
    await p.ctx.quiet('P4 latency');
    const run = await openLoop({
      url: api.url,
      rate: sizes.reminderLatencyRate,
      durationS: sizes.reminderLatencyS,
      // Timed from the database's own timestamps, every submission counts: no warm-up to leave out.
      warmupS: 0,
      next: () => (k < paced.length ? submit(paced[k++]) : null),
    });
    const pacedIds = paced.slice(0, k).map((c) => c.id);
    await waitDelivered(pacedIds, 120);
    const lat = await db.query<{ ms: number }>(
      `SELECT extract(epoch FROM delivered_at - created_at)::float8 * 1000 AS ms FROM reminder_schedule
       WHERE proposal_id = ANY ($1::uuid[]) AND kind = 'reminder' AND attempt = 1`,
      [pacedIds],
    );
    latency = { submitted: run, ms: summarize(lat.rows.map((r) => r.ms)) };
  } finally {
    await worker?.stop();
    await api.stop();
  }

  await p.ctx.quiet('P4 baseline');
  const baseline = await rawBullmq(p, drain.reminders, 2 * sizes.reminderLatencyRate, sizes.reminderLatencyS);
  p.record('P4', { concurrency: CONCURRENCY, drain, workerUsage, dbActivity, latency, baseline });
  return [
    figure({
      id: 'P4',
      name: 'reminder drain (row → notification)',
      unit: 'jobs/s',
      value: drain.rate,
      baseline: baseline.drainRate,
      baselineName: `raw BullMQ add + no-op worker, concurrency ${CONCURRENCY}`,
      goal: { on: 'ratio', op: '>=', target: 0.5 },
    }),
    figure({
      id: 'P4',
      name: `commit-to-delivery p99 @ ${2 * sizes.reminderLatencyRate} reminders/s`,
      unit: 'ms',
      value: latency.ms.p99,
      baseline: baseline.latencyMs.p99,
      baselineName: 'raw BullMQ add-to-done p99',
      goal: { on: 'value', op: '<=', target: 1000, unit: 'ms' },
    }),
  ];
}

/** BullMQ alone: same Redis, same job options, the app's worker settings, a processor that does nothing. */
async function rawBullmq(
  p: PhaseContext,
  jobs: number,
  rate: number,
  seconds: number,
): Promise<{ drainRate: number; drainSeconds: number; latencyMs: ReturnType<typeof summarize> }> {
  const connection = { url: p.ctx.redisUrl, maxRetriesPerRequest: null };
  const prefix = `${p.ctx.redisPrefix}:raw`;
  const queue = new Queue('reminders', { connection, prefix });
  const now = () => performance.timeOrigin + performance.now();
  const done: number[] = [];
  const latencies: number[] = [];
  let worker: Worker | undefined;
  try {
    for (let i = 0; i < jobs; i += 1000) {
      await queue.addBulk(
        Array.from({ length: Math.min(1000, jobs - i) }, () => {
          const id = randomUUID();
          return { name: 'deliver', data: { scheduleId: id }, opts: { ...JOB_DEFAULTS, jobId: `rem-${id}` } };
        }),
      );
    }
    worker = new Worker('reminders', async () => undefined, {
      connection,
      prefix,
      concurrency: CONCURRENCY,
      lockDuration: LOCK_MS,
      stalledInterval: LOCK_MS / 2,
      maxStalledCount: 1000,
    });
    worker.on('completed', (job) => {
      const t = now();
      if (typeof job.data.sentAt === 'number') latencies.push(t - job.data.sentAt);
      else done.push(t);
    });
    while (done.length < jobs) await sleep(20);
    const drainSeconds = (done[done.length - 1] - done[0]) / 1000;

    // Paced adds (one job at a time, like the API's after-commit hand-over), timed add-to-completion.
    const total = Math.round(rate * seconds);
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      const id = randomUUID();
      // Timed from the intended add time, so a late add counts against the baseline, as in an open loop.
      const sentAt = performance.timeOrigin + start + (i * 1000) / rate;
      void queue.add('deliver', { scheduleId: id, sentAt }, { ...JOB_DEFAULTS, jobId: `rem-${id}` });
    }
    const deadline = Date.now() + 30_000;
    while (latencies.length < total && Date.now() < deadline) await sleep(20);
    return { drainRate: (jobs - 1) / drainSeconds, drainSeconds, latencyMs: summarize(latencies) };
  } finally {
    await worker?.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
