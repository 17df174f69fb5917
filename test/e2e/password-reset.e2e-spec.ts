import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { waitFor } from '../support/redis.js';
import { MailCatcher, type Mail } from '../support/smtp.js';
import { bearer, DEFAULT_PASSWORD, startServer, testPool, type TestServer } from '../support/server.js';

const NEW_PASSWORD = 'A-brand-new-passw0rd';
const PUBLIC_URL = 'https://qa.4euplus.test';
let t: TestServer;
let db: pg.Pool;
let catcher: MailCatcher;
let mails: Mail[];
const linkFor = (email: string, after = 0) => catcher.resetToken(email, after);

const ask = (email: string) => t.http().post('/api/auth/password-reset').send({ email });
const confirm = (token: string, newPassword = NEW_PASSWORD) =>
  t.http().post('/api/auth/password-reset/confirm').send({ token, newPassword });

beforeAll(async () => {
  catcher = await new MailCatcher().start();
  mails = catcher.mails;
  t = await startServer({
    SMTP_URL: catcher.url,
    PUBLIC_URL,
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
    RECONCILE_INTERVAL_MS: '500',
  });
  db = testPool();
});
afterAll(async () => {
  await t?.stop();
  await db?.end();
  await catcher?.stop();
});

describe('password reset by e-mail', () => {
  it('tells the sign-in page that a forgotten password can be reset by e-mail, and for how long a link works', async () => {
    const res = await t.http().get('/api/auth/password-reset');
    expect([res.status, res.body]).toEqual([200, { enabled: true, minutes: 30 }]);
  });

  it('e-mails a link that sets a new password once, ends every session and is audited without a secret', async () => {
    const user = await t.user('cuni', ['reviewer'], 'forgetful');
    const asked = await t
      .http()
      .post('/api/auth/password-reset')
      .set('Host', 'evil.example')
      .set('X-Forwarded-Host', 'evil.example')
      .send({ email: ` ${user.email.toUpperCase()} ` });
    expect([asked.status, asked.text]).toEqual([202, '']);
    const token = await linkFor(user.email);
    // The link comes from PUBLIC_URL, never from the request's Host.
    const mail = mails.find((m) => m.to === user.email)!;
    expect(mail.text).toContain(`${PUBLIC_URL}/reset-password#token=${token}`);
    // Only the token's hash is kept, and the outbox holds no working link (the sender fills it in).
    const { rows: links } = await db.query(`SELECT token_hash FROM password_reset_links WHERE user_id = $1`, [
      user.id,
    ]);
    expect(links.map((l) => Buffer.from(l.token_hash).toString('hex'))).toEqual([
      createHash('sha256').update(token).digest('hex'),
    ]);
    const { rows: outbox } = await db.query(
      `SELECT o.status, o.body FROM email_outbox o JOIN password_reset_links l ON l.id = o.password_reset_link_id
        WHERE l.user_id = $1`,
      [user.id],
    );
    expect(outbox).toHaveLength(1);
    expect(outbox[0].body).not.toContain(token);
    // The account is in this process's cache before the reset: the reset must evict it.
    expect((await t.http().get('/api/me').set(bearer(user.token))).status).toBe(200);

    // A weak password is refused and the link keeps working.
    const weak = await confirm(token, 'short');
    expect([weak.status, weak.body.errors?.[0]?.field]).toEqual([400, 'newPassword']);
    expect((await confirm(token)).status).toBe(204);
    expect((await t.http().get('/api/me').set(bearer(user.token))).status).toBe(401);
    expect(
      (await t.http().post('/api/auth/login').send({ email: user.email, password: DEFAULT_PASSWORD })).status,
    ).toBe(401);
    expect(await t.login(user.email, NEW_PASSWORD)).toEqual(expect.any(String));
    // Once only.
    const again = await confirm(token, 'Yet-another-passw0rd');
    expect([again.status, again.body.errors?.[0]?.field]).toEqual([400, 'token']);

    const audit = await t
      .http()
      .get('/api/institutions/cuni/audit?action=PASSWORD_RESET_BY_EMAIL')
      .set(bearer(await t.admin()));
    const entry = audit.body.items.find((e: { data: { userId: string } }) => e.data.userId === user.id);
    expect(entry).toMatchObject({ actorId: user.id, actorRole: null, data: { via: 'email' } });
    expect(JSON.stringify(entry)).not.toContain(token);
    for (const secret of [NEW_PASSWORD, DEFAULT_PASSWORD, '$argon2', user.email])
      expect(JSON.stringify(entry)).not.toContain(secret);
  });

  it('answers an unknown address, a closed account and an account of a university-sign-in-only institution like any other, and mails none of them', async () => {
    const closed = await t.user('uhd', ['reviewer'], 'closed');
    await t
      .http()
      .patch(`/api/users/${closed.id}`)
      .set(bearer(await t.admin()))
      .send({ active: false });
    const ssoOnly = await t.user('su', ['reviewer'], 'sso-only');
    await db.query(`UPDATE institutions SET password_login_disabled = true WHERE id = 'su'`);
    try {
      const before = mails.length;
      for (const email of ['nobody@cuni.test', closed.email, ssoOnly.email])
        expect([(await ask(email)).status, (await ask(email)).text]).toEqual([202, '']);
      // A known account asked last: once its e-mail arrived, the others would have too.
      const marker = await t.user('cuni', ['proposer'], 'marker');
      await ask(marker.email);
      await linkFor(marker.email, before);
      expect(mails.slice(before).map((m) => m.to)).toEqual([marker.email]);
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM email_outbox WHERE to_address = ANY($1)`,
        [[closed.email, ssoOnly.email, 'nobody@cuni.test']],
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await db.query(`UPDATE institutions SET password_login_disabled = false WHERE id = 'su'`);
    }
  });

  it('refuses a link replaced by a newer one and an expired link, naming the token', async () => {
    const user = await t.user('cuni', ['reviewer'], 'twice');
    let before = mails.length;
    await ask(user.email);
    const first = await linkFor(user.email, before);
    before = mails.length;
    await ask(user.email);
    const second = await linkFor(user.email, before);
    const replaced = await confirm(first);
    expect([replaced.status, replaced.body.errors?.[0]?.field]).toEqual([400, 'token']);
    await db.query(
      `UPDATE password_reset_links SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND used_at IS NULL`,
      [user.id],
    );
    const expired = await confirm(second);
    expect([expired.status, expired.body.errors?.[0]?.field]).toEqual([400, 'token']);
    // Nothing changed: the old password still signs in.
    expect(await t.login(user.email, DEFAULT_PASSWORD)).toEqual(expect.any(String));
    for (const body of [{}, { token: 'not-a-token', newPassword: NEW_PASSWORD }, { token: second }]) {
      const res = await t.http().post('/api/auth/password-reset/confirm').send(body);
      expect(res.status).toBe(400);
    }
    expect((await ask('not an address')).body.errors?.[0]?.field).toBe('email');
  });

  it('ends a link when the password is changed or reset otherwise, or the account is closed', async () => {
    const user = await t.user('cuni', ['reviewer'], 'ended');
    const admin = bearer(await t.admin());
    const linkThen = async (change: () => Promise<unknown>) => {
      const before = mails.length;
      await ask(user.email);
      const token = await linkFor(user.email, before);
      await change();
      const res = await confirm(token, 'Never-set-passw0rd-1');
      expect([res.status, res.body.errors?.[0]?.field]).toEqual([400, 'token']);
    };
    await linkThen(() =>
      t
        .http()
        .post(`/api/users/${user.id}/password`)
        .set(admin)
        .send({ newPassword: 'Admin-set-passw0rd-2' }),
    );
    const token = await t.login(user.email, 'Admin-set-passw0rd-2');
    await linkThen(() =>
      t
        .http()
        .post('/api/me/password')
        .set(bearer(token))
        .send({ currentPassword: 'Admin-set-passw0rd-2', newPassword: 'Own-new-passw0rd-3' }),
    );
    // Closed and opened again: the link from before stays dead.
    await linkThen(async () => {
      await t.http().patch(`/api/users/${user.id}`).set(admin).send({ active: false });
      await t.http().patch(`/api/users/${user.id}`).set(admin).send({ active: true });
    });
    expect(await t.login(user.email, 'Own-new-passw0rd-3')).toEqual(expect.any(String));
  });

  it('lets only one of two uses of a link at once set the password', async () => {
    const user = await t.user('cuni', ['reviewer'], 'racing');
    const before = mails.length;
    await ask(user.email);
    const token = await linkFor(user.email, before);
    const answers = await Promise.all([
      confirm(token, 'First-racer-passw0rd'),
      confirm(token, 'Second-racer-passw0rd'),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([204, 400]);
  });

  it('does not send a link that stopped working before the mail server took it', async () => {
    const user = await t.user('cuni', ['reviewer'], 'unsent');
    catcher.refuse = true;
    try {
      await ask(user.email);
      await waitFor('a refused attempt', async () => {
        const { rows } = await db.query(
          `SELECT o.attempts FROM email_outbox o JOIN password_reset_links l ON l.id = o.password_reset_link_id
            WHERE l.user_id = $1`,
          [user.id],
        );
        return rows[0]?.attempts > 0;
      });
      await db.query(`UPDATE password_reset_links SET expires_at = now() WHERE user_id = $1`, [user.id]);
    } finally {
      catcher.refuse = false;
    }
    // Reconciliation every 500 ms and the queue's retries would have sent it by now.
    const marker = await t.user('cuni', ['proposer'], 'sent-after');
    const before = mails.length;
    await ask(marker.email);
    await linkFor(marker.email, before);
    await new Promise((r) => setTimeout(r, 2000));
    expect(mails.filter((m) => m.to === user.email)).toEqual([]);
    // It does not wait as pending for ever: the worker's sweep marks it void.
    await waitFor('the e-mail of the dead link voided', async () => {
      const { rows } = await db.query(
        `SELECT o.status FROM email_outbox o JOIN password_reset_links l ON l.id = o.password_reset_link_id
          WHERE l.user_id = $1`,
        [user.id],
      );
      return rows.length === 1 && rows[0].status === 'void';
    });
  });

  it('forgets reset links, and their e-mails, a week after they stopped working, and keeps younger ones', async () => {
    const old = await t.user('cuni', ['reviewer'], 'old-link');
    const young = await t.user('cuni', ['reviewer'], 'young-link');
    for (const u of [old, young]) {
      const before = mails.length;
      await ask(u.email);
      await linkFor(u.email, before);
    }
    const linksOf = async (userId: string) =>
      (
        await db.query(
          `SELECT l.id, o.id AS outbox FROM password_reset_links l
             LEFT JOIN email_outbox o ON o.password_reset_link_id = l.id WHERE l.user_id = $1`,
          [userId],
        )
      ).rows;
    expect((await linksOf(old.id)).map((r) => r.outbox !== null)).toEqual([true]);
    // Used eight days ago, and expired six days ago (unused): one is past keeping, the other not yet.
    await db.query(
      `UPDATE password_reset_links SET used_at = now() - interval '8 days', created_at = now() - interval '8 days'
        WHERE user_id = $1`,
      [old.id],
    );
    await db.query(
      `UPDATE password_reset_links SET expires_at = now() - interval '6 days', created_at = now() - interval '6 days'
        WHERE user_id = $1`,
      [young.id],
    );
    await waitFor('the old link removed', async () => (await linksOf(old.id)).length === 0);
    // Several sweeps (every 500 ms) later, the younger one is still there, with its e-mail.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await linksOf(young.id)).map((r) => r.outbox !== null)).toEqual([true]);
  });

  it('sends at most three links per address in a window, and a reset lifts the login lock', async () => {
    const user = await t.user('cuni', ['reviewer'], 'locked');
    for (let i = 0; i < 3; i++)
      await t.http().post('/api/auth/login').send({ email: user.email, password: 'Wrong-passw0rd-x' });
    const locked = await t
      .http()
      .post('/api/auth/login')
      .send({ email: user.email, password: DEFAULT_PASSWORD });
    expect(locked.status).toBe(429);

    const before = mails.length;
    for (let i = 0; i < 3; i++) expect((await ask(user.email)).status).toBe(202);
    const flooded = await ask(user.email);
    expect(flooded.status).toBe(429);
    expect(Number(flooded.headers['retry-after'])).toBeGreaterThan(0);
    // Each link replaced the one before, and an e-mail whose link was replaced before it left is not
    // sent: of the links that arrive, exactly the newest works.
    const tried = new Map<string, number>();
    await waitFor('the link that works', async () => {
      for (const m of mails.slice(before).filter((x) => x.to === user.email)) {
        const token = /#token=([A-Za-z0-9_-]{43})/.exec(m.text)?.[1] ?? '';
        if (!tried.has(token)) tried.set(token, (await confirm(token)).status);
      }
      return [...tried.values()].includes(204);
    });
    expect([...tried.values()].filter((status) => status === 204)).toHaveLength(1);
    expect(await t.login(user.email, NEW_PASSWORD)).toEqual(expect.any(String));
  });
});

describe('without SMTP', () => {
  let bare: TestServer;
  beforeAll(async () => {
    bare = await startServer();
  });
  afterAll(async () => {
    await bare?.stop();
  });

  it('says reset by e-mail is off and answers 404 problem+json to a request', async () => {
    expect((await bare.http().get('/api/auth/password-reset')).body).toEqual({ enabled: false, minutes: 30 });
    const res = await bare.http().post('/api/auth/password-reset').send({ email: 'someone@cuni.test' });
    expect([res.status, res.headers['content-type']]).toEqual([404, expect.stringMatching(/problem\+json/)]);
  });
});
