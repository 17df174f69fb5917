import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { VALID_CONTENT } from '../support/review-scenario.js';
import { ReviewWorld } from '../support/review-world.js';
import { bearer, startServer, testPool, type TestServer } from '../support/server.js';

const exec = promisify(execFile);
let t: TestServer;
let w: ReviewWorld;
let db: pg.Pool;

beforeAll(async () => {
  t = await startServer();
  w = await new ReviewWorld(t).setUp();
  db = testPool();
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

interface Entry {
  institutionId: string;
  seq: number;
  action: string;
  actorId: string | null;
  actorInstitutionId: string | null;
  actorRole: string | null;
  fromState: string | null;
  toState: string | null;
  revision: number | null;
  proposalId: string | null;
  proposalReference: string | null;
  data: Record<string, unknown>;
  requestId: string | null;
  clientIp: string | null;
  prevHash: string;
  hash: string;
}

async function entriesFor(institutionId: string, proposalId: string): Promise<Entry[]> {
  const res = await t
    .http()
    .get(`/api/institutions/${institutionId}/audit?proposalId=${proposalId}&limit=100`)
    .set(bearer(await t.admin()));
  expect(res.status).toBe(200);
  return (res.body.items as Entry[]).reverse();
}

async function verify(institutionId: string) {
  const res = await t
    .http()
    .get(`/api/institutions/${institutionId}/audit/verify`)
    .set(bearer(await t.admin()));
  expect(res.status).toBe(200);
  return res.body as {
    institutionId: string;
    entries: number;
    valid: boolean;
    firstInvalidSeq: number | null;
    headHash: string;
  };
}

const cli = (...args: string[]) =>
  exec(process.execPath, ['dist/src/audit/audit-verify.cli.js', '--quiet', ...args], {
    env: { ...process.env, ...t.env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

describe('what gets written', () => {
  it('writes one entry per change into the log of each involved institution and the actor, and no other', async () => {
    const created = await t
      .http()
      .post('/api/proposals')
      .set(w.auth('cuniProposer'))
      .set('X-Request-Id', 'audit-create-1')
      .send({ partnerInstitutionIds: ['uhd', 'su'], content: { title: 'Audited' } });
    const id = created.body.id as string;
    await t
      .http()
      .patch(`/api/proposals/${id}`)
      .set(w.auth('cuniProposer'))
      .send({ content: { ...VALID_CONTENT, title: 'Audited v2' } });
    await w.ok(id, 'cuniProposer', 'SUBMIT');
    await w.ok(id, 'uhdReviewer', 'PARTNER_APPROVE', { comment: 'Fine by Heidelberg.' });
    await w.ok(id, 'suReviewer', 'PARTNER_APPROVE');
    await w.ok(id, 'qualityOfficer', 'QUALITY_APPROVE', w.allMet());
    await w.ok(id, 'nauLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned', nqfLevel: '7' });

    const actions = (es: Entry[]) => es.map((e) => e.action);
    const all = [
      'CREATE',
      'EDIT',
      'SUBMIT',
      'PARTNER_APPROVE',
      'PARTNER_APPROVE',
      'QUALITY_APPROVE',
      'AGENCY_CONFIRM',
    ];
    for (const inst of ['cuni', 'uhd', 'su']) expect(actions(await entriesFor(inst, id))).toEqual(all);
    expect(actions(await entriesFor('4euplus', id))).toEqual(['QUALITY_APPROVE']);
    expect(actions(await entriesFor('nau', id))).toEqual(['AGENCY_CONFIRM']);
    for (const inst of ['unimi', 'gac', 'hceres', 'ucph']) expect(await entriesFor(inst, id)).toEqual([]);

    const cuni = await entriesFor('cuni', id);
    expect(cuni[0]).toMatchObject({
      actorId: w.users.get('cuniProposer')!.id,
      actorInstitutionId: 'cuni',
      actorRole: 'proposer',
      fromState: null,
      toState: 'draft',
      requestId: 'audit-create-1',
      clientIp: expect.stringMatching(/127\.0\.0\.1/),
      proposalReference: created.body.reference,
    });
    expect(cuni[1].data.changes).toEqual(
      expect.arrayContaining([
        { field: 'content.title', change: 'changed', before: 'Audited', after: 'Audited v2' },
      ]),
    );
    expect(cuni[3]).toMatchObject({
      actorInstitutionId: 'uhd',
      actorRole: 'reviewer',
      fromState: 'partnerReview',
      toState: 'partnerReview',
      data: { comment: 'Fine by Heidelberg.' },
    });
    // A decision that moves the proposal on is one entry carrying both.
    expect(cuni[4]).toMatchObject({
      action: 'PARTNER_APPROVE',
      fromState: 'partnerReview',
      toState: 'qualityReview',
    });
    expect((cuni[5].data.criteria as unknown[]).length).toBe(w.criteria.length);
    expect(cuni[6]).toMatchObject({ data: { outcome: 'aligned', nqfLevel: '7' }, actorInstitutionId: 'nau' });
    // The same change carries the same time in every log.
    const su = await entriesFor('su', id);
    expect(su.map((e) => (e as unknown as { at: string }).at)).toEqual(
      cuni.map((e) => (e as unknown as { at: string }).at),
    );
    for (const inst of ['cuni', 'uhd', 'su', '4euplus', 'nau']) expect((await verify(inst)).valid).toBe(true);
  });

  it('records user creation in the new user’s and the creating admin’s logs, without personal data', async () => {
    const cuniAdmin = w.users.get('cuniAdmin')!;
    const res = await t
      .http()
      .post('/api/users')
      .set(bearer(cuniAdmin.token))
      .send({
        email: 'audited.user@cuni.test',
        password: 'Correct-horse-battery-9',
        displayName: 'Audited User',
        institutionId: 'cuni',
        roles: ['reviewer'],
      });
    expect(res.status).toBe(201);
    const { rows } = await db.query(
      `SELECT institution_id, actor_id, data FROM audit_entries WHERE action = 'USER_CREATE' AND data->>'userId' = $1`,
      [res.body.id],
    );
    expect(rows).toEqual([
      {
        institution_id: 'cuni',
        actor_id: cuniAdmin.id,
        data: { userId: res.body.id, institutionId: 'cuni', roles: ['reviewer'] },
      },
    ]);
    const boot = await db.query(
      `SELECT institution_id, actor_id FROM audit_entries WHERE action = 'USER_CREATE' AND seq = 1 AND institution_id = '4euplus'`,
    );
    expect(boot.rows).toEqual([{ institution_id: '4euplus', actor_id: null }]);
  });

  it('leaves no entry behind when the change rolls back', async () => {
    const p = await w.proposalIn('partnerReview');
    const before = await db.query(`SELECT institution_id, seq FROM audit_heads ORDER BY 1`);
    // Inject a failure late in the transaction: after the entries are inserted.
    await db.query(`CREATE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.data->>'comment' = 'please fail' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`);
    await db.query(
      `CREATE TRIGGER test_fail_audit AFTER INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION test_fail_audit()`,
    );
    try {
      const res = await w.send(p.id, 'uhdReviewer', 'PARTNER_APPROVE', { comment: 'please fail' });
      expect(res.status).toBe(500);
      expect(res.body.detail).not.toMatch(/injected/);
    } finally {
      await db.query(`DROP TRIGGER test_fail_audit ON audit_entries`);
      await db.query(`DROP FUNCTION test_fail_audit()`);
    }
    expect(
      (await db.query(`SELECT count(*)::int AS n FROM audit_entries WHERE data->>'comment' = 'please fail'`))
        .rows[0].n,
    ).toBe(0);
    expect(
      (await db.query(`SELECT count(*)::int AS n FROM decisions WHERE payload->>'comment' = 'please fail'`))
        .rows[0].n,
    ).toBe(0);
    expect((await w.get(p.id)).body.version).toBe(p.version);
    expect((await db.query(`SELECT institution_id, seq FROM audit_heads ORDER BY 1`)).rows).toEqual(
      before.rows,
    );
    expect((await w.send(p.id, 'uhdReviewer', 'PARTNER_APPROVE')).status).toBe(200);
  });
});

describe('chains under concurrency', () => {
  it('keeps every chain gap-free and valid through 50 concurrent transitions over overlapping institutions', async () => {
    const sets = [['uhd', 'su'], ['su', 'ucph'], ['uhd', 'ucph'], ['su']];
    const proposals = [];
    for (let i = 0; i < 12; i++) {
      const { revenueShares: _shares, ...content } = VALID_CONTENT;
      const p = await w.create(content, sets[i % sets.length]);
      proposals.push(await w.ok(p.id, 'cuniProposer', 'SUBMIT'));
    }
    const reviewers = {
      uhd: w.users.get('uhdReviewer')!.token,
      su: w.users.get('suReviewer')!.token,
      ucph: (await t.user('ucph', ['reviewer'])).token,
    } as Record<string, string>;
    const requests: Array<Promise<{ status: number }>> = [];
    for (const p of proposals) {
      for (const partner of p.partnerInstitutionIds) {
        requests.push(
          t
            .http()
            .post(`/api/proposals/${p.id}/events`)
            .set(bearer(reviewers[partner]))
            .send({ type: 'PARTNER_APPROVE' }),
        );
      }
    }
    while (requests.length < 50) {
      requests.push(
        t
          .http()
          .post('/api/proposals')
          .set(w.auth('cuniProposer'))
          .send({ partnerInstitutionIds: ['uhd', 'su', 'ucph'], content: {} }),
      );
    }
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 201)).toBe(true);
    // Only the logs this test writes to: other suites share the database and tamper with their own.
    const touched = ['cuni', 'uhd', 'su', 'ucph', '4euplus'];
    const gaps = await db.query(
      `SELECT institution_id, count(*)::int AS n, max(seq)::int AS top FROM audit_entries
       WHERE institution_id = ANY ($1) GROUP BY 1`,
      [touched],
    );
    expect(gaps.rows).toHaveLength(touched.length);
    for (const r of gaps.rows) expect([r.institution_id, r.n]).toEqual([r.institution_id, r.top]);
    for (const inst of touched)
      expect(await verify(inst)).toMatchObject({ valid: true, firstInvalidSeq: null });
  });
});

describe('protection', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of entries, even by the database owner', async () => {
    await expect(
      db.query(`UPDATE audit_entries SET action = 'X' WHERE institution_id = 'cuni' AND seq = 1`),
    ).rejects.toThrow(/append-only/);
    await expect(
      db.query(`DELETE FROM audit_entries WHERE institution_id = 'cuni' AND seq = 1`),
    ).rejects.toThrow(/append-only/);
    await expect(db.query(`TRUNCATE audit_entries`)).rejects.toThrow(/append-only/);
    expect((await verify('cuni')).valid).toBe(true);
  });

  describe('tampering with the triggers disabled is caught at the right seq', () => {
    async function logWithEntries(id: string, n: number) {
      const admin = await t.admin();
      expect(
        (
          await t
            .http()
            .post('/api/institutions')
            .set(bearer(admin))
            .send({ id, name: `Tamper ${id}`, kind: 'university', country: 'IT' })
        ).status,
      ).toBe(201);
      // The institution's creation is the first entry of its log; n - 1 accounts follow.
      for (let i = 1; i < n; i++) {
        const r = await t
          .http()
          .post('/api/users')
          .set(bearer(admin))
          .send({
            email: `u${i}@${id}.test`,
            password: 'Correct-horse-battery-9',
            displayName: `U${i}`,
            institutionId: id,
            roles: ['reviewer'],
          });
        expect(r.status).toBe(201);
      }
      expect(await verify(id)).toMatchObject({ entries: n, valid: true });
    }
    async function tamper(sql: string, params: unknown[] = []) {
      const c = await db.connect();
      try {
        await c.query('BEGIN');
        await c.query('ALTER TABLE audit_entries DISABLE TRIGGER USER');
        await c.query(sql, params);
        await c.query('ALTER TABLE audit_entries ENABLE TRIGGER USER');
        await c.query('COMMIT');
      } finally {
        c.release();
      }
    }

    it('an edited entry', async () => {
      await logWithEntries('tamper-edit', 6);
      await tamper(
        `UPDATE audit_entries SET data = data || '{"roles":["admin"]}' WHERE institution_id = 'tamper-edit' AND seq = 4`,
      );
      expect(await verify('tamper-edit')).toMatchObject({ valid: false, firstInvalidSeq: 4 });
      const r = await cli('--institution', 'tamper-edit');
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ firstInvalidSeq: 4 });
      expect(r.stderr).toMatch(/tamper-edit breaks at seq 4/);
    });

    it('a deleted entry, in the middle and at the end', async () => {
      await logWithEntries('tamper-del', 6);
      await tamper(`DELETE FROM audit_entries WHERE institution_id = 'tamper-del' AND seq = 3`);
      expect(await verify('tamper-del')).toMatchObject({ valid: false, firstInvalidSeq: 3 });
      await logWithEntries('tamper-tail', 5);
      await tamper(`DELETE FROM audit_entries WHERE institution_id = 'tamper-tail' AND seq = 5`);
      expect(await verify('tamper-tail')).toMatchObject({ valid: false, firstInvalidSeq: 5 });
    });

    it('reordered entries', async () => {
      await logWithEntries('tamper-swap', 6);
      await tamper(
        `UPDATE audit_entries SET seq = CASE seq WHEN 2 THEN 1000002 ELSE 1000005 END WHERE institution_id = 'tamper-swap' AND seq IN (2, 5)`,
      );
      await tamper(
        `UPDATE audit_entries SET seq = CASE seq WHEN 1000002 THEN 5 ELSE 2 END WHERE institution_id = 'tamper-swap' AND seq > 1000000`,
      );
      expect(await verify('tamper-swap')).toMatchObject({ valid: false, firstInvalidSeq: 2 });
    });

    it('an inserted entry', async () => {
      await logWithEntries('tamper-ins', 6);
      await tamper(
        `UPDATE audit_entries SET seq = seq + 1000000 WHERE institution_id = 'tamper-ins' AND seq >= 3`,
      );
      await tamper(
        `UPDATE audit_entries SET seq = seq - 999999 WHERE institution_id = 'tamper-ins' AND seq > 1000000`,
      );
      await tamper(
        `INSERT INTO audit_entries (institution_id, seq, at, action, data, canonical, prev_hash, hash)
         SELECT 'tamper-ins', 3, now(), 'USER_CREATE', '{}'::jsonb, '{}', hash, repeat('a', 64) FROM audit_entries WHERE institution_id = 'tamper-ins' AND seq = 2`,
      );
      expect(await verify('tamper-ins')).toMatchObject({ valid: false, firstInvalidSeq: 3 });
      const all = await cli('--all');
      expect(all.code).toBe(1);
      expect(all.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(16);
    });
  });
});

describe('export and offline verification', () => {
  it('streams NDJSON and CSV oldest first; the offline verifier accepts an untouched export and rejects a changed one', async () => {
    const admin = await t.admin();
    const nd = await t
      .http()
      .get('/api/institutions/cuni/audit/export?format=ndjson')
      .set(bearer(admin))
      .buffer(true)
      .parse((res, cb) => {
        let s = '';
        res.on('data', (d: Buffer) => (s += d.toString()));
        res.on('end', () => cb(null, s));
      });
    expect(nd.status).toBe(200);
    expect(nd.headers['content-type']).toMatch(/application\/x-ndjson/);
    expect(nd.headers['content-disposition']).toMatch(/attachment; filename="audit-cuni-/);
    const lines = (nd.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Entry);
    expect(lines.map((e) => e.seq)).toEqual(lines.map((_, i) => i + 1));
    const { headHash } = await verify('cuni');
    expect(lines[lines.length - 1].hash).toBe(headHash);

    const dir = mkdtempSync(path.join(tmpdir(), 'audit-'));
    const file = path.join(dir, 'cuni.ndjson');
    writeFileSync(file, nd.body as string);
    const ok = await cli('--file', file);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, entries: lines.length, headHash });

    const changed = readFileSync(file, 'utf8').split('\n');
    const victim = JSON.parse(changed[1]);
    victim.data = { ...victim.data, injected: true };
    changed[1] = JSON.stringify(victim);
    writeFileSync(file, changed.join('\n'));
    const bad = await cli('--file', file);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ valid: false, firstInvalidSeq: 2 });

    // A request id a spreadsheet would run as a formula is exported as text.
    const created = await t
      .http()
      .post('/api/users')
      .set(bearer(admin))
      .set('X-Request-Id', '-2-3')
      .send({
        email: `csv.${Date.now()}@cuni.test`,
        password: 'Correct-horse-battery-9',
        displayName: 'CSV reader',
        institutionId: 'cuni',
        roles: ['reviewer'],
      });
    expect(created.status).toBe(201);
    const csv = await t.http().get('/api/institutions/cuni/audit/export?format=csv').set(bearer(admin));
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const header = csv.text.split('\n')[0];
    expect(header).toBe(
      'institutionId,seq,at,proposalId,proposalReference,actorId,actorInstitutionId,actorRole,action,fromState,toState,revision,data,requestId,clientIp,prevHash,hash',
    );
    expect(csv.text.trim().split('\n').length).toBeGreaterThanOrEqual(lines.length + 1);
    const userRow = csv.text.split('\n').find((l) => l.includes(created.body.id as string));
    expect(userRow).toContain(",'-2-3,");
    expect(
      (await t.http().get('/api/institutions/cuni/audit/export?format=xml').set(bearer(admin))).status,
    ).toBe(400);
  });
});

describe('search and permissions', () => {
  it('filters by proposal, action, actor and time, newest first, with cursors stable under appends', async () => {
    const admin = await t.admin();
    const p = await w.proposalIn('qualityReview');
    const byProposal = await t
      .http()
      .get(`/api/institutions/uhd/audit?proposalId=${p.id}`)
      .set(bearer(admin));
    expect(byProposal.body.items.map((e: Entry) => e.action)).toEqual([
      'PARTNER_APPROVE',
      'PARTNER_APPROVE',
      'SUBMIT',
      'CREATE',
    ]);
    // By the reference people quote, in any letter case: the same entries as by id.
    const byReference = await t
      .http()
      .get(`/api/institutions/uhd/audit?proposalReference=${p.reference.toLowerCase()}`)
      .set(bearer(admin));
    expect(byReference.body.items.map((e: Entry) => e.seq)).toEqual(
      byProposal.body.items.map((e: Entry) => e.seq),
    );
    const other = await w.create();
    for (const query of [
      'proposalReference=MC-1999-0001',
      `proposalReference=${p.reference}&proposalId=${other.id}`,
    ]) {
      const none = await t.http().get(`/api/institutions/uhd/audit?${query}`).set(bearer(admin));
      expect([none.status, none.body.items]).toEqual([200, []]);
    }
    const malformed = await t
      .http()
      .get('/api/institutions/uhd/audit?proposalReference=2026-7')
      .set(bearer(admin));
    expect([malformed.status, malformed.body.errors?.[0]?.field]).toEqual([400, 'proposalReference']);
    const byAction = await t
      .http()
      .get(`/api/institutions/uhd/audit?action=SUBMIT&limit=100`)
      .set(bearer(admin));
    expect(byAction.body.items.every((e: Entry) => e.action === 'SUBMIT')).toBe(true);
    const actorId = w.users.get('suReviewer')!.id;
    const byActor = await t
      .http()
      .get(`/api/institutions/uhd/audit?actorId=${actorId}&limit=100`)
      .set(bearer(admin));
    expect(byActor.body.items.length).toBeGreaterThan(0);
    expect(byActor.body.items.every((e: Entry) => e.actorId === actorId)).toBe(true);
    const future = await t
      .http()
      .get(`/api/institutions/uhd/audit?from=${new Date(Date.now() + 3600_000).toISOString()}`)
      .set(bearer(admin));
    expect(future.body.items).toEqual([]);
    const past = await t.http().get(`/api/institutions/uhd/audit?to=2000-01-01T00:00:00Z`).set(bearer(admin));
    expect(past.body.items).toEqual([]);

    const page1 = await t.http().get('/api/institutions/uhd/audit?limit=5').set(bearer(admin));
    const seqs1 = page1.body.items.map((e: Entry) => e.seq);
    expect(seqs1).toEqual([...seqs1].sort((a: number, b: number) => b - a));
    await w.proposalIn('partnerReview'); // appends while we page
    const page2 = await t
      .http()
      .get(`/api/institutions/uhd/audit?limit=5&cursor=${page1.body.nextCursor}`)
      .set(bearer(admin));
    expect(page2.body.items[0].seq).toBe(seqs1[4] - 1);
    for (const bad of ['proposalId=nope', 'action=drop table', 'from=yesterday', 'cursor=xyz']) {
      expect((await t.http().get(`/api/institutions/uhd/audit?${bad}`).set(bearer(admin))).status).toBe(400);
    }
  });

  it("names an entry's actor to whoever could list that account: alliance admins always, an institution's admin only its own people", async () => {
    const p = await w.proposalIn('qualityReview');
    const names = new Map(
      (
        await db.query<{ id: string; name: string; institution: string }>(
          `SELECT id, display_name AS name, institution_id AS institution FROM users`,
        )
      ).rows.map((r) => [r.id, r]),
    );
    const page = async (token: string) =>
      (await t.http().get(`/api/institutions/uhd/audit?proposalId=${p.id}`).set(bearer(token))).body
        .items as Array<Entry & { actorName: string | null }>;
    const asAlliance = await page(await t.admin());
    const asUhd = await page(w.users.get('uhdAdmin')!.token);
    const people = asAlliance.filter((e) => e.actorId !== null);
    // The proposal's entries have actors at uhd and elsewhere, so both rules are exercised.
    const institutions = people.map((e) => names.get(e.actorId as string)?.institution);
    expect(institutions).toContain('uhd');
    expect(institutions.some((i) => i !== undefined && i !== 'uhd')).toBe(true);
    for (const e of people) expect(e.actorName).toBe(names.get(e.actorId as string)?.name);
    for (const e of asUhd) {
      const actor = e.actorId === null ? undefined : names.get(e.actorId);
      expect(e.actorName).toBe(actor?.institution === 'uhd' ? actor.name : null);
    }
  });

  it('names the account an account change was about, under the same rule as the actor', async () => {
    const made = await t.user('uhd', ['reviewer'], 'subject');
    const page = async (token: string) =>
      (await t.http().get(`/api/institutions/uhd/audit?action=USER_CREATE&limit=100`).set(bearer(token))).body
        .items as Array<Entry & { subjectName: string | null; data: { userId?: string } }>;
    const mine = (items: Awaited<ReturnType<typeof page>>) => items.find((e) => e.data.userId === made.id);
    // The alliance admin and uhd's own admin may list that account; its name is given to both.
    expect(mine(await page(await t.admin()))?.subjectName).toBe('subject at uhd');
    expect(mine(await page(w.users.get('uhdAdmin')!.token))?.subjectName).toBe('subject at uhd');
    // Entries about no account carry none.
    const p = await w.proposalIn('partnerReview');
    const other = await t
      .http()
      .get(`/api/institutions/uhd/audit?proposalId=${p.id}`)
      .set(bearer(await t.admin()));
    expect(other.body.items.map((e: { subjectName: string | null }) => e.subjectName)).toEqual(
      other.body.items.map(() => null),
    );
  });

  it('lets admins of the institution and alliance admins read, and refuses everyone else with 403', async () => {
    const uhdAdmin = w.users.get('uhdAdmin')!.token;
    for (const suffix of ['', '/verify', '/export']) {
      expect((await t.http().get(`/api/institutions/uhd/audit${suffix}`).set(bearer(uhdAdmin))).status).toBe(
        200,
      );
      expect(
        (
          await t
            .http()
            .get(`/api/institutions/uhd/audit${suffix}`)
            .set(bearer(await t.admin()))
        ).status,
      ).toBe(200);
      expect(
        (await t.http().get(`/api/institutions/uhd/audit${suffix}`).set(w.auth('cuniAdmin'))).status,
      ).toBe(403);
      expect(
        (await t.http().get(`/api/institutions/uhd/audit${suffix}`).set(w.auth('uhdReviewer'))).status,
      ).toBe(403);
      expect(
        (await t.http().get(`/api/institutions/uhd/audit${suffix}`).set(w.auth('cuniProposer'))).status,
      ).toBe(403);
      expect((await t.http().get(`/api/institutions/uhd/audit${suffix}`)).status).toBe(401);
    }
    expect(
      (
        await t
          .http()
          .get('/api/institutions/nowhere/audit')
          .set(bearer(await t.admin()))
      ).status,
    ).toBe(404);
  });
});
