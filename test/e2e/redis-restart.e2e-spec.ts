import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type pg from 'pg';
import { PrivateRedis, waitFor } from '../support/redis.js';
import { VALID_CONTENT } from '../support/review-scenario.js';
import { ReviewWorld } from '../support/review-world.js';
import { startServer, testPool } from '../support/server.js';

/** The periodic pass is 10 minutes away throughout: only a pass on reconnect can bring jobs back. */
const TEN_MINUTES = '600000';
const ENV = {
  REMINDER_INTERVAL_MS: TEN_MINUTES,
  ESCALATION_AFTER_MS: TEN_MINUTES,
  RECONCILE_INTERVAL_MS: TEN_MINUTES,
  QUEUE_LOCK_MS: '1500',
};
const { revenueShares: _unused, ...CONTENT } = VALID_CONTENT;

let db: pg.Pool;
const cleanup: Array<() => Promise<unknown>> = [];
beforeAll(() => {
  db = testPool();
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
  // Test isolation: later tests' servers must not go on reminding these parties.
  await db.query(`UPDATE reminder_schedule SET status = 'cancelled' WHERE status = 'pending'`);
});
afterAll(async () => {
  await db?.end();
});

async function world(redis: PrivateRedis, env: Record<string, string>): Promise<ReviewWorld> {
  const t = await startServer({ ...ENV, ...env, REDIS_URL: redis.url });
  cleanup.push(() => t.stop());
  return new ReviewWorld(t).setUp(['cuniProposer', 'uhdReviewer']);
}

function remindersQueue(w: ReviewWorld): Queue {
  const queue = new Queue('reminders', {
    connection: { url: w.t.env.REDIS_URL },
    prefix: `${w.t.env.REDIS_PREFIX}:bull`,
  });
  queue.on('error', () => undefined); // the restart below resets its connection
  cleanup.push(() => queue.close());
  return queue;
}

async function uhdNotifications(w: ReviewWorld, proposalId: string): Promise<number> {
  const res = await w.t.http().get('/api/me/notifications?limit=100').set(w.auth('uhdReviewer'));
  expect(res.status).toBe(200);
  return (res.body.items as Array<{ proposalId: string }>).filter((n) => n.proposalId === proposalId).length;
}

async function rowsOf(proposalId: string) {
  const { rows } = await db.query<{ id: string; status: string; lastError: string | null; attempt: number }>(
    `SELECT id, status, last_error AS "lastError", attempt FROM reminder_schedule
     WHERE proposal_id = $1 AND kind = 'reminder' ORDER BY attempt`,
    [proposalId],
  );
  return rows;
}

/** Stops the test's Redis and starts it again without data, as a restart without persistence does. */
async function restartEmpty(redis: PrivateRedis): Promise<number> {
  await redis.down();
  await redis.up();
  return Date.now();
}

describe('Redis restarting without its data', () => {
  it('reminds the pending party within seconds, long before the next periodic reconcile pass', async () => {
    const redis = await PrivateRedis.start();
    cleanup.push(() => redis.down());
    const w = await world(redis, { REMINDER_FIRST_AFTER_MS: '5000' });
    const p = await w.create(CONTENT, ['uhd']);
    await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    const [row] = await rowsOf(p.id);
    const queue = remindersQueue(w);
    await waitFor('the timer in Redis', async () => (await queue.getJob(`rem-${row.id}`)) !== undefined);

    const restartedAt = await restartEmpty(redis);
    await waitFor(
      'uhd reminded after the restart',
      async () => (await uhdNotifications(w, p.id)) === 1,
      30_000,
    );
    const tookMs = Date.now() - restartedAt;
    // Owed 5 s after the submission; without a pass on reconnect it would wait for the 10-minute one.
    expect(tookMs).toBeLessThan(30_000);
    expect((await rowsOf(p.id))[0].status).toBe('delivered');
  });

  it('does not revive a reminder that failed for good, while owed ones come back', async () => {
    const redis = await PrivateRedis.start();
    cleanup.push(() => redis.down());
    const w = await world(redis, { REMINDER_FIRST_AFTER_MS: '2500' });
    const broken = await w.create(CONTENT, ['uhd']);
    const owed = await w.create(CONTENT, ['uhd']);
    await w.ok(broken.id, 'cuniProposer', 'SUBMIT');
    // A stored snapshot its machine cannot restore (a state it does not have): no retry can help.
    // (An unknown machine version is not "failed for good": those reminders are held until a release
    // with the version runs; see workflow-rollback.e2e-spec.ts.)
    await db.query(
      `UPDATE proposals SET snapshot = jsonb_set(snapshot, '{value}', '"noSuchState"') WHERE id = $1`,
      [broken.id],
    );
    const [failed] = await waitFor(
      'the broken reminder recorded as failed',
      async () => {
        const rows = await rowsOf(broken.id);
        return rows[0]?.status === 'failed' && rows;
      },
      20_000,
    );
    expect(failed.lastError).toMatch(/noSuchState/);
    await w.ok(owed.id, 'cuniProposer', 'SUBMIT');
    const [owedRow] = await rowsOf(owed.id);
    const queue = remindersQueue(w);

    await restartEmpty(redis);
    // The pass on reconnect brings the owed timer back ...
    await waitFor(
      'the owed reminder delivered',
      async () => (await uhdNotifications(w, owed.id)) === 1,
      30_000,
    );
    expect((await rowsOf(owed.id)).map((r) => r.status)).toEqual(['delivered', 'pending']);
    expect(owedRow.status).toBe('pending');
    // ... and nothing of the failed one: no job, no attempt, no notification.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await queue.getJob(`rem-${failed.id}`)).toBeUndefined();
    expect(await queue.getJobCounts('failed', 'wait', 'delayed', 'active')).toEqual(
      expect.objectContaining({ failed: 0, wait: 0, active: 0 }),
    );
    expect((await rowsOf(broken.id)).map((r) => r.status)).toEqual(['failed']);
    expect(await uhdNotifications(w, broken.id)).toBe(0);
  });
});
