import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
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
  MinLength,
  ValidateIf,
  ValidateNested,
  type ValidationArguments,
  registerDecorator,
} from 'class-validator';
import {
  AGENCY_OUTCOMES,
  CRITERION_RESULTS,
  REVIEW_EVENT_TYPES,
  REVIEW_STATES,
} from '../../workflows/micro-credential-review/index.js';
import { ROLES } from '../../workflows/types.js';
import { PageQueryDto } from '../common/pagination.dto.js';
import { CONTENT_SCHEMA } from './content.schema.js';

const SLUG = /^[a-z0-9][a-z0-9-]{1,39}$/;
const MAX_PARTNERS = 20;
export const MAX_COMMENT = 20_000;

export class CreateProposalDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['uhd', 'su'],
    maxItems: MAX_PARTNERS,
    description: 'Partner institutions (at least one at submission, never the lead)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PARTNERS)
  @IsString({ each: true })
  @Matches(SLUG, { each: true, message: 'each partnerInstitutionIds entry must be an institution id' })
  partnerInstitutionIds?: string[];

  @ApiPropertyOptional({ ...CONTENT_SCHEMA } as never)
  @IsOptional()
  @IsObject()
  content?: Record<string, unknown>;
}

export class UpdateProposalDto extends CreateProposalDto {
  @ApiPropertyOptional({
    minimum: 1,
    description: "The proposal's version you read; 409 if it has changed since",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class CriterionAssessmentDto {
  @ApiProperty({ example: 'eu-quality' })
  @IsString()
  @MaxLength(80)
  criterion!: string;

  @ApiProperty({ enum: CRITERION_RESULTS })
  @IsIn(CRITERION_RESULTS)
  result!: string;

  @ApiPropertyOptional({ maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  note?: string;
}

const COMMENT_REQUIRED = [
  'PARTNER_REQUEST_CHANGES',
  'QUALITY_REQUEST_CHANGES',
  'QUALITY_REJECT',
  'AGENCY_FLAG',
  'RETIRE',
];

/** Refuses a field that has no meaning for this event type (rather than silently ignoring it). */
function OnlyFor(types: string[]) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'onlyFor',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          value === undefined || types.includes((args.object as { type?: string }).type ?? ''),
        defaultMessage: () => `only allowed with ${types.join(' or ')}`,
      },
    });
}

export class ProposalEventDto {
  @ApiProperty({
    enum: REVIEW_EVENT_TYPES,
    description: 'The event; which ones you may send now is in availableEvents',
  })
  @IsString()
  @Matches(/^[A-Z][A-Z_]{0,39}$/, { message: 'type must be an event name such as PARTNER_APPROVE' })
  type!: string;

  @ApiPropertyOptional({ maxLength: MAX_COMMENT, description: `Required for ${COMMENT_REQUIRED.join(', ')}` })
  @ValidateIf((o: ProposalEventDto) => o.comment !== undefined || COMMENT_REQUIRED.includes(o.type))
  @IsString({ message: 'comment is required for this event' })
  @Matches(/\S/, { message: 'comment must not be blank' })
  @MaxLength(MAX_COMMENT)
  comment?: string;

  @ApiPropertyOptional({
    type: [CriterionAssessmentDto],
    description: 'QUALITY_APPROVE: every criterion of GET /api/quality-criteria, none not-met',
  })
  @OnlyFor(['QUALITY_APPROVE'])
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => CriterionAssessmentDto)
  criteria?: CriterionAssessmentDto[];

  @ApiPropertyOptional({ enum: AGENCY_OUTCOMES, description: 'Required for AGENCY_CONFIRM' })
  @OnlyFor(['AGENCY_CONFIRM'])
  @ValidateIf((o: ProposalEventDto) => o.outcome !== undefined || o.type === 'AGENCY_CONFIRM')
  @IsIn(AGENCY_OUTCOMES, { message: `outcome must be one of ${AGENCY_OUTCOMES.join(', ')}` })
  outcome?: string;

  @ApiPropertyOptional({
    maxLength: MAX_COMMENT,
    description: 'Required when outcome is aligned-with-conditions',
  })
  @OnlyFor(['AGENCY_CONFIRM'])
  @ValidateIf((o: ProposalEventDto) => o.conditions !== undefined || o.outcome === 'aligned-with-conditions')
  @IsString({ message: 'conditions are required when outcome is aligned-with-conditions' })
  @Matches(/\S/, { message: 'conditions must not be blank' })
  @MaxLength(MAX_COMMENT)
  conditions?: string;

  @ApiPropertyOptional({
    maxLength: 50,
    description: "Level in the country's qualifications framework",
    example: '6',
  })
  @OnlyFor(['AGENCY_CONFIRM'])
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(50)
  nqfLevel?: string;

  @ApiPropertyOptional({ maxLength: 100, description: "The agency's file number" })
  @OnlyFor(['AGENCY_CONFIRM'])
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  reference?: string;

  @ApiPropertyOptional({
    minimum: 1,
    description: "The proposal's version you read; 409 if it has changed since",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class ListProposalsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: REVIEW_STATES })
  @IsOptional()
  @IsIn(REVIEW_STATES)
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
  @ApiProperty({ enum: ['lead', 'partner', 'quality', 'agency', 'publisher'] }) kind!: string;
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
  @ApiProperty({ enum: REVIEW_STATES }) state!: string;
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
  @ApiProperty() reference!: string;
  @ApiProperty({ type: String, nullable: true }) title!: string | null;
  @ApiProperty() leadInstitutionId!: string;
  @ApiProperty({ type: [String] }) partnerInstitutionIds!: string[];
  @ApiProperty({ enum: REVIEW_STATES }) state!: string;
  @ApiProperty() version!: number;
  @ApiProperty() revision!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
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
  @ApiPropertyOptional({ type: String, nullable: true }) comment?: string | null;
  @ApiPropertyOptional({ type: [CriterionAssessmentDto], nullable: true }) criteria?: unknown;
  @ApiPropertyOptional({ type: String, nullable: true }) outcome?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) conditions?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) nqfLevel?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) reference?: string | null;
  @ApiProperty() at!: string;
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
