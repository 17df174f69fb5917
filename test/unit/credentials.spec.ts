import { describe, expect, it } from '@jest/globals';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import jsonld from 'jsonld';
import {
  achievementIdOf,
  buildAchievement,
  buildElmQualification,
  buildEndorsement,
  hoursToDuration,
  proposalIdOfAchievement,
  type CredentialSource,
} from '../../src/credentials/credential-documents.js';
import { didWebOf, verificationMethodId } from '../../src/credentials/did-web.js';
import { DocumentRefusedError, offlineDocumentLoader } from '../../src/credentials/document-loader.js';
import {
  base58btcDecode,
  base58btcEncode,
  generateEd25519SecretKey,
  parseEd25519SecretKey,
} from '../../src/credentials/multibase.js';
import { VALID_CONTENT } from '../support/review-scenario.js';

// A key exported by @digitalbazaar/ed25519-multikey (test data only) and its public key.
const LIBRARY_SECRET =
  'zrv4bkwWNs6uF5uUn6SzjkiDPcBdAA7Ry6xKdbREL6ZDdeoow3X7eKN4JzSo3GTL3GxygDj8CvGqQuRToCc398GGzmb';
const LIBRARY_PUBLIC = 'z6Mkjb1WF1nXpA2v7EFcWLQ8CxdNW2uTxj5gYFxa3t493tKP';

const PUBLIC_URL = 'https://qa.4euplus.eu';
const PROPOSAL_ID = '6f1c1a52-7a43-4d7e-9b8f-2a1e0c3d4b5a';

function source(content: Record<string, unknown> = VALID_CONTENT): CredentialSource {
  return {
    publicUrl: PUBLIC_URL,
    proposalId: PROPOSAL_ID,
    reference: 'MC-2026-0042',
    revision: 2,
    lead: { id: 'cuni', name: 'Charles University', country: 'CZ' },
    partners: [
      { id: 'uhd', name: 'Heidelberg University', country: 'DE' },
      { id: 'faraway', name: 'A university outside the authority table', country: 'QQ' },
    ],
    content,
    approvedAt: new Date('2026-11-30T10:11:12.345Z'),
    criteria: [
      { criterion: 'eu-quality', result: 'met' },
      { criterion: 'eu-transparency', result: 'met-with-conditions', note: 'Publish the rubric.' },
    ],
    criteriaTitles: { 'eu-quality': 'Quality' },
    alignments: [
      {
        country: 'CZ',
        agency: { id: 'nau', name: 'NAÚ', country: 'CZ' },
        outcome: 'aligned',
        nqfLevel: '7',
        reference: 'N-1',
      },
      {
        country: 'FR',
        agency: { id: 'hceres', name: 'Hcéres', country: 'FR' },
        outcome: 'aligned-with-conditions',
        conditions: 'RNCP first',
      },
    ],
  };
}

describe('multibase keys (SIGNING_KEY format)', () => {
  it('round-trips base58btc, leading zero bytes included', () => {
    const bytes = Uint8Array.from([0, 0, 1, 2, 255, 254, 17]);
    expect(base58btcDecode(base58btcEncode(bytes))).toEqual(bytes);
    expect(base58btcDecode('0OIl')).toBeNull();
  });

  it('reads the secret key the library exports and derives the same public key', () => {
    expect(parseEd25519SecretKey(LIBRARY_SECRET)).toEqual({
      publicKeyMultibase: LIBRARY_PUBLIC,
      secretKeyMultibase: LIBRARY_SECRET,
    });
  });

  it('accepts a bare 32-byte seed with the ed25519-priv header', () => {
    const full = base58btcDecode(LIBRARY_SECRET.slice(1)) as Uint8Array;
    const seedOnly = `z${base58btcEncode(full.subarray(0, 2 + 32))}`;
    expect(parseEd25519SecretKey(seedOnly)?.publicKeyMultibase).toBe(LIBRARY_PUBLIC);
  });

  it('refuses what is not an Ed25519 secret key', () => {
    expect(parseEd25519SecretKey(LIBRARY_PUBLIC)).toBeNull(); // a public key
    expect(parseEd25519SecretKey('not-multibase')).toBeNull();
    expect(parseEd25519SecretKey(`z${base58btcEncode(Uint8Array.of(0x80, 0x26, 1, 2, 3))}`)).toBeNull();
    // Seed and public halves that do not belong together.
    const full = base58btcDecode(LIBRARY_SECRET.slice(1)) as Uint8Array;
    const broken = Uint8Array.from(full);
    broken[broken.length - 1] ^= 1;
    expect(parseEd25519SecretKey(`z${base58btcEncode(broken)}`)).toBeNull();
  });

  it('generates keys the library accepts', async () => {
    const key = generateEd25519SecretKey();
    const pair = await Ed25519Multikey.from({ ...key, id: 'did:web:x#k', controller: 'did:web:x' });
    expect((await pair.export({ publicKey: true })).publicKeyMultibase).toBe(key.publicKeyMultibase);
  });
});

describe('did:web of PUBLIC_URL', () => {
  it('percent-encodes the port and keys its verification methods by public key', () => {
    expect(didWebOf('http://localhost:3000')).toBe('did:web:localhost%3A3000');
    expect(didWebOf('https://qa.4euplus.eu')).toBe('did:web:qa.4euplus.eu');
    expect(verificationMethodId('did:web:qa.4euplus.eu', LIBRARY_PUBLIC)).toBe(
      `did:web:qa.4euplus.eu#${LIBRARY_PUBLIC}`,
    );
  });
});

describe('the exported documents', () => {
  it('builds an Achievement with the OB 3.0 required fields and the micro-credential facts', () => {
    const a = buildAchievement(source());
    expect(Object.keys(a)).toEqual(expect.arrayContaining(['id', 'type', 'criteria', 'description', 'name']));
    expect(a).toMatchObject({
      id: achievementIdOf(PUBLIC_URL, PROPOSAL_ID),
      achievementType: 'MicroCredential',
      creditsAvailable: 5,
      inLanguage: 'en',
      fieldOfStudy: 'ISCED-F 2013 0542',
      humanCode: 'MC-2026-0042',
    });
  });

  it('states in the achievement what Open Badges has no field for: outcomes, ECTS, EQF, participation', () => {
    const a = buildAchievement(source());
    const narrative = (a.criteria as { narrative: string }).narrative;
    // Every outcome, with or without an ESCO skill (only linked ones become alignments).
    for (const o of VALID_CONTENT.learningOutcomes as Array<{ description: string }>)
      expect(narrative).toContain(`- ${o.description}`);
    expect(narrative).toContain('Assessment (Project): A data management plan, peer reviewed and graded.');
    expect(narrative).toContain('Workload: 5 ECTS credits (140 hours).');
    expect(narrative).toContain('Level: EQF 7.');
    expect(narrative).toContain('Participation: blended (online and on site).');
    expect(narrative).toContain('Prerequisites: A completed bachelor degree.');
    expect(a.alignment).toContainEqual({
      type: ['Alignment'],
      targetName: 'EQF level 7',
      targetUrl: 'http://data.europa.eu/snb/eqf/7',
      targetType: 'ext:EQFLevel',
      targetFramework: 'European Qualifications Framework',
      targetCode: '7',
    });
  });

  it('gives the ELM Qualification the standard elements: languages, mode, assessment, prerequisites, QA, awarding bodies', () => {
    const q = buildElmQualification(source());
    const id = `${PUBLIC_URL}/api/proposals/${PROPOSAL_ID}/exports/elm`;
    expect((q.language as Array<{ id: string }>).map((l) => l.id)).toEqual(
      ['ENG', 'CES', 'DEU', 'FRA'].map(
        (c) => `http://publications.europa.eu/resource/authority/language/${c}`,
      ),
    );
    expect(q.mode).toMatchObject({ id: 'http://data.europa.eu/snb/learning-assessment/e92d221e4d' });
    expect(q.provenBy).toEqual([
      expect.objectContaining({
        type: 'LearningAssessmentSpecification',
        title: { en: 'Project' },
        description: { en: 'A data management plan, peer reviewed and graded.' },
      }),
    ]);
    expect(q.entryRequirement).toMatchObject({
      type: 'Note',
      noteLiteral: { en: 'A completed bachelor degree.' },
    });
    const qa = (q.additionalNote as Array<{ noteLiteral: { en: string } }>)[0].noteLiteral.en;
    expect(qa).toContain('Quality assurance: Internal QA of Charles University');
    expect(qa).toContain(
      'Approved by 4EU+ Alliance (4EU+QUALITY) on 2026-11-30, aligned by NAÚ (CZ), Hcéres (FR).',
    );
    const [opportunity] = q.awardingOpportunity as Array<Record<string, unknown>>;
    expect(opportunity.learningAchievementSpecification).toBe(id);
    // Lead and partners are joint awarding bodies; one whose country has no authority code is left out.
    const bodies = opportunity.awardingBody as Array<{
      id: string;
      legalName: { en: string };
      location: unknown;
    }>;
    expect(bodies.map((b) => b.legalName.en)).toEqual(['Charles University', 'Heidelberg University']);
    expect(bodies[1].location).toEqual([
      expect.objectContaining({
        address: [
          expect.objectContaining({
            countryCode: expect.objectContaining({
              id: 'http://publications.europa.eu/resource/authority/country/DEU',
            }),
          }),
        ],
      }),
    ]);
  });

  it('leaves out of the ELM document what the content or the institutions do not give', () => {
    const { prerequisites: _p, ...content } = VALID_CONTENT;
    const onsite = { ...content, participationForm: 'onsite', languages: ['en', 'zh', 'zu'] };
    const s = { ...source(onsite), lead: { id: 'x', name: 'X', country: null }, partners: [] };
    const q = buildElmQualification(s);
    expect(q).not.toHaveProperty('entryRequirement');
    expect(q).not.toHaveProperty('awardingOpportunity');
    // Chinese is offered by the form and in the EU table; Zulu is neither, and is left out.
    expect((q.language as Array<{ notation: string }>).map((l) => l.notation)).toEqual(['ENG', 'ZHO']);
    // No verified concept address for on-site participation: a label, no guessed address in the EU's space.
    expect(q.mode).toMatchObject({ type: 'Concept', prefLabel: { en: 'Onsite' } });
    expect((q.mode as { id: string }).id.startsWith(PUBLIC_URL)).toBe(true);
  });

  it('maps an achievement id back to its proposal, and nothing else', () => {
    expect(proposalIdOfAchievement(PUBLIC_URL, achievementIdOf(PUBLIC_URL, PROPOSAL_ID))).toBe(PROPOSAL_ID);
    expect(
      proposalIdOfAchievement('https://elsewhere.eu', achievementIdOf(PUBLIC_URL, PROPOSAL_ID)),
    ).toBeNull();
    expect(
      proposalIdOfAchievement(PUBLIC_URL, `${PUBLIC_URL}/api/proposals/${PROPOSAL_ID}/exports/elm`),
    ).toBeNull();
    expect(proposalIdOfAchievement(PUBLIC_URL, 42)).toBeNull();
  });

  it('states every criterion and each country in the endorsement comment', () => {
    const e = buildEndorsement(source(), 'did:web:qa.4euplus.eu', 'urn:uuid:1');
    const comment = (e.credentialSubject as { endorsementComment: string }).endorsementComment;
    expect(comment).toContain('approved MC-2026-0042');
    expect(comment).toContain('- Quality [eu-quality]: met');
    expect(comment).toContain(
      '- eu-transparency [eu-transparency]: met with conditions (Publish the rubric.)',
    );
    expect(comment).toContain('- CZ, NAÚ: aligned; NQF level 7; reference N-1');
    expect(comment).toContain('- FR, Hcéres: aligned with conditions: RNCP first');
    expect(e.validFrom).toBe('2026-11-30T10:11:12Z');
  });

  it('keeps micro-credentials approved before thematicArea existed exportable', () => {
    const { thematicArea: _t, ...old } = VALID_CONTENT;
    expect(buildAchievement(source(old))).not.toHaveProperty('fieldOfStudy');
    expect(buildElmQualification(source(old)).thematicArea).toMatchObject({
      id: 'http://data.europa.eu/snb/isced-f/9999',
      notation: '9999',
    });
  });

  it('writes the workload as an ISO 8601 duration', () => {
    expect(hoursToDuration(140)).toBe('PT140H');
    expect(hoursToDuration(137.5)).toBe('PT137.5H');
  });

  it('expands all three in JSON-LD safe mode with the offline loader, which refuses any other URL', async () => {
    const documentLoader = offlineDocumentLoader();
    for (const doc of [
      buildAchievement(source()),
      buildEndorsement(source(), 'did:web:qa.4euplus.eu', 'urn:uuid:1'),
      buildElmQualification(source()),
    ]) {
      await expect(jsonld.expand(doc, { documentLoader, safe: true })).resolves.toHaveLength(1);
      await expect(
        jsonld.expand({ ...doc, notATerm: 'x' }, { documentLoader, safe: true }),
      ).rejects.toThrow();
    }
    await expect(documentLoader('https://example.org/context.jsonld')).rejects.toBeInstanceOf(
      DocumentRefusedError,
    );
  });
});

describe('signing with the library (eddsa-rdfc-2022)', () => {
  it('verifies what it signed and refuses one changed character of the comment', async () => {
    const did = 'did:web:qa.4euplus.eu';
    const key = parseEd25519SecretKey(LIBRARY_SECRET)!;
    const pair = await Ed25519Multikey.from({
      ...key,
      id: verificationMethodId(did, key.publicKeyMultibase),
      controller: did,
    });
    const method = {
      id: pair.id,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase: key.publicKeyMultibase,
    };
    const documentLoader = offlineDocumentLoader(async (url) => {
      if (url === did)
        return {
          '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
          id: did,
          verificationMethod: [method],
          assertionMethod: [method.id],
        };
      return url === method.id ? { '@context': 'https://w3id.org/security/multikey/v1', ...method } : null;
    });
    const credential = buildEndorsement(source(), did, 'urn:uuid:2');
    const signed = await vc.issue({
      credential,
      suite: new DataIntegrityProof({ signer: pair.signer(), cryptosuite }),
      documentLoader,
    });
    const asArray = { ...signed, proof: [signed.proof] };
    const suite = new DataIntegrityProof({ cryptosuite });
    expect((await vc.verifyCredential({ credential: asArray, suite, documentLoader })).verified).toBe(true);
    const subject = signed.credentialSubject as Record<string, string>;
    const tampered = {
      ...asArray,
      credentialSubject: { ...subject, endorsementComment: subject.endorsementComment.replace('NAÚ', 'NAU') },
    };
    expect((await vc.verifyCredential({ credential: tampered, suite, documentLoader })).verified).toBe(false);
  });
});
