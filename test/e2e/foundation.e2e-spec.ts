import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodePayload, signHs256, unsigned, withPayload } from '../support/jwt.js';
import { migrations } from '../../migrations/index.js';
import {
  ADMIN,
  bearer,
  DEFAULT_PASSWORD,
  MAIN,
  startProcess,
  startServer,
  TEST_JWT_SECRET,
  testEnv,
  TestServer,
} from '../support/server.js';

const run = promisify(execFile);

function expectProblem(
  res: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
  status: number,
) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
    }),
  );
}

describe('authentication', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('gives the bootstrap alliance admin a bearer token with an expiry', async () => {
    const res = await t.http().post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 3600 });
    const claims = decodePayload(res.body.accessToken);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
    const me = await t.http().get('/api/me').set(bearer(res.body.accessToken));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      email: ADMIN.email,
      roles: ['admin'],
      institution: { id: '4euplus', kind: 'alliance' },
    });
  });

  it('accepts the e-mail in any letter case', async () => {
    const res = await t
      .http()
      .post('/api/auth/login')
      .send({ email: ADMIN.email.toUpperCase(), password: ADMIN.password });
    expect(res.status).toBe(200);
  });

  it('answers a wrong password and an unknown user identically, so accounts cannot be enumerated', async () => {
    const wrong = await t
      .http()
      .post('/api/auth/login')
      .send({ email: ADMIN.email, password: 'not-the-password' });
    const unknown = await t
      .http()
      .post('/api/auth/login')
      .send({ email: 'nobody@nowhere.test', password: 'not-the-password' });
    expectProblem(wrong, 401);
    expectProblem(unknown, 401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('refuses a login body with missing or unknown fields with 400 naming them', async () => {
    const res = await t.http().post('/api/auth/login').send({ email: ADMIN.email, pass: 'x' });
    expectProblem(res, 400);
    const fields = (res.body.errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['password', 'pass']));
  });

  describe('refuses forged or stale tokens with 401', () => {
    let claims: Record<string, unknown>;
    let good: string;
    beforeAll(async () => {
      good = await t.admin();
      claims = decodePayload(good);
    });
    const now = () => Math.floor(Date.now() / 1000);

    it('accepts the genuine token (control)', async () => {
      expect((await t.http().get('/api/me').set(bearer(good))).status).toBe(200);
    });
    it.each([
      ['no token', () => undefined],
      ['alg none', () => unsigned({ ...claims })],
      ['a wrong secret', () => signHs256({ ...claims }, 'another-secret-that-is-long-enough-abcdefgh')],
      [
        'an expired token',
        () => signHs256({ ...claims, iat: now() - 7200, exp: now() - 3600 }, TEST_JWT_SECRET),
      ],
      ['a not-yet-valid token', () => signHs256({ ...claims, nbf: now() + 3600 }, TEST_JWT_SECRET)],
      ['an edited payload', () => withPayload(good, { ...claims, roles: ['admin', 'proposer'] })],
      ['a wrong issuer', () => signHs256({ ...claims, iss: 'someone-else' }, TEST_JWT_SECRET)],
      ['a wrong audience', () => signHs256({ ...claims, aud: 'another-api' }, TEST_JWT_SECRET)],
      [
        'HS512 instead of HS256',
        () => signHs256({ ...claims }, TEST_JWT_SECRET, { alg: 'HS512', typ: 'JWT' }),
      ],
      [
        'a payload of another shape',
        () => signHs256({ sub: 'x', iss: claims.iss, aud: claims.aud, exp: now() + 60 }, TEST_JWT_SECRET),
      ],
      ['garbage', () => 'not.a.token'],
    ])('%s', async (_name, make) => {
      const token = make();
      const req = t.http().get('/api/me');
      const res = token === undefined ? await req : await req.set(bearer(token));
      expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });
  });

  it('takes the bearer scheme in any letter case, as HTTP defines scheme names', async () => {
    const token = await t.admin();
    for (const scheme of ['bearer', 'BEARER', 'Bearer'])
      expect((await t.http().get('/api/me').set('Authorization', `${scheme} ${token}`)).status).toBe(200);
    expectProblem(await t.http().get('/api/me').set('Authorization', `Basic ${token}`), 401);
  });

  it('lets a token expire after JWT_TTL', async () => {
    const short = await startServer({ JWT_TTL: '1s' });
    try {
      const token = await short.login(ADMIN.email, ADMIN.password);
      expect((await short.http().get('/api/me').set(bearer(token))).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      expectProblem(await short.http().get('/api/me').set(bearer(token)), 401);
    } finally {
      await short.stop();
    }
  });
});

describe('users and institutions', () => {
  let t: TestServer;
  let cuniAdmin: string;
  beforeAll(async () => {
    t = await startServer();
    cuniAdmin = (await t.user('cuni', ['admin'])).token;
  });
  afterAll(async () => {
    await t?.stop();
  });

  const body = (over: Record<string, unknown> = {}) => ({
    email: `u${Math.random().toString(36).slice(2, 10)}@cuni.test`,
    password: DEFAULT_PASSWORD,
    displayName: 'Jana Nováková',
    institutionId: 'cuni',
    roles: ['proposer'],
    ...over,
  });

  it('lists the 16 seeded institutions with kinds and countries', async () => {
    const res = await t
      .http()
      .get('/api/institutions')
      .set(bearer(await t.admin()));
    expect(res.status).toBe(200);
    const byId = Object.fromEntries((res.body as Array<{ id: string }>).map((i) => [i.id, i]));
    for (const id of [
      'cuni',
      'uhd',
      'su',
      'ucph',
      'unimi',
      'uw',
      'unige',
      'assas',
      '4euplus',
      'hceres',
      'nau',
      'gac',
      'ai-dk',
      'anvur',
      'pka',
      'aaq',
    ]) {
      expect(byId[id]).toBeDefined();
    }
    expect(byId.cuni).toEqual({
      id: 'cuni',
      name: 'Charles University',
      kind: 'university',
      country: 'CZ',
      domains: [],
      passwordLoginDisabled: false,
      // What an administrator may give its users, so that forms offer nothing the server refuses.
      roles: ['proposer', 'reviewer', 'quality_officer', 'admin'],
    });
    expect(byId['4euplus']).toMatchObject({
      kind: 'alliance',
      country: null,
      roles: ['quality_officer', 'admin'],
    });
    expect(byId.hceres).toMatchObject({ kind: 'agency', country: 'FR', roles: ['agency_liaison', 'admin'] });
  });

  it('lets an institution admin create users of its own institution, never with a password hash in the answer', async () => {
    const res = await t.http().post('/api/users').set(bearer(cuniAdmin)).send(body());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ institutionId: 'cuni', roles: ['proposer'] });
    expect(JSON.stringify(res.body)).not.toMatch(/argon2|password/i);
  });

  it('refuses an institution admin creating users elsewhere with 403', async () => {
    const res = await t
      .http()
      .post('/api/users')
      .set(bearer(cuniAdmin))
      .send(body({ institutionId: 'uhd' }));
    expectProblem(res, 403);
  });

  it('lets the alliance admin create users of any institution, agencies included', async () => {
    const res = await t
      .http()
      .post('/api/users')
      .set(bearer(await t.admin()))
      .send(body({ institutionId: 'hceres', roles: ['agency_liaison'] }));
    expect(res.status).toBe(201);
  });

  it('refuses non-admins with 403', async () => {
    const proposer = await t.user('cuni', ['proposer']);
    expectProblem(await t.http().post('/api/users').set(bearer(proposer.token)).send(body()), 403);
    expectProblem(await t.http().get('/api/users').set(bearer(proposer.token)), 403);
  });

  it('refuses a duplicate e-mail, in any letter case, with 409 naming the field', async () => {
    const b = body();
    expect((await t.http().post('/api/users').set(bearer(cuniAdmin)).send(b)).status).toBe(201);
    const taken = await t
      .http()
      .post('/api/users')
      .set(bearer(cuniAdmin))
      .send({ ...b, email: b.email.toUpperCase() });
    expectProblem(taken, 409);
    expect(taken.body.type).toBe('urn:microcred:problem:email-taken');
    expect(taken.body.errors.map((e: { field: string }) => e.field)).toEqual(['email']);
  });

  it.each([
    ['a weak password', { password: 'short' }, 'password'],
    ['a password of letters only', { password: 'abcdefghijklmnop' }, 'password'],
    ['a bad e-mail', { email: 'not-an-email' }, 'email'],
    ['an unknown role', { roles: ['dean'] }, 'roles'],
    ['no roles', { roles: [] }, 'roles'],
    ['a role impossible at a university', { roles: ['agency_liaison'] }, 'roles'],
    ['an unknown institution', { institutionId: 'nowhere' }, 'institutionId'],
    ['a blank display name', { displayName: '   ' }, 'displayName'],
    ['an unknown field', { isAdmin: true }, 'isAdmin'],
    [
      'a prototype key',
      JSON.parse('{"__proto__": {"roles": ["admin"]}}') as Record<string, unknown>,
      '__proto__',
    ],
  ])('refuses %s with 400 naming the field', async (_name, over, field) => {
    const res = await t
      .http()
      .post('/api/users')
      .set(bearer(await t.admin()))
      .send(body(over));
    expectProblem(res, 400);
    expect((res.body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
  });

  it('names every missing field at once', async () => {
    const res = await t.http().post('/api/users').set(bearer(cuniAdmin)).send({});
    expectProblem(res, 400);
    const fields = new Set((res.body.errors as Array<{ field: string }>).map((e) => e.field));
    expect([...fields].sort()).toEqual(['displayName', 'email', 'institutionId', 'password', 'roles']);
  });

  it('shows an institution admin only its own users and the alliance admin everyone, page by page', async () => {
    const own = await t.http().get('/api/users?limit=100').set(bearer(cuniAdmin));
    expect(own.status).toBe(200);
    expect(own.body.items.length).toBeGreaterThan(0);
    expect(new Set(own.body.items.map((u: { institutionId: string }) => u.institutionId))).toEqual(
      new Set(['cuni']),
    );
    expectProblem(await t.http().get('/api/users?institutionId=uhd').set(bearer(cuniAdmin)), 403);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: Array<{ id: string }>; nextCursor: string | null } } =
        await t
          .http()
          .get(`/api/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
          .set(bearer(await t.admin()));
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((u: { id: string }) => u.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const all = await t
      .http()
      .get('/api/users?limit=1000000000')
      .set(bearer(await t.admin()));
    expect(all.body.items.length).toBe(Math.min(seen.length, 100));
    expect(JSON.stringify(all.body)).not.toMatch(/passwordHash|argon2/);
    expectProblem(
      await t
        .http()
        .get('/api/users?cursor=bogus')
        .set(bearer(await t.admin())),
      400,
    );
  });

  it('lets the alliance admin add an institution and refuses others, duplicates and bad input', async () => {
    const inst = {
      id: `ubo-${Date.now() % 100000}`,
      name: 'University of Bologna',
      kind: 'university',
      country: 'IT',
    };
    expectProblem(await t.http().post('/api/institutions').set(bearer(cuniAdmin)).send(inst), 403);
    const created = await t
      .http()
      .post('/api/institutions')
      .set(bearer(await t.admin()))
      .send(inst);
    expect(created.status).toBe(201);
    expect(created.body).toEqual(inst);
    // Audited: the first entry of the new institution's own log, and one in the alliance office's.
    for (const [log, seq] of [
      [inst.id, 1],
      ['4euplus', undefined],
    ] as const) {
      const page = await t
        .http()
        .get(`/api/institutions/${log}/audit?action=INSTITUTION_CREATE`)
        .set(bearer(await t.admin()));
      const entry = (page.body.items as Array<Record<string, unknown>>).find(
        (e) => (e.data as { institutionId?: string }).institutionId === inst.id,
      );
      expect(entry).toMatchObject({
        action: 'INSTITUTION_CREATE',
        actorInstitutionId: '4euplus',
        actorRole: 'admin',
        data: { institutionId: inst.id, name: inst.name, kind: 'university', country: 'IT' },
      });
      if (seq !== undefined) expect(entry?.seq).toBe(seq);
    }
    const verified = await t
      .http()
      .get(`/api/institutions/${inst.id}/audit/verify`)
      .set(bearer(await t.admin()));
    expect(verified.body).toMatchObject({ entries: 1, valid: true });
    const again = await t
      .http()
      .post('/api/institutions')
      .set(bearer(await t.admin()))
      .send(inst);
    expectProblem(again, 409);
    expect(again.body.errors.map((e: { field: string }) => e.field)).toEqual(['id']);
    const bad = await t
      .http()
      .post('/api/institutions')
      .set(bearer(await t.admin()))
      .send({ id: 'Bad Id', name: '', kind: 'school' });
    expectProblem(bad, 400);
    expect((bad.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual([
      'country',
      'id',
      'kind',
      'name',
    ]);
    const noCountry = await t
      .http()
      .post('/api/institutions')
      .set(bearer(await t.admin()))
      .send({ id: 'x-agency', name: 'X', kind: 'agency' });
    expectProblem(noCountry, 400);
    // The EU's own abbreviations and unassigned codes are not ISO codes: the exports could not name them.
    for (const country of ['EL', 'UK', 'XX', 'it']) {
      const eu = await t
        .http()
        .post('/api/institutions')
        .set(bearer(await t.admin()))
        .send({ id: 'x-eu-style', name: 'X', kind: 'agency', country });
      expectProblem(eu, 400);
      expect(eu.body.errors).toEqual([
        {
          field: 'country',
          message:
            'country must be an ISO 3166-1 alpha-2 code such as IT (Greece is GR, the United Kingdom GB)',
        },
      ]);
    }
    const listed = await t
      .http()
      .get('/api/institutions')
      .set(bearer(await t.admin()));
    expect((listed.body as Array<{ id: string }>).map((i) => i.id)).not.toContain('x-eu-style');
    // a second alliance office would give its admins alliance-wide powers
    const alliance = await t
      .http()
      .post('/api/institutions')
      .set(bearer(await t.admin()))
      .send({ id: 'x-alliance', name: 'X', kind: 'alliance', country: 'IT' });
    expectProblem(alliance, 400);
    expect((alliance.body.errors as Array<{ field: string }>).map((e) => e.field)).toEqual(['kind']);
  });
});

describe('HTTP surface', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('answers unknown routes with 404 problem+json', async () => {
    expectProblem(
      await t
        .http()
        .get('/api/nothing-here')
        .set(bearer(await t.admin())),
      404,
    );
    expectProblem(await t.http().get('/.well-known/nothing'), 404);
    // Any other path is a deep link into the web application, which answers its own page.
    const page = await t.http().get('/nothing');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
  });

  it('reads empty query parameters as not given, and still refuses a bad value beside them', async () => {
    const token = await t.admin();
    const plain = await t.http().get('/api/users').set(bearer(token));
    expect(plain.status).toBe(200);
    const blank = await t
      .http()
      .get('/api/users?institutionId=&role=&active=&q=&limit=&cursor=')
      .set(bearer(token));
    expect(blank.status).toBe(200);
    expect(blank.body).toEqual(plain.body);
    const repeated = await t.http().get('/api/users?role=&role=admin&limit=100').set(bearer(token));
    expect(repeated.status).toBe(200);
    expect(repeated.body.items.length).toBeGreaterThan(0);
    expect(repeated.body.items.every((u: { roles: string[] }) => u.roles.includes('admin'))).toBe(true);
    const proposals = await t.http().get('/api/proposals?state=&institutionId=').set(bearer(token));
    expect(proposals.status).toBe(200);
    const bad = await t.http().get('/api/users?institutionId=&role=wizard').set(bearer(token));
    expectProblem(bad, 400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['role']);
  });

  it('reads JSON bodies sent under a +json media type, and refuses other types with 415 naming the body', async () => {
    const token = await t.admin();
    const user = {
      email: `ld-json-${Date.now()}@cuni.test`,
      displayName: 'Typed Body',
      institutionId: 'cuni',
      roles: ['proposer'],
      password: DEFAULT_PASSWORD,
    };
    const created = await t
      .http()
      .post('/api/users')
      .set(bearer(token))
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify(user));
    expect(created.status).toBe(201);
    const patched = await t
      .http()
      .patch(`/api/users/${created.body.id}`)
      .set(bearer(token))
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ displayName: 'Typed Body Renamed' }));
    expect(patched.status).toBe(200);
    expect(patched.body.displayName).toBe('Typed Body Renamed');
    const text = await t
      .http()
      .patch(`/api/users/${created.body.id}`)
      .set(bearer(token))
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ displayName: 'Not Read' }));
    expectProblem(text, 415);
    expect(text.body.errors.map((e: { field: string }) => e.field)).toEqual(['body']);
    const unchanged = await t.http().get(`/api/users/${created.body.id}`).set(bearer(token));
    expect(unchanged.body.displayName).toBe('Typed Body Renamed');
  });

  it('answers a body over 1 MB with 413 problem+json', async () => {
    const res = await t
      .http()
      .post('/api/users')
      .set(bearer(await t.admin()))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ displayName: 'x'.repeat(1.1 * 1024 * 1024) }));
    expectProblem(res, 413);
  });

  it('answers malformed JSON and 10,000-deep JSON with 400, and stays up', async () => {
    const malformed = await t
      .http()
      .post('/api/users')
      .set(bearer(await t.admin()))
      .set('Content-Type', 'application/json')
      .send('{"email":');
    expectProblem(malformed, 400);
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const res = await t
      .http()
      .post('/api/users')
      .set(bearer(await t.admin()))
      .set('Content-Type', 'application/json')
      .send(deep);
    expectProblem(res, 400);
    expect((await t.http().get('/health')).status).toBe(200);
  });

  it('sends security headers, a request id, and no x-powered-by', async () => {
    const res = await t
      .http()
      .get('/api/me')
      .set(bearer(await t.admin()))
      .set('X-Request-Id', 'trace-abc-123');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-request-id']).toBe('trace-abc-123');
    const generated = await t.http().get('/health');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // Answers that never reach a controller have one too: the id is given before body parsing.
    const malformed = await t
      .http()
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .set('X-Request-Id', 'trace-bad-json')
      .send('{"email": ');
    expectProblem(malformed, 400);
    expect(malformed.headers['x-request-id']).toBe('trace-bad-json');
    const unknown = await t.http().get('/api/no-such-route');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps tokens and personal answers out of caches: no-store on the API, errors included', async () => {
    const login = await t
      .http()
      .post('/api/auth/login')
      .send({ email: ADMIN.email, password: ADMIN.password });
    expect(login.status).toBe(200);
    const token = login.body.accessToken as string;
    const answers = [
      login,
      await t.http().get('/api/me').set(bearer(token)),
      await t.http().get('/api/me/notifications').set(bearer(token)),
      await t.http().get('/API/me').set(bearer(token)),
      await t.http().get('/api/users?limit=5').set(bearer(token)),
      await t.http().get('/api/me'),
      await t.http().get('/api/no-such-route').set(bearer(token)),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 401, 404]);
    for (const res of answers) expect(res.headers['cache-control']).toBe('no-store');
    // Not the API: the health probe and the web application's files keep their own rules, and so does
    // the API's public documentation.
    expect((await t.http().get('/health')).headers['cache-control']).toBeUndefined();
    expect((await t.http().get('/api/docs-json')).headers['cache-control']).toBeUndefined();
  });

  it('serves Swagger UI and an OpenAPI document describing every endpoint', async () => {
    const ui = await t.http().get('/api/docs/');
    expect(ui.status).toBe(200);
    expect(ui.text).toMatch(/swagger/i);
    const doc = await t.http().get('/api/docs-json');
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.body.paths);
    expect(paths).toEqual(
      expect.arrayContaining(['/api/auth/login', '/api/me', '/api/users', '/api/institutions', '/health']),
    );
    for (const [path, item] of Object.entries(
      doc.body.paths as Record<string, Record<string, { summary?: string }>>,
    )) {
      for (const op of Object.values(item)) expect([path, op.summary]).toEqual([path, expect.any(String)]);
    }
    expect(doc.body.components.schemas.CreateUserDto.required).toEqual(
      expect.arrayContaining(['email', 'password', 'displayName', 'institutionId', 'roles']),
    );
  });

  it('reports health 200 with PostgreSQL and Redis up', async () => {
    const res = await t.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body.info).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
  });
});

describe('login throttling', () => {
  it('locks an account after repeated failures with 429, even for the right password, and only that account', async () => {
    const t = await startServer({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    try {
      const victim = await t.user('cuni', ['proposer']);
      const other = await t.user('cuni', ['proposer']);
      for (let i = 0; i < 3; i++) {
        expect(
          (await t.http().post('/api/auth/login').send({ email: victim.email, password: 'wrong-guess' }))
            .status,
        ).toBe(401);
      }
      const locked = await t
        .http()
        .post('/api/auth/login')
        .send({ email: victim.email, password: DEFAULT_PASSWORD });
      expectProblem(locked, 429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect(
        (await t.http().post('/api/auth/login').send({ email: other.email, password: DEFAULT_PASSWORD }))
          .status,
      ).toBe(200);
    } finally {
      await t.stop();
    }
  });

  it('lets 50 colleagues behind one IP log in within a minute, but stops 100 bad logins from it', async () => {
    const t = await startServer();
    try {
      const users = [];
      for (let i = 0; i < 50; i++)
        users.push(await t.user(['cuni', 'uhd', 'su'][i % 3], ['reviewer'], `colleague${i}`));
      const logins = await Promise.all(
        users.map((u) =>
          t.http().post('/api/auth/login').send({ email: u.email, password: DEFAULT_PASSWORD }),
        ),
      );
      expect(logins.map((r) => r.status)).toEqual(users.map(() => 200));
      const statuses: number[] = [];
      for (let i = 0; i < 100; i++) {
        statuses.push(
          (
            await t
              .http()
              .post('/api/auth/login')
              .send({ email: `guess${i}@x.test`, password: 'nope' })
          ).status,
        );
      }
      expect(statuses.slice(0, 50).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(51)).toEqual(statuses.slice(51).map(() => 429));
    } finally {
      await t.stop();
    }
  });
});

describe('start-up and outages', () => {
  it('exits with one clear line when Redis cannot be reached', async () => {
    const p = startProcess(MAIN, testEnv({ PORT: '0', REDIS_URL: 'redis://127.0.0.1:1' }));
    const { code } = await p.exited;
    expect(code).toBe(1);
    const lines = p.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Cannot reach Redis at redis:\/\/127\.0\.0\.1:1.*docker compose up -d redis/);
  });

  it('exits with one clear line when PostgreSQL cannot be reached', async () => {
    const p = startProcess(
      MAIN,
      testEnv({ PORT: '0', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/microcred' }),
    );
    const { code } = await p.exited;
    expect(code).toBe(1);
    const lines = p.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/microcred/);
  });

  it('refuses to start in production without JWT_SECRET', async () => {
    const env = testEnv({ PORT: '0', NODE_ENV: 'production' });
    delete env.JWT_SECRET;
    const p = startProcess(MAIN, env);
    expect((await p.exited).code).toBe(1);
    expect(p.output().trim()).toMatch(/JWT_SECRET is required when NODE_ENV=production/);
  });

  it('answers health 503 naming Redis when Redis goes away, and 200 when it is back', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const redisArgs = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const { spawn } = await import('node:child_process');
    const startRedis = () => spawn('redis-server', redisArgs, { stdio: 'ignore' });
    let redis = startRedis();
    await new Promise((r) => setTimeout(r, 300));
    const t = await startServer({ REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      expect((await t.http().get('/health')).status).toBe(200);
      redis.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 500));
      const down = await t.http().get('/health');
      expectProblem(down, 503);
      expect(down.body.down).toEqual(['redis']);
      expect(down.body.detail).toMatch(/redis/);
      redis = startRedis();
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        status = (await t.http().get('/health')).status;
      }
      expect(status).toBe(200);
    } finally {
      await t.stop();
      redis.kill('SIGKILL');
    }
  });
});

describe('migrations', () => {
  /** A database of the test's own, the migration CLI on it, and its removal. */
  const scratchDatabase = (suffix: string) => {
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = `/${url.pathname.slice(1)}_${suffix}`;
    const env = { ...testEnv({ DATABASE_URL: url.toString() }) };
    const migrate = (...args: string[]) =>
      run(process.execPath, ['dist/src/database/migrate.js', ...args], { env });
    return {
      url: url.toString(),
      migrate,
      /** Back to before the named migration: it and every later one, newest first. */
      revertThrough: async (name: string) => {
        const at = migrations.findIndex((m) => m.name === name);
        expect(at).toBeGreaterThan(0);
        for (let i = migrations.length - 1; i >= at; i--) await migrate('revert');
      },
      drop: async () => {
        const { Client } = await import('pg');
        const admin = new Client({ connectionString: process.env.DATABASE_URL });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
        await admin.end();
      },
    };
  };

  it('move decision fields into the JSON payload and back without losing any', async () => {
    const db = scratchDatabase('payload');
    const { url, migrate } = db;
    const revertPayloads = () => db.revertThrough('DecisionPayloads1795910000000');
    const { Client } = await import('pg');
    const c = new Client({ connectionString: url });
    try {
      await migrate('run');
      await revertPayloads();
      await c.connect();
      const [{ id: userId }] = (
        await c.query(
          `INSERT INTO users (email, display_name, institution_id, roles, password_hash)
           VALUES ('m@cuni.test', 'M', 'cuni', '{proposer}', 'x') RETURNING id`,
        )
      ).rows;
      const [{ id: proposalId }] = (
        await c.query(
          `INSERT INTO proposals (reference, lead_institution_id, state, workflow_id, workflow_version, snapshot, created_by)
           VALUES ('MC-2026-9999', 'cuni', 'approved', 'micro-credential-review', 1, '{}', $1) RETURNING id`,
          [userId],
        )
      ).rows;
      const criteria = [{ criterion: 'eu-quality', result: 'met', note: 'fine' }];
      await c.query(
        `INSERT INTO decisions (proposal_id, proposal_version, revision, event, from_state, to_state, actor_id,
           actor_institution_id, actor_role, comment, criteria, outcome, conditions, nqf_level, external_reference)
         VALUES ($1, 2, 1, 'AGENCY_CONFIRM', 'agencyAlignment', 'approved', $2, 'nau', 'agency_liaison',
           'ok', $3, 'aligned-with-conditions', 'a module in English', '6', 'NAU-1'),
                ($1, 3, 1, 'PUBLISH', 'approved', 'published', $2, 'cuni', 'admin', NULL, NULL, NULL, NULL, NULL, NULL)`,
        [proposalId, userId, JSON.stringify(criteria)],
      );
      await c.end();
      await migrate('run');
      const after = new Client({ connectionString: url });
      await after.connect();
      const moved = await after.query(`SELECT payload FROM decisions ORDER BY proposal_version`);
      // Migration 1795930000000-stage-times derives the stage entry times from the decisions.
      const entered = await after.query(
        `SELECT (SELECT array_agg(d.stage_entered_at = coalesce(prev.created_at, p.created_at) ORDER BY d.proposal_version)
                 FROM decisions d LEFT JOIN decisions prev ON prev.proposal_id = d.proposal_id
                   AND prev.proposal_version = d.proposal_version - 1) AS decisions,
                p.state_entered_at = (SELECT max(created_at) FROM decisions) AS proposal,
                (SELECT array_agg(DISTINCT lead_institution_id) FROM decisions) AS leads
         FROM proposals p`,
      );
      await after.end();
      expect(entered.rows).toEqual([{ decisions: [true, true], proposal: true, leads: ['cuni'] }]);
      expect(moved.rows.map((r: { payload: unknown }) => r.payload)).toEqual([
        {
          comment: 'ok',
          criteria,
          outcome: 'aligned-with-conditions',
          conditions: 'a module in English',
          nqfLevel: '6',
          reference: 'NAU-1',
        },
        {},
      ]);
      await revertPayloads();
      const back = new Client({ connectionString: url });
      await back.connect();
      const columns = await back.query(
        `SELECT comment, criteria, outcome, conditions, nqf_level, external_reference FROM decisions ORDER BY proposal_version`,
      );
      await back.end();
      expect(columns.rows).toEqual([
        {
          comment: 'ok',
          criteria,
          outcome: 'aligned-with-conditions',
          conditions: 'a module in English',
          nqf_level: '6',
          external_reference: 'NAU-1',
        },
        {
          comment: null,
          criteria: null,
          outcome: null,
          conditions: null,
          nqf_level: null,
          external_reference: null,
        },
      ]);
    } finally {
      await c.end().catch(() => undefined);
      await db.drop();
    }
  });

  it("give published catalogue entries their agencies' conditions, and take them away again", async () => {
    const db = scratchDatabase('conditions');
    const { migrate } = db;
    const { Client } = await import('pg');
    const c = new Client({ connectionString: db.url });
    const alignments = async () =>
      (await c.query(`SELECT alignments FROM catalogue_entries`)).rows[0].alignments as unknown[];
    try {
      const revertConditions = () => db.revertThrough('CatalogueAlignmentConditions1795990000000');
      await migrate('run');
      await revertConditions();
      await c.connect();
      const [{ id: userId }] = (
        await c.query(
          `INSERT INTO users (email, display_name, institution_id, roles, password_hash)
           VALUES ('c@cuni.test', 'C', 'cuni', '{admin}', 'x') RETURNING id`,
        )
      ).rows;
      const [{ id: proposalId }] = (
        await c.query(
          `INSERT INTO proposals (reference, lead_institution_id, state, workflow_id, workflow_version, snapshot,
             created_by, revision)
           VALUES ('MC-2026-9998', 'cuni', 'published', 'micro-credential-review', 1, '{}', $1, 2) RETURNING id`,
          [userId],
        )
      ).rows;
      // An earlier revision's confirmation, then the published revision's two.
      for (const [version, revision, agency, payload] of [
        [1, 1, 'hceres', { outcome: 'aligned-with-conditions', conditions: 'from revision 1' }],
        // A remark with a plain "aligned" is no condition: it stays out, as in the endorsement.
        [2, 2, 'nau', { outcome: 'aligned', nqfLevel: '7', conditions: 'internal remark' }],
        [3, 2, 'hceres', { outcome: 'aligned-with-conditions', conditions: 'Register first.' }],
      ] as const)
        await c.query(
          `INSERT INTO decisions (proposal_id, proposal_version, revision, event, from_state, to_state, actor_id,
             actor_institution_id, actor_role, payload, stage_entered_at, lead_institution_id)
           VALUES ($1, $2, $3, 'AGENCY_CONFIRM', 'agencyAlignment', 'agencyAlignment', $4, $5, 'agency_liaison',
             $6, now(), 'cuni')`,
          [proposalId, version, revision, userId, agency, JSON.stringify(payload)],
        );
      const before = [
        { country: 'CZ', agencyId: 'nau', outcome: 'aligned', nqfLevel: '7' },
        { country: 'FR', agencyId: 'hceres', outcome: 'aligned-with-conditions', nqfLevel: null },
      ];
      await c.query(
        `INSERT INTO catalogue_entries (proposal_id, reference, status, title, summary, outcomes_text, content, ects,
           eqf_level, languages, strategic_areas, lead_institution_id, partner_institution_ids, institution_ids,
           esco_skill_uris, stacks_into, composed_of, alignments, search_config, published_at)
         VALUES ($1, 'MC-2026-9998', 'published', 'T', 'S', 'O', '{}', 5, 7, '{en}', '{}', 'cuni', '{}', '{cuni}',
           '{}', '{}', '{}', $2, 'english', now())`,
        [proposalId, JSON.stringify(before)],
      );
      await migrate('run');
      expect(await alignments()).toEqual([
        { ...before[0], conditions: null },
        { ...before[1], conditions: 'Register first.' },
      ]);
      await revertConditions();
      expect(await alignments()).toEqual(before);
    } finally {
      await c.end().catch(() => undefined);
      await db.drop();
    }
  });

  it('apply to an empty database, revert completely, and apply again', async () => {
    const db = scratchDatabase('mig');
    const { migrate } = db;
    const { Client } = await import('pg');
    const tables = async () => {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      const r = await c.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
      await c.end();
      return r.rows.map((x: { tablename: string }) => x.tablename);
    };
    try {
      expect((await migrate('run')).stdout).toMatch(/Applied/);
      expect(await tables()).toEqual(expect.arrayContaining(['institutions', 'users', 'migrations']));
      expect((await migrate('run')).stdout).toMatch(/Nothing to apply/);
      await migrate('revert', '--all');
      expect(await tables()).toEqual(['migrations']);
      expect((await migrate('run')).stdout).toMatch(/Applied/);
    } finally {
      await db.drop();
    }
  });
});

describe('request logs', () => {
  it('never hold the e-mail address or search text of a request, even at debug level', async () => {
    const t = await startServer({ LOG_LEVEL: 'debug', WORKER: 'off' });
    try {
      const token = await t.admin();
      const auth = { authorization: `Bearer ${token}` };
      expect((await t.http().get('/api/users?q=jan.novak@cuni.cz').set(auth)).status).toBe(200);
      expect((await t.http().get('/api/users?q=Nov%C3%A1k&limit=abc').set(auth)).status).toBe(400);
      expect((await t.http().patch('/api/users/jan.novak%40cuni.cz').set(auth).send({})).status).toBe(404);
      // pino writes asynchronously: wait for the last request's line.
      for (let i = 0; i < 50 && !t.proc.output().includes('"method":"PATCH"'); i++)
        await new Promise((r) => setTimeout(r, 100));
      const log = t.proc.output();
      expect(log).toContain('"url":"/api/users?q=[redacted]"');
      expect(log).toContain('"url":"/api/users?q=[redacted]&limit=abc"');
      expect(log).toContain('"url":"/api/users/[redacted]"');
      expect(log).not.toMatch(/novak|Nov%C3%A1k|Novák/i);
    } finally {
      await t.stop();
    }
  });
});
