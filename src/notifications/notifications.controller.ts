import { Controller, Get, HttpCode, Injectable, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { DataSource } from 'typeorm';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/decorators.js';
import { decodeCursor, encodeCursor, type Page } from '../common/cursor.js';
import { DomainError, notFound } from '../common/domain-error.js';
import { ProblemResponses } from '../common/openapi.js';
import { DEFAULT_PAGE_SIZE, PageQueryDto } from '../common/pagination.dto.js';
import { returnedRows } from '../database/returned-rows.js';

export class NotificationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'true: only unread notifications' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'unread must be true or false' })
  unread?: boolean;
}

export class NotificationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['reminder', 'escalation', 'user-waiting'] }) kind!: string;
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) proposalId!: string | null;
  @ApiProperty({ type: String, nullable: true }) proposalReference!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The stage the proposal was waiting in' })
  state!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The pending party this is about' })
  partyKey!: string | null;
  @ApiProperty({
    format: 'uuid',
    type: String,
    nullable: true,
    description: '`user-waiting`: the user who signed in for the first time and waits for roles',
  })
  subjectUserId!: string | null;
  @ApiProperty() title!: string;
  @ApiProperty() body!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: String, nullable: true }) readAt!: string | null;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] }) items!: NotificationDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

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

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new DomainError('not-found', 404, 'Notification not found'),
});

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/me/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'Your reminders and escalations, newest first' })
  @ApiOkResponse({ type: NotificationPageDto })
  list(@CurrentUser() user: AuthUser, @Query() q: NotificationQueryDto): Promise<NotificationPageDto> {
    return this.notifications.list(user, q);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark one of your notifications as read (idempotent)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: NotificationDto })
  @ProblemResponses(404)
  read(@CurrentUser() user: AuthUser, @Param('id', uuid) id: string): Promise<NotificationDto> {
    return this.notifications.markRead(user, id);
  }
}
