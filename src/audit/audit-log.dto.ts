import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsISO8601, IsOptional, IsUUID, Matches } from 'class-validator';
import { PageQueryDto } from '../common/pagination.dto.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'proposalId must be a UUID' })
  proposalId?: string;

  @ApiPropertyOptional({
    example: 'MC-2026-0007',
    description:
      'The proposal by its reference (any letter case), as people quote it; combines with proposalId',
  })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  @Matches(/^MC-[0-9]{4}-[0-9]{4,12}$/, {
    message: 'proposalReference must be a proposal reference such as MC-2026-0007',
  })
  proposalReference?: string;

  @ApiPropertyOptional({
    example: 'SUBMIT',
    description: 'CREATE, EDIT, an event type, USER_CREATE, REMINDER, ESCALATION',
  })
  @IsOptional()
  @Matches(/^[A-Z][A-Z_]{0,39}$/, { message: 'action must be an action name such as SUBMIT' })
  action?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'actorId must be a UUID' })
  actorId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  // ISO 8601 also has week and ordinal dates, which neither JavaScript nor PostgreSQL read: RFC 3339 only.
  @Matches(RFC3339, { message: 'from must be a date or date-time such as 2026-11-28T10:00:00Z' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries before this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  // ISO 8601 also has week and ordinal dates, which neither JavaScript nor PostgreSQL read: RFC 3339 only.
  @Matches(RFC3339, { message: 'to must be a date or date-time such as 2026-11-28T10:00:00Z' })
  to?: string;
}

export class AuditExportQueryDto {
  @ApiPropertyOptional({ enum: ['ndjson', 'csv'], default: 'ndjson' })
  @IsOptional()
  @IsIn(['ndjson', 'csv'])
  format?: 'ndjson' | 'csv';
}

export class AuditEntryDto {
  @ApiProperty() institutionId!: string;
  @ApiProperty({ description: '1, 2, 3… per institution, without gaps' }) seq!: number;
  @ApiProperty({ description: 'Database time, ISO 8601 UTC with milliseconds' }) at!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) proposalId!: string | null;
  @ApiProperty({ type: String, nullable: true }) proposalReference!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'null for the system (reminders, bootstrap)',
  })
  actorId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    required: false,
    description:
      "The actor's current display name (search only; not part of the hashed entry): for alliance admins always, for an institution's admin when the actor belongs to that institution; null otherwise",
  })
  actorName?: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    required: false,
    description:
      "For an account change (`data.userId`): that account's current display name, under the same rule as actorName (search only; not hashed); null otherwise",
  })
  subjectName?: string | null;
  @ApiProperty({ type: String, nullable: true }) actorInstitutionId!: string | null;
  @ApiProperty({ type: String, nullable: true }) actorRole!: string | null;
  @ApiProperty() action!: string;
  @ApiProperty({ type: String, nullable: true }) fromState!: string | null;
  @ApiProperty({ type: String, nullable: true }) toState!: string | null;
  @ApiProperty({ type: Number, nullable: true }) revision!: number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'comment, criteria, changed fields before/after, …',
  })
  data!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({ type: String, nullable: true }) clientIp!: string | null;
  @ApiProperty() prevHash!: string;
  @ApiProperty() hash!: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) items!: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class AuditVerifyDto {
  @ApiProperty() institutionId!: string;
  @ApiProperty() entries!: number;
  @ApiProperty() valid!: boolean;
  @ApiProperty({ type: Number, nullable: true }) firstInvalidSeq!: number | null;
  @ApiProperty() headHash!: string;
}
