import { randomUUID } from 'node:crypto';
import { jest, afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type pg from 'pg';
import {
  canonicalContent,
  entryHash,
  GENESIS_HASH,
  type AuditEntry,
  type AuditEntryContent,
} from '../../src/audit/audit-chain.js';
import { bearer, startServer, testPool, type TestServer } from '../support/server.js';

// Long scenarios; SOAK=1 (npm run test:soak) runs them longer still.
jest.setTimeout(process.env.SOAK === '1' ? 1_800_000 : 240_000);

// Audit tampering as a superuser (triggers disabled), at random seq, in random ways: verify must
// flag each case at the first seq where the chain stops being what was written.
const SOAK = process.env.SOAK === '1';
let t: TestServer;
let db: pg.Pool;
beforeAll(async () => {
  t = await startServer();
  db = testPool();
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

function content(institutionId: string, seq: number, note: string): AuditEntryContent {
  return {
    institutionId,
    seq,
    at: new Date(Date.UTC(2026, 10, 28, 12, 0, seq)).toISOString(),
    proposalId: randomUUID(),
    proposalReference: `MC-2026-${String(seq).padStart(4, '0')}`,
    actorId: randomUUID(),
    actorInstitutionId: institutionId,
    actorRole: 'reviewer',
    action: 'PARTNER_APPROVE',
    fromState: 'partnerReview',
    toState: 'partnerReview',
    revision: 1,
    data: { comment: note, n: seq },
    requestId: `req-${seq}`,
    clientIp: '192.0.2.1',
  };
}

async function insertRows(c: pg.PoolClient, rows: AuditEntry[]): Promise<void> {
  for (const e of rows) {
    await c.query(
      `INSERT INTO audit_entries (institution_id, seq, at, proposal_id, proposal_reference, actor_id, actor_institution_id, actor_role,
         action, from_state, to_state, revision, data, request_id, client_ip, canonical, prev_hash, hash)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)`,
      [e.institutionId, e.seq, e.at, e.proposalId, e.proposalReference, e.actorId, e.actorInstitutionId, e.actorRole, e.action,
        e.fromState, e.toState, e.revision, JSON.stringify(e.data), e.requestId, e.clientIp, canonicalContent(e), e.prevHash, e.hash], // prettier-ignore
    );
  }
}

/** A fresh institution whose log holds n genuine entries (written the way the service writes them). */
async function genuineLog(n: number): Promise<{ id: string; entries: AuditEntry[] }> {
  const id = `tp-${randomUUID().slice(0, 12)}`;
  // Added in SQL, not through the API, whose INSTITUTION_CREATE would already be entry 1 (the insert's
  // trigger starts the empty chain).
  await db.query(`INSERT INTO institutions (id, name, kind, country) VALUES ($1, $1, 'university', 'IT')`, [
    id,
  ]);
  const entries: AuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const c = content(id, seq, `entry ${seq}`);
    const hash = entryHash(prev, c);
    entries.push({ ...c, prevHash: prev, hash });
    prev = hash;
  }
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await insertRows(client, entries);
    await client.query(`UPDATE audit_heads SET seq = $2, hash = $3 WHERE institution_id = $1`, [id, n, prev]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  return { id, entries };
}

async function asSuperuser(work: (c: pg.PoolClient) => Promise<void>): Promise<void> {
  const c = await db.connect();
  try {
    await c.query('BEGIN');
    await c.query('ALTER TABLE audit_entries DISABLE TRIGGER USER');
    await work(c);
    await c.query('ALTER TABLE audit_entries ENABLE TRIGGER USER');
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK');
    throw e;
  } finally {
    c.release();
  }
}

type Tamper = 'edit' | 'edit-and-rehash' | 'delete' | 'swap' | 'insert-garbage' | 'insert-forged';

/** Applies the tampering; returns the seq verify must name. */
async function tamper(log: { id: string; entries: AuditEntry[] }, how: Tamper, k: number): Promise<number> {
  const n = log.entries.length;
  const id = log.id;
  await asSuperuser(async (c) => {
    switch (how) {
      case 'edit':
        await c.query(
          `UPDATE audit_entries SET data = jsonb_set(data, '{comment}', '"approved after all"') WHERE institution_id = $1 AND seq = $2`,
          [id, k],
        );
        break;
      case 'edit-and-rehash': {
        // A careful forger rewrites the column, the stored canonical text and the hash alike; the next
        // entry no longer links to it.
        const forged = { ...log.entries[k - 1], actorRole: 'admin' };
        await c.query(
          `UPDATE audit_entries SET actor_role = 'admin', canonical = $4, hash = $3 WHERE institution_id = $1 AND seq = $2`,
          [id, k, entryHash(forged.prevHash, forged), canonicalContent(forged)],
        );
        break;
      }
      case 'delete':
        await c.query(`DELETE FROM audit_entries WHERE institution_id = $1 AND seq = $2`, [id, k]);
        break;
      case 'swap':
        // (through a temporary range above the log: seq must stay positive and unique)
        await c.query(
          `UPDATE audit_entries SET seq = seq + 1000000 WHERE institution_id = $1 AND seq IN ($2, $3)`,
          [id, k, k + 1],
        );
        await c.query(
          `UPDATE audit_entries SET seq = CASE WHEN seq = $2::bigint + 1000000 THEN $3::bigint ELSE $2::bigint END WHERE institution_id = $1 AND seq > 1000000`,
          [id, k, k + 1],
        );
        break;
      case 'insert-garbage':
      case 'insert-forged': {
        await c.query(
          `UPDATE audit_entries SET seq = seq + 1000001 WHERE institution_id = $1 AND seq >= $2`,
          [id, k],
        );
        await c.query(
          `UPDATE audit_entries SET seq = seq - 1000000 WHERE institution_id = $1 AND seq > 1000000`,
          [id],
        );
        const body = content(id, k, 'inserted afterwards');
        const prevHash = k === 1 ? GENESIS_HASH : log.entries[k - 2].hash;
        const hash = how === 'insert-forged' ? entryHash(prevHash, body) : 'f'.repeat(64);
        await insertRows(c, [{ ...body, prevHash, hash }]);
        break;
      }
    }
  });
  switch (how) {
    case 'edit':
    case 'delete':
    case 'swap':
    case 'insert-garbage':
      return k;
    case 'edit-and-rehash':
      return k === n ? n : k + 1; // at the end, the recorded head no longer matches its hash
    case 'insert-forged':
      return k === n + 1 ? k : k + 1; // it links correctly, its successor does not; at the end it lies beyond the recorded head
  }
}

describe('audit tampering at random places', () => {
  it('is flagged by verify at the right seq, every time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 3, max: 25 }),
        fc.constantFrom<Tamper>(
          'edit',
          'edit-and-rehash',
          'delete',
          'swap',
          'insert-garbage',
          'insert-forged',
        ),
        fc.nat(),
        async (n, how, r) => {
          const log = await genuineLog(n);
          const untouched = await t
            .http()
            .get(`/api/institutions/${log.id}/audit/verify`)
            .set(bearer(await t.admin()));
          expect(untouched.body).toMatchObject({
            valid: true,
            entries: n,
            headHash: log.entries[n - 1].hash,
          });
          const max = how === 'swap' ? n - 1 : how.startsWith('insert') ? n + 1 : n;
          const k = 1 + (r % max);
          const expected = await tamper(log, how, k);
          const res = await t
            .http()
            .get(`/api/institutions/${log.id}/audit/verify`)
            .set(bearer(await t.admin()));
          expect({ how, k, n, valid: res.body.valid, firstInvalidSeq: res.body.firstInvalidSeq }).toEqual({
            how,
            k,
            n,
            valid: false,
            firstInvalidSeq: expected,
          });
        },
      ),
      {
        numRuns: SOAK ? 400 : 40,
        seed: Number(process.env.FAULT_SEED ?? (SOAK ? Date.now() % 2 ** 31 : 20261128)),
      },
    );
  });
});
