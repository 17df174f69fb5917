import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, Worker } from 'bullmq';
import type pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { PrivateRedis, waitFor } from '../support/redis.js';
import { VALID_CONTENT } from '../support/review-scenario.js';
import { ReviewWorld, type ActorName } from '../support/review-world.js';
import { freePort, startProcess, startServer, testPool, WORKER } from '../support/server.js';

// Delays of a few hundred milliseconds, set through the environment like any deployment would.
const FAST = {
  REMINDER_FIRST_AFTER_MS: '400',
  REMINDER_INTERVAL_MS: '500',
  ESCALATION_AFTER_MS: '1500',
  RECONCILE_INTERVAL_MS: '500',
  QUEUE_LOCK_MS: '1500',
};
const SLOW_ESCALATION = { ...FAST, ESCALATION_AFTER_MS: '600000' };
/** Nothing falls due by itself during a test: the test moves due times or adds jobs. */
const NOTHING_DUE_SOON = {
  ...FAST,
  REMINDER_FIRST_AFTER_MS: '600000',
  REMINDER_INTERVAL_MS: '600000',
  ESCALATION_AFTER_MS: '600000',
};

let db: pg.Pool;
const cleanup: Array<() => Promise<unknown>> = [];
beforeAll(() => {
  db = testPool();
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
  // Test isolation, not behaviour: the next test's fresh server would otherwise go on reminding the
  // previous tests' parties every few hundred milliseconds.
  await db.query(`UPDATE reminder_schedule SET status = 'cancelled' WHERE status = 'pending'`);
});
afterAll(async () => {
  await db?.end();
});

async function world(env: Record<string, string>, names?: ActorName[]): Promise<ReviewWorld> {
  const t = await startServer(env);
  cleanup.push(() => t.stop());
  return new ReviewWorld(t).setUp(names);
}

const ACTORS: ActorName[] = [
  'cuniProposer',
  'cuniAdmin',
  'uhdReviewer',
  'suReviewer',
  'uhdAdmin',
  'allianceAdmin',
  'qualityOfficer',
  'unimiAdmin',
];
const { revenueShares: _unused, ...CONTENT } = VALID_CONTENT;

async function notificationsOf(w: ReviewWorld, who: ActorName, proposalId?: string) {
  const res = await w.t.http().get('/api/me/notifications?limit=100').set(w.auth(who));
  expect(res.status).toBe(200);
  return (
    res.body.items as Array<{
      id: string;
      kind: string;
      proposalId: string;
      partyKey: string;
      readAt: string | null;
      title: string;
    }>
  ).filter((n) => !proposalId || n.proposalId === proposalId);
}

/** The service's reminders queue, as a producer of our own (closed after the test). */
function remindersQueue(w: ReviewWorld): Queue {
  const queue = new Queue('reminders', {
    connection: { url: w.t.env.REDIS_URL },
    prefix: `${w.t.env.REDIS_PREFIX}:bull`,
  });
  cleanup.push(() => queue.close());
  return queue;
}

async function scheduleOf(proposalId: string) {
  const { rows } = await db.query(
    `SELECT id, party_key AS "partyKey", kind, attempt, status, stage_entry AS "stageEntry" FROM reminder_schedule WHERE proposal_id = $1 ORDER BY created_at, attempt`,
    [proposalId],
  );
  return rows as Array<{
    id: string;
    partyKey: string;
    kind: string;
    attempt: number;
    status: string;
    stageEntry: number;
  }>;
}

async function noDuplicates() {
  const { rows } = await db.query(
    `SELECT schedule_id, user_id, count(*)::int AS n FROM notifications GROUP BY 1, 2 HAVING count(*) > 1`,
  );
  expect(rows).toEqual([]);
}

describe('reminders', () => {
  it('reminds a pending partner repeatedly until it decides, and never after', async () => {
    const w = await world(SLOW_ESCALATION, ACTORS);
    const p = await w.create(CONTENT, ['uhd', 'su']);
    const submitted = await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    const uhdParty = submitted.pending.find((x) => x.key === 'partner-uhd')!;
    expect(uhdParty.nextReminderAt).toEqual(expect.any(String));
    expect(uhdParty.escalationAt).toEqual(expect.any(String));
    expect(Date.parse(uhdParty.escalationAt!) - Date.parse(uhdParty.nextReminderAt!)).toBeGreaterThan(
      500_000,
    );

    await waitFor(
      'two reminders for uhd',
      async () => (await notificationsOf(w, 'uhdReviewer', p.id)).length >= 2,
    );
    // Written for people: the waiting institution by its name, not its id.
    const [first] = await notificationsOf(w, 'uhdReviewer', p.id);
    expect(first.title).toBe(
      `Reminder: ${submitted.reference} is waiting for Heidelberg University in partner review`,
    );
    await w.ok(p.id, 'uhdReviewer', 'PARTNER_APPROVE');
    const atDecision = (await notificationsOf(w, 'uhdReviewer', p.id)).length;
    const suBefore = (await notificationsOf(w, 'suReviewer', p.id)).length;
    await new Promise((r) => setTimeout(r, 1800));
    expect((await notificationsOf(w, 'uhdReviewer', p.id)).length).toBe(atDecision);
    expect((await notificationsOf(w, 'suReviewer', p.id)).length).toBeGreaterThan(suBefore);
    expect(await notificationsOf(w, 'cuniProposer', p.id)).toEqual([]);
    const view = await w.get(p.id);
    expect(view.body.pending.map((x: { key: string }) => x.key)).toEqual(['partner-su']);
    const rows = await scheduleOf(p.id);
    expect(rows.filter((r) => r.partyKey === 'partner-uhd' && r.status === 'pending')).toEqual([]);
    const { rows: audit } = await db.query(
      `SELECT count(*)::int AS n FROM audit_entries WHERE proposal_id = $1 AND action = 'REMINDER' AND institution_id = 'uhd'`,
      [p.id],
    );
    expect(audit[0].n).toBeGreaterThanOrEqual(atDecision);
    await noDuplicates();
  });

  it('escalates once per stage entry to the pending party’s admins and the alliance admins only', async () => {
    const w = await world({ ...FAST, ESCALATION_AFTER_MS: '700' }, ACTORS);
    const p = await w.create(CONTENT, ['uhd']);
    await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    await waitFor('escalation', async () =>
      (await notificationsOf(w, 'uhdAdmin', p.id)).some((n) => n.kind === 'escalation'),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const esc = async (who: ActorName) =>
      (await notificationsOf(w, who, p.id)).filter((n) => n.kind === 'escalation').length;
    expect(await esc('uhdAdmin')).toBe(1);
    expect(await esc('allianceAdmin')).toBe(1);
    expect(await esc('cuniAdmin')).toBe(0);
    expect(await esc('unimiAdmin')).toBe(0);
    expect(await esc('uhdReviewer')).toBe(0);
    const { rows } = await db.query(
      `SELECT institution_id FROM audit_entries WHERE proposal_id = $1 AND action = 'ESCALATION' ORDER BY 1`,
      [p.id],
    );
    expect(rows.map((r: { institution_id: string }) => r.institution_id)).toEqual(['cuni', 'uhd']);
  });

  it('resets the schedule when a proposal is sent back and resubmitted', async () => {
    const w = await world(SLOW_ESCALATION, ACTORS);
    const p = await w.create(CONTENT, ['uhd']);
    await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    await waitFor('a reminder', async () => (await notificationsOf(w, 'uhdReviewer', p.id)).length >= 1);
    await w.ok(p.id, 'uhdReviewer', 'PARTNER_REQUEST_CHANGES', { comment: 'Please revise.' });
    await waitFor(
      'proposers reminded in changesRequested',
      async () => (await notificationsOf(w, 'cuniProposer', p.id)).length >= 1,
    );
    const resubmitted = await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    const rows = await scheduleOf(p.id);
    const entries = [...new Set(rows.map((r) => r.stageEntry))];
    expect(entries.length).toBe(3);
    const current = rows.filter((r) => r.stageEntry === Math.max(...entries));
    expect(current.map((r) => [r.partyKey, r.kind, r.attempt]).sort()).toEqual([
      ['partner-uhd', 'escalation', 1],
      ['partner-uhd', 'reminder', 1],
    ]);
    expect(rows.filter((r) => r.stageEntry !== Math.max(...entries) && r.status === 'pending')).toEqual([]);
    expect(resubmitted.pending[0].nextReminderAt).toEqual(expect.any(String));
    await waitFor('a reminder for the new revision', async () =>
      (await scheduleOf(p.id)).some((r) => r.stageEntry === Math.max(...entries) && r.status === 'delivered'),
    );
  });

  it('shows no reminder times for parties that are not reminded', async () => {
    const w = await world(SLOW_ESCALATION, ['cuniProposer']);
    const p = await w.create(CONTENT, ['uhd']);
    expect(p.pending).toEqual([expect.not.objectContaining({ nextReminderAt: expect.anything() })]);
  });
});

describe('exactly once', () => {
  it('delivers a reminder whose job is added several times, and re-delivered after a stall, once', async () => {
    const w = await world(NOTHING_DUE_SOON, ACTORS);
    const p = await w.create(CONTENT, ['uhd']);
    await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    const [row] = (await scheduleOf(p.id)).filter((r) => r.kind === 'reminder');
    await db.query(`UPDATE reminder_schedule SET due_at = now() WHERE id = $1`, [row.id]);
    const queue = remindersQueue(w);
    // A worker that takes a job and dies without finishing it: the job stalls and is delivered again.
    const dying = new Worker('reminders', () => new Promise(() => undefined), {
      connection: { url: w.t.env.REDIS_URL, maxRetriesPerRequest: null },
      prefix: `${w.t.env.REDIS_PREFIX}:bull`,
      lockDuration: 1000,
      autorun: false,
    });
    await queue.add('deliver', { scheduleId: row.id }, { jobId: 'stalled-copy' });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        queue.add('deliver', { scheduleId: row.id }, { jobId: `dup-${i}` }),
      ),
    );
    void dying.run();
    await new Promise((r) => setTimeout(r, 300));
    await dying.close(true);
    await waitFor(
      'the stalled copy to be processed',
      async () => (await queue.getJobState('stalled-copy')) === 'completed',
      20_000,
    );
    await waitFor(
      'delivery',
      async () => (await scheduleOf(p.id)).find((r) => r.id === row.id)?.status === 'delivered',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect((await notificationsOf(w, 'uhdReviewer', p.id)).length).toBe(1);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM audit_entries WHERE proposal_id = $1 AND action = 'REMINDER' AND institution_id = 'uhd'`,
      [p.id],
    );
    expect(rows[0].n).toBe(1);
    await noDuplicates();
  });

  it('lets decisions and deliveries of the same proposals run together without deadlocks', async () => {
    const w = await world(
      { ...FAST, REMINDER_FIRST_AFTER_MS: '20', REMINDER_INTERVAL_MS: '20', ESCALATION_AFTER_MS: '600000' },
      ACTORS,
    );
    const deadlocks = async () =>
      (
        await db.query(
          `SELECT pg_stat_force_next_flush(), (SELECT deadlocks FROM pg_stat_database WHERE datname = current_database())::int AS n`,
        )
      ).rows[0].n as number;
    const before = await deadlocks();
    const proposals = await Promise.all(Array.from({ length: 12 }, () => w.create(CONTENT, ['uhd', 'su'])));
    await Promise.all(proposals.map((p) => w.ok(p.id, 'cuniProposer', 'SUBMIT')));
    // Reminders every 20 ms per party, while both partners decide on every proposal at once.
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all(
      proposals.flatMap((p) => [
        w.ok(p.id, 'uhdReviewer', 'PARTNER_APPROVE'),
        w.ok(p.id, 'suReviewer', 'PARTNER_APPROVE'),
      ]),
    );
    await new Promise((r) => setTimeout(r, 1200)); // statistics reach pg_stat_database within a second
    expect(await deadlocks()).toBe(before);
    const partners = await db.query(
      `SELECT count(*)::int AS n FROM notifications n JOIN reminder_schedule r ON r.id = n.schedule_id
       WHERE r.proposal_id = ANY ($1::uuid[]) AND r.party_key LIKE 'partner-%'`,
      [proposals.map((p) => p.id)],
    );
    expect(partners.rows[0].n).toBeGreaterThan(0); // deliveries really ran alongside
  });

  it('holds a job that runs before its row is due until the row falls due, without the reconciler', async () => {
    const w = await world({ ...NOTHING_DUE_SOON, RECONCILE_INTERVAL_MS: '600000' }, ACTORS);
    const p = await w.create(CONTENT, ['uhd']);
    await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    const [row] = (await scheduleOf(p.id)).filter((r) => r.kind === 'reminder');
    // Clocks that disagree: the row's own job runs now, the row is due in two seconds.
    await db.query(`UPDATE reminder_schedule SET due_at = now() + interval '2 seconds' WHERE id = $1`, [
      row.id,
    ]);
    const queue = remindersQueue(w);
    const jobId = `rem-${row.id}`;
    await queue.remove(jobId);
    await queue.add('deliver', { scheduleId: row.id }, { jobId });
    await waitFor(
      'delivery once due',
      async () => (await scheduleOf(p.id)).find((r) => r.id === row.id)?.status === 'delivered',
      15_000,
    );
    const { rows } = await db.query(
      `SELECT delivered_at >= due_at AS "onTime" FROM reminder_schedule WHERE id = $1`,
      [row.id],
    );
    expect(rows[0].onTime).toBe(true);
    expect((await notificationsOf(w, 'uhdReviewer', p.id)).length).toBe(1);
  });

  it('loses nothing and doubles nothing when a worker process is killed mid-work', async () => {
    const redis = await PrivateRedis.start();
    cleanup.push(() => redis.down());
    const env = {
      ...SLOW_ESCALATION,
      REMINDER_FIRST_AFTER_MS: '1500',
      REMINDER_INTERVAL_MS: '600000',
      REDIS_URL: redis.url,
      WORKER: 'off',
      WORKER_CONCURRENCY: '2',
    };
    const w = await world(env, ['cuniProposer', 'uhdReviewer', 'suReviewer']);
    for (let i = 0; i < 4; i++) await w.t.user('uhd', ['reviewer'], `extra-uhd-${i}`);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const p = await w.create(CONTENT, ['uhd', 'su']);
      await w.ok(p.id, 'cuniProposer', 'SUBMIT');
      ids.push(p.id);
    }
    const workerEnv = { ...w.t.env, PORT: String(await freePort()) };
    const first = startProcess(WORKER, workerEnv);
    cleanup.push(async () => first.child.kill('SIGKILL'));
    await waitFor(
      'some deliveries',
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM reminder_schedule WHERE proposal_id = ANY ($1) AND kind = 'reminder' AND status = 'delivered'`,
          [ids],
        );
        return rows[0].n >= 3;
      },
      30_000,
      20,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const second = startProcess(WORKER, workerEnv);
    cleanup.push(async () => {
      second.child.kill('SIGTERM');
      await second.exited;
    });
    await waitFor(
      'every first reminder delivered',
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM reminder_schedule WHERE proposal_id = ANY ($1) AND kind = 'reminder' AND attempt = 1 AND status = 'delivered'`,
          [ids],
        );
        return rows[0].n === 50;
      },
      40_000,
    );
    const { rows } = await db.query(
      `SELECT r.party_key, count(n.*)::int AS n FROM reminder_schedule r LEFT JOIN notifications n ON n.schedule_id = r.id
       WHERE r.proposal_id = ANY ($1) AND r.kind = 'reminder' AND r.attempt = 1 GROUP BY r.id, r.party_key`,
      [ids],
    );
    // Each reviewer of the institution with an open account (other suites close some), and each of
    // their deputies in office (other suites name some), got exactly one notification per due reminder.
    const { rows: counts } = await db.query(
      `SELECT institution_id, count(DISTINCT id)::int AS n FROM (
         SELECT institution_id, id FROM users WHERE 'reviewer' = ANY (roles) AND active
         UNION
         SELECT p.institution_id, u.id FROM deputies d
           JOIN users p ON p.id = d.principal_id JOIN users u ON u.id = d.deputy_id
          WHERE 'reviewer' = ANY (p.roles) AND p.active AND u.active AND u.institution_id = p.institution_id
            AND d.starts_at <= now() AND d.ends_at > now()
       ) AS recipients WHERE institution_id IN ('uhd', 'su') GROUP BY 1`,
    );
    const reviewers = Object.fromEntries(
      counts.map((c: { institution_id: string; n: number }) => [`partner-${c.institution_id}`, c.n]),
    );
    expect(reviewers['partner-uhd']).toBeGreaterThanOrEqual(5);
    for (const r of rows) expect([r.party_key, r.n]).toEqual([r.party_key, reviewers[r.party_key]]);
    await noDuplicates();
  });
});

describe('Redis trouble', () => {
  it('loses no reminder to FLUSHALL while reminders are pending', async () => {
    const redis = await PrivateRedis.start();
    cleanup.push(() => redis.down());
    const w = await world({ ...SLOW_ESCALATION, REMINDER_FIRST_AFTER_MS: '2000', REDIS_URL: redis.url }, [
      'cuniProposer',
      'uhdReviewer',
    ]);
    const p = await w.create(CONTENT, ['uhd']);
    await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    await redis.flushall();
    await waitFor(
      'the reminder despite FLUSHALL',
      async () => (await notificationsOf(w, 'uhdReviewer', p.id)).length >= 1,
      20_000,
    );
  });

  it('keeps accepting decisions while Redis is down, reports it, and delivers every owed reminder once Redis is back', async () => {
    const redis = await PrivateRedis.start();
    cleanup.push(() => redis.down());
    const w = await world({ ...SLOW_ESCALATION, REDIS_URL: redis.url }, [
      'cuniProposer',
      'uhdReviewer',
      'suReviewer',
      'allianceAdmin',
    ]);
    const p1 = await w.create(CONTENT, ['uhd']);
    const p2 = await w.create(CONTENT, ['su']);
    await redis.down();
    const r1 = await w.send(p1.id, 'cuniProposer', 'SUBMIT');
    const r2 = await w.send(p2.id, 'cuniProposer', 'SUBMIT');
    expect([r1.status, r2.status]).toEqual([200, 200]);
    const health = await w.t.http().get('/health');
    expect(health.status).toBe(503);
    expect(health.body.down).toContain('redis');
    expect((await scheduleOf(p1.id)).length).toBe(2);
    await new Promise((r) => setTimeout(r, 800));
    await redis.up();
    await waitFor(
      'uhd reminded after Redis came back',
      async () => (await notificationsOf(w, 'uhdReviewer', p1.id)).length >= 1,
      20_000,
    );
    await waitFor(
      'su reminded after Redis came back',
      async () => (await notificationsOf(w, 'suReviewer', p2.id)).length >= 1,
      20_000,
    );
    expect((await w.t.http().get('/health')).status).toBe(200);
    await noDuplicates();
  });
});

describe('worker placement', () => {
  it('consumes nothing in an API started with WORKER=off until a worker process runs', async () => {
    const w = await world({ ...SLOW_ESCALATION, WORKER: 'off' }, ['cuniProposer', 'uhdReviewer']);
    const p = await w.create(CONTENT, ['uhd']);
    await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await notificationsOf(w, 'uhdReviewer', p.id)).toEqual([]);
    const worker = startProcess(WORKER, { ...w.t.env });
    cleanup.push(async () => {
      worker.child.kill('SIGTERM');
      return worker.exited;
    });
    await waitFor(
      'the worker process to deliver',
      async () => (await notificationsOf(w, 'uhdReviewer', p.id)).length >= 1,
      20_000,
    );
    worker.child.kill('SIGTERM');
    // Nest closes the application on SIGTERM, then lets the signal end the process.
    const exit = await worker.exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    expect(worker.output()).not.toMatch(/"level":50/);
  });
});

describe('notifications API', () => {
  it('lists newest first with an unread filter and marks one read', async () => {
    const w = await world(SLOW_ESCALATION, ['cuniProposer', 'uhdReviewer', 'suReviewer']);
    const p = await w.create(CONTENT, ['uhd']);
    await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    await waitFor('two reminders', async () => (await notificationsOf(w, 'uhdReviewer', p.id)).length >= 2);
    const all = await notificationsOf(w, 'uhdReviewer');
    const [newest] = all;
    const read = await w.t.http().post(`/api/me/notifications/${newest.id}/read`).set(w.auth('uhdReviewer'));
    expect(read.status).toBe(200);
    expect(read.body.readAt).toEqual(expect.any(String));
    const unread = await w.t
      .http()
      .get('/api/me/notifications?unread=true&limit=100')
      .set(w.auth('uhdReviewer'));
    expect(unread.body.items.map((n: { id: string }) => n.id)).not.toContain(newest.id);
    expect(
      (await w.t.http().post(`/api/me/notifications/${newest.id}/read`).set(w.auth('suReviewer'))).status,
    ).toBe(404);
    expect(
      (await w.t.http().get('/api/me/notifications?unread=maybe').set(w.auth('suReviewer'))).status,
    ).toBe(400);
    const page = await w.t.http().get('/api/me/notifications?limit=1').set(w.auth('uhdReviewer'));
    const next = await w.t
      .http()
      .get(`/api/me/notifications?limit=1&cursor=${page.body.nextCursor}`)
      .set(w.auth('uhdReviewer'));
    expect(next.body.items[0].id).toBe(all[1].id);
  });

  it('shows queue figures to alliance admins in /api/admin/queues and /health', async () => {
    const w = await world(SLOW_ESCALATION, ['cuniAdmin', 'allianceAdmin']);
    const res = await w.t.http().get('/api/admin/queues').set(w.auth('allianceAdmin'));
    expect(res.status).toBe(200);
    expect(res.body.reminders).toEqual(
      expect.objectContaining({
        waiting: expect.any(Number),
        delayed: expect.any(Number),
        active: expect.any(Number),
        failed: expect.any(Number),
      }),
    );
    // Every queue the service runs, the endorsement outbox included.
    expect(Object.keys(res.body).sort()).toEqual(['email', 'outbox', 'reminders']);
    expect((await w.t.http().get('/api/admin/queues').set(w.auth('cuniAdmin'))).status).toBe(403);
    const health = (await w.t.http().get('/health')).body.details.queues;
    expect(health.status).toBe('up');
    expect(health.outbox).toEqual(expect.objectContaining({ waiting: expect.any(Number) }));
  });
});

describe('e-mail', () => {
  it('e-mails reminders through SMTP, retries a refusing server, and never holds back the in-app notification', async () => {
    const received: Array<{ to: string; data: string }> = [];
    let refuse = true;
    const port = await freePort();
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address, _session, cb) {
        if (refuse) return cb(new Error('550 mailbox unavailable'));
        cb();
      },
      onData(stream, session, cb) {
        let data = '';
        stream.on('data', (d: Buffer) => (data += d.toString()));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), data });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(port, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => smtp.close(() => r(undefined))));
    const w = await world(
      { ...SLOW_ESCALATION, REMINDER_INTERVAL_MS: '600000', SMTP_URL: `smtp://127.0.0.1:${port}` },
      ['cuniProposer', 'uhdReviewer'],
    );
    const p = await w.create(CONTENT, ['uhd']);
    await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    await waitFor(
      'in-app notification while SMTP refuses',
      async () => (await notificationsOf(w, 'uhdReviewer', p.id)).length === 1,
    );
    await waitFor('a failed attempt recorded', async () => {
      const { rows } = await db.query(
        `SELECT attempts, status, last_error FROM email_outbox o JOIN notifications n ON n.id = o.notification_id WHERE n.proposal_id = $1`,
        [p.id],
      );
      return rows[0]?.attempts >= 1 && rows[0].status === 'pending';
    });
    refuse = false;
    const to = w.users.get('uhdReviewer')!.email.toLowerCase();
    await waitFor(
      'the e-mail after the server accepts',
      async () => received.some((m) => m.to === to),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const mine = received.filter((m) => m.to === to);
    expect(mine.length).toBe(1);
    expect(mine[0].data).toMatch(/Subject: Reminder: MC-\d{4}-\d{4}/);
    const { rows } = await db.query(
      `SELECT o.status FROM email_outbox o JOIN notifications n ON n.id = o.notification_id WHERE n.proposal_id = $1 AND n.user_id = $2`,
      [p.id, w.users.get('uhdReviewer')!.id],
    );
    expect(rows).toEqual([{ status: 'sent' }]);
  });
});
