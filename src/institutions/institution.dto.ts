import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO31661Alpha2, IsString, Length, Matches } from 'class-validator';
import { VISIBLE_CHARACTER } from '../common/visible-text.js';
import { INSTITUTION_KINDS, ROLES, type InstitutionKind, type Role } from '../../workflows/types.js';

const CREATABLE_KINDS = ['university', 'agency'] as const;
const COUNTRY_MESSAGE =
  'country must be an ISO 3166-1 alpha-2 code such as IT (Greece is GR, the United Kingdom GB)';

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
  @Matches(VISIBLE_CHARACTER, { message: 'name must not be blank' })
  name!: string;

  // There is one alliance office (`4euplus`, seeded): its users hold alliance-wide powers, so no other
  // institution may be created with that kind.
  @ApiProperty({ enum: CREATABLE_KINDS })
  @IsIn(CREATABLE_KINDS, { message: `kind must be one of ${CREATABLE_KINDS.join(', ')}` })
  kind!: Exclude<InstitutionKind, 'alliance'>;

  // An assigned ISO code, not the EU's own abbreviations (EL, UK): the credential exports name the
  // country by the EU authority table, which is keyed by ISO, so an EU-style code would drop it.
  @ApiProperty({
    example: 'IT',
    description: 'ISO 3166-1 alpha-2, upper case (Greece is GR, the United Kingdom GB)',
  })
  @Matches(/^[A-Z]{2}$/, { message: COUNTRY_MESSAGE })
  @IsISO31661Alpha2({ message: COUNTRY_MESSAGE })
  country!: string;
}

export class InstitutionDto {
  @ApiProperty({ example: 'cuni' }) id!: string;
  @ApiProperty({ example: 'Charles University' }) name!: string;
  @ApiProperty({ enum: INSTITUTION_KINDS }) kind!: InstitutionKind;
  @ApiProperty({ example: 'CZ', nullable: true, type: String }) country!: string | null;
  @ApiPropertyOptional({ type: [String], example: ['cuni.cz'], description: 'Home-organisation domains' })
  domains?: string[];
  @ApiPropertyOptional({ description: 'true: its users sign in only with their university account' })
  passwordLoginDisabled?: boolean;
  @ApiPropertyOptional({
    enum: ROLES,
    isArray: true,
    description: "Roles its users can be given (the workflow definitions' roles for its kind)",
  })
  roles?: Role[];
}
