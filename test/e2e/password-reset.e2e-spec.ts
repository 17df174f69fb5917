import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { waitFor } from '../support/redis.js';
import { MailCatcher, type Mail } from '../support/smtp.js';
import { bearer, DEFAULT_PASSWORD, startServer, testPool, type TestServer } from '../support/server.js';

const NEW_PASSWORD = 'A-brand-new-passw0rd';
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
  t = await startServer({ SMTP_URL: catcher.url, LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
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
    const asked = await ask(user.email.toUpperCase());
    expect([asked.status, asked.text]).toEqual([202, '']);
    const token = await linkFor(user.email);
    // Only the token's hash is kept, and the sent e-mail's copy of the link is gone.
    const { rows: links } = await db.query(
      `SELECT l.token_hash FROM password_reset_links l JOIN users u ON u.id = l.user_id WHERE u.id = $1`,
      [user.id],
    );
    expect(links).toHaveLength(1);
    expect(Buffer.from(links[0].token_hash).toString('base64url')).not.toBe(token);
    await waitFor('the outbox row sent and emptied', async () => {
      const { rows } = await db.query(
        `SELECT status, body FROM email_outbox WHERE purpose = 'password-reset' AND to_address = $1`,
        [user.email],
      );
      return rows.length === 1 && rows[0].status === 'sent' && rows[0].body === '';
    });

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
    await waitFor(
      'three e-mails',
      async () => mails.slice(before).filter((m) => m.to === user.email).length === 3,
    );
    // Each link replaced the one before; the e-mails may arrive in any order, but exactly one works.
    const tokens = mails
      .slice(before)
      .filter((m) => m.to === user.email)
      .map((m) => /#token=([A-Za-z0-9_-]{43})/.exec(m.text)?.[1] ?? '');
    const answers: number[] = [];
    for (const token of tokens) answers.push((await confirm(token)).status);
    expect(answers.sort()).toEqual([204, 400, 400]);
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
