import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import type { Response } from 'supertest';
import { waitFor } from '../support/redis.js';
import { VALID_CONTENT } from '../support/review-scenario.js';
import { ReviewWorld, type ActorName } from '../support/review-world.js';
import { startServer, testPool, type TestServer } from '../support/server.js';

// Idempotency-Key on the three changing proposal routes (DESIGN.md section 10.1).
let t: TestServer;
let w: ReviewWorld;
let db: pg.Pool;

beforeAll(async () => {
  t = await startServer();
  w = await new ReviewWorld(t).setUp([
    'cuniProposer',
    'uhdProposer',
    'uhdReviewer',
    'suReviewer',
    'cuniAdmin',
  ]);
  db = testPool();
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

const key = () => `"${randomUUID()}"`;

function create(as: ActorName, body: Record<string, unknown>, idempotencyKey?: string) {
  const req = t.http().post('/api/proposals').set(w.auth(as));
  if (idempotencyKey !== undefined) req.set('Idempotency-Key', idempotencyKey);
  return req.send(body);
}

function patch(
  id: string,
  body: Record<string, unknown>,
  idempotencyKey?: string,
  as: ActorName = 'cuniProposer',
) {
  const req = t.http().patch(`/api/proposals/${id}`).set(w.auth(as));
  if (idempotencyKey !== undefined) req.set('Idempotency-Key', idempotencyKey);
  return req.send(body);
}

function event(id: string, as: ActorName, body: Record<string, unknown>, idempotencyKey?: string) {
  const req = t.http().post(`/api/proposals/${id}/events`).set(w.auth(as));
  if (idempotencyKey !== undefined) req.set('Idempotency-Key', idempotencyKey);
  return req.send(body);
}

/** The same answer: status, media type and the body's exact text. */
function expectSameAnswer(again: Response, first: Response): void {
  expect(again.status).toBe(first.status);
  expect(again.headers['content-type']).toBe(first.headers['content-type']);
  expect(again.text).toBe(first.text);
}

async function auditCount(proposalId: string, action: string): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM audit_entries WHERE proposal_id = $1 AND action = $2`,
    [proposalId, action],
  );
  return rows[0].n;
}

async function proposalsTitled(title: string): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT id FROM proposals WHERE content->>'title' = $1 ORDER BY created_at`,
    [title],
  );
  return rows.map((r) => r.id as string);
}

/** Opens a transaction on a test connection and takes a row lock, so a request needing it waits. */
async function hold(sql: string, params: unknown[]): Promise<() => Promise<void>> {
  const c = await db.connect();
  await c.query('BEGIN');
  const { rowCount } = await c.query(sql, params);
  expect(rowCount).toBe(1);
  return async () => {
    await c.query('COMMIT');
    c.release();
  };
}

/** Until the service waits on the held lock with a statement like `pattern` (inside its transaction). */
async function serviceWaitsOn(pattern: string): Promise<void> {
  await waitFor('a request waiting on the held lock', async () => {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
      [pattern],
    );
    return rows[0].n > 0;
  });
}

const PROPOSAL_LOCK = '%FOR UPDATE OF p%';

describe('Idempotency-Key: a retry with the same key and body', () => {
  it('answers a creation again with the same status and bytes, and creates one proposal', async () => {
    const title = `Idempotent create ${randomUUID()}`;
    const body = { partnerInstitutionIds: ['uhd'], content: { title } };
    const k = key();
    const first = await create('cuniProposer', body, k);
    expect(first.status).toBe(201);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(first.body).toMatchObject({ state: 'draft', version: 1, content: { title } });
    const again = await create('cuniProposer', { content: { title }, partnerInstitutionIds: ['uhd'] }, k);
    expectSameAnswer(again, first);
    expect(await proposalsTitled(title)).toEqual([first.body.id]);
    expect(await auditCount(first.body.id, 'CREATE')).toBe(2); // cuni's log and uhd's, once each
  });

  it('answers an edit without expectedVersion again and applies it once', async () => {
    const p = await w.create({ title: 'Before' }, ['uhd']);
    const k = key();
    const first = await patch(p.id, { content: { summary: 'Added once' } }, k);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ version: 2, content: { title: 'Before', summary: 'Added once' } });
    const again = await patch(p.id, { content: { summary: 'Added once' } }, k);
    expectSameAnswer(again, first);
    expect((await w.get(p.id)).body.version).toBe(2);
    expect(await auditCount(p.id, 'EDIT')).toBe(2); // cuni and uhd
  });

  it('answers an event again, with one decision in the history', async () => {
    const p = await w.create(VALID_CONTENT, ['uhd', 'su']);
    const k = key();
    const first = await event(p.id, 'cuniProposer', { type: 'SUBMIT' }, k);
    expect(first.status).toBe(200);
    expect(first.body.state).toBe('partnerReview');
    const again = await event(p.id, 'cuniProposer', { type: 'SUBMIT' }, k);
    expectSameAnswer(again, first);
    // A retry without the key is what the key protects against: a second SUBMIT is refused, not repeated.
    expect((await event(p.id, 'cuniProposer', { type: 'SUBMIT' })).status).toBe(409);
    const history = await t.http().get(`/api/proposals/${p.id}/history`).set(w.auth('cuniProposer'));
    expect(history.body.map((h: { event: string }) => h.event)).toEqual(['CREATE', 'SUBMIT']);
    expect(await auditCount(p.id, 'SUBMIT')).toBe(3);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM reminder_schedule WHERE proposal_id = $1 AND kind = 'reminder'`,
      [p.id],
    );
    expect(rows[0].n).toBe(2); // one first reminder per partner, not two
  });

  it('answers the first response, not the current state, after later changes', async () => {
    const p = await w.create({ title: 'First' }, ['uhd']);
    const k = key();
    const first = await patch(p.id, { content: { title: 'Second' } }, k);
    expect((await patch(p.id, { content: { title: 'Third' } })).status).toBe(200);
    const again = await patch(p.id, { content: { title: 'Second' } }, k);
    expectSameAnswer(again, first);
    expect(again.body.content.title).toBe('Second');
    expect((await w.get(p.id)).body).toMatchObject({ version: 3, content: { title: 'Third' } });
  });

  it('treats a quoted key and the same bare token as one key', async () => {
    const p = await w.create({ title: 'Quoted' }, ['uhd']);
    const bare = randomUUID();
    const first = await patch(p.id, { content: { summary: 'x' } }, `"${bare}"`);
    const again = await patch(p.id, { content: { summary: 'x' } }, bare);
    expectSameAnswer(again, first);
    expect((await w.get(p.id)).body.version).toBe(2);
  });
});

describe('Idempotency-Key: refusals', () => {
  it('answers 422 for the same key with another body, another route or another proposal, and changes nothing', async () => {
    const p = await w.create({ title: 'Reused key' }, ['uhd']);
    const other = await w.create({ title: 'Other' }, ['uhd']);
    const k = key();
    expect((await patch(p.id, { content: { summary: 'one' } }, k)).status).toBe(200);
    for (const res of [
      await patch(p.id, { content: { summary: 'two' } }, k),
      await patch(other.id, { content: { summary: 'one' } }, k),
      await event(p.id, 'cuniProposer', { type: 'WITHDRAW' }, k),
      await create('cuniProposer', { content: { summary: 'one' } }, k),
    ]) {
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        type: 'urn:microcred:problem:idempotency-key-reused',
        errors: [{ field: 'Idempotency-Key', message: expect.any(String) }],
      });
    }
    expect((await w.get(p.id)).body).toMatchObject({
      version: 2,
      state: 'draft',
      content: { summary: 'one' },
    });
    expect((await w.get(other.id)).body.version).toBe(1);
  });

  it('answers 400 naming the header for a malformed or over-long key, and changes nothing', async () => {
    const p = await w.create({ title: 'Malformed key' }, ['uhd']);
    for (const bad of ['two words', '"unterminated', '"a\\nb"', '""', `"${'k'.repeat(256)}"`, 'clé']) {
      const res = await patch(p.id, { content: { summary: 'no' } }, bad);
      expect([res.status, res.body.errors]).toEqual([
        400,
        [{ field: 'Idempotency-Key', message: expect.any(String) }],
      ]);
    }
    expect((await w.get(p.id)).body.version).toBe(1);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE key LIKE 'k%'`);
    expect(rows[0].n).toBe(0);
  });

  it('does not store a failed request: the key can be used again once the request is fixed', async () => {
    const p = await w.create({ title: 'Failed first' }, ['uhd']);
    const k = key();
    const stale = await patch(p.id, { content: { summary: 'x' }, expectedVersion: 7 }, k);
    expect(stale.status).toBe(409);
    const invalid = await patch(p.id, { content: { ects: 'five' } }, k);
    expect(invalid.status).toBe(400);
    const fixed = await patch(p.id, { content: { summary: 'x' }, expectedVersion: 1 }, k);
    expect(fixed.status).toBe(200);
    expectSameAnswer(await patch(p.id, { content: { summary: 'x' }, expectedVersion: 1 }, k), fixed);
  });

  it('keeps keys of different users apart', async () => {
    const title = `Two users ${randomUUID()}`;
    const body = { partnerInstitutionIds: ['su'], content: { title } };
    const k = key();
    const cuni = await create('cuniProposer', body, k);
    const uhd = await create('uhdProposer', body, k);
    expect([cuni.status, uhd.status]).toEqual([201, 201]);
    expect(uhd.body.id).not.toBe(cuni.body.id);
    expect([cuni.body.leadInstitutionId, uhd.body.leadInstitutionId]).toEqual(['cuni', 'uhd']);
    expect((await proposalsTitled(title)).sort()).toEqual([cuni.body.id, uhd.body.id].sort());
  });
});

describe('Idempotency-Key: while the first request is still running', () => {
  it('answers 409 to a second edit with the key, then the first answer once it finished', async () => {
    const p = await w.create({ title: 'Slow edit' }, ['uhd']);
    const k = key();
    const release = await hold(`SELECT id FROM proposals WHERE id = $1 FOR UPDATE`, [p.id]);
    let first: Promise<Response>;
    try {
      first = patch(p.id, { content: { summary: 'slow' } }, k).then((r) => r);
      await serviceWaitsOn(PROPOSAL_LOCK);
      const second = await patch(p.id, { content: { summary: 'slow' } }, k);
      expect(second.status).toBe(409);
      expect(second.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(second.body.type).toBe('urn:microcred:problem:idempotency-key-in-use');
      expect(second.headers['retry-after']).toBe('1');
      // Another body is not judged while the first runs: the key is busy.
      expect((await patch(p.id, { content: { summary: 'other' } }, k)).status).toBe(409);
    } finally {
      await release();
    }
    const done = await first;
    expect(done.status).toBe(200);
    expectSameAnswer(await patch(p.id, { content: { summary: 'slow' } }, k), done);
    expect((await w.get(p.id)).body.version).toBe(2);
  });

  it('answers 409 to a second event with the key while the first waits', async () => {
    const p = await w.create(VALID_CONTENT, ['uhd', 'su']);
    const k = key();
    const release = await hold(`SELECT id FROM proposals WHERE id = $1 FOR UPDATE`, [p.id]);
    let first: Promise<Response>;
    try {
      first = event(p.id, 'cuniProposer', { type: 'SUBMIT' }, k).then((r) => r);
      await serviceWaitsOn(PROPOSAL_LOCK);
      const second = await event(p.id, 'cuniProposer', { type: 'SUBMIT' }, k);
      expect([second.status, second.body.type]).toEqual([
        409,
        'urn:microcred:problem:idempotency-key-in-use',
      ]);
    } finally {
      await release();
    }
    const done = await first;
    expect([done.status, done.body.state]).toEqual([200, 'partnerReview']);
    expectSameAnswer(await event(p.id, 'cuniProposer', { type: 'SUBMIT' }, k), done);
  });

  it('answers 409 to a second creation with the key while the first waits', async () => {
    await w.create({ title: 'Counter exists' }, ['uhd']);
    const title = `Slow create ${randomUUID()}`;
    const body = { partnerInstitutionIds: ['uhd'], content: { title } };
    const k = key();
    // Creation takes the year's reference counter row: holding it keeps the first request waiting.
    const release = await hold(
      `SELECT year FROM reference_counters WHERE year = extract(year FROM now() AT TIME ZONE 'UTC') FOR UPDATE`,
      [],
    );
    let first: Promise<Response>;
    try {
      first = create('cuniProposer', body, k).then((r) => r);
      await serviceWaitsOn('%INSERT INTO reference_counters%');
      const second = await create('cuniProposer', body, k);
      expect([second.status, second.body.type]).toEqual([
        409,
        'urn:microcred:problem:idempotency-key-in-use',
      ]);
    } finally {
      await release();
    }
    const done = await first;
    expect(done.status).toBe(201);
    expectSameAnswer(await create('cuniProposer', body, k), done);
    expect(await proposalsTitled(title)).toEqual([done.body.id]);
  });
});

describe('Idempotency-Key: 24 hours', () => {
  it('treats a key older than 24 hours as new', async () => {
    const title = `Expiring ${randomUUID()}`;
    const body = { partnerInstitutionIds: ['uhd'], content: { title } };
    const k = key();
    const first = await create('cuniProposer', body, k);
    expect(first.status).toBe(201);
    const { rowCount } = await db.query(
      `UPDATE idempotency_keys SET created_at = created_at - interval '24 hours 1 second' WHERE key = $1`,
      [k.slice(1, -1)],
    );
    expect(rowCount).toBe(1);
    const later = await create('cuniProposer', body, k);
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
    expect(await proposalsTitled(title)).toEqual([first.body.id, later.body.id]);
    // The key now answers the new creation.
    expectSameAnswer(await create('cuniProposer', body, k), later);
  });

  it('purges expired keys in the background and keeps fresh ones', async () => {
    const user = w.users.get('cuniProposer')!;
    const expired = `purge-me-${randomUUID()}`;
    const fresh = `keep-me-${randomUUID()}`;
    await db.query(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_at)
       VALUES ($1, $2, sha256('x'), 200, '{}', now() - interval '25 hours'),
              ($1, $3, sha256('y'), 200, '{}', now() - interval '23 hours')`,
      [user.id, expired, fresh],
    );
    // Another process on the database purges soon after it starts.
    const other = await startServer({ WORKER: 'off' });
    try {
      await waitFor('the expired key to be purged', async () => {
        const { rows } = await db.query(`SELECT key FROM idempotency_keys WHERE key = ANY ($1)`, [
          [expired, fresh],
        ]);
        return rows.length === 1 && rows[0].key === fresh;
      });
    } finally {
      await other.stop();
    }
  });
});

describe('Idempotency-Key in the OpenAPI document', () => {
  it('declares the optional header and its 409 and 422 answers on the three changing operations', async () => {
    const doc = (await t.http().get('/api/docs-json')).body as {
      paths: Record<
        string,
        Record<
          string,
          { parameters?: Array<{ in: string; name: string; required?: boolean }>; responses: object }
        >
      >;
    };
    for (const [path, method] of [
      ['/api/proposals', 'post'],
      ['/api/proposals/{id}', 'patch'],
      ['/api/proposals/{id}/events', 'post'],
    ]) {
      const op = doc.paths[path][method];
      expect(op.parameters).toContainEqual(
        expect.objectContaining({ in: 'header', name: 'Idempotency-Key', required: false }),
      );
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '409', '422']));
    }
    expect(Object.keys(doc.paths['/api/proposals/{id}'].get.responses)).toContain('409');
  });
});
