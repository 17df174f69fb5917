import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import type { Role } from '../../workflows/types.js';
import { waitFor } from '../support/redis.js';
import { VALID_CONTENT } from '../support/review-scenario.js';
import { ReviewWorld } from '../support/review-world.js';
import {
  bearer,
  DEFAULT_PASSWORD,
  startServer,
  testPool,
  type TestServer,
  type TestUser,
} from '../support/server.js';

// Account lifecycle (DESIGN section 10.1): deactivation, role changes, the last-admin and self rules,
// password changes, the users listing, and the audit entries of all of it.

let t: TestServer;
let db: pg.Pool;

beforeAll(async () => {
  t = await startServer({
    LOGIN_MAX_FAILURES_PER_IP: '100000',
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '100000',
  });
  db = testPool();
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

type Res = { status: number; headers: Record<string, string>; body: Record<string, unknown> };

function expectProblem(res: Res, status: number, type?: string): void {
  expect([res.status, res.headers['content-type']]).toEqual([
    status,
    expect.stringMatching(/^application\/problem\+json/),
  ]);
  if (type) expect(res.body.type).toBe(`urn:microcred:problem:${type}`);
}

const fields = (res: Res) => ((res.body.errors ?? []) as Array<{ field: string }>).map((e) => e.field);

async function patchUser(token: string, id: string, body: unknown): Promise<Res> {
  return t
    .http()
    .patch(`/api/users/${id}`)
    .set(bearer(token))
    .send(body as object);
}

const me = (token: string) => t.http().get('/api/me').set(bearer(token));
const login = (email: string, password: string) => t.http().post('/api/auth/login').send({ email, password });

async function auditHeads(): Promise<string> {
  const { rows } = await db.query(`SELECT institution_id, seq FROM audit_heads ORDER BY 1`);
  return JSON.stringify(rows);
}

async function userRow(id: string) {
  const { rows } = await db.query(
    `SELECT display_name, roles, active, token_generation, updated_at FROM users WHERE id = $1`,
    [id],
  );
  return rows[0] as Record<string, unknown>;
}

describe('deactivation', () => {
  it('stops every live token of a deactivated user on its next request and refuses its login, until reactivated', async () => {
    const admin = await t.user('cuni', ['admin'], 'deact-admin');
    const u = await t.user('cuni', ['reviewer'], 'leaver');
    const second = await t.login(u.email, DEFAULT_PASSWORD);
    expect([(await me(u.token)).status, (await me(second)).status]).toEqual([200, 200]);

    const res = await patchUser(admin.token, u.id, { active: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: u.id, active: false, roles: ['reviewer'] });

    for (const token of [u.token, second]) expectProblem(await me(token), 401);
    const refused = await login(u.email, DEFAULT_PASSWORD);
    const wrong = await login(u.email, 'Not-the-password-42');
    expectProblem(refused, 401);
    // A closed account is not told apart from a wrong password.
    expect(refused.body).toEqual(wrong.body);

    const back = await patchUser(admin.token, u.id, { active: true });
    expect([back.status, back.body.active]).toEqual([200, true]);
    // Tokens issued before the deactivation stay dead; a new login works.
    for (const token of [u.token, second]) expectProblem(await me(token), 401);
    const fresh = await t.login(u.email, DEFAULT_PASSWORD);
    const now = await me(fresh);
    expect([now.status, now.body.active]).toEqual([200, true]);
  });

  it('refuses anyone deactivating themselves with 409, even with other admins around', async () => {
    const a1 = await t.user('uhd', ['admin'], 'self-a1');
    await t.user('uhd', ['admin'], 'self-a2');
    const before = await auditHeads();
    expectProblem(await patchUser(a1.token, a1.id, { active: false }), 409, 'self-deactivation');
    const alliance = (await me(await t.admin())).body.id as string;
    expectProblem(await patchUser(await t.admin(), alliance, { active: false }), 409, 'self-deactivation');
    expect((await me(a1.token)).status).toBe(200);
    expect(await auditHeads()).toBe(before);
  });
});

describe('the account cache', () => {
  const listeners = async () =>
    (
      await db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'microcred-qa-accounts' AND query ILIKE 'LISTEN%'`,
      )
    ).rows.map((r) => r.pid);

  it('honours a change written outside the service (psql) within moments, through the database notification', async () => {
    const u = await t.user('uw', ['reviewer'], 'cache-outside');
    // Cached now (ACCOUNT_CACHE_MS is a minute): only the notification can make the next answer differ.
    for (let i = 0; i < 3; i++) expect((await me(u.token)).status).toBe(200);
    await waitFor('the listener', async () => (await listeners()).length > 0);
    await db.query(`UPDATE users SET roles = '{proposer}' WHERE id = $1`, [u.id]);
    const roles = await waitFor(
      'the new roles',
      async () => {
        const r = (await me(u.token)).body.roles as string[];
        return r.includes('proposer') && r;
      },
      2000,
      20,
    );
    expect(roles).toEqual(['proposer']);
    await db.query(`UPDATE users SET active = false WHERE id = $1`, [u.id]);
    await waitFor('the 401', async () => (await me(u.token)).status === 401, 2000, 20);
  });

  it('trusts nothing it cached while it was not listening: a change made meanwhile holds once it listens again', async () => {
    const u = await t.user('uw', ['reviewer'], 'cache-deaf');
    expect((await me(u.token)).status).toBe(200);
    const [first] = await waitFor('the listener', async () => {
      const pids = await listeners();
      return pids.length > 0 && pids;
    });
    expect((await me(u.token)).status).toBe(200);
    // The listening connection dies; the deactivation's notification reaches nobody.
    await db.query(`SELECT pg_terminate_backend($1)`, [first]);
    await db.query(`UPDATE users SET active = false WHERE id = $1`, [u.id]);
    await waitFor('a new listener', async () => {
      const pids = await listeners();
      return pids.length > 0 && !pids.includes(first);
    });
    await new Promise((r) => setTimeout(r, 200));
    expectProblem(await me(u.token), 401);
  });
});

describe('signing out', () => {
  const signOut = (headers: Record<string, string>) => t.http().delete('/api/auth/session').set(headers);
  const revokedRows = async (userId: string) =>
    (await db.query<{ token_id: string }>(`SELECT token_id FROM revoked_tokens WHERE user_id = $1`, [userId]))
      .rows.length;

  it('revokes the token it presents, cookie or bearer, and leaves the other tokens of the user working', async () => {
    const u = await t.user('uw', ['reviewer'], 'signout-both');
    const second = await t.login(u.email, DEFAULT_PASSWORD);
    const cookie = await t.browserSession(u.email, DEFAULT_PASSWORD);
    const viaCookie = () => t.http().get('/api/me').set('Cookie', cookie);
    // All three cached now: only the revocation can make the next answers differ.
    expect([(await viaCookie()).status, (await me(u.token)).status, (await me(second)).status]).toEqual([
      200, 200, 200,
    ]);

    const out = await signOut({ Cookie: cookie });
    expect(out.status).toBe(204);
    expect(out.headers['cache-control']).toBe('no-store');
    expectProblem(await viaCookie(), 401);
    expect([(await me(u.token)).status, (await me(second)).status]).toEqual([200, 200]);

    expect((await signOut(bearer(second))).status).toBe(204);
    expectProblem(await me(second), 401);
    expect((await me(u.token)).status).toBe(200);
    // Signing out again with a revoked token changes nothing and is not an error.
    expect((await signOut(bearer(second))).status).toBe(204);
    expect(await revokedRows(u.id)).toBe(2);

    // A bearer token and a cookie in one sign-out: both go.
    const third = await t.login(u.email, DEFAULT_PASSWORD);
    const cookie2 = await t.browserSession(u.email, DEFAULT_PASSWORD);
    expect((await signOut({ ...bearer(third), Cookie: cookie2 })).status).toBe(204);
    expectProblem(await me(third), 401);
    expectProblem(await t.http().get('/api/me').set('Cookie', cookie2), 401);
    expect((await me(u.token)).status).toBe(200);
    expect(await revokedRows(u.id)).toBe(4);
  });

  it('holds in another API process from its next request on', async () => {
    const u = await t.user('uw', ['reviewer'], 'signout-other');
    const other = await startServer();
    try {
      const meThere = () => other.http().get('/api/me').set(bearer(u.token));
      for (let i = 0; i < 3; i++) expect((await meThere()).status).toBe(200);
      expect((await signOut(bearer(u.token))).status).toBe(204);
      await waitFor(
        'the other process to refuse the token',
        async () => (await meThere()).status === 401,
        2000,
        20,
      );
    } finally {
      await other.stop();
    }
  });

  it('stores nothing for a forged, garbled or absent token, and drops rows of tokens that have expired since', async () => {
    const u = await t.user('uw', ['reviewer'], 'signout-stale');
    await db.query(
      `INSERT INTO revoked_tokens (token_id, user_id, expires_at) VALUES ($1, $2, now() - interval '1 minute')`,
      [randomUUID(), u.id],
    );
    const [header, payload] = u.token.split('.');
    const attempts: Array<Record<string, string>> = [
      bearer(`${header}.${payload}.forged`),
      bearer('a.b.c'),
      { Cookie: 'mc_session=a.b.c' },
      {},
    ];
    for (const headers of attempts) expect((await signOut(headers)).status).toBe(204);
    expect(await revokedRows(u.id)).toBe(1);
    expect((await me(u.token)).status).toBe(200);
    expect((await signOut(bearer(u.token))).status).toBe(204);
    // The expired row went with this sign-out; the new one stays until the token would have expired.
    const { rows } = await db.query(
      `SELECT expires_at > now() AS live FROM revoked_tokens WHERE user_id = $1`,
      [u.id],
    );
    expect(rows).toEqual([{ live: true }]);
    expectProblem(await me(u.token), 401);
  });
});

describe('signing out everywhere else', () => {
  it('stops every other token and cookie of the caller, keeps the calling one, and is an audit entry without personal data', async () => {
    const u = await t.user('unige', ['reviewer'], 'elsewhere');
    const laptop = await t.login(u.email, DEFAULT_PASSWORD);
    const cookie = await t.browserSession(u.email, DEFAULT_PASSWORD);
    const colleague = await t.user('unige', ['reviewer'], 'elsewhere-colleague');
    const viaCookie = () => t.http().get('/api/me').set('Cookie', cookie);
    expect([(await me(u.token)).status, (await me(laptop)).status, (await viaCookie()).status]).toEqual([
      200, 200, 200,
    ]);

    const res = await t.http().delete('/api/me/other-sessions').set(bearer(u.token));
    expect(res.status).toBe(204);
    expect((await me(u.token)).status).toBe(200);
    expectProblem(await me(laptop), 401);
    expectProblem(await viaCookie(), 401);
    // Nobody else is touched, and the password still signs in.
    expect((await me(colleague.token)).status).toBe(200);
    expect((await login(u.email, DEFAULT_PASSWORD)).status).toBe(200);

    const { rows } = await db.query(
      `SELECT actor_id, actor_role, data, canonical FROM audit_entries
       WHERE institution_id = 'unige' AND action = 'SIGN_OUT_ELSEWHERE'`,
    );
    expect(rows.map(({ canonical: _c, ...r }) => r)).toEqual([
      { actor_id: u.id, actor_role: null, data: { userId: u.id, institutionId: 'unige' } },
    ]);
    expect(rows[0].canonical).not.toContain('@');
  });

  it('answers 401 to a token that another session has just signed out', async () => {
    const u = await t.user('unige', ['proposer'], 'elsewhere-race');
    const other = await t.login(u.email, DEFAULT_PASSWORD);
    expect((await t.http().delete('/api/me/other-sessions').set(bearer(u.token))).status).toBe(204);
    expectProblem(await t.http().delete('/api/me/other-sessions').set(bearer(other)), 401);
    expect((await me(u.token)).status).toBe(200);
  });
});

describe('role changes', () => {
  it('apply on the very next request of a live token: a removed role answers 403, an added one works at once', async () => {
    const admin = await t.user('su', ['admin'], 'roles-admin');
    const u = await t.user('su', ['admin', 'proposer'], 'roles-target');
    const createProposal = () =>
      t
        .http()
        .post('/api/proposals')
        .set(bearer(u.token))
        .send({ content: { title: 'Role test' } });
    expect((await t.http().get('/api/users').set(bearer(u.token))).status).toBe(200);
    expect((await createProposal()).status).toBe(201);

    const demoted = await patchUser(admin.token, u.id, { roles: ['reviewer'] });
    expect([demoted.status, demoted.body.roles]).toEqual([200, ['reviewer']]);
    expectProblem(await t.http().get('/api/users').set(bearer(u.token)), 403);
    expectProblem(await createProposal(), 403);
    expect((await me(u.token)).body.roles).toEqual(['reviewer']);

    expect((await patchUser(admin.token, u.id, { roles: ['reviewer', 'proposer'] })).status).toBe(200);
    expect((await createProposal()).status).toBe(201);
  });

  it('refuses roles that do not fit the institution, bad fields and unknown fields with 400 naming the field, changing nothing', async () => {
    const admin = await t.user('su', ['admin'], 'bad-admin');
    const u = await t.user('su', ['reviewer'], 'bad-target');
    const before = [JSON.stringify(await userRow(u.id)), await auditHeads()];
    const cases: Array<[unknown, string]> = [
      [{ roles: ['agency_liaison'] }, 'roles'],
      [{ roles: ['dean'] }, 'roles'],
      [{ roles: [] }, 'roles'],
      [{ roles: ['reviewer', 'reviewer'] }, 'roles'],
      [{ displayName: '   ' }, 'displayName'],
      [{ displayName: 'x'.repeat(201) }, 'displayName'],
      [{ active: 'no' }, 'active'],
      [{ email: 'new@su.test' }, 'email'],
      [{ institutionId: 'cuni' }, 'institutionId'],
      [{ password: DEFAULT_PASSWORD }, 'password'],
    ];
    for (const [body, field] of cases) {
      const res = await patchUser(admin.token, u.id, body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      expect(fields(res)).toContain(field);
    }
    expect([JSON.stringify(await userRow(u.id)), await auditHeads()]).toEqual(before);
  });
});

describe('the last active admin of an institution', () => {
  it('cannot be deactivated or lose admin (409) until another admin exists', async () => {
    const alliance = await t.admin();
    const a1 = await t.user('unige', ['admin', 'reviewer'], 'last-a1');
    const before = await auditHeads();
    expectProblem(await patchUser(alliance, a1.id, { active: false }), 409, 'last-admin');
    expectProblem(await patchUser(alliance, a1.id, { roles: ['reviewer'] }), 409, 'last-admin');
    expect(await auditHeads()).toBe(before);
    expect(await userRow(a1.id)).toMatchObject({ active: true, roles: ['admin', 'reviewer'] });

    // Other changes to the last admin are fine.
    expect((await patchUser(alliance, a1.id, { displayName: 'Still the admin' })).status).toBe(200);

    const a2 = await t.user('unige', ['admin'], 'last-a2');
    const demoted = await patchUser(a2.token, a1.id, { roles: ['reviewer'] });
    expect([demoted.status, demoted.body.roles]).toEqual([200, ['reviewer']]);
    // Now a2 is the last one; a deactivated admin does not count either.
    const a3 = await t.user('unige', ['admin'], 'last-a3');
    expect((await patchUser(a2.token, a3.id, { active: false })).status).toBe(200);
    expectProblem(await patchUser(alliance, a2.id, { active: false }), 409, 'last-admin');
    expectProblem(await patchUser(alliance, a2.id, { roles: ['quality_officer'] }), 409, 'last-admin');
  });

  it('holds when two admins demote each other at the same moment: exactly one wins', async () => {
    const institution = 'uw';
    const a1 = await t.user(institution, ['admin'], 'race-a1');
    const a2 = await t.user(institution, ['admin'], 'race-a2');
    // Any other admin of the institution would make both changes legal: take them out first.
    const { rows } = await db.query(
      `SELECT id FROM users WHERE institution_id = $1 AND active AND 'admin' = ANY (roles) AND id NOT IN ($2, $3)`,
      [institution, a1.id, a2.id],
    );
    for (const r of rows as Array<{ id: string }>)
      expect((await patchUser(await t.admin(), r.id, { active: false })).status).toBe(200);

    // Make the overlap certain: hold the institution's audit chain head, which each change locks just
    // before COMMIT, until both requests are inside their transactions and waiting on a lock.
    const blocker = await db.connect();
    let results: Res[];
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM audit_heads WHERE institution_id = $1 FOR UPDATE`, [institution]);
      const both = Promise.all([
        patchUser(a1.token, a2.id, { roles: ['reviewer'] }),
        patchUser(a2.token, a1.id, { active: false }),
      ]);
      const deadline = Date.now() + 15_000;
      let waiting = 0;
      while (waiting < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        const w = await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`,
          [(await blocker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid],
        );
        waiting = w.rows[0].n;
      }
      expect(waiting).toBe(2);
      await blocker.query('COMMIT');
      results = await both;
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      blocker.release();
    }
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    const left = await db.query(
      `SELECT count(*)::int AS n FROM users WHERE institution_id = $1 AND active AND 'admin' = ANY (roles)`,
      [institution],
    );
    expect(left.rows[0].n).toBe(1);
  });
});

describe('who may change a user', () => {
  it('answers 404 to an admin of another institution, exactly as for an unknown user, and 403 to non-admins', async () => {
    const cuniAdmin = await t.user('cuni', ['admin'], 'other-admin');
    const target = await t.user('uhd', ['reviewer'], 'other-target');
    const before = JSON.stringify(await userRow(target.id));
    const foreign = await patchUser(cuniAdmin.token, target.id, { active: false });
    const unknown = await patchUser(cuniAdmin.token, randomUUID(), { active: false });
    expectProblem(foreign, 404);
    expect(foreign.body).toEqual(unknown.body);
    expectProblem(await patchUser(cuniAdmin.token, 'not-a-uuid', { active: false }), 404);
    const reviewer = await t.user('uhd', ['reviewer'], 'other-reviewer');
    expectProblem(await patchUser(reviewer.token, target.id, { active: false }), 403);
    expectProblem(await t.http().patch(`/api/users/${target.id}`).send({ active: false }), 401);
    expect(JSON.stringify(await userRow(target.id))).toBe(before);
    expect((await me(target.token)).status).toBe(200);
    // The alliance admin administers everyone.
    const renamed = await patchUser(await t.admin(), target.id, { displayName: '  Renamed  ' });
    expect([renamed.status, renamed.body.displayName]).toEqual([200, 'Renamed']);
  });
});

describe('password change', () => {
  it('keeps the calling token, stops every other one, and retires the old password', async () => {
    const u = await t.user('cuni', ['proposer'], 'pw');
    const other = await t.login(u.email, DEFAULT_PASSWORD);
    const change = (token: string, body: unknown) =>
      t
        .http()
        .post('/api/me/password')
        .set(bearer(token))
        .send(body as object);
    const newPassword = 'Another-horse-battery-7';

    const wrong = await change(u.token, { currentPassword: 'Not-the-password-1', newPassword });
    expectProblem(wrong, 400);
    expect(fields(wrong)).toEqual(['currentPassword']);
    for (const [pw, why] of [
      ['short-1', 'too short'],
      ['abcdefghijklmnop', 'letters only'],
      [DEFAULT_PASSWORD, 'unchanged'],
    ]) {
      const res = await change(u.token, { currentPassword: DEFAULT_PASSWORD, newPassword: pw });
      expect([why, res.status, fields(res)]).toEqual([why, 400, ['newPassword']]);
    }
    expectProblem(await change(u.token, { newPassword }), 400);
    expect((await me(other)).status).toBe(200);

    const ok = await change(u.token, { currentPassword: DEFAULT_PASSWORD, newPassword });
    expect([ok.status, ok.text]).toEqual([204, '']);
    expect((await me(u.token)).status).toBe(200);
    expectProblem(await me(other), 401);
    expectProblem(await login(u.email, DEFAULT_PASSWORD), 401);
    const fresh = await t.login(u.email, newPassword);

    // A second change from the new session: the token that survived the first one is an "other" token now.
    const again = await change(fresh, { currentPassword: newPassword, newPassword: 'Third-horse-battery-5' });
    expect(again.status).toBe(204);
    expect([(await me(fresh)).status, (await me(u.token)).status]).toEqual([200, 401]);
  });
});

describe('password reset by an administrator', () => {
  const reset = (token: string, id: string, body: unknown) =>
    t
      .http()
      .post(`/api/users/${id}/password`)
      .set(bearer(token))
      .send(body as object);
  const newPassword = 'Reset-by-the-office-42';

  it('sets a new password, stops every token of the user, retires the old password and audits it without the password', async () => {
    const admin = await t.user('cuni', ['admin'], 'reset-admin');
    const u = await t.user('cuni', ['proposer'], 'forgetful');
    const second = await t.login(u.email, DEFAULT_PASSWORD);
    const { rows: before } = await db.query(
      `SELECT count(*)::int AS n FROM audit_entries WHERE action = 'PASSWORD_RESET'`,
    );

    const ok = await reset(admin.token, u.id, { newPassword });
    expect([ok.status, ok.text]).toEqual([204, '']);
    expect([(await me(u.token)).status, (await me(second)).status]).toEqual([401, 401]);
    expectProblem(await login(u.email, DEFAULT_PASSWORD), 401);
    expect((await me(await t.login(u.email, newPassword))).status).toBe(200);

    const { rows } = await db.query(
      `SELECT institution_id, actor_id, actor_role, data FROM audit_entries
       WHERE action = 'PASSWORD_RESET' ORDER BY seq DESC LIMIT 1`,
    );
    expect(rows[0]).toEqual({
      institution_id: 'cuni',
      actor_id: admin.id,
      actor_role: 'admin',
      data: { userId: u.id, institutionId: 'cuni' },
    });
    const { rows: after } = await db.query(
      `SELECT count(*)::int AS n FROM audit_entries WHERE action = 'PASSWORD_RESET'`,
    );
    expect(after[0].n).toBe(before[0].n + 1);
    const { rows: leaked } = await db.query(
      `SELECT count(*)::int AS n FROM audit_entries WHERE data::text LIKE '%' || $1 || '%'`,
      [newPassword],
    );
    expect(leaked[0].n).toBe(0);
  });

  it("answers 404 across institutions, 403 to non-admins, 409 for one's own password and 400 for a weak one, changing nothing", async () => {
    const admin = await t.user('cuni', ['admin'], 'reset-admin2');
    const foreign = await t.user('uhd', ['reviewer'], 'reset-foreign');
    const local = await t.user('cuni', ['reviewer'], 'reset-local');
    const rows = async () =>
      JSON.stringify([await userRow(foreign.id), await userRow(local.id), await userRow(admin.id)]);
    const before = await rows();

    const cross = await reset(admin.token, foreign.id, { newPassword });
    expectProblem(cross, 404);
    expect(cross.body).toEqual((await reset(admin.token, randomUUID(), { newPassword })).body);
    expectProblem(await reset(admin.token, 'not-a-uuid', { newPassword }), 404);
    expectProblem(await reset(local.token, admin.id, { newPassword }), 403);
    expectProblem(await reset(admin.token, admin.id, { newPassword }), 409, 'own-password');
    for (const body of [
      { newPassword: 'short-1' },
      { newPassword: 'abcdefghijklmnop' },
      {},
      { newPassword: null },
    ]) {
      const res = await reset(admin.token, local.id, body);
      expect([JSON.stringify(body), res.status, fields(res)]).toEqual([
        JSON.stringify(body),
        400,
        ['newPassword'],
      ]);
    }
    expect(await rows()).toBe(before);
    expect((await me(local.token)).status).toBe(200);
    // The alliance admin may reset anyone's.
    expect((await reset(await t.admin(), foreign.id, { newPassword })).status).toBe(204);
  });

  it('lifts the login lock of the account, so the user signs in at once with the new password', async () => {
    const locked = await startServer({
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      LOGIN_MAX_FAILURES_PER_IP: '100000',
    });
    try {
      const adminToken = await locked.admin();
      const u = await locked.user('cuni', ['proposer'], 'locked-out');
      const attempt = (password: string) =>
        locked.http().post('/api/auth/login').send({ email: u.email, password });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await attempt(`Wrong-guess-${i}-xx`)).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect((await attempt(DEFAULT_PASSWORD)).status).toBe(429);

      const ok = await locked
        .http()
        .post(`/api/users/${u.id}/password`)
        .set(bearer(adminToken))
        .send({ newPassword });
      expect(ok.status).toBe(204);
      expect((await attempt(newPassword)).status).toBe(200);
    } finally {
      await locked.stop();
    }
  });
});

describe('GET /api/users filters and paging', () => {
  const tag = `Zq${randomUUID().slice(0, 6)}`;
  // An institution of this describe's own: other suites sharing the database add users to the seeded
  // ones (the visibility matrix at assas), and these tests count every user of the institution.
  const inst = `acct-${randomUUID().slice(0, 8)}`;
  let instAdmin: TestUser;
  const made: Record<string, TestUser> = {};

  beforeAll(async () => {
    const created = await t
      .http()
      .post('/api/institutions')
      .set(bearer(await t.admin()))
      .send({ id: inst, name: 'Accounts Test University', kind: 'university', country: 'FR' });
    expect(created.status).toBe(201);
    instAdmin = await t.user(inst, ['admin'], 'list-admin');
    const specs: Array<[string, Role[]]> = [
      ['r1', ['reviewer']],
      ['r2', ['reviewer', 'proposer']],
      ['p1', ['proposer']],
      ['q1', ['quality_officer']],
      ['gone', ['reviewer']],
    ];
    for (const [name, roles] of specs) {
      const email = `${name}.${randomUUID().slice(0, 6)}@${inst}.test`;
      const res = await t
        .http()
        .post('/api/users')
        .set(bearer(instAdmin.token))
        .send({
          email,
          password: DEFAULT_PASSWORD,
          displayName: `${name === 'r2' ? tag.toUpperCase() : name} Person`,
          institutionId: inst,
          roles,
        });
      expect(res.status).toBe(201);
      made[name] = { id: res.body.id, email, institutionId: inst, roles, token: '' };
    }
    expect((await patchUser(instAdmin.token, made.gone.id, { active: false })).status).toBe(200);
  });

  const list = async (query: string, token?: string) => {
    const res = await t
      .http()
      .get(`/api/users?${query}`)
      .set(bearer(token ?? instAdmin.token));
    return res as unknown as Res & {
      body: { items: Array<Record<string, unknown>>; nextCursor: string | null };
    };
  };
  const ids = (res: { body: { items: Array<Record<string, unknown>> } }) =>
    res.body.items.map((u) => u.id as string);

  it('filters by role, by active and by both', async () => {
    const reviewers = await list('role=reviewer&limit=100');
    expect(reviewers.status).toBe(200);
    expect(ids(reviewers).sort()).toEqual([made.r1.id, made.r2.id, made.gone.id].sort());
    const open = await list('role=reviewer&active=true&limit=100');
    expect(ids(open).sort()).toEqual([made.r1.id, made.r2.id].sort());
    const closed = await list('active=false&limit=100');
    expect(ids(closed)).toEqual([made.gone.id]);
    expect(closed.body.items[0]).toMatchObject({ active: false });
    const all = await list('limit=100');
    expect(ids(all).sort()).toEqual([instAdmin.id, ...Object.values(made).map((u) => u.id)].sort());
  });

  it('matches q against the display name or the e-mail, in any letter case, and literally', async () => {
    expect(ids(await list(`q=${tag.toLowerCase()}`))).toEqual([made.r2.id]);
    expect(ids(await list(`q=${encodeURIComponent(made.q1.email.toUpperCase())}`))).toEqual([made.q1.id]);
    expect(ids(await list('q=%25'))).toEqual([]);
    expect(ids(await list('q=_'))).toEqual([]);
    // An empty search box is no filter.
    expect((await list('q=&limit=100')).body.items).toHaveLength(6);
    // The alliance admin searches every institution; an institution admin only its own.
    expect(ids(await list(`q=${tag}`, await t.admin()))).toEqual([made.r2.id]);
    const cuniAdmin = await t.user('cuni', ['admin'], 'list-cuni');
    expect(ids(await list(`q=${tag}`, cuniAdmin.token))).toEqual([]);
    expectProblem(await list(`institutionId=${inst}`, cuniAdmin.token), 403);
  });

  it('pages with a stable cursor: no repeats or gaps, even when users are added between pages', async () => {
    const whole = ids(await list(`institutionId=${inst}&limit=100`));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let added: string | undefined;
    do {
      const res = await list(`institutionId=${inst}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(res));
      cursor = res.body.nextCursor;
      if (++pages === 1) added = (await t.user(inst, ['reviewer'], 'late')).id;
    } while (cursor);
    expect(seen).toEqual([...whole, added]);
  });

  it('caps or refuses limits and refuses bad filters with 400 naming the field', async () => {
    expect((await list('limit=1000000000')).body.items.length).toBeLessThanOrEqual(100);
    expect((await list('limit=0')).body.items).toHaveLength(1);
    expect((await list('limit=-3')).body.items).toHaveLength(1);
    // Not a whole number: one message saying what a limit is, not the range checks as well.
    for (const query of ['limit=abc', 'limit=1.5']) {
      const res = await list(query);
      expect([query, res.status, res.body.errors]).toEqual([
        query,
        400,
        [{ field: 'limit', message: 'limit must be a positive integer' }],
      ]);
    }
    const cases: Array<[string, string]> = [
      ['limit=abc', 'limit'],
      ['role=dean', 'role'],
      ['active=maybe', 'active'],
      [`q=${'x'.repeat(201)}`, 'q'],
      ['cursor=bogus', 'cursor'],
      ['colour=red', 'colour'],
    ];
    for (const [query, field] of cases) {
      const res = await list(query);
      expect([query, res.status, fields(res)]).toEqual([query, 400, [field]]);
    }
  });

  it('lists the accounts still waiting for roles, and gives one account to the admins who may see it', async () => {
    // As after a first sign-in through the university: an account with no role yet.
    const waiting = await t.user(inst, ['reviewer'], 'waiting');
    await db.query(`UPDATE users SET roles = '{}' WHERE id = $1`, [waiting.id]);
    try {
      expect(ids(await list('withoutRoles=true&limit=100'))).toEqual([waiting.id]);
      expect(ids(await list('withoutRoles=false&limit=100'))).not.toContain(waiting.id);
      expect(fields(await list('withoutRoles=maybe'))).toEqual(['withoutRoles']);
      const one = await t.http().get(`/api/users/${waiting.id}`).set(bearer(instAdmin.token));
      expect([one.status, one.body]).toEqual([
        200,
        expect.objectContaining({ id: waiting.id, email: waiting.email, roles: [], active: true }),
      ]);
      expect(JSON.stringify(one.body)).not.toMatch(/hash|password/i);
      const cuniAdmin = await t.user('cuni', ['admin'], 'get-cuni');
      expectProblem(await t.http().get(`/api/users/${waiting.id}`).set(bearer(cuniAdmin.token)), 404);
      expectProblem(await t.http().get('/api/users/not-a-uuid').set(bearer(instAdmin.token)), 404);
    } finally {
      await db.query(`UPDATE users SET roles = '{reviewer}' WHERE id = $1`, [waiting.id]);
    }
  });
});

describe('audit of account changes', () => {
  it('records creation, update, deactivation, reactivation and password change in the user’s log, with no password, hash or personal data; the chains verify', async () => {
    const admin = await t.user('ucph', ['admin'], 'audit-admin');
    const email = `audited.${randomUUID().slice(0, 6)}@ucph.test`;
    const created = await t
      .http()
      .post('/api/users')
      .set(bearer(admin.token))
      .send({
        email,
        password: DEFAULT_PASSWORD,
        displayName: 'Audited Person',
        institutionId: 'ucph',
        roles: ['reviewer'],
      });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const token = await t.login(email, DEFAULT_PASSWORD);
    const newPassword = 'Audited-horse-battery-3';
    expect(
      (
        await t
          .http()
          .post('/api/me/password')
          .set(bearer(token))
          .send({ currentPassword: DEFAULT_PASSWORD, newPassword })
      ).status,
    ).toBe(204);
    expect(
      (await patchUser(admin.token, id, { displayName: 'Renamed Person', roles: ['reviewer', 'proposer'] }))
        .status,
    ).toBe(200);
    expect((await patchUser(await t.admin(), id, { active: false })).status).toBe(200);
    expect((await patchUser(admin.token, id, { active: true })).status).toBe(200);
    // A PATCH that changes nothing writes nothing.
    const heads = await auditHeads();
    expect((await patchUser(admin.token, id, { active: true, roles: ['proposer', 'reviewer'] })).status).toBe(
      200,
    );
    expect(await auditHeads()).toBe(heads);

    const { rows } = await db.query(
      `SELECT institution_id, action, actor_id, actor_role, data, canonical FROM audit_entries
       WHERE data->>'userId' = $1 ORDER BY institution_id, seq`,
      [id],
    );
    const allianceId = (await me(await t.admin())).body.id as string;
    const meta = (r: Record<string, unknown>) => [r.institution_id, r.action, r.actor_id, r.actor_role];
    expect(rows.map(meta)).toEqual([
      ['4euplus', 'USER_DEACTIVATE', allianceId, 'admin'],
      ['ucph', 'USER_CREATE', admin.id, 'admin'],
      ['ucph', 'PASSWORD_CHANGE', id, null],
      ['ucph', 'USER_UPDATE', admin.id, 'admin'],
      ['ucph', 'USER_DEACTIVATE', allianceId, 'admin'],
      ['ucph', 'USER_UPDATE', admin.id, 'admin'],
    ]);
    const ucph = rows.filter((r) => r.institution_id === 'ucph').map((r) => r.data);
    expect(ucph[1]).toEqual({ userId: id, institutionId: 'ucph' });
    expect(ucph[2]).toEqual({
      userId: id,
      institutionId: 'ucph',
      changes: [
        { field: 'displayName', change: 'changed' },
        { field: 'roles', change: 'changed', before: ['reviewer'], after: ['reviewer', 'proposer'] },
      ],
    });
    expect(ucph[3]).toEqual({
      userId: id,
      institutionId: 'ucph',
      changes: [{ field: 'active', change: 'changed', before: true, after: false }],
    });
    expect(ucph[4].changes).toEqual([{ field: 'active', change: 'changed', before: false, after: true }]);

    const { rows: hashRows } = await db.query(`SELECT password_hash FROM users WHERE id = $1`, [id]);
    const raw = JSON.stringify(rows);
    for (const secret of [
      DEFAULT_PASSWORD,
      newPassword,
      hashRows[0].password_hash as string,
      '$argon2',
      email,
      'Audited Person',
      'Renamed Person',
    ])
      expect([secret, raw.includes(secret)]).toEqual([secret, false]);

    const alliance = await t.admin();
    for (const institution of ['ucph', '4euplus']) {
      const v = await t.http().get(`/api/institutions/${institution}/audit/verify`).set(bearer(alliance));
      expect([institution, v.status, v.body.valid]).toEqual([institution, 200, true]);
    }
    const search = await t
      .http()
      .get(`/api/institutions/ucph/audit?action=PASSWORD_CHANGE&actorId=${id}`)
      .set(bearer(admin.token));
    expect(search.status).toBe(200);
    expect(search.body.items).toHaveLength(1);
    const csv = await t.http().get('/api/institutions/ucph/audit/export?format=csv').set(bearer(admin.token));
    expect(csv.status).toBe(200);
    const lines = csv.text.split('\n').filter((l) => l.includes(id));
    expect(lines.length).toBe(5);
    expect(csv.text).not.toContain('$argon2');
  });
});

describe('reminders and closed accounts', () => {
  it('sends no reminder or escalation to a closed account, while its open colleagues get them', async () => {
    const s = await startServer({
      REMINDER_FIRST_AFTER_MS: '400',
      REMINDER_INTERVAL_MS: '500',
      ESCALATION_AFTER_MS: '1500',
      RECONCILE_INTERVAL_MS: '500',
      QUEUE_LOCK_MS: '1500',
    });
    try {
      const w = await new ReviewWorld(s).setUp(['cuniProposer', 'uhdReviewer', 'uhdAdmin', 'allianceAdmin']);
      const leaver = await s.user('uhd', ['reviewer', 'admin'], 'closed-leaver');
      expect((await patchUser(await s.admin(), leaver.id, { active: false })).status).toBe(200);
      const { revenueShares: _unused, ...content } = VALID_CONTENT;
      const p = await w.create(content, ['uhd', 'su']);
      await w.ok(p.id, 'cuniProposer', 'SUBMIT');
      const counts = async () => {
        const { rows } = await db.query(
          `SELECT user_id, kind FROM notifications WHERE proposal_id = $1 AND user_id = ANY ($2::uuid[])`,
          [p.id, [leaver.id, w.users.get('uhdReviewer')!.id, w.users.get('uhdAdmin')!.id]],
        );
        return rows as Array<{ user_id: string; kind: string }>;
      };
      await waitFor('a reminder and an escalation at uhd', async () => {
        const r = await counts();
        return r.some((n) => n.kind === 'reminder') && r.some((n) => n.kind === 'escalation');
      });
      expect((await counts()).filter((n) => n.user_id === leaver.id)).toEqual([]);
    } finally {
      // Test isolation: the other server shares the database and would go on reminding.
      await db.query(`UPDATE reminder_schedule SET status = 'cancelled' WHERE status = 'pending'`);
      await s.stop();
    }
  });
});
