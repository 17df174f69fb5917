// Reads one institution's log straight from PostgreSQL in a read-only REPEATABLE READ transaction, so
// the entries and the recorded head are one consistent view. Shared by the API (export, verify) and
// the CLI. Memory stays constant whatever the log's size.
import type { Pool, PoolClient } from 'pg';
import QueryStream from 'pg-query-stream';
import { GENESIS_HASH, type AuditEntry, type VerifyResult } from './audit-chain.js';
import { AUDIT_COLUMNS } from './audit.repository.js';

type Head = { seq: number; hash: string } | null;

/** Runs `use` in a consistent read-only snapshot of the log; always releases the client. */
async function inSnapshot<T>(
  pool: Pool,
  institutionId: string,
  use: (client: PoolClient, head: Head) => Promise<T>,
): Promise<T> {
  const client: PoolClient = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const heads = await client.query<{ seq: number; hash: string }>(
      `SELECT seq::int AS seq, hash FROM audit_heads WHERE institution_id = $1`,
      [institutionId],
    );
    return await use(client, heads.rows[0] ?? null);
  } catch (e) {
    broken = true;
    throw e;
  } finally {
    await client.query('ROLLBACK').catch(() => (broken = true));
    client.release(broken);
  }
}

/** A server-side cursor over rows of the log, oldest first (2,000 rows per round trip). */
async function streamRows<T, R>(
  client: PoolClient,
  sql: string,
  params: unknown[],
  use: (rows: AsyncIterable<R>) => Promise<T>,
): Promise<T> {
  const stream = client.query(new QueryStream(sql, params, { batchSize: 2000 }));
  try {
    return await use(stream as AsyncIterable<R>);
  } finally {
    stream.destroy();
  }
}

/** The entries as columns (search results, CSV). */
export function readEntries<T>(
  pool: Pool,
  institutionId: string,
  use: (entries: AsyncIterable<AuditEntry>) => Promise<T>,
): Promise<T> {
  return inSnapshot(pool, institutionId, (client) =>
    streamRows(
      client,
      // The table's seq (the index's order), not the selected seq::int, which would sort the whole log.
      `SELECT ${AUDIT_COLUMNS} FROM audit_entries WHERE institution_id = $1 ORDER BY audit_entries.seq`,
      [institutionId],
      use,
    ),
  );
}

/**
 * The entries as NDJSON lines, built from the stored canonical text: `{"prevHash":…,"hash":…,` and
 * then the canonical content's members. What an auditor's tool re-hashes is exactly what was hashed.
 */
export function readNdjsonLines<T>(
  pool: Pool,
  institutionId: string,
  use: (lines: AsyncIterable<{ line: string }>) => Promise<T>,
): Promise<T> {
  return inSnapshot(pool, institutionId, (client) =>
    streamRows(
      client,
      `SELECT '{"prevHash":"' || prev_hash || '","hash":"' || hash || '",' || substr(canonical, 2) AS line
       FROM audit_entries WHERE institution_id = $1 ORDER BY seq`,
      [institutionId],
      use,
    ),
  );
}

// One chunk of the chain, verified inside PostgreSQL: each entry's stored canonical text must say what
// its columns say, hash (SHA-256 of prev_hash followed by that text) to its `hash`, link to the entry
// before, and sit at the seq that follows. Reports the first seq where any of that fails, exactly as
// ChainVerifier does for a file, and where the chunk ends so the next one continues from there.
const VERIFY_CHUNK = `
WITH chunk AS (
  SELECT * FROM audit_entries WHERE institution_id = $1 AND seq > $2 ORDER BY seq LIMIT $5
), checked AS (
  SELECT seq, hash,
         $3::bigint + row_number() OVER w AS expected_seq,
         coalesce(lag(hash) OVER w, $4::text) AS expected_prev,
         encode(sha256(convert_to(prev_hash || canonical, 'UTF8')), 'hex') AS recomputed,
         prev_hash,
         canonical::jsonb = jsonb_build_object(
           'action', action, 'actorId', actor_id, 'actorInstitutionId', actor_institution_id, 'actorRole', actor_role,
           'at', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'clientIp', client_ip, 'data', data,
           'fromState', from_state, 'institutionId', institution_id, 'proposalId', proposal_id,
           'proposalReference', proposal_reference, 'requestId', request_id, 'revision', revision, 'seq', seq,
           'toState', to_state) AS columns_agree
  FROM chunk WINDOW w AS (ORDER BY seq)
)
SELECT count(*)::int AS n,
       max(seq)::bigint AS last_seq,
       (array_agg(hash ORDER BY seq DESC))[1] AS last_hash,
       (array_agg(CASE WHEN seq <> expected_seq THEN least(seq, expected_seq) ELSE seq END ORDER BY seq)
          FILTER (WHERE seq <> expected_seq OR prev_hash <> expected_prev OR recomputed <> hash OR NOT columns_agree))[1]::bigint AS first_bad
FROM checked`;

/**
 * Recomputes the whole chain in PostgreSQL, in chunks (constant memory, and `onProgress` after each
 * for the CLI's progress bar). The offline verifier (exported file, ChainVerifier) applies the same
 * rules in JavaScript, independently of the database.
 */
export async function verifyLog(
  pool: Pool,
  institutionId: string,
  onProgress?: (done: number, total: number) => void,
  chunk = 50_000,
): Promise<VerifyResult> {
  return inSnapshot(pool, institutionId, async (client, head) => {
    let entries = 0;
    let lastSeq = 0;
    let lastHash = GENESIS_HASH;
    let firstInvalid: number | null = null;
    for (;;) {
      const { rows } = await client.query<{
        n: number;
        last_seq: string | null;
        last_hash: string | null;
        first_bad: string | null;
      }>(VERIFY_CHUNK, [institutionId, lastSeq, entries, lastHash, chunk]);
      const r = rows[0];
      if (r.n === 0) break;
      if (firstInvalid === null && r.first_bad !== null) firstInvalid = Number(r.first_bad);
      entries += r.n;
      lastSeq = Number(r.last_seq);
      lastHash = r.last_hash as string;
      onProgress?.(entries, head?.seq ?? entries);
      if (r.n < chunk) break;
    }
    // Entries removed from the end (or added after it) show against the head the appends recorded.
    if (firstInvalid === null && head && (head.seq !== lastSeq || head.hash !== lastHash)) {
      firstInvalid = head.seq > lastSeq ? lastSeq + 1 : head.seq < lastSeq ? head.seq + 1 : lastSeq;
    }
    return {
      institutionId,
      entries,
      valid: firstInvalid === null,
      firstInvalidSeq: firstInvalid,
      headHash: lastHash,
    };
  });
}
