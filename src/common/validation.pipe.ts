import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe, type Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { DomainError, FieldProblem } from './domain-error.js';

/** Keys that could reach an object's prototype through class-transformer; refused anywhere in a body. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Deeper than any DTO of ours; stops a 10,000-deep document before recursive code walks it. */
const MAX_DEPTH = 32;
/**
 * A lone UTF-16 surrogate (JSON allows "\ud800") is no Unicode text: jsonb refuses it and the canonical
 * encoding of the audit log cannot hash it. In a `u` regex a lone surrogate is a code point of category Cs.
 */
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * C0 control characters other than tab, line feed and carriage return, and DEL: no text a person
 * types holds them, and a title of only "\u0001" would otherwise pass every length rule.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** class-validator rules about the kind of value; their message comes before any bound's. */
const TYPE_RULES = new Set([
  'isDefined',
  'isString',
  'isNumber',
  'isInt',
  'isBoolean',
  'isArray',
  'isObject',
  'isEnum',
  'isIn',
]);

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const field = parent
      ? /^\d+$/.test(e.property)
        ? `${parent}[${e.property}]`
        : `${parent}.${e.property}`
      : e.property;
    // One message per field: the kind of value when that is wrong ("must be a number", not "must
    // not be greater than 999" for `abc`), else the first rule broken in the order the rules run.
    const constraints = Object.entries(e.constraints ?? {});
    const message = (constraints.find(([rule]) => TYPE_RULES.has(rule)) ?? constraints[0])?.[1];
    if (message !== undefined)
      out.push({ field, message: message.replace(/^property (\S+) should not exist$/, 'unknown field') });
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/** Iterative scan (no recursion, so hostile depth cannot overflow the stack). */
function scanStructure(value: unknown, root: string, controls: boolean): FieldProblem | null {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: '', depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    // PostgreSQL text and jsonb cannot hold U+0000: refuse it here rather than fail at INSERT.
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { field: path || root, message: 'must not contain NUL characters' };
      if (LONE_SURROGATE.test(v)) return { field: path || root, message: 'must be valid Unicode text' };
      if (controls && CONTROL.test(v))
        return { field: path || root, message: 'must not contain control characters' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_DEPTH) return { field: path || root, message: `nested deeper than ${MAX_DEPTH} levels` };
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    for (const key of Object.keys(v)) {
      const p = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) return { field: p, message: 'forbidden field name' };
      if (key.includes('\u0000') || LONE_SURROGATE.test(key) || (controls && CONTROL.test(key)))
        return {
          field: path || root,
          message: 'field names must be valid Unicode text without control characters',
        };
      stack.push({ v: (v as Record<string, unknown>)[key], path: p, depth: depth + 1 });
    }
  }
  return null;
}

/**
 * An empty query parameter means the parameter was not given: `?state=&limit=` is what a form or a
 * client that always sends every field sends for "no filter". Empty values in a repeated parameter
 * (`?language=&language=fr`) and parameters without a name (`?=x`) are dropped too.
 */
export function withoutBlanks(query: unknown): unknown {
  if (query === null || typeof query !== 'object' || Array.isArray(query)) return query;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(query)) {
    // `?=x` names no parameter: there is nothing to apply it to.
    if (v === '' || key === '') continue;
    if (Array.isArray(v)) {
      const kept = v.filter((x) => x !== '');
      if (kept.length === 0) continue;
      out[key] = kept.length === 1 ? kept[0] : kept;
    } else out[key] = v;
  }
  return out;
}

const TRANSFORM_OPTIONS = { enableImplicitConversion: false };

const isEmptyObject = (value: unknown): boolean => {
  if (value === null || typeof value !== 'object') return false;
  for (const _ in value) return false;
  return true;
};

/**
 * Global validation: whitelist + forbidNonWhitelisted (unknown fields are refused), transform, nested
 * DTOs, and errors that name every field. Bodies are screened for prototype keys and depth first.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  /**
   * Query DTOs known to accept an empty query. Whether `{}` passes depends only on the class (no
   * query DTO of ours has a validator that reads the clock or other state; keep it so), so a list's
   * first page (no parameters) skips class-validator once one such request has passed.
   * Validation was about 4% of the notifications route's CPU in a profile (bench P7).
   */
  private readonly emptyQueryPasses = new WeakSet<Type>();

  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      // Every rule runs, so that flatten can prefer the kind-of-value rule (with stopAtFirstError the
      // rule registered first stops the run: `abc` for a number got "must not be greater than 999").
      stopAtFirstError: false,
      transform: true,
      transformOptions: TRANSFORM_OPTIONS,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => {
        const problems = flatten(errors);
        return new DomainError(
          'validation-failed',
          problems.map((p) => `${p.field}: ${p.message}`).join('; ') || 'Invalid request',
          problems,
        );
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const queryDto = metadata.type === 'query' && metadata.metatype && metadata.metatype !== Object;
    if (queryDto) {
      value = withoutBlanks(value);
      if (isEmptyObject(value)) {
        const dto = metadata.metatype as Type;
        if (this.emptyQueryPasses.has(dto)) return plainToInstance(dto, {}, TRANSFORM_OPTIONS);
        const result = await super.transform(value, metadata);
        this.emptyQueryPasses.add(dto);
        return result;
      }
    }
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      if (
        metadata.type === 'body' &&
        metadata.metatype &&
        metadata.metatype !== Object &&
        (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value))
      ) {
        throw new DomainError('validation-failed', 'Request body must be a JSON object', [
          { field: 'body', message: 'must be a JSON object' },
        ]);
      }
      // A bad path or query value, or a bad query key, is named by the parameter (or `query`, `body`).
      // An untyped body (a credential to verify) is a document we only read, never store: a comment we
      // signed years ago may hold a control character and must still verify.
      const untypedBody = metadata.type === 'body' && (!metadata.metatype || metadata.metatype === Object);
      const bad = scanStructure(value, metadata.data ?? metadata.type, !untypedBody);
      if (bad) throw new DomainError('validation-failed', `${bad.field}: ${bad.message}`, [bad]);
    }
    return super.transform(value, metadata);
  }
}
