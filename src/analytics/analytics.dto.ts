import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { workflowRegistry } from '../../workflows/registry.js';
import { Transform } from 'class-transformer';
import { clampLimitTo } from '../common/pagination.dto.js';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** The largest page of the waiting list (a table a person reads; the CSV has every row). */
export const MAX_WAITING_PAGE = 500;
export const DEFAULT_WAITING_PAGE = 100;

const RFC3339 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export class AnalyticsQueryDto {
  @ApiPropertyOptional({ description: 'Only proposals led by this institution' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @Matches(/^[a-z0-9][a-z0-9-]{1,39}$/, { message: 'institutionId must be an institution id' })
  institutionId?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'Start of the window (inclusive), at most 10 years before `to`; default: stages, midnight UTC 90 days before `to`; throughput, 12 months before `to`',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  @Matches(RFC3339, { message: 'from must be a date or date-time such as 2026-11-28T10:00:00Z' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'End of the window (exclusive); default: now' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  @Matches(RFC3339, { message: 'to must be a date or date-time such as 2026-11-28T10:00:00Z' })
  to?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'Or send Accept: text/csv' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class WaitingQueryDto {
  @ApiPropertyOptional({ description: 'Only proposals led by this institution' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @Matches(/^[a-z0-9][a-z0-9-]{1,39}$/, { message: 'institutionId must be an institution id' })
  institutionId?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_WAITING_PAGE,
    description: `Rows per page (larger values are capped at ${MAX_WAITING_PAGE}; ${DEFAULT_WAITING_PAGE} when only a cursor is given). Without limit and cursor, every waiting row in one answer, as before. The CSV is always complete.`,
  })
  @IsOptional()
  @Transform(clampLimitTo(MAX_WAITING_PAGE))
  @IsInt({ message: 'limit must be a positive integer' })
  limit?: number;

  @ApiPropertyOptional({ description: "Opaque cursor from the previous page's nextCursor (with limit)" })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'Or send Accept: text/csv' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class StageRowDto {
  @ApiProperty({ enum: workflowRegistry().waitingStates() })
  stage!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Lead institution; null: all institutions' })
  institutionId!: string | null;
  @ApiProperty({ description: 'Stage entries within the window' }) entered!: number;
  @ApiProperty({ description: 'Stage exits within the window' }) left!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Median time in stage of the visits that left within the window (ms)',
  })
  medianMs!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '90th percentile of the same (ms)' })
  p90Ms!: number | null;
  @ApiProperty({ description: 'In this stage now' }) waiting!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Waiting longer than ESCALATION_AFTER_MS (stages with reminders; null for the others)',
  })
  overdue!: number | null;
}

export class StagesDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty() escalationAfterMs!: number;
  @ApiProperty({ type: [StageRowDto] }) rows!: StageRowDto[];
}

export class ThroughputRowDto {
  @ApiProperty({ example: '2026-11', description: 'UTC month' }) month!: string;
  @ApiProperty({ description: 'SUBMIT decisions (a resubmission counts again)' }) submitted!: number;
  @ApiProperty({ description: 'Proposals that reached approved' }) approved!: number;
  @ApiProperty() published!: number;
  @ApiProperty() rejected!: number;
}

export class ThroughputDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: [ThroughputRowDto] }) rows!: ThroughputRowDto[];
}

export class WaitingRowDto {
  @ApiProperty({ format: 'uuid' }) proposalId!: string;
  @ApiProperty() reference!: string;
  @ApiProperty({ type: String, nullable: true }) title!: string | null;
  @ApiProperty() state!: string;
  @ApiProperty() leadInstitutionId!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'partner-uhd',
    description:
      'The pending party (partner-<institution>, quality, agency-<country>, lead-<institution>, publisher)',
  })
  partyKey!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'partner' }) partyKind!: string | null;
  @ApiProperty({ format: 'date-time', description: 'When the proposal entered this stage' }) since!: string;
  @ApiProperty() waitingMs!: number;
  @ApiProperty({ description: 'Reminders delivered to this party in this stage' }) remindersSent!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastReminderAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) nextReminderAt!: string | null;
  @ApiProperty() escalated!: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) escalatedAt!: string | null;
  @ApiProperty({ description: 'Waiting longer than ESCALATION_AFTER_MS' }) overdue!: boolean;
}

export class WaitingDto {
  @ApiProperty({ type: [WaitingRowDto] }) items!: WaitingRowDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Cursor of the next page when `limit` was given and more rows follow; otherwise null',
  })
  nextCursor!: string | null;
}
