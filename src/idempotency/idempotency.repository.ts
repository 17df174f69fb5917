import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError, unprocessable } from '../common/domain-error.js';
import { IDEMPOTENCY_HEADER, IDEMPOTENCY_TTL_HOURS } from './idempotency-key.js';

/** A request that carries an Idempotency-Key: who sent it, the key, and what was asked. */
export interface IdempotentRequest {
  userId: string;
  key: string;
  /** SHA-256 of the canonical request (method, path, body). */
  fingerprint: Buffer;
}

/** An answer as it was sent: status and the exact body bytes (UTF-8 JSON text). */
export interface StoredResponse {
  status: number;
  body: string;
}

const TTL = `interval '${IDEMPOTENCY_TTL_HOURS} hours'`;

/**
 * Keys and their answers, always inside the transaction of the change they answer (the engine's), so
 * the answer is stored if and only if the change committed.
 *
 * "Still running" is a transaction-scoped advisory lock on (user, key), taken without waiting as the
 * first statement of the change's transaction: a second request with the key while the first holds it
 * answers 409 at once instead of queueing behind it. The lock ends with the first transaction, and
 * PostgreSQL makes the committed row visible before it releases the lock, so whoever takes it next
 * finds the stored answer. (Bigint advisory keys hashed from a prefixed text do not meet the proposal
 * locks in practice; a 64-bit collision would only cost a spurious 409.)
 */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Takes the key for this transaction. Returns the stored answer when the same request was answered
   * within 24 hours (replay), null when the change should run; 409 while another request holds the
   * key, 422 when the key was used for another request. An expired row is deleted here (lazily).
   */
  async claim(em: EntityManager, r: IdempotentRequest): Promise<StoredResponse | null> {
    const [{ free }]: Array<{ free: boolean }> = await em.query(
      `SELECT pg_try_advisory_xact_lock(hashtextextended('idempotency:' || $1 || ':' || $2, 0)) AS free`,
      [r.userId, r.key],
    );
    if (!free)
      throw new DomainError(
        'idempotency-key-in-use',
        `A request with this ${IDEMPOTENCY_HEADER} is still being processed; retry when it has finished`,
        undefined,
        { 'Retry-After': '1' },
      );
    const rows: Array<{ fingerprint: Buffer; status: number; body: string; fresh: boolean }> = await em.query(
      `SELECT fingerprint, status, body, created_at > now() - ${TTL} AS fresh
         FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [r.userId, r.key],
    );
    const stored = rows[0];
    if (!stored) return null;
    if (!stored.fresh) {
      await em.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2`, [r.userId, r.key]);
      return null;
    }
    if (!stored.fingerprint.equals(r.fingerprint))
      throw unprocessable(
        'idempotency-key-reused',
        `This ${IDEMPOTENCY_HEADER} was already used for another request (other method, path or body); use a new key`,
        [{ field: IDEMPOTENCY_HEADER, message: 'already used for another request' }],
      );
    return { status: stored.status, body: stored.body };
  }

  /** Stores the answer; same transaction as the change and the claim. */
  async record(em: EntityManager, r: IdempotentRequest, response: StoredResponse): Promise<void> {
    await em.query(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body) VALUES ($1, $2, $3, $4, $5)`,
      [r.userId, r.key, r.fingerprint, response.status, response.body],
    );
  }

  /** Deletes keys older than 24 hours, a batch at a time so no statement holds many row locks. */
  async purgeExpired(batch = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const rows: unknown = await this.dataSource.query(
        `DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
           SELECT ctid FROM idempotency_keys WHERE created_at < now() - ${TTL} LIMIT $1))`,
        [batch],
      );
      const n = deletedCount(rows);
      total += n;
      if (n < batch) return total;
    }
  }
}

/** TypeORM's query() answers a DELETE with [rows, affected] on PostgreSQL. */
function deletedCount(result: unknown): number {
  if (Array.isArray(result) && typeof result[1] === 'number') return result[1];
  return 0;
}
