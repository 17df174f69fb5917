// A large, valid audit log, fast: entries are generated here (a realistic mix of actions and data
// sizes), hashed with the service's own chain code, and streamed into PostgreSQL with COPY through
// psql. The table refuses UPDATE and DELETE, not INSERT, so this is the same append the service does,
// in bulk. The hashed bytes are kept, so SHA-256 alone can be timed over them later (P5's baseline).
import { spawn } from 'node:child_process';
import { createHash, hash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { canonicalContent, GENESIS_HASH, type AuditEntryContent } from '../../src/audit/audit-chain.js';

const COLUMNS = [
  'institution_id', 'seq', 'at', 'proposal_id', 'proposal_reference', 'actor_id', 'actor_institution_id',
  'actor_role', 'action', 'from_state', 'to_state', 'revision', 'data', 'request_id', 'client_ip', 'canonical', 'prev_hash', 'hash',
]; // prettier-ignore

const CRITERIA = [
  'eu-quality', 'eu-transparency', 'eu-relevance', 'eu-valid-assessment', 'eu-learning-pathways', 'eu-recognition',
  'eu-portable', 'eu-learner-centred', 'eu-authentic', 'eu-information-guidance', 'esg-1-2-design-approval',
  'esg-1-3-student-centred-assessment', 'esg-1-8-public-information', 'esg-1-9-monitoring-review',
  'alliance-ects-range', 'alliance-hours-per-ects', 'alliance-esco-outcomes', 'alliance-stackability',
  'alliance-partner-internal-approval',
]; // prettier-ignore
const UNIS = ['cuni', 'uhd', 'su', 'ucph', 'unimi', 'uw', 'unige', 'assas'];

/** Entry `seq` of a log that looks like the service's: decisions, edits, reminders, user creations. */
function entryContent(
  institutionId: string,
  seq: number,
  proposals: string[],
  users: string[],
  baseMs: number,
): AuditEntryContent {
  const k = seq % 20;
  const pi = (seq * 7919) % proposals.length;
  const actor = users[(seq * 31) % users.length];
  const inst = UNIS[seq % UNIS.length];
  const base = {
    institutionId,
    seq,
    at: new Date(baseMs + seq * 137).toISOString(),
    proposalId: proposals[pi],
    proposalReference: `MC-2026-${String(pi + 1).padStart(4, '0')}`,
    actorId: actor,
    actorInstitutionId: inst,
    actorRole: 'reviewer',
    requestId: randomUUID(),
    clientIp: '10.20.30.40',
    revision: 1 + (seq % 3),
  };
  if (k < 6)
    return {
      ...base,
      action: 'PARTNER_APPROVE',
      fromState: 'partnerReview',
      toState: k < 3 ? 'partnerReview' : 'qualityReview',
      data: k % 2 ? { comment: 'Fits our master programme; přijato — conforme à nos règles.' } : {},
    };
  if (k < 9)
    return {
      ...base,
      actorRole: 'proposer',
      action: 'SUBMIT',
      fromState: 'draft',
      toState: 'partnerReview',
      data: {},
    };
  if (k < 12 || k === 19)
    return {
      ...base,
      actorId: null,
      actorInstitutionId: null,
      actorRole: null,
      requestId: `rem-${base.requestId}`,
      clientIp: null,
      action: k === 19 ? 'ESCALATION' : 'REMINDER',
      fromState: 'partnerReview',
      toState: 'partnerReview',
      data: {
        partyKey: `partner-${inst}`,
        attempt: 1 + (seq % 4),
        dueAt: base.at,
        recipients: 1 + (seq % 3),
      },
    };
  if (k < 14)
    return {
      ...base,
      actorRole: 'proposer',
      action: 'EDIT',
      fromState: 'draft',
      toState: 'draft',
      data: {
        changes: [
          {
            field: 'content.summary',
            before: 'A short course on research data.',
            after: `Revision ${seq} of the summary.`,
          },
          { field: 'content.ects', before: 5, after: 6 },
        ],
      },
    };
  if (k === 14)
    return {
      ...base,
      actorInstitutionId: '4euplus',
      actorRole: 'quality_officer',
      action: 'QUALITY_APPROVE',
      fromState: 'qualityReview',
      toState: 'agencyAlignment',
      data: {
        criteria: CRITERIA.map((criterion, i) => ({
          criterion,
          result: i % 5 ? 'met' : 'met-with-conditions',
        })),
      },
    };
  if (k === 15)
    return {
      ...base,
      actorRole: 'proposer',
      action: 'CREATE',
      fromState: null,
      toState: 'draft',
      revision: 1,
      data: {
        partnerInstitutionIds: ['uhd', 'su'],
        content: {
          title: 'Data Literacy for Multilingual Research Teams',
          ects: 5,
          eqfLevel: 7,
          languages: ['en', 'cs'],
        },
      },
    };
  if (k < 18)
    return {
      ...base,
      actorInstitutionId: 'nau',
      actorRole: 'agency_liaison',
      action: 'AGENCY_CONFIRM',
      fromState: 'agencyAlignment',
      toState: k === 16 ? 'agencyAlignment' : 'approved',
      data: { outcome: 'aligned', nqfLevel: '7', reference: `NAU-${seq}` },
    };
  return {
    ...base,
    proposalId: null,
    proposalReference: null,
    actorInstitutionId: '4euplus',
    actorRole: 'admin',
    action: 'USER_CREATE',
    fromState: null,
    toState: null,
    revision: null,
    data: { userId: actor, institutionId: inst, roles: ['reviewer'] },
  };
}

const csv = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return `"${s.replace(/"/g, '""')}"`;
};

export interface AuditFixture {
  entries: number;
  headHash: string;
  /** Canonical bytes hashed (prevHash + canonical content), total. */
  bytes: number;
  /** Seconds the whole generation and COPY took. */
  seconds: number;
  /** Hashes every entry's bytes again with SHA-256 alone, returns the seconds (the P5 baseline). */
  sha256Seconds: () => number;
}

/** Writes `count` entries for `institutionId` (a log of its own, empty before) and its chain head. */
export async function writeAuditLog(
  db: pg.Pool,
  databaseUrl: string,
  institutionId: string,
  count: number,
): Promise<AuditFixture> {
  const started = performance.now();
  const proposals = Array.from({ length: 2000 }, () => randomUUID());
  const users = Array.from({ length: 64 }, () => randomUUID());
  const baseMs = Date.UTC(2026, 0, 5, 8, 0, 0, 0);
  const psql = spawn(
    'psql',
    [
      databaseUrl,
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `COPY audit_entries (${COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv)`,
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let psqlErr = '';
  psql.stderr.on('data', (d: Buffer) => (psqlErr += d.toString()));
  const exited = new Promise<number | null>((resolve) => psql.on('exit', resolve));

  let prev = GENESIS_HASH;
  let bytes = 0;
  // The hashed bytes of every entry, kept (about 0.6 GB per million entries) for the baseline below.
  const kept: Buffer[] = [];
  const keptLengths: Uint32Array[] = [];
  const CHUNK = 5000;
  for (let from = 1; from <= count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK - 1);
    const contents: AuditEntryContent[] = [];
    const canon: string[] = [];
    for (let seq = from; seq <= to; seq++) {
      const e = entryContent(institutionId, seq, proposals, users, baseMs);
      contents.push(e);
      canon.push(canonicalContent(e));
    }
    // The chain: each hash needs the previous one, so hash in order and keep the exact bytes.
    const chunkPrev = prev;
    const hashes: string[] = [];
    const inputs: Buffer[] = [];
    for (let i = 0; i < contents.length; i++) {
      const input = Buffer.from(prev + canon[i], 'utf8');
      inputs.push(input);
      prev = createHash('sha256').update(input).digest('hex');
      hashes.push(prev);
    }
    kept.push(Buffer.concat(inputs));
    keptLengths.push(Uint32Array.from(inputs, (b) => b.length));
    let text = '';
    for (let i = 0; i < contents.length; i++) {
      const e = contents[i];
      bytes += inputs[i].length;
      const prevHash = i === 0 ? chunkPrev : hashes[i - 1];
      text += `${[
        e.institutionId, e.seq, e.at, e.proposalId, e.proposalReference, e.actorId, e.actorInstitutionId, e.actorRole,
        e.action, e.fromState, e.toState, e.revision, e.data, e.requestId, e.clientIp, canon[i], prevHash, hashes[i],
      ].map(csv).join(',')}\n`; // prettier-ignore
    }
    if (!psql.stdin.write(text)) await new Promise((r) => psql.stdin.once('drain', r));
  }
  psql.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`COPY into audit_entries failed (${code}): ${psqlErr}`);
  await db.query(
    `INSERT INTO audit_heads (institution_id, seq, hash) VALUES ($1, $2, $3)
     ON CONFLICT (institution_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash`,
    [institutionId, count, prev],
  );
  await db.query('ANALYZE audit_entries');
  const seconds = (performance.now() - started) / 1000;
  return {
    entries: count,
    headHash: prev,
    bytes,
    seconds,
    sha256Seconds: () => {
      // SHA-256 alone over exactly the bytes the chain hashes, one entry at a time, as a verifier must,
      // with Node's fastest call (one-shot crypto.hash over bytes already encoded): the floor.
      const t0 = process.hrtime.bigint();
      for (let c = 0; c < kept.length; c++) {
        let offset = 0;
        for (const len of keptLengths[c]) {
          hash('sha256', kept[c].subarray(offset, offset + len), 'hex');
          offset += len;
        }
      }
      return Number(process.hrtime.bigint() - t0) / 1e9;
    },
  };
}
