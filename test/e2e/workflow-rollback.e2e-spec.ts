import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type pg from 'pg';
import { waitFor } from '../support/redis.js';
import { VALID_CONTENT } from '../support/review-scenario.js';
import { ReviewWorld } from '../support/review-world.js';
import { startServer, testPool } from '../support/server.js';

// A proposal on a machine version this release does not have: a release was rolled back after
// proposals started on the newer one. Simulated by setting the stored version to 99.
const UNKNOWN = 'urn:microcred:problem:unknown-workflow-version';
const NOTHING_DUE_SOON = {
  REMINDER_FIRST_AFTER_MS: '600000',
  REMINDER_INTERVAL_MS: '600000',
  ESCALATION_AFTER_MS: '600000',
  RECONCILE_INTERVAL_MS: '500',
  QUEUE_LOCK_MS: '1500',
};

let db: pg.Pool;
const cleanup: Array<() => Promise<unknown>> = [];
beforeAll(() => {
  db = testPool();
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
});
afterAll(async () => {
  await db?.end();
});

async function world(): Promise<ReviewWorld> {
  const t = await startServer(NOTHING_DUE_SOON);
  cleanup.push(() => t.stop());
  return new ReviewWorld(t).setUp(['cuniProposer', 'uhdReviewer', 'suReviewer', 'allianceAdmin']);
}

const onVersion = (id: string, version: number) =>
  db.query(`UPDATE proposals SET workflow_version = $2 WHERE id = $1`, [id, version]);

describe('a proposal on a workflow version this release does not have', () => {
  it('answers 409 unknown-workflow-version to GET, PATCH and events, while the list and its history still work', async () => {
    const w = await world();
    const t = w.t;
    const submitted = await w.proposalIn('partnerReview');
    const draft = await w.create({ title: 'Draft on a newer machine' }, ['uhd']);
    const other = await w.create({ title: 'Still on version 1' }, ['uhd']);
    await onVersion(submitted.id, 99);
    await onVersion(draft.id, 99);

    const expectUnknown = (res: { status: number; headers: Record<string, string>; body: unknown }) => {
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        type: UNKNOWN,
        status: 409,
        workflow: { id: 'micro-credential-review', version: 99 },
      });
    };
    expectUnknown(await w.get(submitted.id));
    expectUnknown(await w.get(draft.id, 'uhdReviewer'));
    // A draft's edit would succeed on a known version; here it is refused and changes nothing.
    const patch = () => t.http().patch(`/api/proposals/${draft.id}`).set(w.auth('cuniProposer'));
    expectUnknown(await patch().send({ content: { summary: 'Not saved' } }));
    const key = randomUUID();
    expectUnknown(
      await patch()
        .set('Idempotency-Key', key)
        .send({ content: { summary: 'x' } }),
    );
    expectUnknown(await w.send(submitted.id, 'uhdReviewer', 'PARTNER_APPROVE'));
    expectUnknown(await w.send(draft.id, 'cuniProposer', 'SUBMIT'));
    const { rows } = await db.query(
      `SELECT version, content->>'summary' AS summary, state FROM proposals WHERE id = ANY ($1) ORDER BY state`,
      [[draft.id, submitted.id]],
    );
    expect(rows).toEqual([
      { version: 1, summary: null, state: 'draft' },
      { version: 2, summary: VALID_CONTENT.summary, state: 'partnerReview' },
    ]);
    expect((await db.query(`SELECT key FROM idempotency_keys WHERE key = $1`, [key])).rows).toEqual([]);

    // The stored record needs no machine: history and the list answer as usual.
    const history = await t.http().get(`/api/proposals/${submitted.id}/history`).set(w.auth('cuniProposer'));
    expect(history.status).toBe(200);
    expect(history.body.map((h: { event: string }) => h.event)).toEqual(['CREATE', 'SUBMIT']);
    for (const query of ['', '?state=draft', '?institutionId=uhd']) {
      const list = await t.http().get(`/api/proposals${query}`).set(w.auth('cuniProposer'));
      expect(list.status).toBe(200);
      expect(list.body.items.map((i: { id: string }) => i.id)).toEqual(
        expect.arrayContaining(query === '' ? [other.id, draft.id, submitted.id] : [other.id, draft.id]),
      );
    }

    // The inbox leaves them out instead of failing: the other draft still waits on its proposer.
    // Every page (other suites' cuni drafts, older, come first in the shared database).
    const waiting: string[] = [];
    let cursor: string | null = null;
    do {
      const inbox = await t
        .http()
        .get(`/api/proposals/waiting?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        .set(w.auth('cuniProposer'));
      expect(inbox.status).toBe(200);
      waiting.push(...inbox.body.items.map((i: { id: string }) => i.id));
      cursor = inbox.body.nextCursor as string | null;
    } while (cursor);
    expect(waiting).toContain(other.id);
    expect(waiting).not.toContain(draft.id);

    // Back on a release that has the version, everything works again.
    await onVersion(draft.id, 1);
    expect((await w.get(draft.id)).status).toBe(200);
    expect(t.proc.output()).not.toMatch(/"status":500/);
  });

  it('holds its reminders without failing or retrying them, and delivers once a release has the version', async () => {
    const w = await world();
    const t = w.t;
    const p = await w.proposalIn('partnerReview');
    const {
      rows: [row],
    } = await db.query(
      `SELECT id FROM reminder_schedule WHERE proposal_id = $1 AND party_key = 'partner-uhd' AND kind = 'reminder'`,
      [p.id],
    );
    await onVersion(p.id, 99);
    await db.query(`UPDATE reminder_schedule SET due_at = now() WHERE id = $1`, [row.id]);
    const queue = new Queue('reminders', {
      connection: { url: t.env.REDIS_URL },
      prefix: `${t.env.REDIS_PREFIX}:bull`,
    });
    cleanup.push(() => queue.close());
    // As the service adds its jobs: retried with back-off on failure.
    const opts = { attempts: 6, backoff: { type: 'fixed', delay: 100 } };
    await queue.add('deliver', { scheduleId: row.id }, { ...opts, jobId: 'held-once' });
    await waitFor('the job to end', async () => (await queue.getJobState('held-once')) === 'completed');
    const job = await queue.getJob('held-once');
    expect(job?.returnvalue).toBe('unknown-workflow-version');
    expect(job?.attemptsMade).toBeLessThanOrEqual(1);
    expect(job?.failedReason).toBeFalsy();
    expect(await queue.getFailedCount()).toBe(0);
    const status = async () =>
      (await db.query(`SELECT status FROM reminder_schedule WHERE id = $1`, [row.id])).rows[0]
        .status as string;
    expect(await status()).toBe('pending'); // still owed
    const reviewer = w.users.get('uhdReviewer')!.id;
    const notified = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS n FROM notifications WHERE schedule_id = $1 AND user_id = $2`,
          [row.id, reviewer],
        )
      ).rows[0].n as number;
    expect(await notified()).toBe(0);
    expect(t.proc.output()).toMatch(/reminder held: this release does not have the workflow version/);

    await onVersion(p.id, 1);
    await queue.add('deliver', { scheduleId: row.id }, { ...opts, jobId: 'after-roll-forward' });
    await waitFor('delivery', async () => (await status()) === 'delivered');
    expect(await notified()).toBe(1);
  });
});
