import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { INSTITUTION_KINDS, type InstitutionKind } from '../../workflows/types.js';

export class CreateInstitutionDto {
  @ApiProperty({
    example: 'ubo',
    description: 'Short slug: lowercase letters, digits and hyphens, 2..40 characters',
  })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{1,39}$/, {
    message: 'id must be a slug of 2..40 lowercase letters, digits or hyphens',
  })
  id!: string;

  @ApiProperty({ example: 'University of Bologna' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: INSTITUTION_KINDS })
  @IsIn(INSTITUTION_KINDS)
  kind!: InstitutionKind;

  @ApiPropertyOptional({
    example: 'IT',
    description: 'ISO 3166-1 alpha-2; required for universities and agencies',
    nullable: true,
  })
  @ValidateIf((o: CreateInstitutionDto) => o.kind !== 'alliance' || o.country !== undefined)
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as IT' })
  country?: string;
}

export class InstitutionDto {
  @ApiProperty({ example: 'cuni' }) id!: string;
  @ApiProperty({ example: 'Charles University' }) name!: string;
  @ApiProperty({ enum: INSTITUTION_KINDS }) kind!: InstitutionKind;
  @ApiProperty({ example: 'CZ', nullable: true, type: String }) country!: string | null;
}
