import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ReviewWorld } from '../support/review-world.js';
import { startServer, type TestServer } from '../support/server.js';

const PRELOAD_V2 = ['-r', path.join(process.cwd(), 'test', 'support', 'register-workflow-v2.cjs')];

describe('machine versions', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  it('keeps a proposal started on version 1 running on version 1 after version 2 is released', async () => {
    // Release 1: only v1 exists. A proposal starts and reaches quality review.
    const r1 = await startServer();
    servers.push(r1);
    const w1 = await new ReviewWorld(r1).setUp();
    const old = await w1.proposalIn('qualityReview');
    expect(old.workflow).toEqual({ id: 'micro-credential-review', version: 1 });
    await r1.stop();

    // Release 2 registers v2 (same database, same users).
    const r2 = await startServer({ REDIS_PREFIX: r1.env.REDIS_PREFIX }, PRELOAD_V2);
    servers.push(r2);
    const w2 = Object.assign(new ReviewWorld(r2), { users: w1.users, criteria: w1.criteria });
    const description = await r2
      .http()
      .get('/api/workflows/micro-credential-review')
      .set(w2.auth('cuniProposer'));
    expect(description.body).toMatchObject({ version: 2, versions: [1, 2] });
    expect(description.body.states).toContain('qualityChangesRequested');

    // The old proposal follows v1: a quality change request goes to changesRequested, not v2's new state.
    const sentBack = await w2.ok(old.id, 'qualityOfficer', 'QUALITY_REQUEST_CHANGES', {
      comment: 'Clarify assessment.',
    });
    expect(sentBack).toMatchObject({ state: 'changesRequested', workflow: { version: 1 } });
    let p = await w2.ok(old.id, 'cuniProposer', 'SUBMIT');
    expect(p.state).toBe('partnerReview');
    p = await w2.ok(p.id, 'uhdReviewer', 'PARTNER_APPROVE');
    p = await w2.ok(p.id, 'suReviewer', 'PARTNER_APPROVE');
    expect(p).toMatchObject({ state: 'qualityReview', revision: 2, workflow: { version: 1 } });

    // A new proposal starts on v2 and gets v2's behaviour.
    const fresh = await w2.proposalIn('qualityReview');
    expect(fresh.workflow).toEqual({ id: 'micro-credential-review', version: 2 });
    const v2Back = await w2.ok(fresh.id, 'qualityOfficer', 'QUALITY_REQUEST_CHANGES', {
      comment: 'Clarify.',
    });
    expect(v2Back.state).toBe('qualityChangesRequested');
    expect((await w2.ok(fresh.id, 'cuniProposer', 'SUBMIT')).state).toBe('qualityReview');
  });
});
