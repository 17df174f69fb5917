import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { jest, afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { expectInvariants } from '../support/invariants.js';
import { PLANS, RobustDriver, seeded } from '../support/lifecycle-driver.js';
import { PrivateRedis, waitFor } from '../support/redis.js';
import { VALID_CONTENT } from '../support/review-scenario.js';
import { ReviewWorld } from '../support/review-world.js';
import {
  startProcess,
  startServer,
  testPool,
  WORKER,
  type RunningProcess,
  type TestServer,
} from '../support/server.js';

// Long scenarios; SOAK=1 (npm run test:soak) runs them longer still.
jest.setTimeout(process.env.SOAK === '1' ? 1_800_000 : 240_000);

// Fault injection (issue 6). Each scenario drives whole lifecycles through the API while something
// breaks, then checks the guarantees of DESIGN.md section 9 in SQL. SOAK=1 runs the long versions.
const SOAK = process.env.SOAK === '1';
const SEED = Number(process.env.FAULT_SEED ?? 20261128);
const FAST = {
  REMINDER_FIRST_AFTER_MS: '300',
  REMINDER_INTERVAL_MS: '700',
  ESCALATION_AFTER_MS: '1200',
  RECONCILE_INTERVAL_MS: '500',
  QUEUE_LOCK_MS: '1500',
  WORKER_CONCURRENCY: '4',
};
const FAULT_PRELOAD = path.join(process.cwd(), 'test', 'support', 'fault-injection.cjs');

let db: pg.Pool;
const cleanup: Array<() => Promise<unknown>> = [];
beforeAll(() => {
  db = testPool();
  db.on('error', () => undefined); // PostgreSQL restarts below drop this pool's idle connections too
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
});
afterAll(async () => {
  await db?.end();
});

async function setUp(
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<{ w: ReviewWorld; t: TestServer; redis: PrivateRedis }> {
  const redis = await PrivateRedis.start();
  cleanup.push(() => redis.down());
  const t = await startServer({ ...FAST, REDIS_URL: redis.url, ...env }, nodeArgs);
  cleanup.push(() => t.stop());
  const w = await new ReviewWorld(t).setUp([
    'cuniProposer', 'cuniAdmin', 'uhdReviewer', 'suReviewer', 'qualityOfficer', 'nauLiaison', 'gacLiaison', 'hceresLiaison', 'allianceAdmin',
  ]); // prettier-ignore
  return { w, t, redis };
}

async function driveAll(driver: RobustDriver, count: number, parallel = 3): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const plan = PLANS[next++ % PLANS.length];
        ids.push((await driver.drive(plan)).id);
      }
    }),
  );
  return ids;
}

async function settle(t: TestServer): Promise<void> {
  // Give the reconciler a pass so every owed timer is back in Redis before the check.
  await new Promise((r) => setTimeout(r, Number(FAST.RECONCILE_INTERVAL_MS) * 3));
  await waitFor('health', async () => (await t.http().get('/health')).status === 200, 30_000);
}

describe('crash: kill -9 of the API and worker processes while lifecycles run', () => {
  it('loses no committed decision, doubles none, and every lifecycle reaches its end', async () => {
    const { w, t, redis } = await setUp({ WORKER: 'off' });
    let worker: RunningProcess = startProcess(WORKER, { ...t.env });
    cleanup.push(async () => worker.child.kill('SIGKILL'));
    const random = seeded(SEED);
    const kills = { api: 0, worker: 0 };
    let stop = false;
    // Kills go on until the lifecycles are done and at least four processes died (some of them, then,
    // while the worker catches up on reminders).
    const killer = (async () => {
      while (!stop || kills.api + kills.worker < 4) {
        await new Promise((r) => setTimeout(r, 200 + random() * 700));
        if (kills.api === 0 || random() < 0.6) {
          kills.api++;
          t.proc.child.kill('SIGKILL');
          await t.proc.exited;
          await t.restart();
        } else {
          kills.worker++;
          worker.child.kill('SIGKILL');
          await worker.exited;
          worker = startProcess(WORKER, { ...t.env });
        }
      }
    })();
    const driver = new RobustDriver(w);
    const ids = await driveAll(driver, SOAK ? 45 : 12);
    stop = true;
    await killer;
    expect(driver.failures).toEqual([]);
    expect(kills.api).toBeGreaterThan(0);
    expect(kills.api + kills.worker).toBeGreaterThanOrEqual(4);
    await settle(t);
    await expectInvariants(db, {
      accepted: driver.accepted,
      proposalIds: ids,
      redis: { url: redis.url, prefix: `${t.env.REDIS_PREFIX}:bull` },
    });
  });
});

describe('PostgreSQL restarts (immediate) during lifecycles', () => {
  it('answers 503 problem+json during the outage, never 500, and every lifecycle still ends as expected', async () => {
    const { w, t, redis } = await setUp({});
    const cluster = readdirSync('/etc/postgresql').sort().pop() as string;
    let stop = false;
    let restarts = 0;
    const restarter = (async () => {
      while (!stop && restarts < (SOAK ? 6 : 2)) {
        await new Promise((r) => setTimeout(r, 1500));
        execFileSync(
          'pg_ctlcluster',
          ['--skip-systemctl-redirect', cluster, 'main', 'restart', '-m', 'immediate'],
          { stdio: 'ignore' },
        );
        restarts++;
      }
    })();
    const driver = new RobustDriver(w);
    const ids = await driveAll(driver, SOAK ? 18 : 6);
    stop = true;
    await restarter;
    expect(restarts).toBeGreaterThan(0);
    expect(driver.failures).toEqual([]);
    expect(t.proc.output()).not.toMatch(/"status":500/);
    await settle(t);
    await expectInvariants(db, {
      accepted: driver.accepted,
      proposalIds: ids,
      redis: { url: redis.url, prefix: `${t.env.REDIS_PREFIX}:bull` },
    });
  });
});

describe('Redis outage and data loss during lifecycles', () => {
  it('keeps deciding while Redis is down, and FLUSHALL loses no owed reminder', async () => {
    const { w, t, redis } = await setUp({});
    const driver = new RobustDriver(w);
    const during = (async () => {
      await new Promise((r) => setTimeout(r, 800));
      await redis.down();
      await new Promise((r) => setTimeout(r, 2000));
      await redis.up();
      await new Promise((r) => setTimeout(r, 800));
      await redis.flushall();
    })();
    const ids = await driveAll(driver, SOAK ? 18 : 6);
    await during;
    expect(driver.failures).toEqual([]);
    await settle(t);
    await expectInvariants(db, {
      accepted: driver.accepted,
      proposalIds: ids,
      redis: { url: redis.url, prefix: `${t.env.REDIS_PREFIX}:bull` },
    });
  });
});

describe('persistence faults: a seeded fraction of database statements fail', () => {
  it('keeps every transition all-or-nothing and every lifecycle on track', async () => {
    const rate = SOAK ? '0.05' : '0.03';
    const { w, t, redis } = await setUp({ FAULT_RATE: rate, FAULT_SEED: String(SEED) }, [
      '-r',
      FAULT_PRELOAD,
    ]);
    const driver = new RobustDriver(w);
    const ids = await driveAll(driver, SOAK ? 24 : 9);
    expect(driver.failures).toEqual([]);
    // The wrapper really failed statements (TypeORM logs each one).
    expect(t.proc.output()).toMatch(/injected fault #\d+: connection lost/);
    await settle(t);
    await expectInvariants(db, {
      accepted: driver.accepted,
      proposalIds: ids,
      redis: { url: redis.url, prefix: `${t.env.REDIS_PREFIX}:bull` },
    });
  });
});

describe('a COMMIT whose answer is lost', () => {
  it('creates a proposal once when the connection drops after PostgreSQL committed it', async () => {
    const { w, t } = await setUp(
      { FAULT_LOST_COMMITS: '2', FAULT_LOST_COMMIT_AFTER: '^\\s*INSERT INTO proposals' },
      ['-r', FAULT_PRELOAD],
    );
    for (const title of [`Lost commit ${SEED} a`, `Lost commit ${SEED} b`]) {
      const res = await w.t
        .http()
        .post('/api/proposals')
        .set(w.auth('cuniProposer'))
        .send({ partnerInstitutionIds: ['uhd'], content: { title } });
      expect(res.status).toBe(201);
      const rows = await db.query(`SELECT id FROM proposals WHERE content->>'title' = $1`, [title]);
      expect(rows.rows.map((r) => r.id)).toEqual([res.body.id]);
      const created = await db.query(
        `SELECT count(*)::int AS n FROM audit_entries WHERE proposal_id = $1 AND action = 'CREATE'`,
        [res.body.id],
      );
      expect(created.rows[0].n).toBe(2); // cuni's log (lead and actor) and uhd's (partner), once each
    }
    expect(t.proc.output()).toMatch(/creation had committed before its connection was lost/);
  });
});

describe('a COMMIT whose answer is lost, retried with an Idempotency-Key', () => {
  it('has exactly one effect and answers the committed 200/201 to the retry, for a creation, an edit without expectedVersion and an event', async () => {
    // Every keyed transaction starts by claiming its key. The first attempt commits the change and its
    // stored answer but is told the connection was lost; the service's own three retries find the
    // stored answer, and their COMMITs are lost too, so the client gets 503 and retries with its key.
    const { w, t } = await setUp({ FAULT_LOST_COMMITS: '12', FAULT_LOST_COMMIT_AFTER: "'idempotency:'" }, [
      '-r',
      FAULT_PRELOAD,
    ]);
    const title = `Keyed lost commit ${SEED}`;
    const draft = await w.create({ title: 'Edited once' }, ['uhd']);
    const ready = await w.create(VALID_CONTENT, ['uhd', 'su']);
    const calls = [
      {
        key: randomUUID(),
        send: (key: string) =>
          t
            .http()
            .post('/api/proposals')
            .set(w.auth('cuniProposer'))
            .set('Idempotency-Key', key)
            .send({ partnerInstitutionIds: ['uhd'], content: { title } }),
        status: 201,
      },
      {
        key: randomUUID(),
        send: (key: string) =>
          t
            .http()
            .patch(`/api/proposals/${draft.id}`)
            .set(w.auth('cuniProposer'))
            .set('Idempotency-Key', key)
            .send({ content: { summary: 'Once' } }),
        status: 200,
      },
      {
        key: randomUUID(),
        send: (key: string) =>
          t
            .http()
            .post(`/api/proposals/${ready.id}/events`)
            .set(w.auth('cuniProposer'))
            .set('Idempotency-Key', key)
            .send({ type: 'SUBMIT' }),
        status: 200,
      },
    ];
    // First attempts: committed, but the answer never arrives.
    for (const c of calls) {
      const lost = await c.send(c.key);
      expect([lost.status, lost.body.type]).toEqual([503, 'urn:microcred:problem:service-unavailable']);
    }
    // Retries with the same keys: the committed answers, byte for byte as stored with the change.
    for (const c of calls) {
      const retry = await c.send(c.key);
      expect(retry.status).toBe(c.status);
      const { rows } = await db.query(`SELECT status, body FROM idempotency_keys WHERE key = $1`, [c.key]);
      expect(rows).toEqual([{ status: c.status, body: retry.text }]);
      expect((await c.send(c.key)).text).toBe(retry.text);
    }
    const created = await db.query(`SELECT id FROM proposals WHERE content->>'title' = $1`, [title]);
    expect(created.rows).toHaveLength(1);
    const audited = async (id: string, action: string) =>
      (
        await db.query(
          `SELECT count(*)::int AS n FROM audit_entries WHERE proposal_id = $1 AND action = $2`,
          [id, action],
        )
      ).rows[0].n as number;
    expect(await audited(created.rows[0].id, 'CREATE')).toBe(2); // cuni's log and uhd's, once each
    expect(await audited(draft.id, 'EDIT')).toBe(2);
    expect(await audited(ready.id, 'SUBMIT')).toBe(3); // cuni, uhd, su
    const versions = await db.query(
      `SELECT id, version FROM proposals WHERE id = ANY ($1) ORDER BY version`,
      [[created.rows[0].id, draft.id, ready.id]],
    );
    expect(versions.rows.map((r) => r.version)).toEqual([1, 2, 2]);
    const decisions = await db.query(`SELECT count(*)::int AS n FROM decisions WHERE proposal_id = $1`, [
      ready.id,
    ]);
    expect(decisions.rows[0].n).toBe(1);
    expect(t.proc.output()).not.toMatch(/"status":500/);
  });

  it("answers at once when only the change's COMMIT answer is lost: the service's own retry replays the stored answer", async () => {
    // Lost: the COMMIT answer of the next seven transactions that write a proposal row. The unkeyed
    // creations of the set-up take three (creation finds its committed row again); then one keyed
    // creation, edit and event, each retried by the service, which finds the stored answer; last, an
    // event without a key, whose retry cannot know that it committed.
    const { w, t } = await setUp(
      { FAULT_LOST_COMMITS: '7', FAULT_LOST_COMMIT_AFTER: '^\\s*(INSERT INTO proposals|UPDATE proposals)' },
      ['-r', FAULT_PRELOAD],
    );
    const draft = await w.create({ title: 'Edited once' }, ['uhd']);
    const ready = await w.create(VALID_CONTENT, ['uhd', 'su']);
    const unkeyed = await w.create(VALID_CONTENT, ['uhd', 'su']);
    const title = `Keyed lost commit, own retry ${SEED}`;
    const stored = async (key: string) =>
      (await db.query(`SELECT status, body FROM idempotency_keys WHERE key = $1`, [key])).rows;
    const k1 = randomUUID();
    const created = await t
      .http()
      .post('/api/proposals')
      .set(w.auth('cuniProposer'))
      .set('Idempotency-Key', k1)
      .send({ partnerInstitutionIds: ['uhd'], content: { title } });
    expect(created.status).toBe(201);
    expect(await stored(k1)).toEqual([{ status: 201, body: created.text }]);
    const k2 = randomUUID();
    const edited = await t
      .http()
      .patch(`/api/proposals/${draft.id}`)
      .set(w.auth('cuniProposer'))
      .set('Idempotency-Key', k2)
      .send({ content: { summary: 'Once' } });
    expect([edited.status, edited.body.version]).toEqual([200, 2]);
    expect(await stored(k2)).toEqual([{ status: 200, body: edited.text }]);
    const k3 = randomUUID();
    const submitted = await w.send(ready.id, 'cuniProposer', 'SUBMIT').set('Idempotency-Key', k3);
    expect([submitted.status, submitted.body.state]).toEqual([200, 'partnerReview']);
    expect(await stored(k3)).toEqual([{ status: 200, body: submitted.text }]);
    // The control: without a key the same fault answers 409 for an event that did commit.
    const blind = await w.send(unkeyed.id, 'cuniProposer', 'SUBMIT');
    expect([blind.status, blind.body.type]).toEqual([409, 'urn:microcred:problem:event-not-allowed']);
    const states = await db.query(`SELECT id, state, version FROM proposals WHERE id = ANY ($1)`, [
      [draft.id, ready.id, unkeyed.id],
    ]);
    expect(Object.fromEntries(states.rows.map((r) => [r.id, [r.state, r.version]]))).toEqual({
      [draft.id]: ['draft', 2],
      [ready.id]: ['partnerReview', 2],
      [unkeyed.id]: ['partnerReview', 2],
    });
    expect((await db.query(`SELECT id FROM proposals WHERE content->>'title' = $1`, [title])).rows).toEqual([
      { id: created.body.id },
    ]);
    const decisions = await db.query(
      `SELECT proposal_id AS id, count(*)::int AS n FROM decisions WHERE proposal_id = ANY ($1) GROUP BY 1`,
      [[ready.id, unkeyed.id]],
    );
    expect(decisions.rows.map((r) => r.n)).toEqual([1, 1]);
    expect(t.proc.output()).toMatch(
      /change had committed before its connection was lost; answered from its stored response/,
    );
  });
});
