import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditEntry } from './audit-chain.js';

/** Columns as AuditEntry fields; `at` as exact ISO text so hashing never depends on Date parsing. */
export const AUDIT_COLUMNS = `institution_id AS "institutionId", seq::int AS seq,
  to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at,
  proposal_id AS "proposalId", proposal_reference AS "proposalReference", actor_id AS "actorId",
  actor_institution_id AS "actorInstitutionId", actor_role AS "actorRole", action, from_state AS "fromState",
  to_state AS "toState", revision, data, request_id AS "requestId", client_ip AS "clientIp",
  prev_hash AS "prevHash", hash`;

export interface AuditFilter {
  proposalId?: string;
  action?: string;
  actorId?: string;
  from?: Date;
  to?: Date;
  beforeSeq?: number;
}

/** Named queries of the audit log. Entries are only ever inserted; there is no update or delete here. */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Locks the chain heads of these institutions in id order (a fixed order: no deadlocks between chains).
   * Ids that are not institutions (a draft may name an unknown partner) have no log and are skipped.
   */
  async lockHeads(
    em: EntityManager,
    institutionIds: string[],
  ): Promise<{ heads: Map<string, { seq: number; hash: string }>; now: string }> {
    const select = () =>
      em.query(
        `SELECT institution_id AS "institutionId", seq::int AS seq, hash,
                to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now
         FROM audit_heads WHERE institution_id = ANY ($1::text[]) ORDER BY institution_id FOR UPDATE`,
        [institutionIds],
      ) as Promise<Array<{ institutionId: string; seq: number; hash: string; now: string }>>;
    let rows = await select();
    if (rows.length < institutionIds.length) {
      // A chain's first entry: create its head (one round trip more, once per institution ever).
      await em.query(
        `INSERT INTO audit_heads (institution_id, seq, hash)
         SELECT id, 0, repeat('0', 64) FROM institutions WHERE id = ANY ($1::text[]) ON CONFLICT DO NOTHING`,
        [institutionIds],
      );
      rows = await select();
    }
    return {
      heads: new Map(rows.map((r) => [r.institutionId, { seq: r.seq, hash: r.hash }])),
      now: rows[0]?.now ?? new Date().toISOString(),
    };
  }

  async insert(em: EntityManager, entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const cols = [
      'institution_id', 'seq', 'at', 'proposal_id', 'proposal_reference', 'actor_id', 'actor_institution_id', 'actor_role',
      'action', 'from_state', 'to_state', 'revision', 'data', 'request_id', 'client_ip', 'prev_hash', 'hash',
    ]; // prettier-ignore
    const params: unknown[] = [];
    const tuples = entries.map((e) => {
      const values = [
        e.institutionId, e.seq, e.at, e.proposalId, e.proposalReference, e.actorId, e.actorInstitutionId, e.actorRole,
        e.action, e.fromState, e.toState, e.revision, JSON.stringify(e.data), e.requestId, e.clientIp, e.prevHash, e.hash,
      ]; // prettier-ignore
      return `(${values.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`;
    });
    const n = params.length;
    params.push(
      entries.map((e) => e.institutionId),
      entries.map((e) => e.seq),
      entries.map((e) => e.hash),
    );
    // Entries and chain heads in one statement: one round trip while the head locks are held.
    await em.query(
      `WITH appended AS (INSERT INTO audit_entries (${cols.join(', ')}) VALUES ${tuples.join(', ')} RETURNING 1)
       UPDATE audit_heads h SET seq = v.seq, hash = v.hash
       FROM unnest($${n + 1}::text[], $${n + 2}::bigint[], $${n + 3}::text[]) AS v(institution_id, seq, hash)
       WHERE h.institution_id = v.institution_id AND (SELECT count(*) FROM appended) = ${entries.length}`,
      params,
    );
  }

  async head(institutionId: string): Promise<{ seq: number; hash: string } | null> {
    const rows: Array<{ seq: number; hash: string }> = await this.dataSource.query(
      `SELECT seq::int AS seq, hash FROM audit_heads WHERE institution_id = $1`,
      [institutionId],
    );
    return rows[0] ?? null;
  }

  /** Newest first; `beforeSeq` is the keyset cursor (seq only grows, so pages stay stable while entries are appended). */
  async search(institutionId: string, f: AuditFilter, limit: number): Promise<AuditEntry[]> {
    const params: unknown[] = [institutionId];
    const where = ['institution_id = $1'];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.proposalId) add('proposal_id = ?', f.proposalId);
    if (f.action) add('action = ?', f.action);
    if (f.actorId) add('actor_id = ?', f.actorId);
    if (f.from) add('at >= ?', f.from);
    if (f.to) add('at < ?', f.to);
    if (f.beforeSeq !== undefined) add('seq < ?', f.beforeSeq);
    params.push(limit);
    return this.dataSource.query(
      `SELECT ${AUDIT_COLUMNS} FROM audit_entries WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
  }
}
