import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
} from 'class-validator';
import { Omittable } from '../common/omittable.js';
import { workflowRegistry } from '../../workflows/registry.js';
import { ROLES } from '../../workflows/types.js';
import { PageQueryDto } from '../common/pagination.dto.js';
import { CONTENT_SCHEMA } from './content.schema.js';

const SLUG = /^[a-z0-9][a-z0-9-]{1,39}$/;
const MAX_PARTNERS = 20;

export class CreateProposalDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['uhd', 'su'],
    maxItems: MAX_PARTNERS,
    description: 'Partner institutions (at least one at submission, never the lead)',
  })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(MAX_PARTNERS)
  @IsString({ each: true })
  @Matches(SLUG, { each: true, message: 'each partnerInstitutionIds entry must be an institution id' })
  partnerInstitutionIds?: string[];

  @ApiPropertyOptional({ ...CONTENT_SCHEMA } as never)
  @Omittable()
  @IsObject()
  content?: Record<string, unknown>;
}

export class UpdateProposalDto extends CreateProposalDto {
  @ApiPropertyOptional({
    minimum: 1,
    description: "The proposal's version you read; 409 if it has changed since",
  })
  @Omittable()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

/**
 * The body of `POST /api/proposals/:id/events`: `type`, `expectedVersion` and the event's payload. Its
 * OpenAPI schema is generated from the registered workflow definitions (src/app/configure-app.ts), and
 * the payload is validated against the schema of the proposal's own workflow version by the engine.
 */
export class ProposalEventDto {}

/** Every state of every registered workflow version. */
const STATES = workflowRegistry().states();

export class ListProposalsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STATES })
  @IsOptional()
  @IsIn(STATES, { message: `state must be one of ${STATES.join(', ')}` })
  state?: string;

  @ApiPropertyOptional({ description: 'Proposals where this institution is lead or partner' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  institutionId?: string;

  @ApiPropertyOptional({
    description: 'Text contained in the title or the reference (case-insensitive)',
    maxLength: 200,
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class PendingPartyDto {
  @ApiProperty({ example: 'partner-uhd' }) key!: string;
  @ApiProperty({
    description:
      "What kind of party: 'lead', 'partner', 'quality', 'agency', 'publisher', or what a workflow version adds",
  })
  kind!: string;
  @ApiProperty({ enum: ROLES }) role!: string;
  @ApiProperty({ type: String, nullable: true }) institutionId!: string | null;
  @ApiProperty({ type: String, nullable: true }) country!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Institution whose users may not act for this party (conflict of interest)',
  })
  excludedInstitutionId!: string | null;
  @ApiProperty({ description: 'Whether reminders and escalation apply' }) reminded!: boolean;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'When this party is next reminded',
  })
  nextReminderAt?: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    format: 'date-time',
    description: "When this party's administrators are alerted",
  })
  escalationAt?: string | null;
}

export class WorkflowRefDto {
  @ApiProperty({ example: 'micro-credential-review' }) id!: string;
  @ApiProperty({ example: 1 }) version!: number;
}

export class ProposalDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'MC-2026-0007' }) reference!: string;
  @ApiProperty() leadInstitutionId!: string;
  @ApiProperty({ type: [String] }) partnerInstitutionIds!: string[];
  @ApiProperty({ enum: STATES }) state!: string;
  @ApiProperty({ description: '+1 on every change (optimistic concurrency)' }) version!: number;
  @ApiProperty({ description: 'Content revision; +1 on each resubmission' }) revision!: number;
  @ApiProperty({ ...CONTENT_SCHEMA } as never) content!: Record<string, unknown>;
  @ApiProperty({ type: WorkflowRefDto }) workflow!: WorkflowRefDto;
  @ApiProperty({ format: 'uuid' }) createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ type: [PendingPartyDto], description: 'Parties still to act, computed from the machine' })
  pending!: PendingPartyDto[];
  @ApiProperty({ type: [String], description: 'Events you may send now, computed from the machine' })
  availableEvents!: string[];
}

export class ProposalSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'MC-2026-0007' }) reference!: string;
  @ApiProperty({ type: String, nullable: true }) title!: string | null;
  @ApiProperty() leadInstitutionId!: string;
  @ApiProperty({ type: [String] }) partnerInstitutionIds!: string[];
  @ApiProperty({ enum: STATES }) state!: string;
  @ApiProperty({ description: '+1 on every change (optimistic concurrency)' }) version!: number;
  @ApiProperty({ description: 'Content revision; +1 on each resubmission' }) revision!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

/** An inbox item: the list item, who is pending and what the caller may send, and since when it waits. */
export class WaitingProposalDto extends ProposalSummaryDto {
  @ApiProperty({ type: [PendingPartyDto], description: 'Who is expected to act now, with reminder times' })
  pending!: PendingPartyDto[];
  @ApiProperty({ type: [String], description: 'Events the caller may send now' })
  availableEvents!: string[];
  @ApiProperty({ format: 'date-time', description: 'When the proposal entered its current stage' })
  since!: string;
}

export class WaitingProposalPageDto {
  @ApiProperty({ type: [WaitingProposalDto] }) items!: WaitingProposalDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Where to go on from; a page may be short (even empty) and still have one',
  })
  nextCursor!: string | null;
}

export class ProposalPageDto {
  @ApiProperty({ type: [ProposalSummaryDto] }) items!: ProposalSummaryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class HistoryEntryDto {
  @ApiProperty({ description: 'CREATE or the event type' }) event!: string;
  @ApiProperty({ type: String, nullable: true }) fromState!: string | null;
  @ApiProperty() toState!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() version!: number;
  @ApiProperty({ format: 'uuid' }) actorId!: string;
  @ApiProperty() actorInstitutionId!: string;
  @ApiProperty({ enum: ROLES }) actorRole!: string;
  @ApiProperty() at!: string;
  // The decision's payload fields (comment, criteria, …) follow, as the workflow definitions declare
  // them: added to this schema from the definitions in src/app/configure-app.ts.
  [payloadField: string]: unknown;
}

export class FieldChangeDto {
  @ApiProperty({ example: 'ects' }) field!: string;
  @ApiProperty({ enum: ['added', 'removed', 'changed'] }) change!: string;
  @ApiPropertyOptional({ description: 'Value in the earlier revision' }) before?: unknown;
  @ApiPropertyOptional({ description: 'Value in the later revision' }) after?: unknown;
}

export class RevisionDiffDto {
  @ApiProperty() from!: number;
  @ApiProperty() to!: number;
  @ApiProperty({
    type: [FieldChangeDto],
    description: 'Content fields (content.*) and partnerInstitutionIds',
  })
  changes!: FieldChangeDto[];
}
