import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditEntry, AuditEntryContent } from './audit-chain.js';
import { returnedRows } from '../database/returned-rows.js';

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
   * Appends one entry to each listed chain in a single statement: lock the heads (in institution-id
   * order, so concurrent appends touching several chains never deadlock), take seq and database time,
   * hash in PostgreSQL (sha256 of prevHash followed by the canonical content), insert, move the heads.
   * The head locks are then held only until the COMMIT that follows. `templates` are each chain's
   * canonical content with the markers standing in for seq and time (they are only known under the
   * lock). Ids without a chain head (not an institution: a draft may name an unknown partner) are
   * skipped. Returns the entries written.
   */
  async append(
    em: EntityManager,
    entry: Omit<AuditEntryContent, 'institutionId' | 'seq' | 'at'>,
    templates: Array<{ institutionId: string; canonical: string }>,
    markers: { seq: string; at: string },
  ): Promise<Array<{ institutionId: string; seq: number; hash: string }>> {
    if (templates.length === 0) return [];
    const rows: Array<{ institutionId: string; seq: number; hash: string }> = await em.query(
      `WITH v AS (SELECT * FROM unnest($1::text[], $2::text[]) AS v(institution_id, template)),
       heads AS (SELECT institution_id, seq, hash FROM audit_heads
                 WHERE institution_id = ANY ($1::text[]) ORDER BY institution_id FOR UPDATE),
       t AS (SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at),
       next AS (SELECT h.institution_id, h.seq + 1 AS seq, h.hash AS prev_hash, t.at,
                       replace(replace(v.template, $3, (h.seq + 1)::text), $4, '"' || t.at || '"') AS canonical
                FROM heads h JOIN v USING (institution_id) CROSS JOIN t),
       hashed AS (SELECT n.*, encode(sha256(convert_to(n.prev_hash || n.canonical, 'UTF8')), 'hex') AS hash FROM next n),
       appended AS (
         INSERT INTO audit_entries (institution_id, seq, at, proposal_id, proposal_reference, actor_id, actor_institution_id,
           actor_role, action, from_state, to_state, revision, data, request_id, client_ip, canonical, prev_hash, hash)
         SELECT institution_id, seq, at::timestamptz, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16, canonical,
                prev_hash, hash
         FROM hashed
         RETURNING institution_id, seq, hash)
       UPDATE audit_heads h SET seq = a.seq, hash = a.hash FROM appended a WHERE h.institution_id = a.institution_id
       RETURNING a.institution_id AS "institutionId", a.seq::int AS seq, a.hash`,
      [
        templates.map((t) => t.institutionId),
        templates.map((t) => t.canonical),
        JSON.stringify(markers.seq),
        JSON.stringify(markers.at),
        entry.proposalId,
        entry.proposalReference,
        entry.actorId,
        entry.actorInstitutionId,
        entry.actorRole,
        entry.action,
        entry.fromState,
        entry.toState,
        entry.revision,
        JSON.stringify(entry.data),
        entry.requestId,
        entry.clientIp,
      ],
    );
    return returnedRows(rows);
  }

  async head(institutionId: string): Promise<{ seq: number; hash: string } | null> {
    const rows: Array<{ seq: number; hash: string }> = await this.dataSource.query(
      `SELECT seq::int AS seq, hash FROM audit_heads WHERE institution_id = $1`,
      [institutionId],
    );
    return rows[0] ?? null;
  }

  /**
   * Newest first; `beforeSeq` is the keyset cursor (seq only grows, so pages stay stable while entries
   * are appended). The ORDER BY names the table's column: a bare `seq` would be the selected `seq::int`,
   * which no index has, and every search would sort the institution's whole log.
   */
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
      `SELECT ${AUDIT_COLUMNS} FROM audit_entries WHERE ${where.join(' AND ')} ORDER BY audit_entries.seq DESC LIMIT $${params.length}`,
      params,
    );
  }
}
