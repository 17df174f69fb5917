// The demonstration data of `npm run demo`: invented people at seeded institutions and proposals that
// reach every state of the review. Names and e-mail addresses are fictitious (the .example domain).
import type { Role } from '../../workflows/types.js';

export interface DemoPerson {
  key: string;
  email: string;
  displayName: string;
  institutionId: string;
  roles: Role[];
}

export interface DemoStep {
  /** A person's key. */
  as: string;
  event: string;
  body?: Record<string, unknown>;
}

export interface DemoProposal {
  /** Names the proposal in other proposals' stackability before it has a reference. */
  key: string;
  proposer: string;
  partners: string[];
  content: Record<string, unknown>;
  steps: DemoStep[];
}

const person = (
  key: string,
  displayName: string,
  email: string,
  institutionId: string,
  roles: Role[],
): DemoPerson => ({ key, displayName, email, institutionId, roles });

export const DEMO_PEOPLE: DemoPerson[] = [
  person('jana', 'Jana Nováková', 'jana.novakova@cuni.example', 'cuni', ['proposer']),
  person('petr', 'Petr Dvořák', 'petr.dvorak@cuni.example', 'cuni', ['admin']),
  person('tomas', 'Tomáš Svoboda', 'tomas.svoboda@cuni.example', 'cuni', ['reviewer']),
  person('lena', 'Lena Fischer', 'lena.fischer@uhd.example', 'uhd', ['reviewer']),
  person('camille', 'Camille Martin', 'camille.martin@su.example', 'su', ['reviewer']),
  person('giulia', 'Giulia Rossi', 'giulia.rossi@unimi.example', 'unimi', ['proposer']),
  person('marco', 'Marco Bianchi', 'marco.bianchi@unimi.example', 'unimi', ['admin']),
  person('anna', 'Anna Kowalska', 'anna.kowalska@uw.example', 'uw', ['reviewer']),
  person('mads', 'Mads Jensen', 'mads.jensen@ucph.example', 'ucph', ['reviewer']),
  person('sofie', 'Sofie Laurent', 'sofie.laurent@4euplus.example', '4euplus', ['quality_officer']),
  person('eva', 'Eva Horáková', 'eva.horakova@nau.example', 'nau', ['agency_liaison']),
  person('klaus', 'Klaus Becker', 'klaus.becker@gac.example', 'gac', ['agency_liaison']),
  person('claire', 'Claire Dubois', 'claire.dubois@hceres.example', 'hceres', ['agency_liaison']),
  person('luca', 'Luca Ferrari', 'luca.ferrari@anvur.example', 'anvur', ['agency_liaison']),
  person('piotr', 'Piotr Zieliński', 'piotr.zielinski@pka.example', 'pka', ['agency_liaison']),
  person('freja', 'Freja Nielsen', 'freja.nielsen@ai-dk.example', 'ai-dk', ['agency_liaison']),
];

/** ESCO skill URIs have this form; the identifiers below are invented for the demonstration. */
const skill = (n: number) =>
  `http://data.europa.eu/esco/skill/0d3e1c52-6a2f-4b7e-9c1d-${String(n).padStart(12, '0')}`;

function content(
  over: Record<string, unknown> & { lead: string; partners: string[]; ects: number },
): Record<string, unknown> {
  const { lead, partners, ...fields } = over;
  const institutions = [lead, ...partners];
  // Shares in hundredths that add up to exactly 100 %, the lead taking the remainder.
  const each = Math.floor(10_000 / institutions.length) / 100;
  const leadShare = Math.round((100 - each * partners.length) * 100) / 100;
  return {
    participationForm: 'blended',
    targetGroups: ['master', 'doctoral'],
    prerequisites: 'A completed bachelor degree in any field.',
    workloadHours: fields.ects * 28,
    stackability: { stacksInto: [], composedOf: [] },
    revenueShares: institutions.map((institutionId, i) => ({
      institutionId,
      percent: i === 0 ? leadShare : each,
    })),
    ...fields,
  };
}

const partnerApprove = (as: string, comment?: string): DemoStep => ({
  as,
  event: 'PARTNER_APPROVE',
  ...(comment ? { body: { comment } } : {}),
});
const agency = (as: string, body: Record<string, unknown> = { outcome: 'aligned' }): DemoStep => ({
  as,
  event: 'AGENCY_CONFIRM',
  body,
});
const QUALITY_APPROVE: DemoStep = { as: 'sofie', event: 'QUALITY_APPROVE' };

export const DEMO_PROPOSALS: DemoProposal[] = [
  {
    key: 'stewardship',
    proposer: 'jana',
    partners: ['uhd', 'su'],
    content: content({
      lead: 'cuni',
      partners: ['uhd', 'su'],
      title: 'Research Data Stewardship in Multilingual Teams',
      summary:
        'How to plan, document and share research data when a team works across languages, disciplines and national rules. Participants write a data management plan for their own project and have it reviewed by peers from two other universities.',
      learningOutcomes: [
        {
          description: 'Write a data management plan that meets the funder’s requirements.',
          escoSkillUri: skill(1),
        },
        { description: 'Assess a data set against the FAIR principles.', escoSkillUri: skill(2) },
        { description: 'Describe data in two languages with controlled vocabularies.' },
      ],
      ects: 6,
      eqfLevel: 7,
      assessment: { type: 'project', description: 'A data management plan, peer reviewed and graded.' },
      languages: ['en', 'cs'],
      strategicAreas: ['data-literacy', 'multilingualism'],
      qualityAssurance:
        'Internal quality assurance of Charles University (institutional accreditation by NAU).',
      thematicArea: '0542',
    }),
    steps: [
      { as: 'jana', event: 'SUBMIT' },
      partnerApprove('lena', 'Fits our data science master’s programme.'),
      partnerApprove('camille'),
      QUALITY_APPROVE,
      agency('eva', { outcome: 'aligned', nqfLevel: '7', reference: 'NAU-2026-0142' }),
      agency('klaus'),
      agency('claire', {
        outcome: 'aligned-with-conditions',
        conditions: 'Register in the RNCP before offering.',
      }),
      { as: 'petr', event: 'PUBLISH' },
    ],
  },
  {
    key: 'dmp',
    proposer: 'jana',
    partners: ['uhd'],
    content: content({
      lead: 'cuni',
      partners: ['uhd'],
      title: 'Data Management Plans in Practice',
      summary:
        'A short, practical introduction to data management plans for doctoral researchers, with templates from Horizon Europe and national funders. It counts towards Research Data Stewardship.',
      learningOutcomes: [
        {
          description: 'Fill in a data management plan template for a real project.',
          escoSkillUri: skill(1),
        },
        { description: 'Choose a repository and a licence for research data.' },
      ],
      ects: 2,
      eqfLevel: 8,
      targetGroups: ['doctoral'],
      participationForm: 'online',
      assessment: { type: 'portfolio', description: 'A completed plan and a short reflection.' },
      languages: ['en'],
      strategicAreas: ['data-literacy'],
      qualityAssurance: 'Internal quality assurance of Charles University.',
      thematicArea: '0542',
      stackability: { stacksInto: ['stewardship'], composedOf: [] },
    }),
    steps: [
      { as: 'jana', event: 'SUBMIT' },
      partnerApprove('lena'),
      QUALITY_APPROVE,
      agency('eva', { outcome: 'aligned', nqfLevel: '8' }),
      agency('klaus'),
      { as: 'petr', event: 'PUBLISH' },
    ],
  },
  {
    key: 'mobility',
    proposer: 'giulia',
    partners: ['uw', 'ucph'],
    content: content({
      lead: 'unimi',
      partners: ['uw', 'ucph'],
      title: 'Sustainable Urban Mobility',
      summary:
        'Planning transport for cities that want fewer cars: data on how people move, policy tools and the social side of change, with case studies from Milan, Warsaw and Copenhagen.',
      learningOutcomes: [
        {
          description: 'Analyse a city’s mobility data to find where change helps most.',
          escoSkillUri: skill(3),
        },
        { description: 'Compare policy instruments for reducing car traffic.', escoSkillUri: skill(4) },
      ],
      ects: 5,
      eqfLevel: 7,
      assessment: {
        type: 'presentation',
        description: 'A group proposal for one of the three cities, presented and defended.',
      },
      languages: ['en', 'it'],
      strategicAreas: ['social-engagement', 'critical-thinking'],
      qualityAssurance: 'Quality assurance of the University of Milan (periodic accreditation by ANVUR).',
      thematicArea: '1041',
    }),
    steps: [
      { as: 'giulia', event: 'SUBMIT' },
      partnerApprove('anna'),
      partnerApprove('mads', 'Copenhagen case study added as agreed.'),
      QUALITY_APPROVE,
      agency('luca'),
      agency('piotr', { outcome: 'aligned', nqfLevel: '7' }),
      agency('freja'),
      { as: 'marco', event: 'PUBLISH' },
    ],
  },
  {
    key: 'climate',
    proposer: 'giulia',
    partners: ['uw'],
    content: content({
      lead: 'unimi',
      partners: ['uw'],
      title: 'Communicating Climate Risk',
      summary:
        'Explaining climate risk to the public, to policy makers and to the press without overstating or understating the evidence.',
      learningOutcomes: [
        {
          description: 'Translate a climate risk assessment for a non-specialist audience.',
          escoSkillUri: skill(5),
        },
        { description: 'Recognise and correct common misreadings of climate data.' },
      ],
      ects: 3,
      eqfLevel: 6,
      targetGroups: ['bachelor', 'master', 'professional'],
      participationForm: 'online',
      assessment: { type: 'portfolio', description: 'Three pieces for different audiences.' },
      languages: ['en'],
      strategicAreas: ['critical-thinking', 'social-engagement'],
      qualityAssurance: 'Quality assurance of the University of Milan.',
      thematicArea: '0521',
    }),
    steps: [
      { as: 'giulia', event: 'SUBMIT' },
      partnerApprove('anna'),
      QUALITY_APPROVE,
      agency('luca'),
      agency('piotr', {
        outcome: 'aligned-with-conditions',
        conditions: 'Name the Polish co-examiner before the first run.',
      }),
    ],
  },
  {
    key: 'writing',
    proposer: 'jana',
    partners: ['su'],
    content: content({
      lead: 'cuni',
      partners: ['su'],
      title: 'Academic Writing across Languages',
      summary:
        'Writing research articles in a second language: structure, argument and style in English and French, with feedback from native-speaker tutors.',
      learningOutcomes: [
        { description: 'Structure a research article for a journal in the field.', escoSkillUri: skill(6) },
        { description: 'Revise one’s own text after peer feedback in a second language.' },
      ],
      ects: 4,
      eqfLevel: 7,
      assessment: { type: 'portfolio', description: 'A revised article draft with the feedback received.' },
      languages: ['en', 'fr'],
      strategicAreas: ['multilingualism'],
      qualityAssurance: 'Internal quality assurance of Charles University.',
      thematicArea: '0232',
    }),
    steps: [{ as: 'jana', event: 'SUBMIT' }, partnerApprove('camille')],
  },
  {
    key: 'openscience',
    proposer: 'jana',
    partners: ['uhd', 'su'],
    content: content({
      lead: 'cuni',
      partners: ['uhd', 'su'],
      title: 'Open Science for Doctoral Researchers',
      summary:
        'Open access, preregistration, open data and reproducible workflows: what they ask of a doctoral project and how to do them well.',
      learningOutcomes: [
        { description: 'Preregister a study and publish its materials openly.', escoSkillUri: skill(7) },
        { description: 'Make an analysis reproducible by someone else.' },
      ],
      ects: 3,
      eqfLevel: 8,
      targetGroups: ['doctoral'],
      participationForm: 'online',
      assessment: { type: 'project', description: 'A reproducible analysis package, checked by a peer.' },
      languages: ['en'],
      strategicAreas: ['data-literacy', 'critical-thinking'],
      qualityAssurance: 'Internal quality assurance of Charles University.',
      thematicArea: '0588',
    }),
    steps: [{ as: 'jana', event: 'SUBMIT' }, partnerApprove('lena')],
  },
  {
    key: 'lifesciences',
    proposer: 'giulia',
    partners: ['ucph'],
    content: content({
      lead: 'unimi',
      partners: ['ucph'],
      title: 'Entrepreneurship in the Life Sciences',
      summary:
        'From a laboratory result to a company: intellectual property, funding and regulation for researchers in biology and medicine.',
      learningOutcomes: [
        { description: 'Draft a business model for a research result.', escoSkillUri: skill(8) },
        { description: 'Explain the main steps of protecting an invention.' },
      ],
      ects: 4,
      eqfLevel: 7,
      assessment: { type: 'presentation', description: 'A pitch to a panel of investors and researchers.' },
      languages: ['en'],
      strategicAreas: ['entrepreneurship'],
      qualityAssurance: 'Quality assurance of the University of Milan.',
      thematicArea: '0413',
    }),
    steps: [{ as: 'giulia', event: 'SUBMIT' }, partnerApprove('mads'), QUALITY_APPROVE, agency('luca')],
  },
  {
    key: 'humanities',
    proposer: 'jana',
    partners: ['uhd'],
    content: content({
      lead: 'cuni',
      partners: ['uhd'],
      title: 'Introduction to Digital Humanities',
      summary: 'Text mining, digital editions and maps for historians and philologists.',
      learningOutcomes: [{ description: 'Build a small digital edition of a historical source.' }],
      ects: 5,
      eqfLevel: 7,
      assessment: { type: 'project', description: 'A digital edition of ten pages of a source.' },
      languages: ['en', 'cs'],
      strategicAreas: ['data-literacy'],
      qualityAssurance: 'Internal quality assurance of Charles University.',
      thematicArea: '0222',
    }),
    steps: [
      { as: 'jana', event: 'SUBMIT' },
      {
        as: 'lena',
        event: 'PARTNER_REQUEST_CHANGES',
        body: { comment: 'Please add German-language sources and say who examines in Heidelberg.' },
      },
    ],
  },
  {
    key: 'teachers',
    proposer: 'jana',
    partners: ['su'],
    // A draft still being written: no learning outcomes, assessment or quality assurance yet.
    content: {
      title: 'AI Literacy for Secondary School Teachers',
      summary: 'What generative AI can and cannot do in a classroom, and how to assess with it around.',
      ects: 3,
      workloadHours: 80,
      eqfLevel: 6,
      languages: ['en', 'fr'],
      targetGroups: ['professional'],
      strategicAreas: ['critical-thinking'],
      thematicArea: '0114',
    },
    steps: [],
  },
  {
    key: 'heritage',
    proposer: 'giulia',
    partners: ['su'],
    content: content({
      lead: 'unimi',
      partners: ['su'],
      title: 'A Taste of Heritage Science',
      summary: 'Visits to conservation laboratories in Milan and Paris.',
      learningOutcomes: [{ description: 'Name the methods used to date a painting.' }],
      ects: 1,
      eqfLevel: 6,
      participationForm: 'onsite',
      assessment: { type: 'oral-exam', description: 'A short conversation at the end of the visits.' },
      languages: ['it', 'fr'],
      strategicAreas: ['social-engagement'],
      qualityAssurance: 'Quality assurance of the University of Milan.',
      thematicArea: '0222',
    }),
    steps: [
      { as: 'giulia', event: 'SUBMIT' },
      partnerApprove('camille'),
      {
        as: 'sofie',
        event: 'QUALITY_REJECT',
        body: {
          comment:
            'A programme of visits with a short conversation is not an assessed learning experience; the outcomes cannot be checked.',
        },
      },
    ],
  },
  {
    key: 'statistics',
    proposer: 'jana',
    partners: ['uhd'],
    content: content({
      lead: 'cuni',
      partners: ['uhd'],
      title: 'Statistics Refresher for Social Scientists',
      summary:
        'Regression, inference and their pitfalls, revisited with R for researchers returning to quantitative work.',
      learningOutcomes: [
        { description: 'Fit and interpret a linear regression model in R.', escoSkillUri: skill(9) },
      ],
      ects: 2,
      eqfLevel: 7,
      participationForm: 'online',
      assessment: { type: 'written-exam', description: 'An open-book analysis of a given data set.' },
      languages: ['en'],
      strategicAreas: ['data-literacy'],
      qualityAssurance: 'Internal quality assurance of Charles University.',
      thematicArea: '0542',
    }),
    steps: [
      { as: 'jana', event: 'SUBMIT' },
      partnerApprove('lena'),
      QUALITY_APPROVE,
      agency('eva'),
      agency('klaus'),
      { as: 'petr', event: 'PUBLISH' },
      { as: 'petr', event: 'RETIRE', body: { comment: 'Replaced by Data Management Plans in Practice.' } },
    ],
  },
  {
    key: 'tourism',
    proposer: 'giulia',
    partners: ['uw'],
    content: content({
      lead: 'unimi',
      partners: ['uw'],
      title: 'Sustainable Tourism in Historic Cities',
      summary: 'Managing visitor flows in historic centres without emptying them of residents.',
      learningOutcomes: [{ description: 'Evaluate a city’s visitor management plan.' }],
      ects: 3,
      eqfLevel: 7,
      assessment: { type: 'project', description: 'A visitor management proposal for a chosen city.' },
      languages: ['en'],
      strategicAreas: ['social-engagement'],
      qualityAssurance: 'Quality assurance of the University of Milan.',
      thematicArea: '1015',
    }),
    steps: [
      { as: 'giulia', event: 'SUBMIT' },
      {
        as: 'giulia',
        event: 'WITHDRAW',
        body: { comment: 'The partner could not find a teacher for this year.' },
      },
    ],
  },
];
