import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsString, MaxLength } from 'class-validator';
import { Omittable } from '../common/omittable.js';
import { InstitutionDto } from './institution.dto.js';

export class UpdateInstitutionDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['cuni.cz'],
    description:
      'Alliance admin only. Home-organisation domains (`schac_home_organization`) whose people belong here; replaces the list. A domain belongs to one institution at most.',
  })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(253, { each: true })
  domains?: string[];

  @ApiPropertyOptional({
    description:
      'Admin of this institution or alliance admin. true: its users sign in only with their university account (needs OIDC_ISSUER).',
  })
  @Omittable()
  @IsBoolean()
  passwordLoginDisabled?: boolean;
}

export class InstitutionSettingsDto extends InstitutionDto {
  @ApiProperty({ type: [String], example: ['cuni.cz'] }) declare domains: string[];
  @ApiProperty() declare passwordLoginDisabled: boolean;
}
