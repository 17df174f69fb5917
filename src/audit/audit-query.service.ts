import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { isAllianceAdmin, type AuthUser } from '../auth/auth-user.js';
import { decodeCursor, encodeCursor, type Page } from '../common/cursor.js';
import { notFound } from '../common/domain-error.js';
import { DEFAULT_PAGE_SIZE } from '../common/pagination.dto.js';
import { CONTENT_FIELDS, type AuditEntry, type VerifyResult } from './audit-chain.js';
import { readEntries, readNdjsonLines, verifyLog } from './audit-reader.js';
import type { AuditQueryDto } from './audit-log.dto.js';
import { AuditRepository } from './audit.repository.js';
import { csvSafeText } from './csv-cell.js';

export const CSV_COLUMNS = [...CONTENT_FIELDS, 'prevHash', 'hash'] as const;

/** Reading the logs: search, streamed export, verification. */
@Injectable()
export class AuditQueryService {
  constructor(
    private readonly repo: AuditRepository,
    private readonly dataSource: DataSource,
  ) {}

  private get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  async assertInstitution(id: string): Promise<void> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM institutions WHERE id = $1`, [id]);
    if (rows.length === 0) throw notFound('Institution');
  }

  /**
   * A page of the log, newest first. Each entry also carries `actorName`, the actor's current display
   * name, where the viewer could list that account anyway: alliance admins every account, an
   * institution's admin the accounts of the institution whose log this is; null otherwise.
   */
  async search(
    institutionId: string,
    q: AuditQueryDto,
    viewer: AuthUser,
  ): Promise<Page<AuditEntry & { actorName: string | null; subjectName: string | null }>> {
    await this.assertInstitution(institutionId);
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(q.cursor, { s: 'seq' });
    let proposalId = q.proposalId;
    if (q.proposalReference) {
      // The reference is unique and never reused; entries hold the id, which their index serves.
      const found: Array<{ id: string }> = await this.dataSource.query(
        `SELECT id FROM proposals WHERE reference = $1`,
        [q.proposalReference],
      );
      const id = found[0]?.id;
      if (!id || (proposalId && proposalId !== id)) return { items: [], nextCursor: null };
      proposalId = id;
    }
    const rows = await this.repo.search(
      institutionId,
      {
        proposalId,
        action: q.action,
        actorId: q.actorId,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        beforeSeq: after?.s,
      },
      limit + 1,
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    const names = await this.actorNames(items, institutionId, isAllianceAdmin(viewer));
    return {
      items: items.map((e) => {
        const subject = subjectOf(e);
        return {
          ...e,
          actorName: (e.actorId && names.get(e.actorId)) ?? null,
          subjectName: (subject && names.get(subject)) ?? null,
        };
      }),
      nextCursor: rows.length > limit && last ? encodeCursor({ s: last.seq }) : null,
    };
  }

  /** Names of the entries' actors and of the accounts their changes were about, in one read. */
  private async actorNames(
    entries: AuditEntry[],
    institutionId: string,
    everyone: boolean,
  ): Promise<Map<string, string>> {
    const ids = [
      ...new Set(entries.flatMap((e) => [e.actorId, subjectOf(e)]).filter((id): id is string => !!id)),
    ];
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; name: string }> = await this.dataSource.query(
      `SELECT id, display_name AS name FROM users WHERE id = ANY($1::uuid[]) AND ($2 OR institution_id = $3)`,
      [ids, everyone, institutionId],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Streams the whole log, oldest first, honouring back-pressure; stops reading when the client goes away. */
  async export(institutionId: string, format: 'ndjson' | 'csv', reply: FastifyReply): Promise<void> {
    await this.assertInstitution(institutionId);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    reply
      .status(200)
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="audit-${institutionId}-${stamp}.${format}"`);
    // The server writes `out` with back-pressure and destroys it when the client goes away, which ends
    // the pipeline, and with it the reading, early. A failure while reading cuts the answer short.
    const send = (rows: AsyncIterable<unknown>, ...stages: NodeJS.ReadWriteStream[]) => {
      const out = new PassThrough();
      const done = pipeline([rows as unknown as NodeJS.ReadableStream, ...stages, out]);
      void reply.send(out);
      return done.catch(() => undefined);
    };
    if (format === 'ndjson') {
      await readNdjsonLines(this.pool, institutionId, (lines) =>
        send(
          lines,
          new Transform({
            writableObjectMode: true,
            transform(row: { line: string }, _enc, done) {
              done(null, `${row.line}\n`);
            },
          }),
        ),
      );
      return;
    }
    await readEntries(this.pool, institutionId, (entries) =>
      send(
        entries,
        // columns in CSV_COLUMNS order; `data` as JSON text
        new Transform({
          objectMode: true,
          transform(e: AuditEntry, _enc, done) {
            done(
              null,
              CSV_COLUMNS.map((c) => e[c]),
            );
          },
        }),
        stringify({
          header: true,
          columns: [...CSV_COLUMNS],
          cast: { object: (v) => JSON.stringify(v), string: csvSafeText },
        }),
      ),
    );
  }

  async verify(institutionId: string): Promise<VerifyResult> {
    await this.assertInstitution(institutionId);
    return verifyLog(this.pool, institutionId);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The account an entry is about (account changes record it as `data.userId`), if any. */
function subjectOf(e: AuditEntry): string | null {
  const id = (e.data as Record<string, unknown> | null)?.userId;
  return typeof id === 'string' && UUID.test(id) ? id : null;
}
