import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { ROLES, type Role } from '../../workflows/types.js';
import { InstitutionDto } from '../institutions/institution.dto.js';
import { PageQueryDto } from '../common/pagination.dto.js';

const trimLower = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

export class CreateUserDto {
  @ApiProperty({ example: 'jana.novak@cuni.cz' })
  @Transform(trimLower)
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  email!: string;

  @ApiProperty({
    minLength: 12,
    maxLength: 128,
    description: 'At least 12 characters, not only letters or only digits',
  })
  @IsString()
  @MinLength(12, { message: 'password must be at least 12 characters' })
  @MaxLength(128)
  @Matches(/^(?![a-zA-Z]+$)(?!\d+$)(?!(.)\1+$)/s, {
    message: 'password is too weak: mix letters with digits or symbols',
  })
  password!: string;

  @ApiProperty({ example: 'Jana Novák' })
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: 'displayName must not be blank' })
  displayName!: string;

  @ApiProperty({ example: 'cuni' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{1,39}$/, { message: 'institutionId must be an institution id such as cuni' })
  institutionId!: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['proposer'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true, message: `each role must be one of ${ROLES.join(', ')}` })
  roles!: Role[];
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty() institutionId!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class ActingForDto {
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ format: 'uuid', description: 'The user this role is held for, as their deputy' })
  onBehalfOf!: string;
}

export class MeDto extends UserDto {
  @ApiProperty({ type: InstitutionDto }) institution!: InstitutionDto;
  @ApiProperty({
    description: 'No roles (own or as a deputy): the account waits for an administrator to grant roles',
  })
  waitingForRoles!: boolean;
  @ApiProperty({ type: [ActingForDto], description: 'Review roles held right now as a deputy' })
  actingFor!: ActingForDto[];
}

export class UserPageDto {
  @ApiProperty({ type: [UserDto] }) items!: UserDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Alliance admins only: restrict to one institution' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  institutionId?: string;
}
