// The three exports of DESIGN.md section 10.3, built from an approved revision. Pure functions: the
// same source gives the same document, so they are unit tested without a database.
import { ISCED_F_UNKNOWN, isIscedFCode } from '../../workflows/micro-credential-review/isced-f.js';
import { EDC_AP_CONTEXT_URL } from './contexts/elm-terms.context.js';
import { COUNTRY_AUTHORITY, LANGUAGE_AUTHORITY, countryCode, languageCode } from './eu-authorities.js';
import { OB3_CONTEXT, VC_V1_CONTEXT, VC_V2_CONTEXT } from './document-loader.js';

export const EXPORT_KINDS = ['ob3-achievement', 'ob3-endorsement', 'elm'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface InstitutionInfo {
  id: string;
  name: string;
  country: string | null;
}

export interface AgencyAlignment {
  country: string;
  agency: InstitutionInfo;
  outcome: string;
  conditions?: string | null;
  nqfLevel?: string | null;
  reference?: string | null;
}

export interface CriterionResult {
  criterion: string;
  result: string;
  note?: string | null;
}

export interface CredentialSource {
  publicUrl: string;
  proposalId: string;
  reference: string;
  revision: number;
  lead: InstitutionInfo;
  /** The partner institutions, in the proposal's order (joint awarding bodies with the lead). */
  partners: InstitutionInfo[];
  content: Record<string, unknown>;
  approvedAt: Date;
  criteria: CriterionResult[];
  /** Criterion id → its title in the checklist. */
  criteriaTitles: Record<string, string>;
  alignments: AgencyAlignment[];
}

export const ALLIANCE_NAME = '4EU+ Alliance (4EU+QUALITY)';
export const ESCO_SKILLS_SCHEME = 'http://data.europa.eu/esco/concept-scheme/skills';
export const EQF_SCHEME = 'http://data.europa.eu/snb/eqf/25831c2';
export const ISCED_F_SCHEME = 'http://data.europa.eu/snb/isced-f/25831c2';
export const ECTS_CONCEPT = 'http://data.europa.eu/snb/education-credit/6fcec5c5af';
export const EDUCATION_CREDIT_SCHEME = 'http://data.europa.eu/snb/education-credit/25831c2';
export const EQF_LEVEL = (level: number) => `http://data.europa.eu/snb/eqf/${level}`;
/** The EU vocabulary of forms of participation (ELM `mode`); DOMAIN.md 3.4 gives these two concepts. */
export const MODE_SCHEME = 'http://data.europa.eu/snb/learning-assessment/25831c2';
const MODES: Record<string, { id?: string; label: string }> = {
  online: { id: 'http://data.europa.eu/snb/learning-assessment/920fbb3cbe', label: 'Online' },
  blended: { id: 'http://data.europa.eu/snb/learning-assessment/e92d221e4d', label: 'Blended' },
  // No verified concept address for on-site participation: the label alone, no guessed address.
  onsite: { label: 'Onsite' },
};
const ASSESSMENT_WORDS: Record<string, string> = {
  'written-exam': 'Written exam',
  'oral-exam': 'Oral exam',
  project: 'Project',
  portfolio: 'Portfolio',
  presentation: 'Presentation',
  practical: 'Practical assessment',
  mixed: 'Mixed assessment',
};
const PARTICIPATION_WORDS: Record<string, string> = {
  online: 'online',
  onsite: 'on site',
  blended: 'blended (online and on site)',
};

export function exportUrl(publicUrl: string, proposalId: string, kind: ExportKind): string {
  return `${publicUrl}/api/proposals/${proposalId}/exports/${kind}`;
}

/** The achievement's id, which the endorsement names as its subject and the verifier maps back. */
export const achievementIdOf = (publicUrl: string, proposalId: string) =>
  exportUrl(publicUrl, proposalId, 'ob3-achievement');

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The proposal id inside one of our achievement ids, or null when the id is not ours. */
export function proposalIdOfAchievement(publicUrl: string, achievementId: unknown): string | null {
  if (typeof achievementId !== 'string') return null;
  const prefix = `${publicUrl}/api/proposals/`;
  if (!achievementId.startsWith(prefix)) return null;
  const m = new RegExp(`^(${UUID})/exports/ob3-achievement$`).exec(achievementId.slice(prefix.length));
  return m ? m[1] : null;
}

interface Outcome {
  description: string;
  escoSkillUri?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

function outcomesOf(content: Record<string, unknown>): Outcome[] {
  const raw = Array.isArray(content.learningOutcomes) ? content.learningOutcomes : [];
  return raw.flatMap((o: unknown) => {
    const rec = (o ?? {}) as Record<string, unknown>;
    const description = str(rec.description);
    if (!description) return [];
    const escoSkillUri = str(rec.escoSkillUri);
    return [escoSkillUri ? { description, escoSkillUri } : { description }];
  });
}

/** ISCED-F code of the content, or null for proposals approved before the field existed. */
export function thematicAreaOf(content: Record<string, unknown>): string | null {
  return isIscedFCode(content.thematicArea) ? content.thematicArea : null;
}

function titleOf(s: CredentialSource): string {
  return str(s.content.title) ?? s.reference;
}

function profileOf(publicUrl: string, institution: InstitutionInfo) {
  return {
    id: `${publicUrl}/api/institutions/${institution.id}`,
    type: ['Profile'],
    name: institution.name,
  };
}

/** Open Badges 3.0 Achievement (1EdTech OB 3.0.3), its own JSON-LD document. */
export function buildAchievement(s: CredentialSource): Record<string, unknown> {
  const c = s.content;
  const assessment = (c.assessment ?? {}) as Record<string, unknown>;
  const type = str(assessment.type);
  const outcomes = outcomesOf(c);
  const ects = num(c.ects);
  const hours = num(c.workloadHours);
  const eqf = num(c.eqfLevel);
  const form = str(c.participationForm);
  // Open Badges has no fields for these standard elements (DOMAIN.md 1.3): the narrative states them,
  // and creditsAvailable alone would not say that its unit is ECTS.
  const narrative = [
    outcomes.length
      ? ['Learning outcomes:', ...outcomes.map((o) => `- ${o.description}`)].join('\n')
      : undefined,
    type
      ? `Assessment (${ASSESSMENT_WORDS[type] ?? type}): ${str(assessment.description) ?? ''}`.trim()
      : undefined,
    ects !== undefined
      ? `Workload: ${ects} ECTS credits${hours !== undefined && hours > 0 ? ` (${hours} hours)` : ''}.`
      : undefined,
    eqf !== undefined ? `Level: EQF ${eqf}.` : undefined,
    form ? `Participation: ${PARTICIPATION_WORDS[form] ?? form}.` : undefined,
    str(c.prerequisites) ? `Prerequisites: ${String(c.prerequisites)}` : undefined,
  ]
    .filter(Boolean)
    .join('\n\n');
  const alignment: Array<Record<string, unknown>> = outcomes
    .filter((o) => o.escoSkillUri)
    .map((o) => ({
      type: ['Alignment'],
      targetName: o.description,
      targetUrl: o.escoSkillUri,
      targetType: 'ext:ESCOSkill',
      targetFramework: 'ESCO',
      targetCode: (o.escoSkillUri as string).split('/').pop(),
    }));
  if (eqf !== undefined)
    alignment.push({
      type: ['Alignment'],
      targetName: `EQF level ${eqf}`,
      targetUrl: EQF_LEVEL(eqf),
      targetType: 'ext:EQFLevel',
      targetFramework: 'European Qualifications Framework',
      targetCode: String(eqf),
    });
  const languages = strings(c.languages);
  const area = thematicAreaOf(c);
  const doc: Record<string, unknown> = {
    '@context': [VC_V2_CONTEXT, OB3_CONTEXT],
    id: achievementIdOf(s.publicUrl, s.proposalId),
    type: ['Achievement'],
    achievementType: 'MicroCredential',
    name: titleOf(s),
    description: str(c.summary) ?? titleOf(s),
    criteria: { narrative: narrative || 'Passing the assessment of this micro-credential.' },
    humanCode: s.reference,
    version: String(s.revision),
    creator: profileOf(s.publicUrl, s.lead),
  };
  if (ects !== undefined) doc.creditsAvailable = ects;
  if (alignment.length) doc.alignment = alignment;
  if (languages.length) doc.inLanguage = languages[0];
  if (area) doc.fieldOfStudy = `ISCED-F 2013 ${area}`;
  const tags = strings(c.strategicAreas);
  if (tags.length) doc.tag = tags;
  return doc;
}

const RESULT_WORDS: Record<string, string> = {
  met: 'met',
  'met-with-conditions': 'met with conditions',
  'not-applicable': 'not applicable',
  'not-met': 'not met',
};

/** The human statement of the decision: every criterion's result, then each country's alignment. */
export function endorsementComment(s: CredentialSource): string {
  const lines = [
    `4EU+QUALITY approved ${s.reference} "${titleOf(s)}" (revision ${s.revision}) on ${s.approvedAt.toISOString().slice(0, 10)}.`,
    'Quality criteria:',
    ...s.criteria.map((c) => {
      const title = s.criteriaTitles[c.criterion] ?? c.criterion;
      const note = str(c.note) ? ` (${String(c.note)})` : '';
      return `- ${title} [${c.criterion}]: ${RESULT_WORDS[c.result] ?? c.result}${note}`;
    }),
    'National alignment:',
    ...s.alignments.map((a) => {
      const parts = [
        a.outcome === 'aligned-with-conditions'
          ? `aligned with conditions: ${a.conditions ?? ''}`.trim()
          : 'aligned',
        a.nqfLevel ? `NQF level ${a.nqfLevel}` : undefined,
        a.reference ? `reference ${a.reference}` : undefined,
      ].filter(Boolean);
      return `- ${a.country}, ${a.agency.name}: ${parts.join('; ')}`;
    }),
  ];
  return lines.join('\n');
}

/** XML Schema dateTime at whole seconds, as VC validFrom and Data Integrity `created` use it. */
export const xsdDateTime = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/** The unsigned EndorsementCredential (VC 2.0 + OB 3.0.3); the issuer signs it. */
export function buildEndorsement(
  s: CredentialSource,
  did: string,
  credentialId: string,
): Record<string, unknown> {
  return {
    '@context': [VC_V2_CONTEXT, OB3_CONTEXT],
    id: credentialId,
    type: ['VerifiableCredential', 'EndorsementCredential'],
    name: `4EU+QUALITY endorsement of ${s.reference}: ${titleOf(s)}`,
    issuer: { id: did, type: ['Profile'], name: ALLIANCE_NAME, url: s.publicUrl },
    validFrom: xsdDateTime(s.approvedAt),
    credentialSubject: {
      id: achievementIdOf(s.publicUrl, s.proposalId),
      type: ['EndorsementSubject'],
      endorsementComment: endorsementComment(s),
    },
  };
}

const concept = (id: string, scheme: string, label?: string, notation?: string) => ({
  id,
  type: 'Concept',
  ...(label === undefined ? {} : { prefLabel: { en: label } }),
  ...(notation === undefined ? {} : { notation }),
  inScheme: { id: scheme, type: 'ConceptScheme' },
});

/** Hours as an ISO 8601 duration (PT140H). */
export function hoursToDuration(hours: number): string {
  return `PT${Number(hours.toFixed(2))}H`;
}

/** European Learning Model Qualification (VC 1.1 context, then the EDC application profile's). */
export function buildElmQualification(s: CredentialSource): Record<string, unknown> {
  const c = s.content;
  const id = exportUrl(s.publicUrl, s.proposalId, 'elm');
  const doc: Record<string, unknown> = {
    '@context': [VC_V1_CONTEXT, EDC_AP_CONTEXT_URL],
    id,
    type: 'Qualification',
    title: { en: titleOf(s) },
  };
  const summary = str(c.summary);
  if (summary) doc.description = { en: summary };
  const eqf = num(c.eqfLevel);
  if (eqf !== undefined) doc.eqfLevel = concept(EQF_LEVEL(eqf), EQF_SCHEME, `Level ${eqf}`, String(eqf));
  const nqf = s.alignments.filter((a) => a.nqfLevel);
  if (nqf.length)
    doc.nqfLevel = nqf.map((a) =>
      concept(
        `${s.publicUrl}/vocab/nqf/${a.country}/${encodeURIComponent(a.nqfLevel as string)}`,
        `${s.publicUrl}/vocab/nqf/${a.country}`,
        `${a.country} NQF level ${a.nqfLevel}`,
        a.nqfLevel as string,
      ),
    );
  const area = thematicAreaOf(c) ?? ISCED_F_UNKNOWN;
  doc.thematicArea = concept(
    `http://data.europa.eu/snb/isced-f/${area}`,
    ISCED_F_SCHEME,
    area === ISCED_F_UNKNOWN ? 'Field unknown' : `ISCED-F ${area}`,
    area,
  );
  const ects = num(c.ects);
  if (ects !== undefined)
    doc.creditPoint = {
      id: `${id}#credit-ects`,
      type: 'CreditPoint',
      framework: concept(
        ECTS_CONCEPT,
        EDUCATION_CREDIT_SCHEME,
        'European Credit Transfer and Accumulation System',
      ),
      point: String(ects),
    };
  const hours = num(c.workloadHours);
  if (hours !== undefined && hours > 0) doc.volumeOfLearning = hoursToDuration(hours);
  doc.learningOutcome = outcomesOf(c).map((o, i) => ({
    id: `${id}#learning-outcome-${i + 1}`,
    type: 'LearningOutcome',
    title: { en: o.description },
    ...(o.escoSkillUri ? { relatedESCOSkill: [concept(o.escoSkillUri, ESCO_SKILLS_SCHEME)] } : {}),
  }));
  addStandardElements(doc, s, id);
  return doc;
}

const note = (id: string, text: string) => ({ id, type: 'Note', noteLiteral: { en: text } });

/**
 * The rest of the EU standard elements (DOMAIN.md 1.3, mapped as in 3.3): language, form of
 * participation (M10), assessment (M9), prerequisites (O1), quality assurance (M11, as a note: its
 * `accreditation` home needs an accreditation-type concept this service does not hold), and the
 * awarding bodies with their countries (M3, M4). Each is left out when the content lacks it.
 */
function addStandardElements(doc: Record<string, unknown>, s: CredentialSource, id: string): void {
  const c = s.content;
  const languages = strings(c.languages).flatMap((l) => {
    const code = languageCode(l);
    return code ? [concept(`${LANGUAGE_AUTHORITY}/${code}`, LANGUAGE_AUTHORITY, undefined, code)] : [];
  });
  if (languages.length) doc.language = languages;
  const form = MODES[str(c.participationForm) ?? ''];
  const mode = form
    ? form.id
      ? concept(form.id, MODE_SCHEME, form.label)
      : { id: `${id}#mode`, type: 'Concept', prefLabel: { en: form.label } }
    : undefined;
  if (mode) doc.mode = mode;
  const assessment = (c.assessment ?? {}) as Record<string, unknown>;
  const type = str(assessment.type);
  if (type) {
    const description = str(assessment.description);
    doc.provenBy = [
      {
        id: `${id}#assessment`,
        type: 'LearningAssessmentSpecification',
        title: { en: ASSESSMENT_WORDS[type] ?? type },
        // No `mode`: the course's form of participation need not be the assessment's (an online
        // course may end with an exam on site), and the content does not say the latter.
        ...(description ? { description: { en: description } } : {}),
      },
    ];
  }
  const prerequisites = str(c.prerequisites);
  if (prerequisites) doc.entryRequirement = note(`${id}#entry-requirement`, prerequisites);
  const qa = str(c.qualityAssurance);
  doc.additionalNote = [
    note(
      `${id}#quality-assurance`,
      [
        qa ? `Quality assurance: ${qa}` : undefined,
        `Approved by ${ALLIANCE_NAME} on ${s.approvedAt.toISOString().slice(0, 10)}` +
          (s.alignments.length
            ? `, aligned by ${s.alignments.map((a) => `${a.agency.name} (${a.country})`).join(', ')}.`
            : '.'),
      ]
        .filter(Boolean)
        .join(' '),
    ),
  ];
  // An Organisation must have a location with a country (LOQ shapes): bodies whose country is not in
  // the authority table are left out; with none left, so is the awarding opportunity.
  const bodies = [s.lead, ...s.partners].flatMap((i) => {
    const code = countryCode(i.country);
    if (!code) return [];
    const org = `${s.publicUrl}/api/institutions/${i.id}`;
    return [
      {
        id: org,
        type: 'Organisation',
        legalName: { en: i.name },
        location: [
          {
            id: `${org}#location`,
            type: 'Location',
            address: [
              {
                id: `${org}#address`,
                type: 'Address',
                countryCode: concept(`${COUNTRY_AUTHORITY}/${code}`, COUNTRY_AUTHORITY, undefined, code),
              },
            ],
          },
        ],
      },
    ];
  });
  if (bodies.length)
    doc.awardingOpportunity = [
      {
        id: `${id}#awarding-opportunity`,
        type: 'AwardingOpportunity',
        awardingBody: bodies,
        learningAchievementSpecification: id,
      },
    ];
}
