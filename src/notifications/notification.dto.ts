import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { PageQueryDto } from '../common/pagination.dto.js';

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
