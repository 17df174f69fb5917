import { randomUUID } from 'node:crypto';
import { jest, afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type pg from 'pg';
import { AGENCIES, EVENT_TYPES, eventBody, mayAct, sees } from '../support/design-rules.js';
import { decodePayload, signHs256, unsigned } from '../support/jwt.js';
import { mutatedArbitrary, type OpenApiDoc, type Operation } from '../support/openapi-arbitrary.js';
import { VALID_CONTENT } from '../support/review-scenario.js';
import { actorSpec, ALL_ACTORS, ReviewWorld, type ActorName } from '../support/review-world.js';
import {
  ADMIN,
  bearer,
  DEFAULT_PASSWORD,
  startServer,
  TEST_JWT_SECRET,
  testPool,
  type TestServer,
} from '../support/server.js';

// Long scenarios; SOAK=1 (npm run test:soak) runs them longer still.
jest.setTimeout(process.env.SOAK === '1' ? 1_800_000 : 240_000);

const SOAK = process.env.SOAK === '1';
const { revenueShares: _unused, ...CONTENT } = VALID_CONTENT;

let t: TestServer;
let w: ReviewWorld;
let db: pg.Pool;
let doc: OpenApiDoc;
let draft: { id: string };
let inAgency: { id: string };
/** Users the matrix edits (harmlessly: the same display name again and again), one per institution. */
let accountTargets: Record<'cuni' | 'uhd', { id: string }>;
let inAgencyRef: string;

beforeAll(async () => {
  t = await startServer({
    REMINDER_FIRST_AFTER_MS: '600000',
    ESCALATION_AFTER_MS: '600000',
    LOGIN_MAX_FAILURES_PER_IP: '100000',
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '100000',
  });
  w = await new ReviewWorld(t).setUp();
  db = testPool();
  doc = (await t.http().get('/api/docs-json')).body as OpenApiDoc;
  draft = await w.create(CONTENT, ['uhd', 'su']);
  const agencyStage = await w.proposalIn('agencyAlignment');
  inAgency = agencyStage;
  inAgencyRef = agencyStage.reference;
  accountTargets = {
    cuni: await t.user('cuni', ['reviewer'], 'matrix-target'),
    uhd: await t.user('uhd', ['reviewer'], 'matrix-target'),
  };
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

/** What the database holds, in one row: a rejected request must leave it exactly as it was. */
async function fingerprint(): Promise<string> {
  const { rows } = await db.query(`SELECT
    (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM institutions) AS institutions,
    (SELECT count(*) FROM proposals) AS proposals, (SELECT coalesce(sum(version), 0) FROM proposals) AS versions,
    (SELECT coalesce(sum(seq), 0) FROM audit_heads) AS audit, (SELECT count(*) FROM decisions) AS decisions,
    (SELECT count(*) FROM notifications WHERE read_at IS NOT NULL) AS read`);
  return JSON.stringify(rows[0]);
}

// ---------------------------------------------------------------------------------------------
// Authorization matrix, generated from the OpenAPI route table and the machine's events.
// ---------------------------------------------------------------------------------------------

type Who = ActorName | 'anonymous' | 'forged' | 'expired';
const has = (a: ActorName, role: string) => (actorSpec(a).roles as readonly string[]).includes(role);
const inst = (a: ActorName) => actorSpec(a).institutionId;
const isAllianceAdmin = (a: ActorName) => inst(a) === '4euplus' && has(a, 'admin');
const seesProposal = sees;
const AGENCY_INSTITUTIONS = AGENCIES;

interface Case {
  label: string;
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  body?: unknown;
  /** Statuses this actor may legitimately get. 2xx outside this list is a failure. */
  expect: number[];
  /**
   * Sent with a token signed in for this request alone: signing out revokes the token it presents,
   * and the actor's usual token must live on for the other cases.
   */
  ownToken?: boolean;
}

/** Every route of the document must be here; the test fails on a route that is not. */
const ROUTES: Record<string, (a: ActorName) => Case[]> = {
  'get /health': () => [{ label: 'health', method: 'get', path: '/health', expect: [200] }],
  'post /api/auth/login': () => [
    {
      label: 'login',
      method: 'post',
      path: '/api/auth/login',
      body: { email: 'nobody@x.test', password: 'wrong' },
      expect: [401],
    },
  ],
  'post /api/auth/session': () => [
    {
      label: 'browser sign-in',
      method: 'post',
      path: '/api/auth/session',
      body: { email: 'nobody@x.test', password: 'wrong' },
      expect: [401],
    },
  ],
  'delete /api/auth/session': () => [
    { label: 'sign-out', method: 'delete', path: '/api/auth/session', expect: [204], ownToken: true },
  ],
  // With the actor's usual token, which survives: only the actor's other tokens end.
  'delete /api/me/other-sessions': () => [
    { label: 'sign out everywhere else', method: 'delete', path: '/api/me/other-sessions', expect: [204] },
  ],
  'get /api/me': () => [{ label: 'me', method: 'get', path: '/api/me', expect: [200] }],
  'post /api/users': (a) =>
    ['cuni', 'uhd'].map((target) => ({
      label: `create user at ${target}`,
      method: 'post' as const,
      path: '/api/users',
      body: {
        email: `m-${randomUUID().slice(0, 8)}@${target}.test`,
        password: DEFAULT_PASSWORD,
        displayName: 'M',
        institutionId: target,
        roles: ['reviewer'],
      },
      expect: has(a, 'admin') && (isAllianceAdmin(a) || inst(a) === target) ? [201] : [403],
    })),
  'get /api/users': (a) => [
    { label: 'list users', method: 'get', path: '/api/users', expect: has(a, 'admin') ? [200] : [403] },
  ],
  'get /api/users/{id}': (a) => [
    ...(['cuni', 'uhd'] as const).map((target) => ({
      label: `get user at ${target}`,
      method: 'get' as const,
      path: `/api/users/${accountTargets[target].id}`,
      expect: !has(a, 'admin') ? [403] : isAllianceAdmin(a) || inst(a) === target ? [200] : [404],
    })),
    {
      label: 'get nonexistent user',
      method: 'get',
      path: `/api/users/${randomUUID()}`,
      expect: has(a, 'admin') ? [404] : [403],
    },
  ],
  'patch /api/users/{id}': (a) => [
    ...(['cuni', 'uhd'] as const).map((target) => ({
      label: `patch user at ${target}`,
      method: 'patch' as const,
      path: `/api/users/${accountTargets[target].id}`,
      body: { displayName: `Matrix target at ${target}` },
      // Another institution's user is not visible to its admin: 404, as for an unknown id.
      expect: !has(a, 'admin') ? [403] : isAllianceAdmin(a) || inst(a) === target ? [200] : [404],
    })),
    {
      label: 'patch nonexistent user',
      method: 'patch',
      path: `/api/users/${randomUUID()}`,
      body: { displayName: 'x' },
      expect: has(a, 'admin') ? [404] : [403],
    },
  ],
  'post /api/users/{id}/password': (a) =>
    (['cuni', 'uhd'] as const).map((target) => ({
      label: `reset password of user at ${target}`,
      method: 'post' as const,
      path: `/api/users/${accountTargets[target].id}/password`,
      body: { newPassword: 'Matrix-reset-Passw0rd-9' },
      // As for PATCH: another institution's user is invisible to its admin (404).
      expect: !has(a, 'admin') ? [403] : isAllianceAdmin(a) || inst(a) === target ? [204] : [404],
    })),
  'post /api/me/password': () => [
    {
      // Any user may; a wrong current password is refused without changing anything.
      label: 'change password, wrong current one',
      method: 'post',
      path: '/api/me/password',
      body: { currentPassword: 'not-the-password-0', newPassword: 'Matrix-horse-battery-1' },
      expect: [400],
    },
  ],
  'get /api/institutions': () => [
    { label: 'institutions', method: 'get', path: '/api/institutions', expect: [200] },
  ],
  'post /api/institutions': (a) => [
    {
      label: 'create institution',
      method: 'post',
      path: '/api/institutions',
      body: { id: `m-${randomUUID().slice(0, 8)}`, name: 'M', kind: 'university', country: 'IT' },
      expect: isAllianceAdmin(a) ? [201] : [403],
    },
  ],
  'get /api/proposals': () => [
    { label: 'list proposals', method: 'get', path: '/api/proposals', expect: [200] },
  ],
  'post /api/proposals': (a) => [
    {
      label: 'create proposal',
      method: 'post',
      path: '/api/proposals',
      body: { content: {} },
      expect: has(a, 'proposer') && !['4euplus', ...AGENCY_INSTITUTIONS].includes(inst(a)) ? [201] : [403],
    },
  ],
  'get /api/proposals/waiting': () => [
    { label: 'what waits on me', method: 'get', path: '/api/proposals/waiting', expect: [200] },
  ],
  'get /api/proposals/{id}': (a) => proposalReads(a, (id) => `/api/proposals/${id}`),
  'get /api/proposals/{id}/history': (a) => proposalReads(a, (id) => `/api/proposals/${id}/history`),
  'get /api/proposals/{id}/revisions/{a}/diff/{b}': (a) => [
    {
      label: 'diff agency-stage',
      method: 'get',
      path: `/api/proposals/${inAgency.id}/revisions/1/diff/1`,
      expect: seesProposal(a, true) ? [200] : [404],
    },
    {
      label: 'diff nonexistent',
      method: 'get',
      path: `/api/proposals/${randomUUID()}/revisions/1/diff/1`,
      expect: [404],
    },
  ],
  'patch /api/proposals/{id}': (a) => [
    {
      label: 'patch draft',
      method: 'patch',
      path: `/api/proposals/${draft.id}`,
      body: { content: { title: 'Edited by the matrix' } },
      expect: !seesProposal(a, false) ? [404] : has(a, 'proposer') && inst(a) === 'cuni' ? [200] : [403],
    },
    {
      label: 'patch agency-stage',
      method: 'patch',
      path: `/api/proposals/${inAgency.id}`,
      body: { content: { title: 'x' } },
      expect: !seesProposal(a, true) ? [404] : has(a, 'proposer') && inst(a) === 'cuni' ? [409] : [403],
    },
    {
      label: 'patch nonexistent',
      method: 'patch',
      path: `/api/proposals/${randomUUID()}`,
      body: { content: {} },
      expect: [404],
    },
  ],
  'post /api/proposals/{id}/events': (a) => eventCases(a),
  'get /api/institutions/{id}/audit': (a) => auditCases(a, ''),
  'get /api/institutions/{id}/audit/export': (a) => auditCases(a, '/export'),
  'get /api/institutions/{id}/audit/verify': (a) => auditCases(a, '/verify'),
  'get /api/me/notifications': () => [
    { label: 'notifications', method: 'get', path: '/api/me/notifications', expect: [200] },
  ],
  'post /api/me/notifications/{id}/read': () => [
    {
      label: 'read nonexistent',
      method: 'post',
      path: `/api/me/notifications/${randomUUID()}/read`,
      expect: [404],
    },
  ],
  'get /api/workflows/{id}': () => [
    { label: 'workflow', method: 'get', path: '/api/workflows/micro-credential-review', expect: [200] },
    { label: 'workflow nonexistent', method: 'get', path: '/api/workflows/nope', expect: [404] },
  ],
  'get /api/quality-criteria': () => [
    { label: 'criteria', method: 'get', path: '/api/quality-criteria', expect: [200] },
  ],
  // SMTP is not configured in this run: reset links cannot be asked for; a made-up token is refused.
  'get /api/auth/password-reset': () => [
    { label: 'reset settings', method: 'get', path: '/api/auth/password-reset', expect: [200] },
  ],
  'post /api/auth/password-reset': () => [
    {
      label: 'ask for a reset link',
      method: 'post',
      path: '/api/auth/password-reset',
      body: { email: 'nobody@x.test' },
      expect: [404],
    },
  ],
  'post /api/auth/password-reset/confirm': () => [
    {
      label: 'reset with a made-up token',
      method: 'post',
      path: '/api/auth/password-reset/confirm',
      body: { token: 'A'.repeat(43), newPassword: 'Matrix-reset-Passw0rd-9' },
      expect: [400],
    },
  ],
  'get /api/auth/oidc/config': () => [
    { label: 'oidc config', method: 'get', path: '/api/auth/oidc/config', expect: [200] },
  ],
  // OpenID Connect is not configured in this run: the sign-in routes do not exist.
  'get /api/auth/oidc/login': () => [
    { label: 'oidc login', method: 'get', path: '/api/auth/oidc/login', expect: [404] },
  ],
  'get /api/auth/oidc/callback': () => [
    { label: 'oidc callback', method: 'get', path: '/api/auth/oidc/callback?code=c&state=s', expect: [404] },
  ],
  'patch /api/institutions/{id}': (a) => [
    {
      label: 'password sign-in setting of cuni',
      method: 'patch',
      path: '/api/institutions/cuni',
      body: { passwordLoginDisabled: false },
      expect: has(a, 'admin') && (isAllianceAdmin(a) || inst(a) === 'cuni') ? [200] : [403],
    },
    {
      label: 'domains of cuni',
      method: 'patch',
      path: '/api/institutions/cuni',
      body: { domains: [] },
      expect: isAllianceAdmin(a) ? [200] : [403],
    },
  ],
  'post /api/me/deputies': (a) => [
    {
      label: 'name a deputy who is no colleague',
      method: 'post',
      path: '/api/me/deputies',
      body: {
        userId: randomUUID(),
        from: new Date().toISOString(),
        to: new Date(Date.now() + 3600_000).toISOString(),
      },
      expect: ['reviewer', 'quality_officer', 'agency_liaison'].some((r) => has(a, r)) ? [400] : [403],
    },
  ],
  'get /api/me/colleagues': () => [
    { label: 'colleagues', method: 'get', path: '/api/me/colleagues?q=at', expect: [200] },
  ],
  'get /api/me/deputies': () => [
    { label: 'deputies', method: 'get', path: '/api/me/deputies', expect: [200] },
  ],
  'get /api/me/deputies/{id}': () => [
    { label: 'deputy nonexistent', method: 'get', path: `/api/me/deputies/${randomUUID()}`, expect: [404] },
  ],
  'delete /api/me/deputies/{id}': () => [
    { label: 'end nonexistent', method: 'delete', path: `/api/me/deputies/${randomUUID()}`, expect: [404] },
  ],
  'get /api/proposals/{id}/exports/{kind}': (a) => [
    {
      label: 'export of a draft',
      method: 'get',
      path: `/api/proposals/${draft.id}/exports/elm`,
      expect: seesProposal(a, false) ? [409] : [404],
    },
    {
      label: 'export of agency-stage',
      method: 'get',
      path: `/api/proposals/${inAgency.id}/exports/ob3-endorsement`,
      expect: seesProposal(a, true) ? [409] : [404],
    },
    {
      label: 'export nonexistent',
      method: 'get',
      path: `/api/proposals/${randomUUID()}/exports/ob3-achievement`,
      expect: [404],
    },
  ],
  'post /api/credentials/verify': () => [
    {
      label: 'verify a non-credential',
      method: 'post',
      path: '/api/credentials/verify',
      body: { type: ['VerifiableCredential'] },
      expect: [200],
    },
  ],
  'get /.well-known/did.json': () => [
    { label: 'DID document', method: 'get', path: '/.well-known/did.json', expect: [200] },
  ],
  'get /api/admin/queues': (a) => [
    { label: 'queues', method: 'get', path: '/api/admin/queues', expect: isAllianceAdmin(a) ? [200] : [403] },
  ],
  'get /api/catalogue': () => [
    { label: 'catalogue', method: 'get', path: '/api/catalogue?q=data', expect: [200] },
  ],
  'get /api/catalogue/{reference}': () => catalogueCases(''),
  'get /api/catalogue/{reference}/pathways': () => catalogueCases('/pathways'),
  'get /api/catalogue/{reference}/exports/{kind}': () => [
    {
      label: 'public export of an unpublished reference',
      method: 'get',
      path: `/api/catalogue/${inAgencyRef}/exports/elm`,
      expect: [404],
    },
  ],
  'get /sitemap.xml': () => [{ label: 'sitemap', method: 'get', path: '/sitemap.xml', expect: [200] }],
  'get /api/analytics/stages': (a) => analyticsCases(a, 'stages'),
  'get /api/analytics/throughput': (a) => analyticsCases(a, 'throughput'),
  'get /api/analytics/waiting': (a) => analyticsCases(a, 'waiting'),
};

/** Public: an unpublished proposal's reference is as absent as one that does not exist. */
function catalogueCases(suffix: string): Case[] {
  return [
    { label: 'unpublished', method: 'get', path: `/api/catalogue/${inAgencyRef}${suffix}`, expect: [404] },
    { label: 'nonexistent', method: 'get', path: `/api/catalogue/MC-1999-9999${suffix}`, expect: [404] },
  ];
}

function analyticsCases(a: ActorName, table: string): Case[] {
  const may = ['admin', 'quality_officer', 'agency_liaison'].some((r) => has(a, r));
  return [
    { label: table, method: 'get', path: `/api/analytics/${table}`, expect: may ? [200] : [403] },
    {
      label: `${table} as CSV`,
      method: 'get',
      path: `/api/analytics/${table}?format=csv&institutionId=cuni`,
      expect: may ? [200] : [403],
    },
  ];
}

function proposalReads(a: ActorName, path: (id: string) => string): Case[] {
  return [
    { label: 'draft', method: 'get', path: path(draft.id), expect: seesProposal(a, false) ? [200] : [404] },
    {
      label: 'agency-stage',
      method: 'get',
      path: path(inAgency.id),
      expect: seesProposal(a, true) ? [200] : [404],
    },
    { label: 'nonexistent', method: 'get', path: path(randomUUID()), expect: [404] },
  ];
}

function auditCases(a: ActorName, suffix: string): Case[] {
  return ['cuni', 'uhd', 'nowhere'].map((target) => ({
    label: `audit${suffix} of ${target}`,
    method: 'get' as const,
    path: `/api/institutions/${target}/audit${suffix}`,
    expect: isAllianceAdmin(a)
      ? [target === 'nowhere' ? 404 : 200]
      : has(a, 'admin') && inst(a) === target
        ? [200]
        : [403],
  }));
}

/** Events against the agency-stage proposal; the ones this actor really may send are left out here (they would act). */
function eventCases(a: ActorName): Case[] {
  const handled = ['AGENCY_CONFIRM', 'AGENCY_FLAG', 'WITHDRAW'];
  return EVENT_TYPES.filter((e) => !(seesProposal(a, true) && handled.includes(e) && mayAct(e, a))).flatMap(
    (e) => [
      {
        label: `${e} on agency-stage`,
        method: 'post' as const,
        path: `/api/proposals/${inAgency.id}/events`,
        body: { type: e, ...eventBody(e, w.criteria) },
        expect: [!seesProposal(a, true) ? 404 : !handled.includes(e) ? 409 : 403],
      },
      {
        label: `${e} on nonexistent`,
        method: 'post' as const,
        path: `/api/proposals/${randomUUID()}/events`,
        body: { type: e, ...eventBody(e) },
        expect: [404],
      },
    ],
  );
}

async function send(c: Case, who: Who, tokens: Record<string, string>) {
  let req = t.http()[c.method](c.path);
  if (who !== 'anonymous') {
    const user = w.users.get(who as ActorName);
    let token = tokens[who] ?? user!.token;
    if (c.ownToken && user)
      token =
        who === 'allianceAdmin'
          ? await t.login(ADMIN.email, ADMIN.password)
          : await t.login(user.email, DEFAULT_PASSWORD);
    req = req.set(bearer(token));
  }
  return c.body === undefined ? req : req.send(c.body as object);
}

describe('authorization matrix from the route table', () => {
  it('covers every route of the OpenAPI document', () => {
    const routes = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m} ${path}`),
    );
    const missing = routes.filter((r) => !(r in ROUTES));
    expect(missing).toEqual([]);
  });

  it('gives every role and relation exactly the answers DESIGN allows: no unexpected 2xx', async () => {
    const claims = decodePayload(await t.admin());
    const now = Math.floor(Date.now() / 1000);
    const tokens = {
      forged: unsigned({ ...claims, exp: now + 3600 }),
      expired: signHs256({ ...claims, iat: now - 7200, exp: now - 3600 }, TEST_JWT_SECRET),
    };
    const publicRoutes = new Set([
      'get /health',
      'post /api/auth/login',
      'get /api/auth/oidc/config',
      'get /api/auth/password-reset',
      'post /api/auth/password-reset',
      'post /api/auth/password-reset/confirm',
      'get /api/auth/oidc/login',
      'get /api/auth/oidc/callback',
      'get /api/catalogue',
      'get /api/catalogue/{reference}',
      'get /api/catalogue/{reference}/pathways',
      'get /api/catalogue/{reference}/exports/{kind}',
      'get /sitemap.xml',
      'post /api/credentials/verify',
      'get /.well-known/did.json',
      'post /api/auth/session',
      'delete /api/auth/session',
    ]);
    const wrong: string[] = [];
    const before = await w.get(inAgency.id, 'allianceAdmin');
    for (const [route, cases] of Object.entries(ROUTES)) {
      for (const who of [...ALL_ACTORS, 'anonymous', 'forged', 'expired'] as Who[]) {
        const actor = (['anonymous', 'forged', 'expired'].includes(who) ? 'cuniProposer' : who) as ActorName;
        for (const c of cases(actor)) {
          const expected =
            ['anonymous', 'forged', 'expired'].includes(who) && !publicRoutes.has(route) ? [401] : c.expect;
          const res = await send(c, who, tokens);
          if (!expected.includes(res.status))
            wrong.push(`${route} [${c.label}] as ${who}: ${res.status}, expected ${expected.join('/')}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    // None of the refused events moved the agency-stage proposal.
    expect((await w.get(inAgency.id, 'allianceAdmin')).body.version).toBe(before.body.version);
  });

  it('answers an invisible proposal and a nonexistent one with the same 404, on every proposal route', async () => {
    const ghost = randomUUID();
    for (const suffix of ['', '/history', '/revisions/1/diff/1']) {
      const invisible = await t
        .http()
        .get(`/api/proposals/${inAgency.id}${suffix}`)
        .set(w.auth('unimiReviewer'));
      const missing = await t.http().get(`/api/proposals/${ghost}${suffix}`).set(w.auth('unimiReviewer'));
      expect([invisible.status, missing.status]).toEqual([404, 404]);
      expect(invisible.body).toEqual(missing.body);
    }
    const p1 = await t
      .http()
      .patch(`/api/proposals/${inAgency.id}`)
      .set(w.auth('unimiProposer'))
      .send({ content: {} });
    const p2 = await t
      .http()
      .patch(`/api/proposals/${ghost}`)
      .set(w.auth('unimiProposer'))
      .send({ content: {} });
    expect([p1.status, p1.body]).toEqual([404, p2.body]);
  });
});

// ---------------------------------------------------------------------------------------------
// Mass assignment
// ---------------------------------------------------------------------------------------------

describe('mass assignment', () => {
  const KEYS = [
    'id',
    'state',
    'version',
    'revision',
    'leadInstitutionId',
    'workflow',
    '__proto__',
    'constructor',
  ];
  const bodies: Array<[string, 'post' | 'patch', () => string, () => Record<string, unknown>, ActorName]> = [
    [
      'login',
      'post',
      () => '/api/auth/login',
      () => ({ email: 'admin@4euplus.eu', password: 'x' }),
      'allianceAdmin',
    ],
    [
      'create user',
      'post',
      () => '/api/users',
      () => ({
        email: `ma-${randomUUID().slice(0, 6)}@cuni.test`,
        password: DEFAULT_PASSWORD,
        displayName: 'x',
        institutionId: 'cuni',
        roles: ['reviewer'],
      }),
      'allianceAdmin',
    ],
    [
      'patch user',
      'patch',
      () => `/api/users/${accountTargets.cuni.id}`,
      () => ({ displayName: 'Mass assignment target' }),
      'allianceAdmin',
    ],
    [
      'change password',
      'post',
      () => '/api/me/password',
      () => ({ currentPassword: DEFAULT_PASSWORD, newPassword: 'Mass-assignment-horse-2' }),
      'cuniProposer',
    ],
    [
      'create institution',
      'post',
      () => '/api/institutions',
      () => ({ id: `ma-${randomUUID().slice(0, 6)}`, name: 'x', kind: 'university', country: 'IT' }),
      'allianceAdmin',
    ],
    [
      'create proposal',
      'post',
      () => '/api/proposals',
      () => ({ partnerInstitutionIds: ['uhd'], content: { title: 'x' } }),
      'cuniProposer',
    ],
    [
      'patch proposal',
      'patch',
      () => `/api/proposals/${draft.id}`,
      () => ({ content: { title: 'y' } }),
      'cuniProposer',
    ],
    [
      'send event',
      'post',
      () => `/api/proposals/${draft.id}/events`,
      () => ({ type: 'SUBMIT' }),
      'cuniProposer',
    ],
  ];
  it.each(bodies)(
    'refuses server-owned and prototype keys in the %s body with 400 and changes nothing',
    async (_n, method, path, base, as) => {
      // An institution's id is its slug, chosen by whoever creates it (DESIGN.md section 4): not server-owned there.
      for (const key of KEYS.filter((k) => !(path() === '/api/institutions' && k === 'id'))) {
        const before = await fingerprint();
        // Built as text so __proto__ arrives as an own key, as a hostile client would send it.
        const text = JSON.stringify(base()).replace(
          /^\{/,
          `{${JSON.stringify(key)}:${JSON.stringify(key === 'workflow' ? { id: 'x', version: 9 } : 'cuni')},`,
        );
        const res = await t
          .http()
          [method](path())
          .set(w.auth(as))
          .set('Content-Type', 'application/json')
          .send(text);
        expect([key, res.status]).toEqual([key, 400]);
        expect((res.body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(key);
        expect(await fingerprint()).toBe(before);
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Schema fuzzing from the OpenAPI document
// ---------------------------------------------------------------------------------------------

describe('schema fuzzing from the OpenAPI document', () => {
  it('never answers ≥ 500 or a status the document does not list, and a rejected request changes nothing', async () => {
    // Not the two sign-outs: they take no input to fuzz, and would end the actors' tokens for the rest
    // of the run (the authorization matrix covers them).
    const SESSION_ENDING = new Set(['delete /api/auth/session', 'delete /api/me/other-sessions']);
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => !SESSION_ENDING.has(`${method} ${path}`))
        .map(([method, op]) => ({
          path,
          method: method as 'get' | 'post' | 'patch',
          op: op as Operation,
        })),
    );
    const ids = {
      proposal: [draft.id, inAgency.id, randomUUID(), 'not-a-uuid', '%00'],
      institution: ['cuni', 'uhd', 'nowhere', 'A B', '%00'],
      generic: ['1', 'x', randomUUID()],
    };
    const failures: string[] = [];
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations),
        fc.constantFrom(...(['anonymous', ...ALL_ACTORS] as Who[])),
        fc.nat(),
        fc.context(),
        async ({ path, method, op }, who, n, ctx) => {
          const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
            const pool =
              path.startsWith('/api/proposals') && name === 'id'
                ? ids.proposal
                : path.startsWith('/api/institutions')
                  ? ids.institution
                  : name === 'a' || name === 'b'
                    ? ['1', '2', '0', '-1', 'x']
                    : ids.generic;
            return pool[n % pool.length];
          });
          const query = (op.parameters ?? []).filter((p) => p.in === 'query');
          const qs = query.length
            ? fc.sample(
                fc.record(
                  Object.fromEntries(query.map((p) => [p.name, mutatedArbitrary(doc, p.schema ?? {})])),
                  { requiredKeys: [] },
                ),
                { numRuns: 1, seed: n },
              )[0]
            : undefined;
          const bodySchema = op.requestBody?.content['application/json']?.schema;
          const body = bodySchema
            ? fc.sample(mutatedArbitrary(doc, bodySchema), { numRuns: 1, seed: n })[0]
            : undefined;
          const before = await fingerprint();
          let req = t.http()[method](url);
          if (qs)
            req = req.query(
              Object.fromEntries(
                Object.entries(qs as Record<string, unknown>).map(([k, v]) => [
                  k,
                  typeof v === 'string' ? v : JSON.stringify(v),
                ]),
              ),
            );
          if (who !== 'anonymous') req = req.set(bearer(w.users.get(who as ActorName)!.token));
          // Sent as JSON text: the body may be a bare string, number, boolean or null, as hostile clients send.
          const res =
            body === undefined
              ? await req
              : await req.set('Content-Type', 'application/json').send(JSON.stringify(body));
          sent++;
          ctx.log(`${method.toUpperCase()} ${url} as ${who}: ${res.status}`);
          const documented = Object.keys(op.responses);
          if (res.status >= 500)
            failures.push(
              `${method} ${url} as ${who} body ${JSON.stringify(body)}: ${res.status} ${JSON.stringify(res.body)}`,
            );
          else if (!documented.includes(String(res.status)))
            failures.push(`${method} ${path}: ${res.status} not in the document (${documented.join(', ')})`);
          if (res.status >= 400 && (await fingerprint()) !== before)
            failures.push(`${method} ${url}: rejected with ${res.status} but the database changed`);
        },
      ),
      {
        numRuns: SOAK ? 3000 : 400,
        seed: Number(process.env.FAULT_SEED ?? (SOAK ? Date.now() % 2 ** 31 : 20261128)),
      },
    );
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(SOAK ? 3000 : 400);
  });
});

// ---------------------------------------------------------------------------------------------
// Body limits and abuse
// ---------------------------------------------------------------------------------------------

describe('body limits and abuse', () => {
  it('answers 413 to 1.1 MB, 400 to 10,000-deep JSON, caps limit=1000000000, and stays up', async () => {
    const big = await t
      .http()
      .post('/api/proposals')
      .set(w.auth('cuniProposer'))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ content: { summary: 'x'.repeat(1.1 * 1024 * 1024) } }));
    expect(big.status).toBe(413);
    const deep = await t
      .http()
      .post('/api/proposals')
      .set(w.auth('cuniProposer'))
      .set('Content-Type', 'application/json')
      .send(`{"content":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`);
    expect(deep.status).toBe(400);
    const many = await t.http().get('/api/proposals?limit=1000000000').set(w.auth('allianceAdmin'));
    expect(many.status).toBe(200);
    expect(many.body.items.length).toBeLessThanOrEqual(100);
    expect((await t.http().get('/health')).status).toBe(200);
  });

  it('answers 400, naming the field, to crafted cursors, week dates and lone surrogates, and changes nothing', async () => {
    const forge = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const admin = w.auth('allianceAdmin');
    const cases: Array<[string, string]> = [
      ['/api/institutions/cuni/audit', forge({ s: 1.5 })],
      ['/api/institutions/cuni/audit', forge({ s: 1e21 })],
      ['/api/institutions/cuni/audit', forge({ s: -1 })],
      ['/api/me/notifications', forge({ c: 'yesterday', i: randomUUID() })],
      ['/api/me/notifications', forge({ c: new Date().toISOString(), i: 'not-a-uuid' })],
      ['/api/proposals', forge({ c: '2026-13-45T00:00:00.000Z', i: randomUUID() })],
      ['/api/users', forge({ c: new Date().toISOString(), i: 42 })],
      // Days that do not exist: JavaScript rolls them over, PostgreSQL refuses them (was a 500).
      ['/api/me/notifications', forge({ c: '2026-02-30T00:00:00.000Z', i: randomUUID() })],
      ['/api/proposals', forge({ c: '0000-01-01T00:00:00.000Z', i: randomUUID() })],
      ['/api/catalogue', forge({ p: '2026-02-30T00:00:00.000Z', ref: 'MC-2026-0001' })],
      ['/api/analytics/waiting', forge({ s: '2026-02-30T00:00:00Z', i: randomUUID(), p: '' })],
    ];
    for (const [path, cursor] of cases) {
      const res = await t.http().get(`${path}?cursor=${cursor}`).set(admin);
      expect([path, res.status, res.body.errors?.[0]?.field]).toEqual([path, 400, 'cursor']);
    }
    for (const param of ['from', 'to']) {
      const res = await t.http().get(`/api/institutions/cuni/audit?${param}=2026-W01`).set(admin);
      expect([res.status, res.body.errors?.[0]?.field]).toEqual([400, param]);
    }
    const before = await w.get(inAgency.id, 'allianceAdmin');
    const lone = await w.send(inAgency.id, 'nauLiaison', 'AGENCY_FLAG', { comment: 'broken \ud800 text' });
    expect([lone.status, lone.body.errors?.[0]?.field]).toEqual([400, 'comment']);
    const loneKey = await t
      .http()
      .patch(`/api/proposals/${draft.id}`)
      .set(w.auth('cuniProposer'))
      .send({ content: { title: 'ok', extra: { '\udc00': 1 } } });
    expect([loneKey.status, loneKey.body.errors?.[0]?.message]).toEqual([
      400,
      expect.stringMatching(/valid Unicode/),
    ]);
    expect((await w.get(inAgency.id, 'allianceAdmin')).body.version).toBe(before.body.version);
  });

  it('answers 400, naming the field, to null for a field that may be left out, control characters, undecodable paths and malformed bodies, and changes nothing', async () => {
    const admin = w.auth('allianceAdmin');
    const field = (res: { status: number; body: { errors?: Array<{ field: string }> } }) => [
      res.status,
      res.body.errors?.map((e) => e.field),
    ];
    const user = accountTargets.cuni.id;
    const row = async (sql: string, id: string) => (await db.query(sql, [id])).rows;
    const userBefore = await row(`SELECT * FROM users WHERE id = $1`, user);
    for (const key of ['displayName', 'roles', 'active']) {
      const res = await t
        .http()
        .patch(`/api/users/${user}`)
        .set(admin)
        .send({ [key]: null });
      expect([key, ...field(res)]).toEqual([key, 400, [key]]);
    }
    expect(await row(`SELECT * FROM users WHERE id = $1`, user)).toEqual(userBefore);
    const settingsBefore = await row(`SELECT * FROM institutions WHERE id = $1`, 'cuni');
    for (const key of ['domains', 'passwordLoginDisabled']) {
      const res = await t
        .http()
        .patch('/api/institutions/cuni')
        .set(admin)
        .send({ [key]: null });
      expect([key, ...field(res)]).toEqual([key, 400, [key]]);
    }
    expect(await row(`SELECT * FROM institutions WHERE id = $1`, 'cuni')).toEqual(settingsBefore);
    const before = await w.get(draft.id, 'cuniProposer');
    const stale = await t
      .http()
      .patch(`/api/proposals/${draft.id}`)
      .set(w.auth('cuniProposer'))
      .send({ expectedVersion: null, content: { title: 'Never saved' } });
    expect(field(stale)).toEqual([400, ['expectedVersion']]);
    const control = await t
      .http()
      .patch(`/api/proposals/${draft.id}`)
      .set(w.auth('cuniProposer'))
      .send({ content: { title: '\u0001\u001f\u007f' } });
    expect(field(control)).toEqual([400, ['content.title']]);
    expect((await w.get(draft.id, 'cuniProposer')).body.version).toBe(before.body.version);
    const blankName = await t
      .http()
      .post('/api/institutions')
      .set(admin)
      .send({ id: 'blank-name', name: '   ', kind: 'university', country: 'CZ' });
    expect(field(blankName)).toEqual([400, ['name']]);
    const invisibleName = await t
      .http()
      .post('/api/institutions')
      .set(admin)
      .send({ id: 'blank-name', name: '\u200b\ufeff', kind: 'university', country: 'CZ' });
    expect(field(invisibleName)).toEqual([400, ['name']]);
    const invisibleUser = await t
      .http()
      .patch(`/api/users/${user}`)
      .set(admin)
      .send({ displayName: '\u202e\u200b' });
    expect(field(invisibleUser)).toEqual([400, ['displayName']]);
    // NUL in a path segment or a query key names the parameter, or `query`.
    expect(field(await t.http().get('/api/proposals/a%00b').set(admin))).toEqual([400, ['id']]);
    expect(field(await t.http().get('/api/users?%00=1').set(admin))).toEqual([400, ['query']]);
    expect(field(await t.http().get('/api/proposals/%E0%A4%A').set(admin))).toEqual([400, ['path']]);
    const malformed = await t
      .http()
      .patch(`/api/proposals/${draft.id}`)
      .set(w.auth('cuniProposer'))
      .set('Content-Type', 'application/json')
      .send('{"content":');
    expect(field(malformed)).toEqual([400, ['body']]);
    const undecompressible = await t
      .http()
      .patch(`/api/proposals/${draft.id}`)
      .set(w.auth('cuniProposer'))
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('{"content":{}}');
    expect(field(undecompressible)).toEqual([415, ['body']]);
    const latin1 = await t
      .http()
      .patch(`/api/proposals/${draft.id}`)
      .set(w.auth('cuniProposer'))
      .set('Content-Type', 'application/json; charset=latin1')
      .send('{"content":{}}');
    expect(field(latin1)).toEqual([415, ['body']]);
    // A parameter without a name names nothing to apply: it is dropped like an empty one.
    expect((await t.http().get('/api/users?=x').set(admin)).status).toBe(200);
    // Content is read as a merge patch at creation too: a null member is no member.
    const created = await t
      .http()
      .post('/api/proposals')
      .set(w.auth('cuniProposer'))
      .send({ content: { title: 'Nulls dropped', summary: null } });
    expect(created.status).toBe(201);
    expect(created.body.content).toEqual({ title: 'Nulls dropped' });
    const centuries = await t
      .http()
      .get('/api/analytics/throughput?from=1000-01-01T00:00:00Z&to=9999-12-31T23:59:59Z')
      .set(admin);
    expect(field(centuries)).toEqual([400, ['from']]);
    // Any letter case of /api is the API's, never the web application's HTML.
    const upper = await t.http().get('/API/PROPOSALS').set(admin);
    expect(upper.headers['content-type']).not.toMatch(/text\/html/);
    expect(await db.query(`SELECT 1 FROM institutions WHERE id = 'blank-name'`)).toMatchObject({
      rowCount: 0,
    });
  });

  it('answers 429 to 100 bad logins from one address', async () => {
    const s = await startServer();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 100; i++)
        statuses.push(
          (
            await s
              .http()
              .post('/api/auth/login')
              .send({ email: `x${i}@x.test`, password: 'bad' })
          ).status,
        );
      expect(statuses).toContain(429);
      expect(statuses.filter((x) => x !== 401 && x !== 429)).toEqual([]);
    } finally {
      await s.stop();
    }
  });
});
