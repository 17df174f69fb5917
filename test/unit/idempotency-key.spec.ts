import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DomainError } from '../../src/common/domain-error.js';
import {
  MAX_KEY_LENGTH,
  parseIdempotencyKey,
  requestFingerprint,
} from '../../src/idempotency/idempotency-key.js';
import { checkPartnerIds } from '../../workflows/micro-credential-review/content.js';

function refusal(header: string | string[]): DomainError {
  try {
    parseIdempotencyKey(header);
  } catch (e) {
    return e as DomainError;
  }
  throw new Error(`accepted ${JSON.stringify(header)}`);
}

describe('Idempotency-Key header', () => {
  it('is absent when the request has no header', () => {
    expect(parseIdempotencyKey(undefined)).toBeNull();
  });

  it('reads a quoted structured-field string, unescaping \\" and \\\\', () => {
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toBe(
      '8e03978e-40d5-43e8-bc93-6894a57f9324',
    );
    expect(parseIdempotencyKey('"a \\"quoted\\" key \\\\ here"')).toBe('a "quoted" key \\ here');
    expect(parseIdempotencyKey('  "padded"  ')).toBe('padded');
  });

  it('accepts a bare token, also one starting with a digit like a UUID', () => {
    expect(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe(
      '8e03978e-40d5-43e8-bc93-6894a57f9324',
    );
    expect(parseIdempotencyKey('order:42/retry~1')).toBe('order:42/retry~1');
  });

  it.each([
    ['an empty quoted string', '""'],
    ['an unterminated string', '"abc'],
    ['text after the closing quote', '"abc";x=1'],
    ['an escape other than \\" or \\\\', '"a\\nb"'],
    ['a non-ASCII character', '"clé"'],
    ['a control character', '"a\tb"'],
    ['a bare value with a space', 'two words'],
    ['a list of keys', '"a", "b"'],
    ['an empty value', ''],
  ])('refuses %s with a 400 naming the header', (_name, header) => {
    const e = refusal(header);
    expect(e.code).toBe('validation-failed');
    expect(e.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
  });

  it(`bounds the key at ${MAX_KEY_LENGTH} characters after unquoting`, () => {
    expect(parseIdempotencyKey(`"${'k'.repeat(MAX_KEY_LENGTH)}"`)).toHaveLength(MAX_KEY_LENGTH);
    expect(refusal(`"${'k'.repeat(MAX_KEY_LENGTH + 1)}"`).code).toBe('validation-failed');
    expect(refusal('k'.repeat(MAX_KEY_LENGTH + 1)).code).toBe('validation-failed');
  });

  it('refuses the header sent twice', () => {
    expect(refusal(['"a"', '"b"']).code).toBe('validation-failed');
  });

  it('round-trips any printable ASCII key through sf-string quoting', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
          minLength: 1,
          maxLength: MAX_KEY_LENGTH,
        }),
        (key) => {
          const quoted = `"${key.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
          expect(parseIdempotencyKey(quoted)).toBe(key);
        },
      ),
    );
  });
});

describe('request fingerprint', () => {
  const body = { content: { title: 'A', ects: 5 }, partnerInstitutionIds: ['uhd'] };

  it('is the same for the same method, path and body, whatever the member order', () => {
    const reordered = { partnerInstitutionIds: ['uhd'], content: { ects: 5, title: 'A' } };
    expect(requestFingerprint('post', '/api/proposals', body)).toEqual(
      requestFingerprint('POST', '/api/proposals', reordered),
    );
  });

  it('differs when the body, the path or the method differs', () => {
    const base = requestFingerprint('POST', '/api/proposals', body);
    expect(base).toHaveLength(32);
    expect(requestFingerprint('POST', '/api/proposals', { ...body, content: { title: 'B' } })).not.toEqual(
      base,
    );
    expect(requestFingerprint('POST', '/api/proposals/x/events', body)).not.toEqual(base);
    expect(requestFingerprint('PATCH', '/api/proposals', body)).not.toEqual(base);
    expect(requestFingerprint('POST', '/api/proposals', undefined)).toEqual(
      requestFingerprint('POST', '/api/proposals', null),
    );
  });
});

describe('partners at every save', () => {
  const institutions = [
    { id: 'cuni', kind: 'university' },
    { id: 'uhd', kind: 'university' },
    { id: '4euplus', kind: 'alliance' },
    { id: 'nau', kind: 'agency' },
  ];

  it('accepts known universities other than the lead', () => {
    expect(checkPartnerIds(['uhd'], 'cuni', institutions)).toEqual({ problems: [], valid: ['uhd'] });
  });

  it('names each unknown, non-university, lead or repeated entry by its index', () => {
    const { problems } = checkPartnerIds(
      ['nowhere', '4euplus', 'nau', 'cuni', 'uhd', 'uhd'],
      'cuni',
      institutions,
    );
    expect(problems.map((p) => p.field)).toEqual([
      'partnerInstitutionIds[0]',
      'partnerInstitutionIds[1]',
      'partnerInstitutionIds[2]',
      'partnerInstitutionIds[3]',
      'partnerInstitutionIds[5]',
    ]);
    expect(problems[0].message).toBe('unknown institution "nowhere"');
    expect(problems[1].message).toBe('"4euplus" is not a university (kind alliance)');
  });
});
