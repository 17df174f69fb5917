import {
  ASSESSMENT_TYPES,
  CONTENT_LIMITS,
  ISO_639_1_CODES,
  PARTICIPATION_FORMS,
  STRATEGIC_AREAS,
  SUBMISSION_RULES,
  TARGET_GROUPS,
} from '../../workflows/micro-credential-review/index.js';

/** An OpenAPI 3 schema object (@nestjs/swagger does not export its type from the package root). */
type SchemaObject = Record<string, unknown>;

const str = (description: string, extra: SchemaObject = {}): SchemaObject => ({
  type: 'string',
  maxLength: CONTENT_LIMITS.maxStringLength,
  description,
  ...extra,
});
const list = (items: SchemaObject, description: string): SchemaObject => ({
  type: 'array',
  maxItems: CONTENT_LIMITS.maxArrayItems,
  items,
  description,
});

/**
 * OpenAPI description of proposal content, built from the same constants the pure checker in
 * workflows/ enforces (that checker is the validation; this is its documentation).
 */
export const CONTENT_SCHEMA: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  description:
    'EU standard elements of a micro-credential (docs/contract.md section 4). A draft may be incomplete; every present field must have the right type. SUBMIT requires title, summary, learningOutcomes, ects, eqfLevel, assessment, participationForm, languages, targetGroups, strategicAreas and qualityAssurance. In PATCH, content is a JSON merge patch: null removes a field.',
  properties: {
    title: str('3..200 characters at submission', { example: 'Data literacy for historians' }),
    summary: str('What the learner will be able to do'),
    learningOutcomes: list(
      {
        type: 'object',
        additionalProperties: false,
        required: ['description'],
        properties: {
          description: str('The outcome'),
          escoSkillUri: str('http://data.europa.eu/esco/skill/<uuid>', {
            pattern: '^http://data\\.europa\\.eu/esco/skill/[0-9a-f-]{36}$',
          }),
        },
      },
      `${SUBMISSION_RULES.learningOutcomesMin}..${SUBMISSION_RULES.learningOutcomesMax} at submission`,
    ),
    ects: { type: 'number', description: 'Within ECTS_MIN..ECTS_MAX, a multiple of 0.5', example: 5 },
    workloadHours: { type: 'number', description: '25..30 hours per ECTS when given', example: 140 },
    eqfLevel: { type: 'integer', minimum: 1, maximum: 8, example: 6 },
    assessment: {
      type: 'object',
      additionalProperties: false,
      properties: {
        type: { type: 'string', enum: [...ASSESSMENT_TYPES] },
        description: str('How outcomes are assessed'),
      },
    },
    participationForm: { type: 'string', enum: [...PARTICIPATION_FORMS] },
    languages: list(
      { type: 'string', enum: [...ISO_639_1_CODES] },
      'ISO 639-1 codes, at least one at submission',
    ),
    targetGroups: list({ type: 'string', enum: [...TARGET_GROUPS] }, 'At least one at submission'),
    strategicAreas: list({ type: 'string', enum: [...STRATEGIC_AREAS] }, 'At least one at submission'),
    qualityAssurance: str('The type of quality assurance underpinning it'),
    prerequisites: str('Entry requirements'),
    stackability: {
      type: 'object',
      additionalProperties: false,
      properties: {
        stacksInto: list(
          { type: 'string', maxLength: 500 },
          'Programmes or micro-credentials it stacks into',
        ),
        composedOf: list({ type: 'string', maxLength: 500 }, 'Micro-credentials it is composed of'),
      },
    },
    revenueShares: list(
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          institutionId: { type: 'string' },
          // OpenAPI 3.0 form of "more than 0" (a bare number is the 3.1 form).
          percent: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 100 },
        },
      },
      'Only lead and partners; percents sum to exactly 100',
    ),
  },
};
