import { describe, expect, it, jest } from '@jest/globals';
import { namesTag, noneMatch } from '../../src/catalogue/catalogue.controller.js';
import { ArrayMaxSize, IsArray, IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { AppValidationPipe, withoutBlanks } from '../../src/common/validation.pipe.js';
import { VISIBLE_CHARACTER } from '../../src/common/visible-text.js';
import { ChangePasswordDto } from '../../src/users/user.dto.js';

describe('empty query parameters', () => {
  it('are dropped, so an empty filter means no filter', () => {
    expect(withoutBlanks({ state: '', institutionId: 'cuni', limit: '' })).toEqual({ institutionId: 'cuni' });
  });

  it('are dropped from a repeated parameter, which keeps one value as a plain value', () => {
    expect(withoutBlanks({ language: ['', 'fr'], area: ['a', '', 'b'], eqfLevel: ['', ''] })).toEqual({
      language: 'fr',
      area: ['a', 'b'],
    });
  });

  it('leave other values, whitespace included, for validation to judge', () => {
    expect(withoutBlanks({ q: ' ', limit: '0', active: 'false' })).toEqual({
      q: ' ',
      limit: '0',
      active: 'false',
    });
    expect(withoutBlanks(undefined)).toBeUndefined();
  });
});

describe('If-None-Match', () => {
  const etag = '"c7-abc"';

  it('names a tag by weak comparison, in a list', () => {
    expect(namesTag('"x", W/"c7-abc"', etag)).toBe(true);
    expect(namesTag('"c7-abd"', etag)).toBe(false);
    expect(namesTag(undefined, etag)).toBe(false);
  });

  it('counts `*` as a match only where the answer is known to exist (noneMatch), never as a named tag', () => {
    expect(namesTag('*', etag)).toBe(false);
    expect(noneMatch(' * ', etag)).toBe(true);
    expect(noneMatch('"c7-abc"', etag)).toBe(true);
    expect(noneMatch('"other"', etag)).toBe(false);
  });
});

describe('names', () => {
  it('need one character a reader can see; zero-width and format characters do not count', () => {
    for (const name of ['Jana Nováková', 'X', '東京大学', '4EU+', 'Ł'])
      expect(VISIBLE_CHARACTER.test(name)).toBe(true);
    for (const name of ['   ', '\u200b', '\ufeff\u202e', '\u00a0\u2060'])
      expect(VISIBLE_CHARACTER.test(name)).toBe(false);
  });
});

class OptionalQuery {
  @IsOptional()
  @IsInt()
  limit?: number;
}

class RequiredQuery {
  @IsString()
  from!: string;
}

describe('an empty query', () => {
  const pipe = new AppValidationPipe();
  const query = (metatype: new () => object) => ({ type: 'query' as const, metatype, data: undefined });

  it('is validated once per DTO, then answered with a fresh instance equal to what validation gave', async () => {
    const fresh = new AppValidationPipe();
    const validate = jest.spyOn(fresh as unknown as { validate: () => unknown }, 'validate');
    const first = await fresh.transform({}, query(OptionalQuery));
    const second = await fresh.transform({ limit: '' }, query(OptionalQuery));
    expect(validate).toHaveBeenCalledTimes(1);
    expect(first).toBeInstanceOf(OptionalQuery);
    expect(second).toBeInstanceOf(OptionalQuery);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
  });

  it('is refused every time by a DTO with a required parameter, naming it', async () => {
    for (let i = 0; i < 2; i++) {
      await expect(pipe.transform({}, query(RequiredQuery))).rejects.toMatchObject({
        code: 'validation-failed',
        errors: [expect.objectContaining({ field: 'from' })],
      });
    }
  });

  it('does not let a non-empty query skip validation', async () => {
    await pipe.transform({}, query(OptionalQuery));
    await expect(pipe.transform({ limit: 'x' }, query(OptionalQuery))).rejects.toMatchObject({
      code: 'validation-failed',
    });
    await expect(pipe.transform({ other: '1' }, query(OptionalQuery))).rejects.toMatchObject({
      code: 'validation-failed',
    });
  });
});

class BoundedBody {
  @IsNumber({}, { message: 'level must be a number' })
  @Min(1)
  @Max(8)
  level!: number;

  @IsArray()
  @ArrayMaxSize(3)
  ids!: string[];
}

describe('validation messages', () => {
  const pipe = new AppValidationPipe();
  const body = { type: 'body' as const, metatype: BoundedBody, data: undefined };

  it('call a value of the wrong kind that, not a bound it also breaks', async () => {
    await expect(pipe.transform({ level: 'abc', ids: 'x' }, body)).rejects.toMatchObject({
      errors: [
        { field: 'level', message: 'level must be a number' },
        { field: 'ids', message: 'ids must be an array' },
      ],
    });
  });

  it('give one message per field, the bound it breaks once the type is right', async () => {
    await expect(pipe.transform({ level: 9, ids: ['a', 'b', 'c', 'd'] }, body)).rejects.toMatchObject({
      errors: [
        { field: 'level', message: 'level must not be greater than 8' },
        { field: 'ids', message: 'ids must contain no more than 3 elements' },
      ],
    });
  });

  it('keep the order of a composed rule set: a short password is too short before it is too weak', async () => {
    const dto = { type: 'body' as const, metatype: ChangePasswordDto, data: undefined };
    await expect(pipe.transform({ currentPassword: 'x', newPassword: 'short' }, dto)).rejects.toMatchObject({
      errors: [{ field: 'newPassword', message: 'newPassword must be at least 12 characters' }],
    });
  });
});
