import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ReviewWorld, type ActorName } from '../support/review-world.js';
import { bearer, startServer, type TestServer, type TestUser } from '../support/server.js';

let t: TestServer;
let w: ReviewWorld;
let suColleague: TestUser;
let suBystander: TestUser;

const ACTORS: ActorName[] = [
  'allianceAdmin',
  'cuniProposer',
  'uhdReviewer',
  'uhdProposer',
  'uhdAdmin',
  'suReviewer',
  'qualityOfficer',
  'unimiQualityOfficer',
  'unimiProposer',
];

beforeAll(async () => {
  // The first reminder comes 1.5 s after a stage is entered; nothing else falls due during the run.
  t = await startServer({
    REMINDER_FIRST_AFTER_MS: '1500',
    REMINDER_INTERVAL_MS: '600000',
    ESCALATION_AFTER_MS: '600000',
    RECONCILE_INTERVAL_MS: '500',
  });
  w = await new ReviewWorld(t).setUp(ACTORS);
  suColleague = await t.user('su', ['proposer'], 'su-colleague');
  suBystander = await t.user('su', ['proposer'], 'su-bystander');
});
afterAll(async () => {
  await t?.stop();
});

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
const userId = (name: ActorName) => w.users.get(name)!.id;

function name(as: ActorName | TestUser, body: Record<string, unknown>) {
  const auth = typeof as === 'string' ? w.auth(as) : bearer(as.token);
  return t.http().post('/api/me/deputies').set(auth).send(body);
}

async function named(as: ActorName | TestUser, body: Record<string, unknown>): Promise<{ id: string }> {
  const res = await name(as, body);
  if (res.status !== 201) throw new Error(`deputy: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

async function inPartnerReview() {
  return w.ok((await w.create()).id, 'cuniProposer', 'SUBMIT');
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('deputies', () => {
  it('refuses a period that ends before it starts or is already over, a colleague of another institution, oneself, and malformed input', async () => {
    const colleague = userId('uhdProposer');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ userId: colleague, from: inMinutes(60), to: inMinutes(30) }, 'to'],
      [{ userId: colleague, from: inMinutes(-60), to: inMinutes(-30) }, 'to'],
      [{ userId: userId('suReviewer'), from: inMinutes(0), to: inMinutes(60) }, 'userId'],
      [{ userId: userId('uhdReviewer'), from: inMinutes(0), to: inMinutes(60) }, 'userId'],
      [{ userId: colleague, from: 'next monday', to: inMinutes(60) }, 'from'],
      [{ userId: 'nobody', from: inMinutes(0), to: inMinutes(60) }, 'userId'],
      [{ userId: colleague, from: inMinutes(0), to: inMinutes(60), roles: ['admin'] }, 'roles'],
    ];
    for (const [body, field] of cases) {
      const res = await name('uhdReviewer', body);
      expect([res.status, res.headers['content-type'], res.body.errors?.[0]?.field]).toEqual([
        400,
        expect.stringMatching(/^application\/problem\+json/),
        field,
      ]);
    }
    // Only holders of a review role name deputies: an admin's powers are never delegated.
    const admin = await name('uhdAdmin', {
      userId: userId('uhdProposer'),
      from: inMinutes(0),
      to: inMinutes(60),
    });
    expect([admin.status, admin.body.type]).toEqual([403, 'urn:microcred:problem:cannot-name-deputies']);
    expect((await t.http().get('/api/me/deputies').set(w.auth('uhdReviewer'))).body.items).toEqual([]);
    // /api/me says beforehand who may, by the same rule.
    const may = async (who: Parameters<typeof w.auth>[0]) =>
      (await t.http().get('/api/me').set(w.auth(who))).body.canNameDeputies as boolean;
    expect([await may('uhdReviewer'), await may('uhdAdmin'), await may('uhdProposer')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('lets the deputy act with the principal’s review role only within the period, audited on behalf of the principal', async () => {
    const p = await inPartnerReview();
    // A period in the future grants nothing yet.
    await named('uhdReviewer', { userId: userId('uhdProposer'), from: inMinutes(60), to: inMinutes(120) });
    expect((await w.get(p.id, 'uhdProposer')).body.availableEvents).toEqual([]);
    const early = await w.send(p.id, 'uhdProposer', 'PARTNER_APPROVE');
    expect(early.status).toBe(403);

    const now = await named('uhdReviewer', {
      userId: userId('uhdProposer'),
      from: inMinutes(-1),
      to: inMinutes(60),
    });
    const me = await t.http().get('/api/me').set(w.auth('uhdProposer'));
    expect(me.body).toMatchObject({
      roles: ['proposer'],
      actingFor: [{ role: 'reviewer', onBehalfOf: userId('uhdReviewer') }],
    });
    expect((await w.get(p.id, 'uhdProposer')).body.availableEvents).toEqual(
      expect.arrayContaining(['PARTNER_APPROVE', 'PARTNER_REQUEST_CHANGES']),
    );
    await w.ok(p.id, 'uhdProposer', 'PARTNER_APPROVE');
    // The decision is the institution's: the principal cannot decide a second time.
    expect((await w.send(p.id, 'uhdReviewer', 'PARTNER_APPROVE')).status).toBe(409);

    const audit = await t
      .http()
      .get(`/api/institutions/uhd/audit?proposalId=${p.id}&action=PARTNER_APPROVE`)
      .set(w.auth('uhdAdmin'));
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({
      actorId: userId('uhdProposer'),
      actorInstitutionId: 'uhd',
      actorRole: 'reviewer',
      data: { onBehalfOf: userId('uhdReviewer') },
    });

    const lists = await t.http().get('/api/me/deputies').set(w.auth('uhdProposer'));
    expect(lists.body.deputyFor.map((d: { id: string; active: boolean }) => [d.id, d.active])).toContainEqual(
      [now.id, true],
    );
    const one = await t.http().get(`/api/me/deputies/${now.id}`).set(w.auth('uhdReviewer'));
    expect(one.body).toMatchObject({
      id: now.id,
      principalId: userId('uhdReviewer'),
      deputyId: userId('uhdProposer'),
      roles: ['reviewer'],
      active: true,
    });
    expect((await t.http().get(`/api/me/deputies/${now.id}`).set(w.auth('uhdAdmin'))).status).toBe(404);
    // Ending the delegation takes effect at the next request.
    const other = await w.ok((await w.create()).id, 'cuniProposer', 'SUBMIT');
    expect((await t.http().delete(`/api/me/deputies/${now.id}`).set(w.auth('uhdProposer'))).status).toBe(404);
    expect((await t.http().delete(`/api/me/deputies/${now.id}`).set(w.auth('uhdReviewer'))).status).toBe(204);
    expect((await w.send(other.id, 'uhdProposer', 'PARTNER_APPROVE')).status).toBe(403);
    const deleted = await t
      .http()
      .get('/api/institutions/uhd/audit?action=DEPUTY_DELETE')
      .set(w.auth('uhdAdmin'));
    expect(deleted.body.items[0].data).toMatchObject({ deputyId: now.id, userId: userId('uhdProposer') });
  });

  it('grants nothing once the period is over', async () => {
    const p = await inPartnerReview();
    await named('suReviewer', {
      userId: suColleague.id,
      from: inMinutes(-1),
      to: new Date(Date.now() + 2500).toISOString(),
    });
    expect(
      (await t.http().get(`/api/proposals/${p.id}`).set(bearer(suColleague.token))).body.availableEvents,
    ).toContain('PARTNER_APPROVE');
    await new Promise((r) => setTimeout(r, 3000));
    const late = await t
      .http()
      .post(`/api/proposals/${p.id}/events`)
      .set(bearer(suColleague.token))
      .send({ type: 'PARTNER_APPROVE' });
    expect(late.status).toBe(403);
  });

  it('does not let a deputy name deputies', async () => {
    await named('uhdReviewer', { userId: userId('uhdProposer'), from: inMinutes(-1), to: inMinutes(60) });
    const res = await name('uhdProposer', {
      userId: userId('uhdAdmin'),
      from: inMinutes(0),
      to: inMinutes(30),
    });
    expect([res.status, res.body.type]).toEqual([403, 'urn:microcred:problem:cannot-name-deputies']);
    expect(res.body.detail).toMatch(/deputy cannot name deputies/);
    const me = await t.http().get('/api/me').set(w.auth('uhdProposer'));
    expect([me.body.actingFor.length, me.body.canNameDeputies]).toEqual([1, false]);
  });

  it('sends the principal’s reminders to the deputy too, and not to other colleagues', async () => {
    await named('suReviewer', { userId: suColleague.id, from: inMinutes(-1), to: inMinutes(60) });
    const p = await inPartnerReview();
    const remindersOf = async (auth: Record<string, string>) =>
      (
        (await t.http().get('/api/me/notifications?limit=100').set(auth)).body.items as Array<{
          kind: string;
          proposalId: string;
          partyKey: string;
        }>
      ).filter((n) => n.proposalId === p.id && n.kind === 'reminder');
    await waitUntil(async () => (await remindersOf(bearer(suColleague.token))).length > 0);
    expect((await remindersOf(w.auth('suReviewer'))).map((n) => n.partyKey)).toEqual(['partner-su']);
    expect((await remindersOf(bearer(suColleague.token))).map((n) => n.partyKey)).toEqual(['partner-su']);
    expect(await remindersOf(bearer(suBystander.token))).toEqual([]);
  });

  it('lists the open accounts of one’s own institution by name to pick a deputy from, never another institution’s, a closed account or oneself', async () => {
    const closed = await t.user('su', ['reviewer'], 'su-closed');
    const close = await t
      .http()
      .patch(`/api/users/${closed.id}`)
      .set(bearer(await t.admin()))
      .send({ active: false });
    expect(close.status).toBe(200);
    const colleagues = async (query: string) =>
      t.http().get(`/api/me/colleagues${query}`).set(w.auth('suReviewer'));
    // Other suites add users to su in the same database: look among the ones this suite made.
    const all = await colleagues('?q=su-&limit=100');
    expect(all.status).toBe(200);
    const ids = (all.body.items as Array<{ id: string }>).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining([suColleague.id, suBystander.id]));
    expect(ids).not.toContain(userId('suReviewer'));
    expect(ids).not.toContain(closed.id);
    expect(ids).not.toContain(userId('uhdReviewer'));
    expect(all.body.items.find((c: { id: string }) => c.id === suColleague.id)).toEqual({
      id: suColleague.id,
      displayName: 'su-colleague at su',
      email: suColleague.email,
      roles: ['proposer'],
    });
    // Ordered by name; q keeps names or addresses that contain it, in any letter case.
    const names = (all.body.items as Array<{ displayName: string }>).map((c) => c.displayName.toLowerCase());
    expect(names).toEqual([...names].sort());
    const found = await colleagues(`?q=${encodeURIComponent(suBystander.email.toUpperCase())}`);
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([suBystander.id]);
    expect((await colleagues('?limit=1')).body.items).toHaveLength(1);
    const tooLong = await colleagues(`?q=${'x'.repeat(201)}`);
    expect([tooLong.status, tooLong.body.errors?.[0]?.field]).toEqual([400, 'q']);
    // A closed colleague cannot be named either.
    const refused = await name('suReviewer', { userId: closed.id, from: inMinutes(0), to: inMinutes(60) });
    expect([refused.status, refused.body.errors?.[0]?.field]).toEqual([400, 'userId']);
  });

  it('names both sides of a delegation, so neither has to look up an id', async () => {
    const created = await named('suReviewer', {
      userId: suBystander.id,
      from: inMinutes(5),
      to: inMinutes(60),
    });
    expect(created).toMatchObject({
      principalName: expect.stringMatching(/ at su$/),
      deputyName: 'su-bystander at su',
    });
    const mine = await t.http().get('/api/me/deputies').set(w.auth('suReviewer'));
    expect(mine.body.items.find((d: { id: string }) => d.id === created.id)).toMatchObject({
      deputyName: 'su-bystander at su',
    });
    const theirs = await t.http().get('/api/me/deputies').set(bearer(suBystander.token));
    expect(theirs.body.deputyFor.find((d: { id: string }) => d.id === created.id)).toMatchObject({
      principalName: (created as unknown as { principalName: string }).principalName,
    });
    expect((await t.http().delete(`/api/me/deputies/${created.id}`).set(w.auth('suReviewer'))).status).toBe(
      204,
    );
  });

  it('lets a deputy quality officer see and decide what the principal sees', async () => {
    const p = await w.proposalIn('qualityReview');
    // unimi is neither lead nor partner: only its quality officers see the proposal.
    expect((await w.get(p.id, 'unimiProposer')).status).toBe(404);
    await named('unimiQualityOfficer', {
      userId: userId('unimiProposer'),
      from: inMinutes(-1),
      to: inMinutes(60),
    });
    const seen = await w.get(p.id, 'unimiProposer');
    expect(seen.status).toBe(200);
    expect(seen.body.availableEvents).toEqual(
      expect.arrayContaining(['QUALITY_APPROVE', 'QUALITY_REQUEST_CHANGES', 'QUALITY_REJECT']),
    );
    const listed = await t
      .http()
      .get('/api/proposals?state=qualityReview&limit=100')
      .set(w.auth('unimiProposer'));
    expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(p.id);
    const after = await w.ok(p.id, 'unimiProposer', 'QUALITY_REQUEST_CHANGES', {
      comment: 'Add assessment details.',
    });
    expect(after.state).toBe('changesRequested');
    const audit = await t
      .http()
      .get(`/api/institutions/cuni/audit?proposalId=${p.id}&action=QUALITY_REQUEST_CHANGES`)
      .set(w.auth('allianceAdmin'));
    expect(audit.body.items[0]).toMatchObject({
      actorId: userId('unimiProposer'),
      actorRole: 'quality_officer',
      data: { onBehalfOf: userId('unimiQualityOfficer') },
    });
  });
});

describe('without OpenID Connect configured', () => {
  it('hides university sign-in: the config says so and the routes answer 404 problem+json', async () => {
    expect((await t.http().get('/api/auth/oidc/config')).body).toEqual({ enabled: false, loginUrl: null });
    for (const path of ['/api/auth/oidc/login', '/api/auth/oidc/callback?code=x&state=y']) {
      const res = await t.http().get(path);
      expect([res.status, res.headers['content-type']]).toEqual([
        404,
        expect.stringMatching(/^application\/problem\+json/),
      ]);
    }
  });

  it('refuses to disable password sign-in, which would lock the institution out', async () => {
    const res = await t
      .http()
      .patch('/api/institutions/uhd')
      .set(w.auth('uhdAdmin'))
      .send({ passwordLoginDisabled: true });
    expect([res.status, res.body.type]).toEqual([409, 'urn:microcred:problem:oidc-not-configured']);
  });
});
