import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/decorators.js';
import { ProblemResponses } from '../common/openapi.js';
import { NotificationDto, NotificationPageDto, NotificationQueryDto } from './notification.dto.js';
import { NotificationsService } from './notifications.service.js';
import { DomainError } from '../common/domain-error.js';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new DomainError('not-found', 'Notification not found'),
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
