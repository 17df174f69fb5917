import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { PasswordPolicy } from '../users/user.dto.js';

export class PasswordResetConfigDto {
  @ApiProperty({ description: 'Whether reset links can be e-mailed (SMTP_URL is set)' }) enabled!: boolean;
  @ApiProperty({ description: 'How long a link works, in minutes' }) minutes!: number;
}

export class RequestPasswordResetDto {
  @ApiProperty({ example: 'jana.novak@cuni.cz' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  email!: string;
}

export class ConfirmPasswordResetDto {
  @ApiProperty({ description: 'The token from the link in the e-mail' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'token must be the token from the e-mail link' })
  token!: string;

  @ApiProperty({ description: 'At least 12 characters, not only letters or only digits' })
  @PasswordPolicy('newPassword')
  newPassword!: string;
}
