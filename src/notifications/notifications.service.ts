import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthUser } from '../auth/auth-user.js';
import { decodeCursor, encodeCursor, type Page } from '../common/cursor.js';
import { notFound } from '../common/domain-error.js';
import { DEFAULT_PAGE_SIZE } from '../common/pagination.dto.js';
import { returnedRows } from '../database/returned-rows.js';
import type { NotificationDto, NotificationQueryDto } from './notification.dto.js';

const COLUMNS = `id, kind, proposal_id AS "proposalId", proposal_reference AS "proposalReference", state,
  party_key AS "partyKey", subject_user_id AS "subjectUserId", title, body, created_at AS "createdAt", read_at AS "readAt"`;

type Row = Omit<NotificationDto, 'createdAt' | 'readAt'> & { createdAt: Date; readAt: Date | null };
const toDto = (r: Row): NotificationDto => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  readAt: r.readAt?.toISOString() ?? null,
});

@Injectable()
export class NotificationsService {
  constructor(private readonly dataSource: DataSource) {}

  async list(user: AuthUser, q: NotificationQueryDto): Promise<Page<NotificationDto>> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(q.cursor, { c: 'timestamp', i: 'uuid' });
    // Conditions written out per case (no `$n IS NULL OR ...`), so each page is one range of
    // notifications_user_idx, or of notifications_unread_idx for unread ones, read in index order.
    const params: unknown[] = [user.id];
    const where = ['user_id = $1'];
    if (q.unread) where.push('read_at IS NULL');
    if (after) {
      params.push(after.c, after.i);
      where.push('(created_at, id) < ($2::timestamptz, $3::uuid)');
    }
    params.push(limit + 1);
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM notifications WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toDto),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ c: last.createdAt.toISOString(), i: last.id }) : null,
    };
  }

  async markRead(user: AuthUser, id: string): Promise<NotificationDto> {
    const rows: Row[] = await this.dataSource.query(
      `UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
      [id, user.id],
    );
    const list = returnedRows<Row>(rows);
    if (!list[0]) throw notFound('Notification');
    return toDto(list[0]);
  }
}
