import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { TEST_CLIENT, TestBrowser, TestProvider, sessionToken } from '../support/oidc.js';
import {
  bearer,
  DEFAULT_PASSWORD,
  freePort,
  MAIN,
  startProcess,
  testEnv,
  testPool,
  TestServer,
  waitForHttp,
} from '../support/server.js';

let op: TestProvider;
let t: TestServer;
let db: pg.Pool;
let appUrl: string;

beforeAll(async () => {
  const [appPort, opPort] = [await freePort(), await freePort()];
  appUrl = `http://127.0.0.1:${appPort}`;
  op = await TestProvider.start(opPort, `${appUrl}/api/auth/oidc/callback`);
  const env = testEnv({
    PORT: String(appPort),
    PUBLIC_URL: appUrl,
    OIDC_ISSUER: op.issuer,
    OIDC_CLIENT_ID: TEST_CLIENT.id,
    OIDC_CLIENT_SECRET: TEST_CLIENT.secret,
  });
  const proc = startProcess(MAIN, env);
  await waitForHttp(`${appUrl}/health`, proc);
  t = new TestServer(appUrl, env, proc);
  db = testPool();
  const admin = bearer(await t.admin());
  for (const [id, domains] of [
    ['cuni', ['cuni.cz']],
    ['uhd', ['uni-heidelberg.de']],
  ] as const) {
    const res = await t.http().patch(`/api/institutions/${id}`).set(admin).send({ domains });
    expect([res.status, res.body.domains]).toEqual([200, domains]);
  }
});
afterAll(async () => {
  try {
    // The database is the run's, shared with the suites after this one: the seeded institutions go
    // back to how they were (no domains, password sign-in allowed).
    if (t) {
      const admin = bearer(await t.admin());
      for (const id of ['cuni', 'uhd', 'uw', 'unimi']) {
        const res = await t
          .http()
          .patch(`/api/institutions/${id}`)
          .set(admin)
          .send({ domains: [], passwordLoginDisabled: false });
        expect(res.status).toBe(200);
      }
    }
  } finally {
    await db?.end();
    await t?.stop();
    await op?.stop();
  }
});

/** A person at the provider; returns the login_hint naming them. */
async function person(claims: Record<string, unknown>): Promise<string> {
  const id = `p-${randomUUID()}`;
  await op.account(id, { name: 'Test Person', ...claims });
  return id;
}

const uniqueEmail = (domain: string) => `${randomUUID().slice(0, 8)}@${domain}`;

function refusedWith(res: Response, reason: string) {
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe(`/sign-in-refused?reason=${reason}`);
  expect(sessionToken(res)).toBeNull();
}

async function countUsers(email: string): Promise<number> {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM users WHERE lower(email) = $1`, [email]);
  return rows[0].n as number;
}

describe('university sign-in (OpenID Connect)', () => {
  it('says it is enabled and starts with PKCE S256, state and nonce kept in an HttpOnly SameSite=Lax cookie', async () => {
    const config = await t.http().get('/api/auth/oidc/config');
    expect(config.body).toEqual({ enabled: true, loginUrl: '/api/auth/oidc/login' });
    const res = await new TestBrowser().get(`${appUrl}/api/auth/oidc/login`);
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get('location') as string);
    expect(url.origin).toBe(op.issuer);
    expect(Object.fromEntries(url.searchParams)).toEqual(
      expect.objectContaining({
        client_id: TEST_CLIENT.id,
        redirect_uri: `${appUrl}/api/auth/oidc/callback`,
        response_type: 'code',
        scope: 'openid email profile schac_home_organization',
        code_challenge_method: 'S256',
        code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        state: expect.any(String),
        nonce: expect.any(String),
      }),
    );
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('mc_oidc_tx='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\/api\/auth\/oidc/);
    // The verifier is not readable from the cookie.
    expect(cookie).not.toContain(url.searchParams.get('state') as string);
  });

  it('creates a first-time user without roles in the institution of their home organisation, who waits for an administrator', async () => {
    const cuniAdmin = await t.user('cuni', ['admin'], 'cuni-admin');
    const closedAdmin = await t.user('cuni', ['admin'], 'closed-cuni-admin');
    const closed = await t
      .http()
      .patch(`/api/users/${closedAdmin.id}`)
      .set(bearer(await t.admin()))
      .send({ active: false });
    expect(closed.status).toBe(200);
    const email = uniqueEmail('cuni.cz');
    const who = await person({ email, email_verified: true, schac_home_organization: 'cuni.cz' });
    const res = await new TestBrowser().signIn(appUrl, who);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('mc_session='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);
    const token = sessionToken(res) as string;

    const me = await t.http().get('/api/me').set(bearer(token));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      email,
      displayName: 'Test Person',
      roles: [],
      waitingForRoles: true,
      institution: { id: 'cuni' },
    });
    // Nothing else until an administrator grants roles.
    const proposals = await t.http().get('/api/proposals').set(bearer(token));
    expect([proposals.status, proposals.body.type]).toEqual([403, 'urn:microcred:problem:no-roles']);

    const audit = await t
      .http()
      .get(`/api/institutions/cuni/audit?action=USER_CREATE`)
      .set(bearer(await t.admin()));
    const entry = (audit.body.items as Array<{ data: Record<string, unknown> }>).find(
      (e) => e.data.userId === me.body.id,
    );
    expect(entry?.data).toEqual({
      userId: me.body.id,
      institutionId: 'cuni',
      roles: [],
      via: 'oidc',
      issuer: op.issuer,
    });

    const notes = await t.http().get('/api/me/notifications').set(bearer(cuniAdmin.token));
    expect(notes.body.items).toContainEqual(
      expect.objectContaining({ kind: 'user-waiting', subjectUserId: me.body.id, proposalId: null }),
    );
    // A closed account is told nothing.
    const { rows: toClosed } = await db.query(
      `SELECT count(*)::int AS n FROM notifications WHERE user_id = $1`,
      [closedAdmin.id],
    );
    expect(toClosed[0].n).toBe(0);

    // Returning: found by (issuer, sub), no second account.
    const again = await new TestBrowser().signIn(appUrl, who);
    const me2 = await t
      .http()
      .get('/api/me')
      .set(bearer(sessionToken(again) as string));
    expect(me2.body.id).toBe(me.body.id);
    expect(await countUsers(email)).toBe(1);
  });

  it('links a first sign-in to the existing local account with the same e-mail when the provider verified it', async () => {
    const local = await t.user('uhd', ['reviewer'], 'uhd-reviewer');
    const who = await person({
      email: local.email.toUpperCase(),
      email_verified: true,
      schac_home_organization: 'uni-heidelberg.de',
    });
    const res = await new TestBrowser().signIn(appUrl, who);
    expect(res.status).toBe(303);
    const me = await t
      .http()
      .get('/api/me')
      .set(bearer(sessionToken(res) as string));
    expect(me.body).toMatchObject({ id: local.id, roles: ['reviewer'], waitingForRoles: false });
    const { rows } = await db.query(`SELECT user_id FROM user_identities WHERE subject = $1`, [who]);
    expect(rows).toEqual([{ user_id: local.id }]);
  });

  it('never links to an existing account by an e-mail address the provider did not verify', async () => {
    const local = await t.user('cuni', ['proposer'], 'cuni-proposer');
    const who = await person({
      email: local.email,
      email_verified: false,
      schac_home_organization: 'cuni.cz',
    });
    refusedWith(await new TestBrowser().signIn(appUrl, who), 'email-not-verified');
    const { rows } = await db.query(`SELECT 1 FROM user_identities WHERE subject = $1`, [who]);
    expect(rows).toEqual([]);
    expect(await countUsers(local.email)).toBe(1);
  });

  it('refuses a person whose home organisation is no institution of the alliance', async () => {
    const email = uniqueEmail('elsewhere.example');
    const who = await person({ email, email_verified: true, schac_home_organization: 'elsewhere.example' });
    refusedWith(await new TestBrowser().signIn(appUrl, who), 'unknown-organisation');
    expect(await countUsers(email)).toBe(0);
  });

  it('refuses a callback whose state is not the one this browser started with, and one from another browser', async () => {
    const who = await person({
      email: uniqueEmail('cuni.cz'),
      email_verified: true,
      schac_home_organization: 'cuni.cz',
    });
    const browser = new TestBrowser();
    const { callbackUrl } = await browser.authorize(appUrl, who);
    const wrong = new URL(callbackUrl);
    wrong.searchParams.set('state', 'forged-state');
    refusedWith(await browser.get(wrong.href), 'state-mismatch');

    // Login CSRF: the callback of someone else's sign-in, in a browser that started none.
    const { callbackUrl: theirs } = await new TestBrowser().authorize(appUrl, who);
    refusedWith(await new TestBrowser().get(theirs), 'sign-in-expired');
  });

  it('refuses a replayed authorization code even with the original transaction cookie', async () => {
    const who = await person({
      email: uniqueEmail('cuni.cz'),
      email_verified: true,
      schac_home_organization: 'cuni.cz',
    });
    const browser = new TestBrowser();
    const { callbackUrl } = await browser.authorize(appUrl, who);
    const host = new URL(appUrl).host;
    const tx = browser.cookies(host).get('mc_oidc_tx');
    const first = await browser.get(callbackUrl);
    expect(first.status).toBe(303);
    expect(sessionToken(first)).not.toBeNull();
    // The callback cleared the cookie; an attacker who kept it replays both.
    expect(browser.cookies(host).has('mc_oidc_tx')).toBe(false);
    browser.cookies(host).set('mc_oidc_tx', tx!);
    refusedWith(await browser.get(callbackUrl), 'token-rejected');
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent', async () => {
    const email = uniqueEmail('cuni.cz');
    const who = await person({ email, email_verified: true, schac_home_organization: 'cuni.cz' });
    const res = await new TestBrowser().signIn(appUrl, who, (url) =>
      url.searchParams.set('nonce', 'another-nonce'),
    );
    refusedWith(res, 'token-rejected');
    expect(await countUsers(email)).toBe(0);
  });

  it('reports an error answer of the provider (the person cancelled or is unknown there)', async () => {
    refusedWith(await new TestBrowser().signIn(appUrl, 'nobody-at-the-provider'), 'provider-error');
  });

  it('makes one user of one person signing in for the first time in two browsers at once', async () => {
    const email = uniqueEmail('cuni.cz');
    const who = await person({ email, email_verified: true, schac_home_organization: 'cuni.cz' });
    const [a, b] = [new TestBrowser(), new TestBrowser()];
    const [ca, cb] = [await a.authorize(appUrl, who), await b.authorize(appUrl, who)];
    const [ra, rb] = await Promise.all([a.get(ca.callbackUrl), b.get(cb.callbackUrl)]);
    const ids = await Promise.all(
      [ra, rb].map(async (r) => {
        expect(r.status).toBe(303);
        const me = await t
          .http()
          .get('/api/me')
          .set(bearer(sessionToken(r) as string));
        return me.body.id as string;
      }),
    );
    expect(ids[0]).toBe(ids[1]);
    expect(await countUsers(email)).toBe(1);
  });

  it('refuses an ID token that has already expired', async () => {
    const email = uniqueEmail('cuni.cz');
    const who = await person({ email, email_verified: true, schac_home_organization: 'cuni.cz' });
    const browser = new TestBrowser();
    const { callbackUrl } = await browser.authorize(appUrl, who);
    // The provider issues the tokens two hours in the past: exp (iat + 1 h) is an hour ago.
    await op.clock(-2 * 3600_000);
    try {
      refusedWith(await browser.get(callbackUrl), 'token-rejected');
    } finally {
      await op.clock(0);
    }
    expect(await countUsers(email)).toBe(0);
  });
});

describe('institution sign-in settings', () => {
  it('lets an institution admin disable password sign-in for its users, with a clear 403 only after a right password', async () => {
    const admin = await t.user('uw', ['admin'], 'uw-admin');
    const member = await t.user('uw', ['reviewer'], 'uw-reviewer');
    const other = await t.user('unige', ['reviewer'], 'unige-reviewer');
    const res = await t
      .http()
      .patch('/api/institutions/uw')
      .set(bearer(admin.token))
      .send({ passwordLoginDisabled: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'uw', passwordLoginDisabled: true, domains: [] });

    const refused = await t
      .http()
      .post('/api/auth/login')
      .send({ email: member.email, password: DEFAULT_PASSWORD });
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.type).toBe('urn:microcred:problem:password-login-disabled');
    // A wrong password still gets the ordinary 401: the setting reveals nothing to a guesser.
    const wrong = await t
      .http()
      .post('/api/auth/login')
      .send({ email: member.email, password: 'not-it-at-all-1' });
    expect(wrong.status).toBe(401);
    const elsewhere = await t
      .http()
      .post('/api/auth/login')
      .send({ email: other.email, password: DEFAULT_PASSWORD });
    expect(elsewhere.status).toBe(200);

    const audit = await t
      .http()
      .get('/api/institutions/uw/audit?action=INSTITUTION_UPDATE')
      .set(bearer(admin.token));
    expect(audit.body.items[0].data).toEqual({
      institutionId: 'uw',
      passwordLoginDisabled: { before: false, after: true },
    });
    const back = await t
      .http()
      .patch('/api/institutions/uw')
      .set(bearer(await t.admin()))
      .send({ passwordLoginDisabled: false });
    expect(back.status).toBe(200);
    expect(
      (await t.http().post('/api/auth/login').send({ email: member.email, password: DEFAULT_PASSWORD }))
        .status,
    ).toBe(200);
  });

  it('lets only the alliance admin set domains, validates them and keeps each domain to one institution', async () => {
    const unimiAdmin = await t.user('unimi', ['admin'], 'unimi-admin');
    const alliance = bearer(await t.admin());
    const own = await t
      .http()
      .patch('/api/institutions/unimi')
      .set(bearer(unimiAdmin.token))
      .send({ domains: ['unimi.it'] });
    expect(own.status).toBe(403);
    const foreign = await t
      .http()
      .patch('/api/institutions/uw')
      .set(bearer(unimiAdmin.token))
      .send({ passwordLoginDisabled: true });
    expect(foreign.status).toBe(403);

    const bad = await t
      .http()
      .patch('/api/institutions/unimi')
      .set(alliance)
      .send({ domains: ['unimi.it', 'not a domain', 'UNIMI.it'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'domains[1]', message: 'must be a domain name such as cuni.cz' },
      { field: 'domains[2]', message: 'listed twice' },
    ]);
    const taken = await t
      .http()
      .patch('/api/institutions/unimi')
      .set(alliance)
      .send({ domains: ['cuni.cz'] });
    expect([taken.status, taken.body.type]).toEqual([409, 'urn:microcred:problem:domain-taken']);
    expect(taken.body.errors).toEqual([{ field: 'domains', message: expect.stringContaining('cuni.cz') }]);
    const unknown = await t.http().patch('/api/institutions/nowhere').set(alliance).send({ domains: [] });
    expect(unknown.status).toBe(404);
    const extra = await t.http().patch('/api/institutions/unimi').set(alliance).send({ name: 'x' });
    expect(extra.status).toBe(400);

    const ok = await t
      .http()
      .patch('/api/institutions/unimi')
      .set(alliance)
      .send({ domains: ['UniMi.it'] });
    expect([ok.status, ok.body.domains]).toEqual([200, ['unimi.it']]);
    const list = await t.http().get('/api/institutions').set(alliance);
    expect(list.body).toContainEqual(expect.objectContaining({ id: 'unimi', domains: ['unimi.it'] }));
  });
});
