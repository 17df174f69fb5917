// The European Learning Model terms our ELM export uses, written from the ELM specification
// (namespace http://data.europa.eu/snb/model/elm/, EDC application profile 1.1 term names).
//
// Why not the official file: the EDC application-profile context is a European Commission artefact
// with no licence statement of its own, so it is not copied into this repository. The export names
// the official context URL (EDC_AP_CONTEXT_URL), so any consumer resolves the real one; our offline
// document loader answers that URL with these terms only. `npm run conformance` proves that they
// mean the same: the export expanded with this file and with the official file (STANDARDS_DIR) gives
// identical RDF, and that RDF passes the official LOQ SHACL shapes.

export const EDC_AP_CONTEXT_URL = 'http://data.europa.eu/snb/model/context/edc-ap';

const ELM = 'http://data.europa.eu/snb/model/elm/';
const DC = 'http://purl.org/dc/terms/';
const SKOS = 'http://www.w3.org/2004/02/skos/core#';
const ROV = 'http://www.w3.org/ns/regorg#';
const XSD = 'http://www.w3.org/2001/XMLSchema#';

const ref = (iri: string) => ({ '@id': iri, '@type': '@id' });
const langMap = (iri: string) => ({ '@id': iri, '@container': '@language' });

export const ELM_TERMS_CONTEXT = {
  '@context': {
    // classes
    Qualification: `${ELM}Qualification`,
    LearningOutcome: `${ELM}LearningOutcome`,
    CreditPoint: `${ELM}CreditPoint`,
    Concept: `${SKOS}Concept`,
    ConceptScheme: `${SKOS}ConceptScheme`,
    Note: `${ELM}Note`,
    LearningAssessmentSpecification: `${ELM}LearningAssessmentSpecification`,
    AwardingOpportunity: `${ELM}AwardingOpportunity`,
    Organisation: `${ELM}Organisation`,
    Location: `${DC}Location`,
    Address: `${ELM}Address`,
    // properties
    title: langMap(`${DC}title`),
    description: langMap(`${DC}description`),
    prefLabel: langMap(`${SKOS}prefLabel`),
    notation: { '@id': `${SKOS}notation` },
    inScheme: ref(`${SKOS}inScheme`),
    eqfLevel: ref(`${ELM}EQFLevel`),
    nqfLevel: ref(`${ELM}NQFLevel`),
    thematicArea: ref(`${ELM}ISCEDFCode`),
    creditPoint: ref(`${ELM}creditPoint`),
    framework: ref(`${ELM}framework`),
    point: { '@id': `${ELM}point`, '@type': `${XSD}string` },
    volumeOfLearning: { '@id': `${ELM}volumeOfLearning`, '@type': `${XSD}duration` },
    learningOutcome: ref(`${ELM}learningOutcome`),
    relatedESCOSkill: ref(`${ELM}relatedESCOSkill`),
    language: ref(`${DC}language`),
    mode: ref(`${ELM}mode`),
    provenBy: ref(`${ELM}provenBy`),
    entryRequirement: ref(`${ELM}entryRequirement`),
    additionalNote: ref(`${ELM}additionalNote`),
    noteLiteral: langMap(`${ELM}noteLiteral`),
    awardingOpportunity: ref(`${ELM}awardingOpportunity`),
    awardingBody: ref(`${ELM}awardingBody`),
    learningAchievementSpecification: ref(`${ELM}learningAchievementSpecification`),
    legalName: langMap(`${ROV}legalName`),
    location: ref(`${ELM}location`),
    address: ref(`${ELM}address`),
    countryCode: ref(`${ELM}countryCode`),
  },
} as const;
