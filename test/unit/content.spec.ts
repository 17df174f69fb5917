import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  ASSESSMENT_TYPES,
  checkContentTypes,
  checkSubmission,
  CONTENT_FIELDS,
  PARTICIPATION_FORMS,
  REQUIRED_CONTENT_FIELDS,
  STRATEGIC_AREAS,
  TARGET_GROUPS,
  type SubmissionCheckInput,
} from '../../workflows/micro-credential-review/content.js';
import { isIscedFCode } from '../../workflows/micro-credential-review/isced-f.js';
import type { Problem } from '../../workflows/types.js';
import {
  ECTS_MAX,
  ECTS_MIN,
  INSTITUTIONS,
  LEAD,
  PARTNERS,
  VALID_CONTENT,
} from '../support/review-scenario.js';

const fields = (problems: Problem[]) => problems.map((problem) => problem.field);

function submission(overrides: Partial<SubmissionCheckInput> = {}): SubmissionCheckInput {
  return {
    content: VALID_CONTENT,
    leadInstitutionId: LEAD,
    partnerInstitutionIds: PARTNERS,
    institutions: INSTITUTIONS,
    ectsMin: ECTS_MIN,
    ectsMax: ECTS_MAX,
    ...overrides,
  };
}

/** The valid content with some fields replaced (undefined removes a field). */
function contentWith(changes: Record<string, unknown>): Record<string, unknown> {
  const content: Record<string, unknown> = { ...VALID_CONTENT, ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete content[key];
  return content;
}

const submitting = (changes: Record<string, unknown>, overrides: Partial<SubmissionCheckInput> = {}) =>
  checkSubmission(submission({ content: contentWith(changes), ...overrides }));

const outcome = (extra: Record<string, unknown> = {}) => ({ description: 'Apply a method.', ...extra });
const ESCO = 'http://data.europa.eu/esco/skill/0f2d2b8a-3b1a-4d7e-9c1e-2a3b4c5d6e7f';

describe('the enumerations exported for DTOs', () => {
  it('list the values of the content table', () => {
    expect(ASSESSMENT_TYPES).toEqual([
      'written-exam',
      'oral-exam',
      'project',
      'portfolio',
      'presentation',
      'practical',
      'mixed',
    ]);
    expect(PARTICIPATION_FORMS).toEqual(['online', 'onsite', 'blended']);
    expect(TARGET_GROUPS).toEqual(['bachelor', 'master', 'doctoral', 'professional']);
    expect(STRATEGIC_AREAS).toEqual([
      'multilingualism',
      'critical-thinking',
      'data-literacy',
      'social-engagement',
      'entrepreneurship',
    ]);
    expect(CONTENT_FIELDS).toHaveLength(16);
    expect(REQUIRED_CONTENT_FIELDS).toEqual([
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
      'thematicArea',
    ]);
  });
});

describe('checkContentTypes (every save of a draft)', () => {
  it('accepts an empty draft, a partial draft and a complete content', () => {
    expect(checkContentTypes({})).toEqual([]);
    expect(checkContentTypes({ title: 'Da', ects: 0.25 })).toEqual([]);
    expect(checkContentTypes(VALID_CONTENT)).toEqual([]);
  });

  it('treats null as an absent field, as JSON merge-patch does', () => {
    expect(checkContentTypes({ title: null, assessment: { type: null } })).toEqual([]);
  });

  it.each([[null], [[]], ['text'], [42], [undefined]])(
    'refuses content that is not an object (%p)',
    (content) => {
      expect(checkContentTypes(content)).toEqual([{ field: 'content', message: 'must be an object' }]);
    },
  );

  it.each([
    ['title', 5, 'content.title', 'must be a string'],
    ['summary', ['a'], 'content.summary', 'must be a string'],
    ['qualityAssurance', {}, 'content.qualityAssurance', 'must be a string'],
    ['prerequisites', true, 'content.prerequisites', 'must be a string'],
    ['ects', '5', 'content.ects', 'must be a number'],
    ['ects', Infinity, 'content.ects', 'must be a number'],
    ['workloadHours', '140', 'content.workloadHours', 'must be a number'],
    ['eqfLevel', 6.5, 'content.eqfLevel', 'must be an integer'],
    ['eqfLevel', '6', 'content.eqfLevel', 'must be an integer'],
    ['learningOutcomes', 'outcome', 'content.learningOutcomes', 'must be an array'],
    ['learningOutcomes', ['outcome'], 'content.learningOutcomes[0]', 'must be an object'],
    [
      'learningOutcomes',
      [outcome({ description: 1 })],
      'content.learningOutcomes[0].description',
      'must be a string',
    ],
    [
      'learningOutcomes',
      [outcome(), outcome({ escoSkillUri: 7 })],
      'content.learningOutcomes[1].escoSkillUri',
      'must be a string',
    ],
    ['assessment', 'project', 'content.assessment', 'must be an object'],
    ['assessment', { type: 'essay' }, 'content.assessment.type', 'must be one of'],
    ['assessment', { type: 'project', description: 3 }, 'content.assessment.description', 'must be a string'],
    ['participationForm', 'hybrid', 'content.participationForm', 'must be one of: online, onsite, blended'],
    ['languages', 'en', 'content.languages', 'must be an array'],
    ['languages', ['en', 'EN'], 'content.languages[1]', 'ISO 639-1'],
    ['languages', ['eng'], 'content.languages[0]', 'ISO 639-1'],
    ['languages', ['xx'], 'content.languages[0]', 'ISO 639-1'],
    ['targetGroups', ['phd'], 'content.targetGroups[0]', 'must be one of'],
    ['strategicAreas', ['ai'], 'content.strategicAreas[0]', 'must be one of'],
    ['stackability', [], 'content.stackability', 'must be an object'],
    ['stackability', { stacksInto: 'MC-1' }, 'content.stackability.stacksInto', 'must be an array'],
    ['stackability', { composedOf: [1] }, 'content.stackability.composedOf[0]', 'must be a string'],
    ['revenueShares', {}, 'content.revenueShares', 'must be an array'],
    [
      'revenueShares',
      [{ institutionId: 1, percent: 100 }],
      'content.revenueShares[0].institutionId',
      'must be a string',
    ],
    [
      'revenueShares',
      [{ institutionId: 'cuni', percent: '100' }],
      'content.revenueShares[0].percent',
      'must be a number',
    ],
  ])('refuses %s = %j with a problem at %s', (field, value, path, message) => {
    const problems = checkContentTypes({ [field]: value });
    expect(problems).toEqual([{ field: path, message: expect.stringContaining(message) }]);
  });

  it('accepts every value of every enumeration', () => {
    expect(
      checkContentTypes({
        participationForm: 'onsite',
        targetGroups: [...TARGET_GROUPS],
        strategicAreas: [...STRATEGIC_AREAS],
        languages: ['cs', 'de', 'fr', 'da', 'it', 'pl', 'en'],
      }),
    ).toEqual([]);
    for (const type of ASSESSMENT_TYPES) expect(checkContentTypes({ assessment: { type } })).toEqual([]);
    for (const form of PARTICIPATION_FORMS)
      expect(checkContentTypes({ participationForm: form })).toEqual([]);
  });

  it('refuses unknown fields at the top level and inside nested objects', () => {
    const problems = checkContentTypes({
      colour: 'blue',
      learningOutcomes: [outcome({ level: 3 })],
      assessment: { type: 'project', weight: 1 },
      stackability: { next: [] },
      revenueShares: [{ institutionId: 'cuni', percent: 100, currency: 'EUR' }],
    });
    expect(problems).toEqual([
      { field: 'content.colour', message: 'unknown field' },
      { field: 'content.learningOutcomes[0].level', message: 'unknown field' },
      { field: 'content.assessment.weight', message: 'unknown field' },
      { field: 'content.stackability.next', message: 'unknown field' },
      { field: 'content.revenueShares[0].currency', message: 'unknown field' },
    ]);
  });

  it('refuses a __proto__ key instead of letting it through', () => {
    expect(fields(checkContentTypes(JSON.parse('{"__proto__": {"x": 1}}')))).toEqual(['content.__proto__']);
  });

  it('caps strings at 20000 characters and arrays at 100 items', () => {
    expect(checkContentTypes({ summary: 'x'.repeat(20_000) })).toEqual([]);
    expect(checkContentTypes({ summary: 'x'.repeat(20_001) })).toEqual([
      { field: 'content.summary', message: 'must be at most 20000 characters' },
    ]);
    expect(checkContentTypes({ languages: Array(100).fill('en') })).toEqual([]);
    expect(checkContentTypes({ languages: Array(101).fill('en') })).toEqual([
      { field: 'content.languages', message: 'must have at most 100 items' },
    ]);
    expect(
      fields(checkContentTypes({ learningOutcomes: [outcome({ description: 'x'.repeat(20_001) })] })),
    ).toEqual(['content.learningOutcomes[0].description']);
  });

  it('reports every problem at once', () => {
    const problems = checkContentTypes({ title: 1, ects: 'five', languages: ['en', 'xx'], extra: true });
    expect(fields(problems)).toEqual([
      'content.title',
      'content.ects',
      'content.languages[1]',
      'content.extra',
    ]);
  });
});

describe('checkSubmission (SUBMIT)', () => {
  it('accepts the complete scenario content with two partners', () => {
    expect(checkSubmission(submission())).toEqual([]);
  });

  it('accepts content without the optional fields', () => {
    expect(
      submitting({
        workloadHours: undefined,
        prerequisites: undefined,
        stackability: undefined,
        revenueShares: undefined,
      }),
    ).toEqual([]);
  });

  it('lists every missing required field at once', () => {
    const problems = checkSubmission(submission({ content: {} }));
    expect(problems).toEqual(
      REQUIRED_CONTENT_FIELDS.map((field) => ({ field: `content.${field}`, message: 'is required' })),
    );
  });

  it('counts a null or blank required field as missing', () => {
    expect(fields(submitting({ summary: '   ', qualityAssurance: null, title: undefined }))).toEqual(
      expect.arrayContaining(['content.title', 'content.summary', 'content.qualityAssurance']),
    );
    expect(submitting({ summary: '   ' })).toEqual([{ field: 'content.summary', message: 'is required' }]);
  });

  it('counts text of only zero-width or format characters as missing: it shows nothing', () => {
    const invisible = '\u200b\u200b\ufeff\u2060';
    expect(submitting({ title: invisible, summary: invisible })).toEqual([
      { field: 'content.title', message: 'is required' },
      { field: 'content.summary', message: 'is required' },
    ]);
    // One visible character among them is text.
    expect(submitting({ title: '\u200bAI\u200b literacy' })).toEqual([]);
  });

  it('includes type problems, without a second problem for the same wrong value', () => {
    expect(submitting({ title: 42, eqfLevel: 'seven' })).toEqual([
      { field: 'content.title', message: 'must be a string' },
      { field: 'content.eqfLevel', message: 'must be an integer' },
    ]);
  });

  describe('title', () => {
    it.each([['abc'], ['x'.repeat(200)], ['  Data  ']])('accepts %j (3..200 characters)', (title) => {
      expect(submitting({ title })).toEqual([]);
    });
    it.each([['ab'], ['x'.repeat(201)], ['  ab   ']])('refuses %j', (title) => {
      expect(fields(submitting({ title }))).toEqual(['content.title']);
    });
    it('counts characters, not UTF-16 units', () => {
      expect(submitting({ title: '😀😀😀' })).toEqual([]);
      expect(fields(submitting({ title: '😀😀' }))).toEqual(['content.title']);
    });
  });

  describe('learningOutcomes', () => {
    it('accepts 1 and 30 outcomes', () => {
      expect(submitting({ learningOutcomes: [outcome()] })).toEqual([]);
      expect(submitting({ learningOutcomes: Array(30).fill(outcome()) })).toEqual([]);
    });
    it('refuses 0 and 31 outcomes', () => {
      expect(fields(submitting({ learningOutcomes: [] }))).toEqual(['content.learningOutcomes']);
      expect(fields(submitting({ learningOutcomes: Array(31).fill(outcome()) }))).toEqual([
        'content.learningOutcomes',
      ]);
    });
    it('requires a description in every outcome', () => {
      expect(
        submitting({ learningOutcomes: [outcome(), { escoSkillUri: ESCO }, outcome({ description: ' ' })] }),
      ).toEqual([
        { field: 'content.learningOutcomes[1].description', message: 'is required' },
        { field: 'content.learningOutcomes[2].description', message: 'is required' },
      ]);
    });
    it('accepts an ESCO skill URI with a uuid', () => {
      expect(submitting({ learningOutcomes: [outcome({ escoSkillUri: ESCO })] })).toEqual([]);
    });
    it.each([
      ['https://data.europa.eu/esco/skill/0f2d2b8a-3b1a-4d7e-9c1e-2a3b4c5d6e7f'],
      ['http://data.europa.eu/esco/occupation/0f2d2b8a-3b1a-4d7e-9c1e-2a3b4c5d6e7f'],
      ['http://data.europa.eu/esco/skill/not-a-uuid'],
      [`${ESCO}/extra`],
      [''],
    ])('refuses the skill URI %j at its path', (escoSkillUri) => {
      expect(submitting({ learningOutcomes: [outcome(), outcome(), outcome({ escoSkillUri })] })).toEqual([
        {
          field: 'content.learningOutcomes[2].escoSkillUri',
          message: expect.stringContaining('ESCO skill URI'),
        },
      ]);
    });
  });

  describe('ects and workloadHours', () => {
    it.each([[1], [1.5], [7], [15]])('accepts %p ECTS (1..15, multiple of 0.5)', (ects) => {
      expect(submitting({ ects, workloadHours: undefined })).toEqual([]);
    });
    it.each([[0.5], [15.5], [0], [-1]])('refuses %p ECTS outside the range', (ects) => {
      expect(submitting({ ects, workloadHours: undefined })).toEqual([
        { field: 'content.ects', message: 'must be between 1 and 15 ECTS' },
      ]);
    });
    it.each([[2.25], [3.1]])('refuses %p ECTS that is not a multiple of 0.5', (ects) => {
      expect(submitting({ ects, workloadHours: undefined })).toEqual([
        { field: 'content.ects', message: 'must be a multiple of 0.5' },
      ]);
    });
    it('takes the range from configuration', () => {
      expect(submitting({ ects: 20, workloadHours: undefined }, { ectsMin: 2, ectsMax: 30 })).toEqual([]);
      expect(fields(submitting({ ects: 1, workloadHours: undefined }, { ectsMin: 2, ectsMax: 30 }))).toEqual([
        'content.ects',
      ]);
    });
    it.each([[125], [150], [137.5]])('accepts %p hours for 5 ECTS (25..30 per ECTS)', (workloadHours) => {
      expect(submitting({ ects: 5, workloadHours })).toEqual([]);
    });
    it.each([[124.5], [151], [0]])('refuses %p hours for 5 ECTS', (workloadHours) => {
      expect(submitting({ ects: 5, workloadHours })).toEqual([
        {
          field: 'content.workloadHours',
          message: 'must be 125 to 150 hours for 5 ECTS (25 to 30 hours per ECTS)',
        },
      ]);
    });
    it('checks hours against half ECTS exactly', () => {
      expect(submitting({ ects: 1.5, workloadHours: 37.5 })).toEqual([]);
      expect(submitting({ ects: 1.5, workloadHours: 45 })).toEqual([]);
      expect(fields(submitting({ ects: 1.5, workloadHours: 45.5 }))).toEqual(['content.workloadHours']);
    });
  });

  describe('eqfLevel', () => {
    it.each([[1], [8]])('accepts level %p', (eqfLevel) => expect(submitting({ eqfLevel })).toEqual([]));
    it.each([[0], [9]])('refuses level %p', (eqfLevel) => {
      expect(submitting({ eqfLevel })).toEqual([
        { field: 'content.eqfLevel', message: 'must be an EQF level from 1 to 8' },
      ]);
    });
  });

  describe('assessment and participationForm', () => {
    it('requires both the type and the description of the assessment', () => {
      expect(submitting({ assessment: {} })).toEqual([
        { field: 'content.assessment.type', message: 'is required' },
        { field: 'content.assessment.description', message: 'is required' },
      ]);
      expect(submitting({ assessment: { type: 'mixed', description: '' } })).toEqual([
        { field: 'content.assessment.description', message: 'is required' },
      ]);
    });
    it('requires a participation form', () => {
      expect(submitting({ participationForm: undefined })).toEqual([
        { field: 'content.participationForm', message: 'is required' },
      ]);
    });
  });

  describe('languages, targetGroups and strategicAreas', () => {
    it.each([['languages'], ['targetGroups'], ['strategicAreas']])(
      'require at least one value in %s',
      (field) => {
        expect(submitting({ [field]: [] })).toEqual([
          { field: `content.${field}`, message: 'must have at least one value' },
        ]);
      },
    );
    it('refuses duplicates', () => {
      expect(submitting({ languages: ['en', 'cs', 'en'], targetGroups: ['master', 'master'] })).toEqual([
        { field: 'content.languages[2]', message: 'duplicate value "en"' },
        { field: 'content.targetGroups[1]', message: 'duplicate value "master"' },
      ]);
    });
  });

  describe('stackability', () => {
    it('accepts references and refuses blank ones', () => {
      expect(
        submitting({ stackability: { stacksInto: ['MC-2026-0001'], composedOf: ['MC-2026-0002'] } }),
      ).toEqual([]);
      expect(submitting({ stackability: { composedOf: [' '] } })).toEqual([
        { field: 'content.stackability.composedOf[0]', message: 'must not be blank' },
      ]);
    });
  });

  describe('revenueShares', () => {
    const shares = (...entries: [string, number][]) => ({
      revenueShares: entries.map(([institutionId, percent]) => ({ institutionId, percent })),
    });

    it('accepts 33.33 + 33.33 + 33.34 = 100', () => {
      expect(submitting(shares(['cuni', 33.33], ['uhd', 33.33], ['su', 33.34]))).toEqual([]);
    });

    it('accepts 0.01 + 66.79 + 33.2 = 100 although floating point sums it to 100.00000000000001', () => {
      expect(0.01 + 66.79 + 33.2).not.toBe(100);
      expect(submitting(shares(['cuni', 0.01], ['uhd', 66.79], ['su', 33.2]))).toEqual([]);
    });

    it('accepts 0.1 + 0.2 + 99.7 = 100', () => {
      expect(submitting(shares(['cuni', 0.1], ['uhd', 0.2], ['su', 99.7]))).toEqual([]);
    });

    it('accepts the lead alone at 100 percent', () => {
      expect(submitting(shares(['cuni', 100]))).toEqual([]);
    });

    it('accepts any split of 100.00 into hundredths among lead and partners', () => {
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 9999 }), { maxLength: 2 }), (cuts) => {
          const points = [0, ...[...cuts].sort((a, b) => a - b), 10_000];
          const ids = ['cuni', 'uhd', 'su'];
          const entries = points
            .slice(1)
            .map((point, i): [string, number] => [ids[i], (point - points[i]) / 100]);
          return submitting(shares(...entries)).length === 0;
        }),
      );
    });

    it('refuses a sum other than exactly 100', () => {
      expect(submitting(shares(['cuni', 33.33], ['uhd', 33.33], ['su', 33.33]))).toEqual([
        {
          field: 'content.revenueShares',
          message: 'percentages must add up to exactly 100 (they add up to 99.99)',
        },
      ]);
      expect(fields(submitting(shares(['cuni', 60], ['uhd', 50])))).toEqual(['content.revenueShares']);
      expect(fields(submitting({ revenueShares: [] }))).toEqual(['content.revenueShares']);
    });

    it('refuses institutions that are neither the lead nor a partner, and duplicates', () => {
      expect(submitting(shares(['cuni', 50], ['ucph', 25], ['cuni', 25]))).toEqual([
        {
          field: 'content.revenueShares[1].institutionId',
          message: '"ucph" is neither the lead nor a partner institution',
        },
        { field: 'content.revenueShares[2].institutionId', message: 'duplicate share for "cuni"' },
      ]);
    });

    it('refuses percentages that are not positive, above 100 or finer than hundredths', () => {
      expect(submitting(shares(['cuni', 0], ['uhd', 100]))).toEqual([
        { field: 'content.revenueShares[0].percent', message: 'must be more than 0 and at most 100' },
      ]);
      expect(fields(submitting(shares(['cuni', 150], ['uhd', -50])))).toEqual([
        'content.revenueShares[0].percent',
        'content.revenueShares[1].percent',
      ]);
      expect(submitting(shares(['cuni', 33.333], ['uhd', 66.667]))).toEqual([
        { field: 'content.revenueShares[0].percent', message: 'must have at most two decimal places' },
        { field: 'content.revenueShares[1].percent', message: 'must have at most two decimal places' },
      ]);
    });

    it('requires both fields of a share', () => {
      expect(submitting({ revenueShares: [{ institutionId: 'cuni' }, { percent: 100 }] })).toEqual([
        { field: 'content.revenueShares[0].percent', message: 'is required' },
        { field: 'content.revenueShares[1].institutionId', message: 'is required' },
      ]);
    });
  });

  describe('partner institutions', () => {
    it('requires at least one partner', () => {
      expect(
        checkSubmission(
          submission({ partnerInstitutionIds: [], content: contentWith({ revenueShares: undefined }) }),
        ),
      ).toEqual([
        { field: 'partnerInstitutionIds', message: 'at least one partner institution is required' },
      ]);
    });

    it('refuses unknown institutions, non-universities, duplicates and the lead itself', () => {
      const problems = checkSubmission(
        submission({
          partnerInstitutionIds: ['uhd', 'nowhere', 'gac', '4euplus', 'uhd', 'cuni'],
          content: contentWith({ revenueShares: undefined }),
        }),
      );
      expect(problems).toEqual([
        { field: 'partnerInstitutionIds[1]', message: 'unknown institution "nowhere"' },
        { field: 'partnerInstitutionIds[2]', message: '"gac" is not a university (kind agency)' },
        { field: 'partnerInstitutionIds[3]', message: '"4euplus" is not a university (kind alliance)' },
        { field: 'partnerInstitutionIds[4]', message: 'duplicate partner "uhd"' },
        { field: 'partnerInstitutionIds[5]', message: 'the lead institution cannot be its own partner' },
      ]);
    });

    it('accepts a single partner', () => {
      expect(
        checkSubmission(
          submission({ partnerInstitutionIds: ['ucph'], content: contentWith({ revenueShares: undefined }) }),
        ),
      ).toEqual([]);
    });

    it('refuses a revenue share for a partner that is not named', () => {
      expect(fields(checkSubmission(submission({ partnerInstitutionIds: ['uhd'] })))).toEqual([
        'content.revenueShares[2].institutionId',
      ]);
    });

    it('refuses a lead that is not a known university', () => {
      expect(
        fields(
          checkSubmission(
            submission({ leadInstitutionId: 'ghost', content: contentWith({ revenueShares: undefined }) }),
          ),
        ),
      ).toEqual(['leadInstitutionId']);
      expect(
        fields(
          checkSubmission(
            submission({ leadInstitutionId: 'nau', content: contentWith({ revenueShares: undefined }) }),
          ),
        ),
      ).toEqual(['leadInstitutionId']);
    });
  });

  it('reports every problem of a badly broken submission at once', () => {
    const problems = checkSubmission(
      submission({
        partnerInstitutionIds: ['cuni'],
        content: {
          title: 'ab',
          learningOutcomes: [{ description: 'ok', escoSkillUri: 'http://example.org' }],
          ects: 40,
          workloadHours: 10,
          eqfLevel: 9,
          assessment: { type: 'essay', description: 'x' },
          languages: [],
          targetGroups: ['master'],
          strategicAreas: [],
          revenueShares: [{ institutionId: 'cuni', percent: 90 }],
          surprise: 1,
        },
      }),
    );
    expect(fields(problems)).toEqual(
      expect.arrayContaining([
        'content.assessment.type',
        'content.surprise',
        'partnerInstitutionIds[0]',
        'content.summary',
        'content.participationForm',
        'content.qualityAssurance',
        'content.thematicArea',
        'content.title',
        'content.learningOutcomes[0].escoSkillUri',
        'content.ects',
        'content.workloadHours',
        'content.eqfLevel',
        'content.languages',
        'content.strategicAreas',
        'content.revenueShares',
      ]),
    );
    expect(problems).toHaveLength(15);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.anything(), fc.anything(), (content, partners, institutions) => {
        const problems = checkSubmission({
          content,
          leadInstitutionId: LEAD,
          partnerInstitutionIds: partners as string[],
          institutions: institutions as never,
          ectsMin: 1,
          ectsMax: 15,
        });
        return Array.isArray(problems) && problems.every((p) => typeof p.field === 'string');
      }),
    );
  });
});

describe('thematicArea (ISCED-F 2013, required at SUBMIT)', () => {
  it('accepts broad, narrow and detailed fields', () => {
    for (const code of ['06', '061', '0613', '0542', '0188', '9999', '0110', '0419']) {
      expect(isIscedFCode(code)).toBe(true);
    }
  });

  it('refuses codes that are not ISCED-F fields', () => {
    for (const code of ['11', '0', '062', '0618', '06130', 'abcd', '1099', '']) {
      expect(isIscedFCode(code)).toBe(false);
    }
  });

  it('may be missing from a draft but is required at SUBMIT, and must be a real code', () => {
    const { thematicArea: _t, ...draft } = VALID_CONTENT;
    expect(checkContentTypes(draft)).toEqual([]);
    expect(fields(submitting({ thematicArea: undefined }))).toContain('content.thematicArea');
    expect(submitting({ thematicArea: '0618' })).toContainEqual({
      field: 'content.thematicArea',
      message: 'must be an ISCED-F 2013 field code (2, 3 or 4 digits, e.g. 0613)',
    });
    expect(checkContentTypes({ thematicArea: 613 })).toEqual([
      { field: 'content.thematicArea', message: 'must be a string' },
    ]);
  });
});
