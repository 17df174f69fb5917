import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { waitFor } from '../support/redis.js';
import { ReviewWorld } from '../support/review-world.js';
import {
  freePort,
  startProcess,
  startServer,
  testPool,
  waitForHttp,
  WORKER,
  type RunningProcess,
  type TestServer,
} from '../support/server.js';

const exec = promisify(execFile);

/** The samples of a Prometheus text exposition: one per series, labels as a record. */
function parseMetrics(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

type Samples = ReturnType<typeof parseMetrics>;

/** Sum over the series of `name` whose labels include `labels`; undefined when there is none. */
function value(samples: Samples, name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return hits.length ? hits.reduce((sum, s) => sum + s.value, 0) : undefined;
}

async function scrape(port: number): Promise<Samples> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseMetrics(await res.text());
}

describe('Prometheus metrics on their own port', () => {
  let t: TestServer;
  let w: ReviewWorld;
  let db: pg.Pool;
  let apiMetrics: number;
  let workerMetrics: number;
  let worker: RunningProcess | undefined;
  let proposalId: string | undefined;

  beforeAll(async () => {
    apiMetrics = await freePort();
    workerMetrics = await freePort();
    // The API runs no worker, so the reminder owed after the first decision stays overdue until the
    // worker process of the last test starts.
    t = await startServer({
      WORKER: 'off',
      METRICS_PORT: String(apiMetrics),
      REMINDER_FIRST_AFTER_MS: '300',
      REMINDER_INTERVAL_MS: '600000',
      ESCALATION_AFTER_MS: '600000',
    });
    w = await new ReviewWorld(t).setUp(['cuniProposer', 'uhdReviewer', 'suReviewer']);
    db = testPool();
  });

  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    // Other suites share the database: leave no reminder of ours owed.
    if (proposalId)
      await db.query(
        `UPDATE reminder_schedule SET status = 'cancelled' WHERE status = 'pending' AND proposal_id = $1`,
        [proposalId],
      );
    await db?.end();
    await t?.stop();
  });

  it('counts requests per route template, transitions per event and audit appends after they commit', async () => {
    const before = await scrape(apiMetrics);
    const p = await w.create();
    proposalId = p.id;
    for (let i = 0; i < 3; i++) expect((await w.get(p.id)).status).toBe(200);
    expect((await t.http().get('/api/me')).status).toBe(401);
    expect((await t.http().get('/api/no/such/route')).status).toBe(404);
    await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    await w.ok(p.id, 'uhdReviewer', 'PARTNER_APPROVE');
    // A refused event commits nothing and counts no transition.
    expect((await w.send(p.id, 'uhdReviewer', 'PARTNER_APPROVE')).status).toBe(409);
    const after = await scrape(apiMetrics);

    const moved = (name: string, labels: Record<string, string>) =>
      (value(after, name, labels) ?? 0) - (value(before, name, labels) ?? 0);
    const requests = (method: string, route: string, status: string) =>
      moved('http_request_duration_seconds_count', { method, route, status_code: status });
    expect(requests('GET', '/api/proposals/:id', '200')).toBe(3);
    expect(requests('POST', '/api/proposals', '201')).toBe(1);
    expect(requests('POST', '/api/proposals/:id/events', '200')).toBe(2);
    expect(requests('POST', '/api/proposals/:id/events', '409')).toBe(1);
    expect(requests('GET', '/api/me', '401')).toBe(1);
    expect(requests('GET', '(unmatched)', '404')).toBe(1);
    const routes = new Set(
      after.filter((s) => s.name === 'http_request_duration_seconds_count').map((s) => s.labels.route),
    );
    // Route templates only: no series per proposal id.
    for (const route of routes) expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
    expect(
      value(after, 'http_request_duration_seconds_bucket', { route: '/api/proposals/:id', le: '+Inf' }),
    ).toBe(value(after, 'http_request_duration_seconds_count', { route: '/api/proposals/:id' }));

    const transitions = (event: string, from: string, to: string) =>
      moved('microcred_workflow_transitions_total', { event, from_state: from, to_state: to });
    expect(transitions('SUBMIT', 'draft', 'partnerReview')).toBe(1);
    expect(transitions('PARTNER_APPROVE', 'partnerReview', 'partnerReview')).toBe(1);
    expect(moved('microcred_workflow_transitions_total', {})).toBe(2);
    // One entry in each involved log: the lead (cuni) and the partners (uhd, su).
    expect(moved('microcred_audit_entries_appended_total', { action: 'CREATE' })).toBe(3);
    expect(moved('microcred_audit_entries_appended_total', { action: 'SUBMIT' })).toBe(3);
    expect(moved('microcred_audit_entries_appended_total', { action: 'PARTNER_APPROVE' })).toBe(3);
    expect(
      value(after, 'microcred_audit_entries_appended_total', { action: 'USER_CREATE' }),
    ).toBeGreaterThanOrEqual(3);

    expect(value(after, 'process_cpu_seconds_total', { process_role: 'api' })).toBeGreaterThan(0);
    expect(value(after, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('reads queue depth and reminder lag at scrape time', async () => {
    // SU is still pending after UHD approved: its first reminder falls due 300 ms later, and no worker runs.
    const samples = await waitFor('an overdue reminder', async () => {
      const s = await scrape(apiMetrics);
      return (value(s, 'microcred_reminders_overdue') ?? 0) >= 1 ? s : undefined;
    });
    expect(value(samples, 'microcred_reminder_lag_seconds')).toBeGreaterThan(0);
    for (const queue of ['reminders', 'email', 'outbox'])
      for (const state of ['waiting', 'delayed', 'active', 'failed', 'completed'])
        expect([queue, state, value(samples, 'microcred_queue_jobs', { queue, state })]).toEqual([
          queue,
          state,
          expect.any(Number),
        ]);
    const owed =
      (value(samples, 'microcred_queue_jobs', { queue: 'reminders', state: 'delayed' }) ?? 0) +
      (value(samples, 'microcred_queue_jobs', { queue: 'reminders', state: 'waiting' }) ?? 0);
    expect(owed).toBeGreaterThanOrEqual(1);
  });

  it('is not served on the public port', async () => {
    const res = await t.http().get('/metrics');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.text).not.toContain('http_request_duration_seconds');
  });

  it('serves the worker process its own metrics, with the reminders it delivered', async () => {
    worker = startProcess(WORKER, { ...t.env, METRICS_PORT: String(workerMetrics) });
    await waitForHttp(`http://127.0.0.1:${workerMetrics}/metrics`, worker, 30_000, [200]);
    const samples = await waitFor(
      'the worker to deliver the overdue reminder',
      async () => {
        const s = await scrape(workerMetrics);
        return (value(s, 'microcred_audit_entries_appended_total', { action: 'REMINDER' }) ?? 0) >= 1
          ? s
          : undefined;
      },
      20_000,
      200,
    );
    expect(value(samples, 'process_cpu_seconds_total', { process_role: 'worker' })).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'microcred_queue_jobs')).toBe(true);
    // The worker serves no API: only its metrics listener answers, and nothing else there.
    expect((await fetch(`http://127.0.0.1:${workerMetrics}/api/me`)).status).toBe(404);
  });
});

describe('the OpenAPI document', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('generated without PostgreSQL or Redis (npm run openapi) is the one the running service serves', async () => {
    const { stdout } = await exec(process.execPath, ['scripts/openapi.js', '--stdout'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        REDIS_URL: 'redis://127.0.0.1:1',
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    const served = await t.http().get('/api/docs-json');
    expect(served.status).toBe(200);
    expect(JSON.parse(stdout)).toEqual(served.body);
  });
});
