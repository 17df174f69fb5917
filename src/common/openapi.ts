import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

export class FieldProblemDto {
  @ApiProperty({ example: 'content.ects' }) field!: string;
  @ApiProperty({ example: 'must be a multiple of 0.5' }) message!: string;
}

export class ProblemDto {
  @ApiProperty({ example: 'urn:microcred:problem:validation-failed' }) type!: string;
  @ApiProperty({ example: 'Bad Request' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiProperty({ example: 'content.ects: must be a multiple of 0.5' }) detail!: string;
  @ApiPropertyOptional({ type: [FieldProblemDto] }) errors?: FieldProblemDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed or invalid input; `errors` names each field',
  401: 'Missing, invalid or expired access token',
  403: 'Your role or institution may not do this',
  404: 'No such resource, or not visible to you',
  409: 'Not allowed in the current state, already decided, or `expectedVersion` is stale',
  413: 'Body over 1 MB',
  422: 'Well-formed but refused by a workflow rule; `errors` lists every problem',
  429: 'Too many requests',
  503: 'A backing service is unavailable; nothing was changed',
};

/** Documents problem+json answers of an operation. */
export const ProblemResponses = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } },
      }),
    ),
  );
