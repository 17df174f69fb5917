// Content rules of a micro-credential proposal (DESIGN.md section 4, "Content").
// Pure functions: no xstate, no I/O, so the HTTP layer, the machine's guards and the tests share them.
import type { InstitutionRef, Problem } from '../types.js';
import { isIscedFCode } from './isced-f.js';

export const CONTENT_FIELDS = [
  'title',
  'summary',
  'learningOutcomes',
  'ects',
  'workloadHours',
  'eqfLevel',
  'assessment',
  'participationForm',
  'languages',
  'targetGroups',
  'strategicAreas',
  'qualityAssurance',
  'prerequisites',
  'stackability',
  'revenueShares',
  'thematicArea',
] as const;
export type ContentField = (typeof CONTENT_FIELDS)[number];

export const REQUIRED_CONTENT_FIELDS = [
  'title',
  'summary',
  'learningOutcomes',
  'ects',
  'eqfLevel',
  'assessment',
  'participationForm',
  'languages',
  'targetGroups',
  'strategicAreas',
  'qualityAssurance',
  // Required at SUBMIT from credential exports on (ELM thematic area); proposals approved before
  // it existed stay valid and their exports fall back to ISCED-F 9999 "field unknown".
  'thematicArea',
] as const satisfies readonly ContentField[];

export const LEARNING_OUTCOME_FIELDS = ['description', 'escoSkillUri'] as const;
export const ASSESSMENT_FIELDS = ['type', 'description'] as const;
export const STACKABILITY_FIELDS = ['stacksInto', 'composedOf'] as const;
export const REVENUE_SHARE_FIELDS = ['institutionId', 'percent'] as const;

export const ASSESSMENT_TYPES = [
  'written-exam',
  'oral-exam',
  'project',
  'portfolio',
  'presentation',
  'practical',
  'mixed',
] as const;
export type AssessmentType = (typeof ASSESSMENT_TYPES)[number];

export const PARTICIPATION_FORMS = ['online', 'onsite', 'blended'] as const;
export type ParticipationForm = (typeof PARTICIPATION_FORMS)[number];

export const TARGET_GROUPS = ['bachelor', 'master', 'doctoral', 'professional'] as const;
export type TargetGroup = (typeof TARGET_GROUPS)[number];

export const STRATEGIC_AREAS = [
  'multilingualism',
  'critical-thinking',
  'data-literacy',
  'social-engagement',
  'entrepreneurship',
] as const;
export type StrategicArea = (typeof STRATEGIC_AREAS)[number];

/** ISO 639-1 (two-letter) language codes, so `languages` holds real languages, not any two letters. */
export const ISO_639_1_CODES = [
  'aa', 'ab', 'ae', 'af', 'ak', 'am', 'an', 'ar', 'as', 'av', 'ay', 'az', 'ba', 'be', 'bg', 'bh', 'bi',
  'bm', 'bn', 'bo', 'br', 'bs', 'ca', 'ce', 'ch', 'co', 'cr', 'cs', 'cu', 'cv', 'cy', 'da', 'de', 'dv',
  'dz', 'ee', 'el', 'en', 'eo', 'es', 'et', 'eu', 'fa', 'ff', 'fi', 'fj', 'fo', 'fr', 'fy', 'ga', 'gd',
  'gl', 'gn', 'gu', 'gv', 'ha', 'he', 'hi', 'ho', 'hr', 'ht', 'hu', 'hy', 'hz', 'ia', 'id', 'ie', 'ig',
  'ii', 'ik', 'io', 'is', 'it', 'iu', 'ja', 'jv', 'ka', 'kg', 'ki', 'kj', 'kk', 'kl', 'km', 'kn', 'ko',
  'kr', 'ks', 'ku', 'kv', 'kw', 'ky', 'la', 'lb', 'lg', 'li', 'ln', 'lo', 'lt', 'lu', 'lv', 'mg', 'mh',
  'mi', 'mk', 'ml', 'mn', 'mr', 'ms', 'mt', 'my', 'na', 'nb', 'nd', 'ne', 'ng', 'nl', 'nn', 'no', 'nr',
  'nv', 'ny', 'oc', 'oj', 'om', 'or', 'os', 'pa', 'pi', 'pl', 'ps', 'pt', 'qu', 'rm', 'rn', 'ro', 'ru',
  'rw', 'sa', 'sc', 'sd', 'se', 'sg', 'si', 'sk', 'sl', 'sm', 'sn', 'so', 'sq', 'sr', 'ss', 'st', 'su',
  'sv', 'sw', 'ta', 'te', 'tg', 'th', 'ti', 'tk', 'tl', 'tn', 'to', 'tr', 'ts', 'tt', 'tw', 'ty', 'ug',
  'uk', 'ur', 'uz', 've', 'vi', 'vo', 'wa', 'wo', 'xh', 'yi', 'yo', 'za', 'zh', 'zu',
] as const; // prettier-ignore
const ISO_639_1 = new Set<string>(ISO_639_1_CODES);

/** Size caps applied at every save, so a draft can never grow without bound. */
export const CONTENT_LIMITS = {
  maxStringLength: 20_000,
  maxArrayItems: 100,
} as const;

/** Submission rules that are fixed by the alliance (the ECTS range itself is configuration). */
export const SUBMISSION_RULES = {
  titleMinLength: 3,
  titleMaxLength: 200,
  learningOutcomesMin: 1,
  learningOutcomesMax: 30,
  ectsStep: 0.5,
  hoursPerEctsMin: 25,
  hoursPerEctsMax: 30,
  eqfLevelMin: 1,
  eqfLevelMax: 8,
  revenueSharesTotal: 100,
} as const;

export const ESCO_SKILL_URI_PATTERN =
  /^http:\/\/data\.europa\.eu\/esco\/skill\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// ---------------------------------------------------------------------------------------------
// Type checks (every save)
// ---------------------------------------------------------------------------------------------

type Check = (value: unknown, path: string, out: Problem[]) => void;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON merge-patch uses null to delete a member, so null counts as "not present" everywhere. */
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

const stringCheck: Check = (value, path, out) => {
  if (typeof value !== 'string') out.push({ field: path, message: 'must be a string' });
  else if (value.length > CONTENT_LIMITS.maxStringLength)
    out.push({ field: path, message: `must be at most ${CONTENT_LIMITS.maxStringLength} characters` });
};

const numberCheck: Check = (value, path, out) => {
  if (typeof value !== 'number' || !Number.isFinite(value))
    out.push({ field: path, message: 'must be a number' });
};

const integerCheck: Check = (value, path, out) => {
  if (typeof value !== 'number' || !Number.isInteger(value))
    out.push({ field: path, message: 'must be an integer' });
};

function enumCheck(values: readonly string[]): Check {
  const allowed = new Set(values);
  return (value, path, out) => {
    if (typeof value !== 'string' || !allowed.has(value))
      out.push({ field: path, message: `must be one of: ${values.join(', ')}` });
  };
}

const languageCheck: Check = (value, path, out) => {
  if (typeof value !== 'string' || !ISO_639_1.has(value))
    out.push({ field: path, message: 'must be a two-letter lowercase ISO 639-1 language code' });
};

function arrayCheck(item: Check): Check {
  return (value, path, out) => {
    if (!Array.isArray(value)) {
      out.push({ field: path, message: 'must be an array' });
      return;
    }
    if (value.length > CONTENT_LIMITS.maxArrayItems)
      out.push({ field: path, message: `must have at most ${CONTENT_LIMITS.maxArrayItems} items` });
    // Items past the cap are not inspected: the array is refused anyway and the work stays bounded.
    const inspected = Math.min(value.length, CONTENT_LIMITS.maxArrayItems);
    for (let i = 0; i < inspected; i++) item(value[i], `${path}[${i}]`, out);
  };
}

function objectCheck(shape: Readonly<Record<string, Check>>): Check {
  return (value, path, out) => {
    if (!isPlainObject(value)) {
      out.push({ field: path, message: 'must be an object' });
      return;
    }
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(shape, key)) {
        out.push({ field: `${path}.${key}`, message: 'unknown field' });
        continue;
      }
      if (!isAbsent(value[key])) shape[key](value[key], `${path}.${key}`, out);
    }
  };
}

const CONTENT_SHAPE: Readonly<Record<ContentField, Check>> = {
  title: stringCheck,
  summary: stringCheck,
  learningOutcomes: arrayCheck(objectCheck({ description: stringCheck, escoSkillUri: stringCheck })),
  ects: numberCheck,
  workloadHours: numberCheck,
  eqfLevel: integerCheck,
  assessment: objectCheck({ type: enumCheck(ASSESSMENT_TYPES), description: stringCheck }),
  participationForm: enumCheck(PARTICIPATION_FORMS),
  languages: arrayCheck(languageCheck),
  targetGroups: arrayCheck(enumCheck(TARGET_GROUPS)),
  strategicAreas: arrayCheck(enumCheck(STRATEGIC_AREAS)),
  qualityAssurance: stringCheck,
  prerequisites: stringCheck,
  stackability: objectCheck({ stacksInto: arrayCheck(stringCheck), composedOf: arrayCheck(stringCheck) }),
  revenueShares: arrayCheck(objectCheck({ institutionId: stringCheck, percent: numberCheck })),
  thematicArea: stringCheck,
};

/**
 * Run at every save of a draft: each present field must have the right type, unknown fields are
 * refused, sizes are capped. Missing fields are fine here (a draft may be incomplete).
 */
export function checkContentTypes(content: unknown): Problem[] {
  const out: Problem[] = [];
  objectCheck(CONTENT_SHAPE)(content, 'content', out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Submission rules (SUBMIT)
// ---------------------------------------------------------------------------------------------

export interface SubmissionCheckInput {
  content: unknown;
  leadInstitutionId: string;
  partnerInstitutionIds: string[];
  institutions: InstitutionRef[];
  ectsMin: number;
  ectsMax: number;
}

/** Characters as users count them (code points), not UTF-16 units. */
function charCount(value: string): number {
  return [...value].length;
}

function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

/**
 * A character a reader can see (letter, digit, punctuation, symbol): zero-width and format characters
 * (U+200B, U+FEFF) are not white space, so `trim` keeps them, yet they show nothing.
 */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

function requireNonBlank(value: unknown, path: string, out: Problem[]): void {
  // A wrong type was already reported by the type check; only a blank string is left to report.
  if (typeof value === 'string' && !VISIBLE.test(value)) out.push({ field: path, message: 'is required' });
}

function reportDuplicates(values: readonly unknown[], path: string, out: Problem[]): void {
  const seen = new Set<unknown>();
  values.forEach((value, i) => {
    if (typeof value !== 'string') return;
    if (seen.has(value)) out.push({ field: `${path}[${i}]`, message: `duplicate value "${value}"` });
    seen.add(value);
  });
}

/** "12.5" rather than "12.500000000000002" in messages. */
function formatNumber(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/** Hundredths as an integer, or null when the value has finer precision than hundredths. */
function toHundredths(value: number): number | null {
  const scaled = Math.round(value * 100);
  return Math.abs(value * 100 - scaled) < 1e-6 ? scaled : null;
}

function checkPartners(input: SubmissionCheckInput, out: Problem[]): string[] {
  const { partnerInstitutionIds: partners, leadInstitutionId, institutions } = input;
  if (!Array.isArray(partners)) {
    out.push({ field: 'partnerInstitutionIds', message: 'must be an array of institution ids' });
    return [];
  }
  if (partners.length === 0) {
    out.push({ field: 'partnerInstitutionIds', message: 'at least one partner institution is required' });
    return [];
  }
  const { problems, valid } = checkPartnerIds(partners, leadInstitutionId, institutions);
  out.push(...problems);
  return valid;
}

/**
 * Each partner a known university other than the lead, named once. Checked at every save of a
 * proposal (the engine, 400) and again at SUBMIT (the machine, 422), in the same words.
 */
export function checkPartnerIds(
  partners: readonly unknown[],
  leadInstitutionId: string,
  institutions: unknown,
): { problems: Problem[]; valid: string[] } {
  const problems: Problem[] = [];
  const byId = new Map(institutionList(institutions).map((inst) => [inst.id, inst]));
  const seen = new Set<string>();
  const valid: string[] = [];
  partners.forEach((id: unknown, i) => {
    const field = `partnerInstitutionIds[${i}]`;
    if (typeof id !== 'string') {
      problems.push({ field, message: 'must be an institution id' });
      return;
    }
    if (id === leadInstitutionId) {
      problems.push({ field, message: 'the lead institution cannot be its own partner' });
      return;
    }
    if (seen.has(id)) {
      problems.push({ field, message: `duplicate partner "${id}"` });
      return;
    }
    seen.add(id);
    const institution = byId.get(id);
    if (!institution) problems.push({ field, message: `unknown institution "${id}"` });
    else if (institution.kind !== 'university')
      problems.push({ field, message: `"${id}" is not a university (kind ${institution.kind})` });
    else valid.push(id);
  });
  return { problems, valid };
}

function isInstitutionRef(value: unknown): value is InstitutionRef {
  return isPlainObject(value) && typeof value.id === 'string' && typeof value.kind === 'string';
}

/** The institutions table as handed in; anything malformed is ignored rather than trusted. */
function institutionList(institutions: unknown): InstitutionRef[] {
  return Array.isArray(institutions) ? institutions.filter(isInstitutionRef) : [];
}

function checkLead(input: SubmissionCheckInput, out: Problem[]): void {
  const lead = institutionList(input.institutions).find((i) => i.id === input.leadInstitutionId);
  // The lead's country decides which agency must confirm, so it has to be a known university.
  if (!lead)
    out.push({ field: 'leadInstitutionId', message: `unknown institution "${input.leadInstitutionId}"` });
  else if (lead.kind !== 'university')
    out.push({ field: 'leadInstitutionId', message: `"${lead.id}" is not a university (kind ${lead.kind})` });
}

function checkRevenueShares(shares: unknown[], allowed: ReadonlySet<string>, out: Problem[]): void {
  const seen = new Set<string>();
  let total = 0;
  let summable = true;
  shares.forEach((share, i) => {
    if (!isPlainObject(share)) {
      summable = false;
      return;
    }
    const { institutionId, percent } = share;
    const base = `content.revenueShares[${i}]`;
    if (isAbsent(institutionId)) out.push({ field: `${base}.institutionId`, message: 'is required' });
    else if (typeof institutionId === 'string') {
      if (!allowed.has(institutionId))
        out.push({
          field: `${base}.institutionId`,
          message: `"${institutionId}" is neither the lead nor a partner institution`,
        });
      else if (seen.has(institutionId))
        out.push({ field: `${base}.institutionId`, message: `duplicate share for "${institutionId}"` });
      seen.add(institutionId);
    }
    if (isAbsent(percent)) {
      out.push({ field: `${base}.percent`, message: 'is required' });
      summable = false;
    } else if (typeof percent === 'number' && Number.isFinite(percent)) {
      const hundredths = toHundredths(percent);
      if (percent <= 0 || percent > 100) {
        out.push({ field: `${base}.percent`, message: 'must be more than 0 and at most 100' });
        summable = false;
      } else if (hundredths === null) {
        out.push({ field: `${base}.percent`, message: 'must have at most two decimal places' });
        summable = false;
      } else total += hundredths;
    } else summable = false;
  });
  // Integer hundredths: 33.33 + 33.33 + 33.34 is exactly 10000, whatever floating point says.
  if (summable && total !== SUBMISSION_RULES.revenueSharesTotal * 100)
    out.push({
      field: 'content.revenueShares',
      message: `percentages must add up to exactly 100 (they add up to ${formatNumber(total / 100)})`,
    });
}

/**
 * Everything SUBMIT requires, all problems at once: type problems, missing required fields, the
 * per-field rules of DESIGN.md section 4, and the partner institutions.
 */
export function checkSubmission(input: SubmissionCheckInput): Problem[] {
  const out: Problem[] = checkContentTypes(input.content);
  checkLead(input, out);
  const partners = checkPartners(input, out);
  if (!isPlainObject(input.content)) return out;
  const c = input.content;
  const r = SUBMISSION_RULES;

  for (const field of REQUIRED_CONTENT_FIELDS)
    if (isAbsent(c[field])) out.push({ field: `content.${field}`, message: 'is required' });

  // Each rule below only looks at values of the right type; wrong types were reported above.
  if (typeof c.title === 'string') {
    const length = charCount(c.title.trim());
    if (length > 0 && !VISIBLE.test(c.title)) out.push({ field: 'content.title', message: 'is required' });
    else if (length < r.titleMinLength || length > r.titleMaxLength)
      out.push({
        field: 'content.title',
        message: `must be ${r.titleMinLength} to ${r.titleMaxLength} characters (is ${length})`,
      });
  }
  requireNonBlank(c.summary, 'content.summary', out);
  requireNonBlank(c.qualityAssurance, 'content.qualityAssurance', out);

  if (Array.isArray(c.learningOutcomes)) {
    const n = c.learningOutcomes.length;
    if (n < r.learningOutcomesMin || n > r.learningOutcomesMax)
      out.push({
        field: 'content.learningOutcomes',
        message: `must have ${r.learningOutcomesMin} to ${r.learningOutcomesMax} learning outcomes (has ${n})`,
      });
    c.learningOutcomes.slice(0, CONTENT_LIMITS.maxArrayItems).forEach((outcome: unknown, i) => {
      if (!isPlainObject(outcome)) return;
      const base = `content.learningOutcomes[${i}]`;
      if (isAbsent(outcome.description)) out.push({ field: `${base}.description`, message: 'is required' });
      else requireNonBlank(outcome.description, `${base}.description`, out);
      if (typeof outcome.escoSkillUri === 'string' && !ESCO_SKILL_URI_PATTERN.test(outcome.escoSkillUri))
        out.push({
          field: `${base}.escoSkillUri`,
          message: 'must be an ESCO skill URI: http://data.europa.eu/esco/skill/<uuid>',
        });
    });
  }

  if (typeof c.ects === 'number' && Number.isFinite(c.ects)) {
    if (c.ects < input.ectsMin || c.ects > input.ectsMax)
      out.push({
        field: 'content.ects',
        message: `must be between ${input.ectsMin} and ${input.ectsMax} ECTS`,
      });
    if (!Number.isInteger(c.ects / r.ectsStep))
      out.push({ field: 'content.ects', message: `must be a multiple of ${r.ectsStep}` });
  }
  if (typeof c.workloadHours === 'number' && Number.isFinite(c.workloadHours) && typeof c.ects === 'number') {
    const min = r.hoursPerEctsMin * c.ects;
    const max = r.hoursPerEctsMax * c.ects;
    if (c.ects > 0 && (c.workloadHours < min || c.workloadHours > max))
      out.push({
        field: 'content.workloadHours',
        message: `must be ${formatNumber(min)} to ${formatNumber(max)} hours for ${formatNumber(c.ects)} ECTS (${r.hoursPerEctsMin} to ${r.hoursPerEctsMax} hours per ECTS)`,
      });
  }

  if (
    typeof c.eqfLevel === 'number' &&
    Number.isInteger(c.eqfLevel) &&
    (c.eqfLevel < r.eqfLevelMin || c.eqfLevel > r.eqfLevelMax)
  )
    out.push({
      field: 'content.eqfLevel',
      message: `must be an EQF level from ${r.eqfLevelMin} to ${r.eqfLevelMax}`,
    });

  if (isPlainObject(c.assessment)) {
    if (isAbsent(c.assessment.type)) out.push({ field: 'content.assessment.type', message: 'is required' });
    if (isAbsent(c.assessment.description))
      out.push({ field: 'content.assessment.description', message: 'is required' });
    else requireNonBlank(c.assessment.description, 'content.assessment.description', out);
  }

  for (const field of ['languages', 'targetGroups', 'strategicAreas'] as const) {
    const values = c[field];
    if (!Array.isArray(values)) continue;
    if (values.length === 0) out.push({ field: `content.${field}`, message: 'must have at least one value' });
    reportDuplicates(values, `content.${field}`, out);
  }

  if (typeof c.thematicArea === 'string' && !isIscedFCode(c.thematicArea))
    out.push({
      field: 'content.thematicArea',
      message: 'must be an ISCED-F 2013 field code (2, 3 or 4 digits, e.g. 0613)',
    });

  if (isPlainObject(c.stackability))
    for (const field of STACKABILITY_FIELDS) {
      const refs = c.stackability[field];
      if (!Array.isArray(refs)) continue;
      refs.slice(0, CONTENT_LIMITS.maxArrayItems).forEach((ref: unknown, i) => {
        if (typeof ref === 'string' && isBlank(ref))
          out.push({ field: `content.stackability.${field}[${i}]`, message: 'must not be blank' });
      });
    }

  if (Array.isArray(c.revenueShares))
    checkRevenueShares(
      c.revenueShares.slice(0, CONTENT_LIMITS.maxArrayItems),
      new Set([input.leadInstitutionId, ...partners]),
      out,
    );

  return out;
}
