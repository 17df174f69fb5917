import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../support/redis.js';
import { ReviewWorld, type ProposalView } from '../support/review-world.js';
import { bearer, startServer, type TestServer, type TestUser } from '../support/server.js';

// A stage added the way issue 12 asks: test/support/legal-review/ holds a version 2 of the review with a
// legal review (its definition and a migration for its new role) and nothing in src/ knows about it.
const PRELOAD = [
  '-r',
  path.join(process.cwd(), 'test', 'support', 'legal-review', 'register-legal-review.cjs'),
];
const FAST_REMINDERS = {
  REMINDER_FIRST_AFTER_MS: '300',
  REMINDER_INTERVAL_MS: '600000',
  ESCALATION_AFTER_MS: '600000',
};

interface HistoryEntry {
  event: string;
  actorRole: string;
  comment?: string;
  toState: string;
}

describe('a workflow version that adds a legal review', () => {
  const servers: TestServer[] = [];
  let w: ReviewWorld;
  let legal: TestUser;
  let v1Proposal: ProposalView;

  const get = (as: TestUser, url: string) => w.t.http().get(url).set(bearer(as.token));
  const send = (as: TestUser, id: string, body: Record<string, unknown>) =>
    w.t.http().post(`/api/proposals/${id}/events`).set(bearer(as.token)).send(body);

  beforeAll(async () => {
    // Release 1: a proposal starts on version 1 and waits in quality review.
    const r1 = await startServer();
    servers.push(r1);
    const w1 = await new ReviewWorld(r1).setUp();
    v1Proposal = await w1.proposalIn('qualityReview');
    await r1.stop();

    // The release with the legal review: same database and users.
    const r2 = await startServer({ REDIS_PREFIX: r1.env.REDIS_PREFIX, ...FAST_REMINDERS }, PRELOAD);
    servers.push(r2);
    w = Object.assign(new ReviewWorld(r2), { users: w1.users, criteria: w1.criteria });
    legal = await r2.user('4euplus', ['legal_officer'], 'legal');
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  it('offers the role the new version brings wherever it can be held', async () => {
    const institutions = await get(legal, '/api/institutions');
    const roles = (id: string) =>
      (institutions.body as Array<{ id: string; roles: string[] }>).find((i) => i.id === id)?.roles;
    expect(roles('4euplus')).toContain('legal_officer');
    expect(roles('cuni')).not.toContain('legal_officer');
  });

  it('takes a new proposal through the legal review between the quality check and agency alignment', async () => {
    const p = await w.proposalIn('qualityReview');
    expect(p.workflow).toEqual({ id: 'micro-credential-review', version: 2 });
    const inLegal = await w.ok(p.id, 'qualityOfficer', 'QUALITY_APPROVE', w.allMet());
    expect(inLegal.state).toBe('legalReview');
    expect(inLegal.pending).toEqual([
      expect.objectContaining({ key: 'legal', kind: 'legal', reminded: true }),
    ]);

    const seen = await get(legal, `/api/proposals/${p.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.availableEvents).toEqual(['LEGAL_APPROVE', 'LEGAL_REQUEST_CHANGES']);

    // Role and payload rules come from the definition.
    expect((await w.send(p.id, 'qualityOfficer', 'LEGAL_APPROVE')).status).toBe(403);
    const noComment = await send(legal, p.id, { type: 'LEGAL_REQUEST_CHANGES' });
    expect(noComment.status).toBe(400);
    expect(noComment.body.errors).toEqual([expect.objectContaining({ field: 'comment' })]);
    const unknownField = await send(legal, p.id, { type: 'LEGAL_APPROVE', outcome: 'aligned' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors).toEqual([expect.objectContaining({ field: 'outcome' })]);

    // Reminders: the legal officers are the pending party of the new stage.
    const reminder = await waitFor('a reminder for the legal officer', async () => {
      const res = await get(legal, '/api/me/notifications?limit=100');
      return (res.body.items as Array<{ proposalId: string; partyKey: string; title: string }>).find(
        (n) => n.proposalId === p.id,
      );
    });
    expect(reminder).toMatchObject({ partyKey: 'legal' });
    expect(reminder.title).toContain('the legal review');

    // Agencies see a proposal only once it reaches agency alignment, as in version 1.
    expect((await w.get(p.id, 'nauLiaison')).status).toBe(404);
    const approved = await send(legal, p.id, { type: 'LEGAL_APPROVE', comment: 'Agreement signed.' });
    expect(approved.status).toBe(200);
    expect(approved.body.state).toBe('agencyAlignment');
    expect((await w.get(p.id, 'nauLiaison')).status).toBe(200);
    const listed = await w.t.http().get(`/api/proposals?q=${p.reference}`).set(w.auth('nauLiaison'));
    expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([p.id]);

    // Audit: the decision is in the lead's chain under the new role, and every chain still verifies.
    const audit = await w.t
      .http()
      .get(`/api/institutions/cuni/audit?proposalId=${p.id}&limit=100`)
      .set(bearer(await w.t.admin()));
    expect(audit.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'LEGAL_APPROVE',
          actorRole: 'legal_officer',
          fromState: 'legalReview',
          toState: 'agencyAlignment',
          data: { comment: 'Agreement signed.' },
        }),
      ]),
    );
    for (const institutionId of ['cuni', 'uhd', 'su', '4euplus']) {
      const verified = await w.t
        .http()
        .get(`/api/institutions/${institutionId}/audit/verify`)
        .set(bearer(await w.t.admin()));
      expect(verified.body).toMatchObject({ institutionId, valid: true });
    }
    const history = await w.t.http().get(`/api/proposals/${p.id}/history`).set(w.auth('cuniProposer'));
    expect(history.body.map((h: HistoryEntry) => h.event)).toContain('LEGAL_APPROVE');
    expect(history.body.find((h: HistoryEntry) => h.event === 'LEGAL_APPROVE')).toMatchObject({
      actorRole: 'legal_officer',
      comment: 'Agreement signed.',
    });

    // The legal review's change request sends it back to the proposers, like every other.
    const other = await w.proposalIn('qualityReview');
    await w.ok(other.id, 'qualityOfficer', 'QUALITY_APPROVE', w.allMet());
    const back = await send(legal, other.id, { type: 'LEGAL_REQUEST_CHANGES', comment: 'Licence missing.' });
    expect(back.status).toBe(200);
    expect(back.body.state).toBe('changesRequested');
  });

  it('keeps proposals started on version 1 on version 1, without the legal review', async () => {
    const next = await w.ok(v1Proposal.id, 'qualityOfficer', 'QUALITY_APPROVE', w.allMet());
    expect(next).toMatchObject({ state: 'agencyAlignment', workflow: { version: 1 } });
    expect((await get(legal, `/api/proposals/${v1Proposal.id}`)).body.availableEvents).toEqual([]);
    const history = await w.t
      .http()
      .get(`/api/proposals/${v1Proposal.id}/history`)
      .set(w.auth('cuniProposer'));
    expect(history.status).toBe(200);
    expect(history.body.map((h: HistoryEntry) => h.event)).toEqual([
      'CREATE',
      'SUBMIT',
      'PARTNER_APPROVE',
      'PARTNER_APPROVE',
      'QUALITY_APPROVE',
    ]);
  });

  it('lets an administrator give the new role to alliance staff only', async () => {
    const atUniversity = await w.t
      .http()
      .post('/api/users')
      .set(bearer(await w.t.admin()))
      .send({
        email: 'legal.at.cuni@cuni.test',
        password: 'Correct-horse-battery-9',
        displayName: 'Legal at cuni',
        institutionId: 'cuni',
        roles: ['legal_officer'],
      });
    expect(atUniversity.status).toBe(400);
    expect(atUniversity.body.errors).toEqual([expect.objectContaining({ field: 'roles' })]);
  });
});
