import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsInt,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { Omittable } from '../common/omittable.js';
import { VISIBLE_CHARACTER } from '../common/visible-text.js';
import { ROLES, type Role } from '../../workflows/types.js';
import { KNOWN_ROLES } from '../auth/auth-user.js';
import { InstitutionDto } from '../institutions/institution.dto.js';
import { clampLimit, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageQueryDto } from '../common/pagination.dto.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_MIX } from '../common/password-policy.js';

const trimLower = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

const PASSWORD_DOC = {
  minLength: PASSWORD_MIN_LENGTH,
  maxLength: PASSWORD_MAX_LENGTH,
  description: 'At least 12 characters, not only letters or only digits',
};

/** The password policy, the same for a new user and a password change; messages name the field. */
export const PasswordPolicy = (field: string) =>
  applyDecorators(
    IsString(),
    MinLength(PASSWORD_MIN_LENGTH, {
      message: `${field} must be at least ${PASSWORD_MIN_LENGTH} characters`,
    }),
    MaxLength(PASSWORD_MAX_LENGTH),
    Matches(PASSWORD_MIX, {
      message: `${field} is too weak: mix letters with digits or symbols`,
    }),
  );

const DisplayName = () =>
  applyDecorators(
    IsString(),
    Length(1, 200),
    Matches(VISIBLE_CHARACTER, { message: 'displayName must not be blank' }),
  );

/** `q` of the user searches: part of a name or e-mail address; an empty search box (`q=`) is no filter. */
const SearchText = () =>
  applyDecorators(
    ApiPropertyOptional({
      maxLength: 200,
      description: 'Part of the display name or e-mail address, any letter case; empty means no filter',
    }),
    IsOptional(),
    Transform(({ value }) => (typeof value === 'string' ? value.trim() || undefined : value)),
    IsString(),
    Length(1, 200, { message: 'q must be at most 200 characters' }),
  );

const RoleList = () =>
  applyDecorators(
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(KNOWN_ROLES.length),
    ArrayUnique(),
    IsIn(KNOWN_ROLES, { each: true, message: `each role must be one of ${KNOWN_ROLES.join(', ')}` }),
  );

export class CreateUserDto {
  @ApiProperty({ example: 'jana.novak@cuni.cz' })
  @Transform(trimLower)
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  email!: string;

  @ApiProperty(PASSWORD_DOC)
  @PasswordPolicy('password')
  password!: string;

  @ApiProperty({ example: 'Jana Novák' })
  @DisplayName()
  displayName!: string;

  @ApiProperty({ example: 'cuni' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{1,39}$/, { message: 'institutionId must be an institution id such as cuni' })
  institutionId!: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['proposer'] })
  @RoleList()
  roles!: Role[];
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty() institutionId!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
  @ApiProperty({ description: 'false: the account is closed (no login, no working token)' })
  active!: boolean;
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
  @ApiProperty({
    description:
      'Whether POST /api/me/deputies is open to you: you hold a review role that can be delegated yourself (not only as a deputy)',
  })
  canNameDeputies!: boolean;
}

export class UserPageDto {
  @ApiProperty({ type: [UserDto] }) items!: UserDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Restrict to one institution (an institution admin may name only its own)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  institutionId?: string;

  @ApiPropertyOptional({ enum: ROLES, description: 'Only users holding this role' })
  @IsOptional()
  @IsIn(KNOWN_ROLES, { message: `role must be one of ${KNOWN_ROLES.join(', ')}` })
  role?: Role;

  @ApiPropertyOptional({ type: Boolean, description: 'true: open accounts only; false: closed ones only' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'active must be true or false' })
  active?: boolean;

  @ApiPropertyOptional({
    type: Boolean,
    description:
      'true: only accounts with no role yet (a first sign-in through the university waits for an admin); false: only accounts with at least one',
  })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'withoutRoles must be true or false' })
  withoutRoles?: boolean;

  @SearchText()
  q?: string;
}

/** What a colleague may see of another: enough to pick them as a deputy, nothing about their account. */
export class ColleagueDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
}

export class ColleaguesDto {
  @ApiProperty({ type: [ColleagueDto] }) items!: ColleagueDto[];
}

export class ColleaguesQueryDto {
  @SearchText()
  q?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    description: 'How many to return; larger values are capped at 100',
  })
  @IsOptional()
  @Transform(clampLimit)
  @IsInt({ message: 'limit must be a positive integer' })
  limit?: number;
}

/** Each field given is set (roles replace the whole list); absent fields stay as they are. */
export class UpdateUserDto {
  @ApiPropertyOptional({ example: 'Jana Nováková' })
  @Omittable()
  @DisplayName()
  displayName?: string;

  @ApiPropertyOptional({ enum: ROLES, isArray: true, example: ['proposer', 'reviewer'] })
  @Omittable()
  @RoleList()
  roles?: Role[];

  @ApiPropertyOptional({
    description:
      'false closes the account: login answers 401 and every token of the user 401 on its next request',
  })
  @Omittable()
  @IsBoolean({ message: 'active must be true or false' })
  active?: boolean;
}

export class ChangePasswordDto {
  @ApiProperty({ maxLength: 1024 })
  @IsString()
  @Length(1, 1024)
  currentPassword!: string;

  @ApiProperty(PASSWORD_DOC)
  @PasswordPolicy('newPassword')
  newPassword!: string;
}

/** An administrator sets a new password for an account (a forgotten password, a locked-out user). */
export class ResetPasswordDto {
  @ApiProperty(PASSWORD_DOC)
  @PasswordPolicy('newPassword')
  newPassword!: string;
}
