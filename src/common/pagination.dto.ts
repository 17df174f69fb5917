import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, MaxLength } from 'class-validator';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/**
 * Clamps page sizes instead of refusing them: `limit=1000000000` gets the maximum page, `limit=0` or
 * `limit=-3` a page of one. Anything that is not a whole number stays as sent, for IsInt to refuse, so
 * the range checks need no decorators of their own (and `abc` gets one message, not three).
 */
export const clampLimitTo =
  (max: number) =>
  ({ value }: { value: unknown }) => {
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string' || !/^-?\d{1,20}$/.test(value)) return value;
    return Math.min(Math.max(Number(value), 1), max);
  };
export const clampLimit = clampLimitTo(MAX_PAGE_SIZE);

export class PageQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    description: 'Page size; larger values are capped at 100',
  })
  @IsOptional()
  @Transform(clampLimit)
  @IsInt({ message: 'limit must be a positive integer' })
  limit?: number;

  @ApiPropertyOptional({ description: "Opaque cursor from the previous page's nextCursor" })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}
