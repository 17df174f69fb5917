import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, IsUUID } from 'class-validator';
import { ROLES, type Role } from '../../workflows/types.js';

export class CreateDeputyDto {
  @ApiProperty({ format: 'uuid', description: 'A colleague of your institution' })
  @IsUUID('all', { message: 'userId must be a user id (uuid)' })
  userId!: string;

  @ApiProperty({ example: '2026-07-01T00:00:00Z', description: 'Start of the period (ISO 8601 date-time)' })
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  from!: string;

  @ApiProperty({
    example: '2026-07-31T23:59:59Z',
    description: 'End of the period; after `from`, in the future',
  })
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  to!: string;
}

export class DeputyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'Who named the deputy' }) principalId!: string;
  @ApiProperty({ description: "The principal's display name" }) principalName!: string;
  @ApiProperty({ format: 'uuid', description: 'Who acts for the principal' }) deputyId!: string;
  @ApiProperty({ description: "The deputy's display name" }) deputyName!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ description: 'The period is running now' }) active!: boolean;
  @ApiProperty({
    enum: ROLES,
    isArray: true,
    description: "The principal's review roles the deputy acts with (as of now)",
  })
  roles!: Role[];
}

export class DeputiesDto {
  @ApiProperty({ type: [DeputyDto], description: 'Deputies you named' }) items!: DeputyDto[];
  @ApiProperty({ type: [DeputyDto], description: 'Colleagues you stand in for' }) deputyFor!: DeputyDto[];
}
