import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ESCO_SKILL_URI_PATTERN, STRATEGIC_AREAS } from '../../workflows/micro-credential-review/index.js';
import { PageQueryDto } from '../common/pagination.dto.js';

/** A repeated query parameter (`?language=en&language=de`) or a single one, as a list. */
const toList = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Array.isArray(value) ? value : [value];
const toIntList = ({ value }: { value: unknown }) =>
  toList({ value })?.map((v: unknown) => (typeof v === 'string' && /^\d{1,3}$/.test(v) ? Number(v) : v));
const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d{1,3}(\.\d{1,3})?$/.test(value) ? Number(value) : value;

const MAX_VALUES = 20;

export class CatalogueQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    maxLength: 200,
    description:
      'Full-text search over title, summary and learning outcomes (web-search syntax: "phrase", or, -not); titles also match with typos',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ type: [String], enum: STRATEGIC_AREAS, description: 'Repeat for "any of"' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(MAX_VALUES)
  @IsIn(STRATEGIC_AREAS, { each: true })
  strategicArea?: string[];

  @ApiPropertyOptional({ type: [Number], minimum: 1, maximum: 8, description: 'Repeat for "any of"' })
  @IsOptional()
  @Transform(toIntList)
  @IsArray()
  @ArrayMaxSize(MAX_VALUES)
  @IsInt({ each: true, message: 'eqfLevel must be an EQF level from 1 to 8' })
  @Min(1, { each: true })
  @Max(8, { each: true })
  eqfLevel?: number[];

  @ApiPropertyOptional({ minimum: 0, maximum: 999 })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber({}, { message: 'ectsMin must be a number' })
  @Min(0)
  @Max(999)
  ectsMin?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 999 })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber({}, { message: 'ectsMax must be a number' })
  @Min(0)
  @Max(999)
  ectsMax?: number;

  @ApiPropertyOptional({ type: [String], example: ['en'], description: 'ISO 639-1; repeat for "any of"' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(MAX_VALUES)
  @Matches(/^[a-z]{2}$/, { each: true, message: 'language must be an ISO 639-1 code such as en' })
  language?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['cuni'],
    description: 'Lead or partner institution; repeat for "any of"',
  })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(MAX_VALUES)
  @Matches(/^[a-z0-9][a-z0-9-]{1,39}$/, { each: true, message: 'institutionId must be an institution id' })
  institutionId?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'ESCO skill URI of a learning outcome; repeat for "any of"',
  })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(MAX_VALUES)
  @Matches(ESCO_SKILL_URI_PATTERN, {
    each: true,
    message: 'escoSkillUri must be http://data.europa.eu/esco/skill/<uuid>',
  })
  escoSkillUri?: string[];
}

export class CatalogueItemDto {
  @ApiProperty({ example: 'MC-2026-0007' }) reference!: string;
  @ApiProperty() title!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({ example: 5 }) ects!: number;
  @ApiProperty({ example: 7 }) eqfLevel!: number;
  @ApiProperty({ type: [String] }) languages!: string[];
  @ApiProperty({ type: [String] }) strategicAreas!: string[];
  @ApiProperty() leadInstitutionId!: string;
  @ApiProperty({ type: [String] }) partnerInstitutionIds!: string[];
  @ApiProperty({ format: 'date-time' }) publishedAt!: string;
}

export class FacetValueDto {
  @ApiProperty({ description: 'The value, as it is passed back as a filter' }) value!: string;
  @ApiProperty() count!: number;
}

export class CatalogueFacetsDto {
  @ApiProperty({ type: [FacetValueDto] }) strategicArea!: FacetValueDto[];
  @ApiProperty({ type: [FacetValueDto] }) eqfLevel!: FacetValueDto[];
  @ApiProperty({ type: [FacetValueDto], description: 'Counts per ECTS value (use as ectsMin = ectsMax)' })
  ects!: FacetValueDto[];
  @ApiProperty({ type: [FacetValueDto] }) language!: FacetValueDto[];
  @ApiProperty({ type: [FacetValueDto] }) institutionId!: FacetValueDto[];
  @ApiProperty({ type: [FacetValueDto], description: 'The 20 most frequent' }) escoSkillUri!: FacetValueDto[];
}

export class CataloguePageDto {
  @ApiProperty({ type: [CatalogueItemDto] }) items!: CatalogueItemDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
  @ApiProperty({
    type: CatalogueFacetsDto,
    description:
      'Counts for each filter value among the matches of q and of every other filter (a filter does not narrow its own facet)',
  })
  facets!: CatalogueFacetsDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { cuni: 'Charles University' },
    description: 'The name of every institution this page names by id (items and the institution facet)',
  })
  institutions!: Record<string, string>;
}

export class AlignmentDto {
  @ApiProperty({ example: 'CZ' }) country!: string;
  @ApiProperty({ example: 'nau' }) agencyId!: string;
  @ApiProperty({ enum: ['aligned', 'aligned-with-conditions'] }) outcome!: string;
  @ApiProperty({ type: String, nullable: true, example: '7' }) nqfLevel!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Register in the RNCP before offering.',
    description: "The agency's conditions when the outcome is aligned-with-conditions, else null",
  })
  conditions!: string | null;
}

export class StackLinkDto {
  @ApiProperty({ enum: ['micro-credential', 'programme'] }) kind!: string;
  @ApiProperty({ type: String, nullable: true, description: 'MC-… reference (micro-credentials)' })
  reference!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'https URL (external programmes)' })
  url!: string | null;
  @ApiProperty({ type: String, nullable: true }) title!: string | null;
  @ApiProperty({
    enum: ['published', 'retired', 'not-in-catalogue'],
    description: 'Whether the named micro-credential is in the catalogue',
  })
  status!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Its catalogue entry, when it has one' })
  href!: string | null;
}

export class StackabilityDto {
  @ApiProperty({
    type: [StackLinkDto],
    description:
      'What this counts towards: named by this entry, or by an entry that names this one among its parts',
  })
  stacksInto!: StackLinkDto[];
  @ApiProperty({
    type: [StackLinkDto],
    description:
      'What this is built from: named by this entry, or by an entry that names this one in its stacksInto',
  })
  composedOf!: StackLinkDto[];
}

export class ExportLinksDto {
  @ApiProperty({ example: '/api/catalogue/MC-2026-0007/exports/ob3-achievement' }) ob3Achievement!: string;
  @ApiProperty() ob3Endorsement!: string;
  @ApiProperty() elm!: string;
}

export class CatalogueEntryDto extends CatalogueItemDto {
  @ApiProperty({ enum: ['published', 'retired'] }) status!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) retiredAt!: string | null;
  @ApiProperty({ description: 'The published content (EU standard elements; no revenue shares)' })
  content!: Record<string, unknown>;
  @ApiProperty({ type: [AlignmentDto] }) alignments!: AlignmentDto[];
  @ApiProperty({ type: StackabilityDto }) stackability!: StackabilityDto;
  @ApiProperty({ type: ExportLinksDto }) exports!: ExportLinksDto;
  @ApiProperty({ description: 'schema.org Course (JSON-LD) for the public page' })
  schemaOrg!: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { cuni: 'Charles University', nau: 'National Accreditation Bureau' },
    description: 'The name of every institution the entry names by id (lead, partners, agencies)',
  })
  institutions!: Record<string, string>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { cuni: 'CZ', uhd: 'DE' },
    description:
      'The country (ISO 3166-1 alpha-2) of every institution the entry names by id, where it is known: the countries of the awarding bodies',
  })
  countries!: Record<string, string>;
}

export class PathwayNodeDto {
  @ApiProperty({ description: 'The reference, or the URL of an external programme' }) id!: string;
  @ApiProperty({ enum: ['micro-credential', 'programme'] }) kind!: string;
  @ApiProperty({ type: String, nullable: true }) title!: string | null;
  @ApiProperty({ type: Number, nullable: true }) ects!: number | null;
  @ApiProperty({ enum: ['published', 'retired', 'not-in-catalogue'] }) status!: string;
  @ApiProperty() retired!: boolean;
}

export class PathwayEdgeDto {
  @ApiProperty({ description: 'The part' }) from!: string;
  @ApiProperty({ description: 'The whole it counts towards' }) to!: string;
  @ApiProperty({ description: 'Either end is retired' }) retired!: boolean;
}

export class PathwayDto {
  @ApiProperty({ type: [String], description: 'From the smallest part to the largest whole' })
  nodes!: string[];
  @ApiProperty({ description: 'ECTS of the micro-credentials on it' }) totalEcts!: number;
  @ApiProperty({ description: 'It passes through a retired micro-credential' }) retired!: boolean;
}

export class PathwaysDto {
  @ApiProperty() reference!: string;
  @ApiProperty({ type: [PathwayNodeDto] }) nodes!: PathwayNodeDto[];
  @ApiProperty({ type: [PathwayEdgeDto] }) edges!: PathwayEdgeDto[];
  @ApiProperty({ type: [PathwayDto], description: 'Every chain through this micro-credential' })
  pathways!: PathwayDto[];
  @ApiProperty({ description: 'The largest totalEcts of a pathway that is not retired' }) totalEcts!: number;
}
