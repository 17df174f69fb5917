import { describe, expect, it } from '@jest/globals';
import { namesTag, noneMatch } from '../../src/catalogue/catalogue.controller.js';
import { withoutBlanks } from '../../src/common/validation.pipe.js';
import { VISIBLE_CHARACTER } from '../../src/common/visible-text.js';

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
