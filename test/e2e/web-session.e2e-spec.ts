import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN, DEFAULT_PASSWORD, startServer, type TestServer, type TestUser } from '../support/server.js';

// The web application's server side (DESIGN.md 10.2): the built app at `/`, deep links, the session
// cookie and its CSRF rule, next to the bearer tokens API clients use.
describe('web application serving and browser sessions', () => {
  let server: TestServer;
  let proposer: TestUser;

  beforeAll(async () => {
    server = await startServer({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    proposer = await server.user('cuni', ['proposer']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const cookieOf = (res: { headers: Record<string, unknown> }): string => {
    const raw = res.headers['set-cookie'] as string[] | undefined;
    const found = raw?.find((c) => c.startsWith('mc_session='));
    if (!found) throw new Error(`no mc_session cookie in ${JSON.stringify(raw)}`);
    return found;
  };
  const signIn = async (email = proposer.email, password = DEFAULT_PASSWORD) => {
    const res = await server.http().post('/api/auth/session').send({ email, password });
    expect(res.status).toBe(204);
    return cookieOf(res).split(';')[0];
  };

  it('answers the application HTML at / and at deep links, never cached', async () => {
    for (const path of ['/', '/proposals/123/history', '/inbox?x=1']) {
      const res = await server.http().get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text).toContain('<div id="root">');
    }
  });

  it('serves hashed assets for a year, immutable, and 404s a missing asset', async () => {
    const html = (await server.http().get('/')).text;
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const res = await server.http().get(asset as string);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await server.http().get('/assets/missing-abc123.js')).status).toBe(404);
  });

  it('keeps unknown /api paths, /health and /.well-known as the server answers them', async () => {
    const api = await server.http().get('/api/no-such-thing');
    expect(api.status).toBe(404);
    expect(api.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await server.http().get('/.well-known/nothing-here')).status).toBe(404);
    const health = await server.http().get('/health');
    expect(health.headers['content-type']).toMatch(/json/);
  });

  it('sends a strict Content-Security-Policy without inline scripts, and Swagger UI still loads', async () => {
    const res = await server.http().get('/');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).toMatch(/frame-ancestors 'self'/);
    const docs = await server.http().get('/api/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui');
  });

  it('signs a browser in with an HttpOnly, SameSite=Strict cookie that lasts as long as the token', async () => {
    const res = await server
      .http()
      .post('/api/auth/session')
      .send({ email: proposer.email, password: DEFAULT_PASSWORD });
    expect(res.status).toBe(204);
    const cookie = cookieOf(res);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Max-Age=3600/);
    expect(cookie).not.toMatch(/Secure/i); // NODE_ENV=test: Secure only in production
    const me = await server.http().get('/api/me').set('Cookie', cookie.split(';')[0]);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(proposer.id);
  });

  it('refuses wrong credentials with 401 and sets no cookie', async () => {
    const res = await server
      .http()
      .post('/api/auth/session')
      .send({ email: proposer.email, password: 'wrong' });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('throttles failed session sign-ins per account like the token login', async () => {
    const victim = await server.user('uhd', ['reviewer']);
    for (let i = 0; i < 3; i++) {
      const r = await server.http().post('/api/auth/session').send({ email: victim.email, password: 'nope' });
      expect(r.status).toBe(401);
    }
    const blocked = await server
      .http()
      .post('/api/auth/session')
      .send({ email: victim.email, password: DEFAULT_PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
  });

  it('accepts a cookie change with the app origin and refuses one with another or no Origin (403)', async () => {
    const cookie = await signIn();
    const body = { partnerInstitutionIds: ['uhd'], content: { title: 'Cookie-made draft' } };
    const own = await server
      .http()
      .post('/api/proposals')
      .set('Cookie', cookie)
      .set('Origin', server.url)
      .send(body);
    expect(own.status).toBe(201);
    const foreign = await server
      .http()
      .post('/api/proposals')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .send(body);
    expect(foreign.status).toBe(403);
    expect(foreign.headers['content-type']).toMatch(/problem\+json/);
    const none = await server.http().post('/api/proposals').set('Cookie', cookie).send(body);
    expect(none.status).toBe(403);
    // Reads need no Origin, and bearer clients never do.
    expect((await server.http().get('/api/proposals').set('Cookie', cookie)).status).toBe(200);
    const bearer = await server
      .http()
      .post('/api/proposals')
      .set('Authorization', `Bearer ${proposer.token}`)
      .set('Origin', 'https://evil.example')
      .send(body);
    expect(bearer.status).toBe(201);
    const mine = await server.http().get('/api/proposals?limit=100').set('Cookie', cookie);
    expect(
      mine.body.items.filter((p: { title: string | null }) => p.title === 'Cookie-made draft'),
    ).toHaveLength(2);
  });

  it('signs out by clearing the cookie; a forged or garbled cookie is 401', async () => {
    const res = await server.http().delete('/api/auth/session');
    expect(res.status).toBe(204);
    expect(cookieOf(res)).toMatch(/mc_session=;.*Expires=Thu, 01 Jan 1970/);
    expect((await server.http().get('/api/me').set('Cookie', 'mc_session=not-a-token')).status).toBe(401);
    expect((await server.http().get('/api/me').set('Cookie', 'mc_session=a.b.c')).status).toBe(401);
    expect((await server.http().get('/api/me')).status).toBe(401);
  });

  it('filters proposals by text in the title or the reference, wildcards taken literally', async () => {
    const auth = { Authorization: `Bearer ${proposer.token}` };
    const make = async (title: string) =>
      (
        await server
          .http()
          .post('/api/proposals')
          .set(auth)
          .send({ partnerInstitutionIds: ['uhd'], content: { title } })
      ).body as { reference: string };
    const a = await make('Quantum Gardening 101');
    await make('Urban Beekeeping');
    await make('Percent 100% sure');
    const titles = async (q: string) =>
      (await server.http().get('/api/proposals').query({ q }).set(auth)).body.items.map(
        (p: { title: string }) => p.title,
      );
    expect(await titles('quantum garden')).toEqual(['Quantum Gardening 101']);
    expect(await titles(a.reference)).toEqual(['Quantum Gardening 101']);
    expect(await titles('%')).toEqual(['Percent 100% sure']);
    expect(await titles('_')).toEqual([]);
    const tooLong = await server
      .http()
      .get('/api/proposals')
      .query({ q: 'x'.repeat(201) })
      .set(auth);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors[0].field).toBe('q');
  });

  it('lets the seeded administrator sign in through the session route', async () => {
    const cookie = await signIn(ADMIN.email, ADMIN.password);
    expect((await server.http().get('/api/users').set('Cookie', cookie)).status).toBe(200);
  });
});
