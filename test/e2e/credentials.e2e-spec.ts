// Credential exports (DESIGN.md 10.3) through HTTP against the built service: Open Badges 3.0
// achievement, the signed EndorsementCredential, the ELM Qualification, the DID document and the
// verify endpoint. The API runs with WORKER=off, so the test decides when the outbox is drained: a
// worker process (dist/src/worker.js) is started part-way through.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import jsonld from 'jsonld';
import type pg from 'pg';
import { offlineDocumentLoader } from '../../src/credentials/document-loader.js';
import { generateEd25519SecretKey } from '../../src/credentials/multibase.js';
import { VALID_CONTENT } from '../support/review-scenario.js';
import { ReviewWorld, type ActorName, type ProposalView } from '../support/review-world.js';
import {
  freePort,
  MAIN,
  startProcess,
  startServer,
  TestServer,
  testPool,
  waitForHttp,
  WORKER,
  type RunningProcess,
} from '../support/server.js';

const PUBLIC_URL = 'https://qa.4euplus.test';
const DID = 'did:web:qa.4euplus.test';

let t: TestServer;
let w: ReviewWorld;
let db: pg.Pool;
let worker: RunningProcess | undefined;
const others: TestServer[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Approved with NQF levels and references from the agencies, the way DESIGN section 5 allows. */
async function approved(content: Record<string, unknown> = VALID_CONTENT): Promise<ProposalView> {
  let p = await w.create(content);
  const criteria = w.criteria.map((criterion, i) =>
    i === 0
      ? { criterion, result: 'met-with-conditions', note: 'Publish the grading rubric.' }
      : { criterion, result: 'met' },
  );
  const steps: Array<[ActorName, string, Record<string, unknown>]> = [
    ['cuniProposer', 'SUBMIT', {}],
    ['uhdReviewer', 'PARTNER_APPROVE', {}],
    ['suReviewer', 'PARTNER_APPROVE', {}],
    ['qualityOfficer', 'QUALITY_APPROVE', { criteria }],
    ['nauLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned', nqfLevel: '7', reference: 'NAU-2026-17' }],
    ['gacLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned', nqfLevel: '7' }],
    [
      'hceresLiaison',
      'AGENCY_CONFIRM',
      { outcome: 'aligned-with-conditions', conditions: 'RNCP registration first', nqfLevel: '7' },
    ],
  ];
  for (const [as, type, body] of steps) p = await w.ok(p.id, as, type, body);
  expect(p.state).toBe('approved');
  return p;
}

function exportOf(id: string, kind: string, as: ActorName = 'cuniProposer') {
  return t.http().get(`/api/proposals/${id}/exports/${kind}`).set(w.auth(as));
}

async function exported(id: string, kind: string): Promise<{ text: string; doc: Record<string, unknown> }> {
  const res = await exportOf(id, kind);
  expect([res.status, res.headers['content-type']]).toEqual([
    200,
    expect.stringMatching(/^application\/ld\+json/),
  ]);
  return { text: res.text, doc: JSON.parse(res.text) as Record<string, unknown> };
}

function verify(credential: unknown, server: TestServer = t) {
  return server
    .http()
    .post('/api/credentials/verify')
    .send(credential as object);
}

async function storedEndorsement(proposalId: string): Promise<string | null> {
  const { rows } = await db.query(
    `SELECT document FROM issued_credentials WHERE proposal_id = $1 AND kind = 'ob3-endorsement'`,
    [proposalId],
  );
  return (rows[0]?.document as string | undefined) ?? null;
}

async function outboxStatus(proposalId: string): Promise<string | null> {
  const { rows } = await db.query(`SELECT status FROM outbox WHERE aggregate_id = $1`, [proposalId]);
  return (rows[0]?.status as string | undefined) ?? null;
}

beforeAll(async () => {
  t = await startServer({ WORKER: 'off', PUBLIC_URL });
  w = await new ReviewWorld(t).setUp([
    'cuniProposer',
    'cuniAdmin',
    'uhdReviewer',
    'suReviewer',
    'qualityOfficer',
    'nauLiaison',
    'gacLiaison',
    'hceresLiaison',
    'allianceAdmin',
    'unimiProposer',
  ]);
  db = testPool();
});

afterAll(async () => {
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  for (const o of others) await o.stop();
  await t?.stop();
  await db?.end();
});

describe('before approval', () => {
  it('answers 409 problem+json for every export of a draft, and 404 to users who may not see it', async () => {
    const p = await w.create();
    for (const kind of ['ob3-achievement', 'ob3-endorsement', 'elm']) {
      const res = await exportOf(p.id, kind);
      expect([res.status, res.headers['content-type']]).toEqual([
        409,
        expect.stringMatching(/problem\+json/),
      ]);
      expect(res.body.detail).toMatch(/draft/);
      expect((await exportOf(p.id, kind, 'unimiProposer')).status).toBe(404);
    }
    expect((await exportOf(p.id, 'pdf')).status).toBe(404);
    expect((await t.http().get(`/api/proposals/${p.id}/exports/elm`)).status).toBe(401);
  });
});

describe('exports of an approved micro-credential', () => {
  let first: ProposalView;

  it('signs the endorsement at the first export when the outbox has not run, and the worker then keeps those bytes', async () => {
    first = await approved();
    expect(await outboxStatus(first.id)).toBe('pending');
    expect(await storedEndorsement(first.id)).toBeNull();
    const a = await exported(first.id, 'ob3-endorsement');
    const b = await exported(first.id, 'ob3-endorsement');
    expect(b.text).toBe(a.text);
    expect(await storedEndorsement(first.id)).toBe(a.text);

    worker = startProcess(WORKER, { ...t.env });
    await until('the outbox row to be processed', async () => (await outboxStatus(first.id)) === 'done');
    expect((await exported(first.id, 'ob3-endorsement')).text).toBe(a.text);
  });

  it('issues the endorsement once at approval through the outbox, before anyone exports it', async () => {
    const p = await approved();
    const stored = await until('the worker to issue the endorsement', () => storedEndorsement(p.id));
    // The worker stores the credential, then marks its outbox row done.
    await until('the outbox row to be marked done', async () => (await outboxStatus(p.id)) === 'done');
    expect((await exported(p.id, 'ob3-endorsement')).text).toBe(stored);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1`, [p.id]);
    expect(rows[0].n).toBe(1);
  });

  it('tags each export with a strong ETag of its bytes and answers 304 to a copy that has it', async () => {
    const res = await exportOf(first.id, 'ob3-endorsement');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('private, no-cache');
    const etag = res.headers.etag as string;
    expect(etag).toBe(`"${createHash('sha256').update(res.text).digest('base64url')}"`);
    const again = await exportOf(first.id, 'ob3-endorsement').set('If-None-Match', etag);
    expect([again.status, again.text ?? '']).toEqual([304, '']);
    expect(again.headers.etag).toBe(etag);
    // A tag of another document, or another export of this one, gets the document.
    const other = await exportOf(first.id, 'ob3-achievement').set('If-None-Match', etag);
    expect(other.status).toBe(200);
  });

  it('exports an Open Badges 3.0 Achievement with every required field and the micro-credential facts', async () => {
    const { doc } = await exported(first.id, 'ob3-achievement');
    for (const field of ['id', 'type', 'criteria', 'description', 'name']) expect(doc).toHaveProperty(field);
    expect(doc).toMatchObject({
      id: `${PUBLIC_URL}/api/proposals/${first.id}/exports/ob3-achievement`,
      type: ['Achievement'],
      achievementType: 'MicroCredential',
      name: VALID_CONTENT.title,
      description: VALID_CONTENT.summary,
      criteria: { narrative: expect.stringContaining('A data management plan') },
      creditsAvailable: 5,
      inLanguage: 'en',
      creator: { type: ['Profile'], name: 'Charles University' },
      tag: ['data-literacy', 'multilingualism'],
      fieldOfStudy: expect.stringContaining('0542'),
      alignment: [
        {
          type: ['Alignment'],
          targetUrl: 'http://data.europa.eu/esco/skill/0f2d2b8a-3b1a-4d7e-9c1e-2a3b4c5d6e7f',
          targetType: 'ext:ESCOSkill',
          targetFramework: 'ESCO',
        },
        { type: ['Alignment'], targetUrl: 'http://data.europa.eu/snb/eqf/7', targetType: 'ext:EQFLevel' },
      ],
    });
    expect((doc.criteria as { narrative: string }).narrative).toContain('Workload: 5 ECTS credits');
    expect((await exported(first.id, 'ob3-achievement')).text).toBe(JSON.stringify(doc));
  });

  it('exports a signed EndorsementCredential of the alliance whose comment states the decision and each country', async () => {
    const { doc } = await exported(first.id, 'ob3-endorsement');
    expect(doc['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    ]);
    expect(doc).toMatchObject({
      type: ['VerifiableCredential', 'EndorsementCredential'],
      issuer: { id: DID, type: ['Profile'] },
      credentialSubject: {
        id: `${PUBLIC_URL}/api/proposals/${first.id}/exports/ob3-achievement`,
        type: ['EndorsementSubject'],
      },
    });
    const comment = (doc.credentialSubject as { endorsementComment: string }).endorsementComment;
    expect(comment).toContain(first.reference);
    expect(comment).toMatch(/met with conditions \(Publish the grading rubric\.\)/);
    expect(comment).toMatch(/CZ, .*NAÚ.*: aligned; NQF level 7; reference NAU-2026-17/);
    expect(comment).toMatch(/FR, Hcéres: aligned with conditions: RNCP registration first; NQF level 7/);
    expect(Array.isArray(doc.proof)).toBe(true);
    expect(doc.proof).toEqual([
      expect.objectContaining({
        type: 'DataIntegrityProof',
        cryptosuite: 'eddsa-rdfc-2022',
        proofPurpose: 'assertionMethod',
        verificationMethod: expect.stringMatching(new RegExp(`^${DID}#z`)),
      }),
    ]);
  });

  it('exports an ELM Qualification with levels, credit points, outcomes and the thematic area', async () => {
    const { doc } = await exported(first.id, 'elm');
    expect(doc['@context']).toEqual([
      'https://www.w3.org/2018/credentials/v1',
      'http://data.europa.eu/snb/model/context/edc-ap',
    ]);
    expect(doc).toMatchObject({
      type: 'Qualification',
      title: { en: VALID_CONTENT.title },
      eqfLevel: { id: 'http://data.europa.eu/snb/eqf/7', type: 'Concept' },
      creditPoint: { type: 'CreditPoint', point: '5' },
      volumeOfLearning: 'PT140H',
      thematicArea: { id: 'http://data.europa.eu/snb/isced-f/0542', type: 'Concept' },
    });
    expect(doc.nqfLevel).toHaveLength(3);
    expect(doc.learningOutcome).toEqual([
      expect.objectContaining({
        type: 'LearningOutcome',
        relatedESCOSkill: [
          expect.objectContaining({
            id: 'http://data.europa.eu/esco/skill/0f2d2b8a-3b1a-4d7e-9c1e-2a3b4c5d6e7f',
          }),
        ],
      }),
      expect.objectContaining({ type: 'LearningOutcome' }),
    ]);
    // The awarding bodies are the lead and its partners, each with its country (Annex I M3, M4).
    const [opportunity] = doc.awardingOpportunity as Array<{
      awardingBody: Array<{
        legalName: { en: string };
        location: Array<{ address: Array<{ countryCode: { id: string } }> }>;
      }>;
    }>;
    expect(
      opportunity.awardingBody.map((b) => [
        b.legalName.en,
        b.location[0].address[0].countryCode.id.slice(-3),
      ]),
    ).toEqual([
      ['Charles University', 'CZE'],
      ['Heidelberg University', 'DEU'],
      ['Sorbonne University', 'FRA'],
    ]);
    expect(doc).toMatchObject({
      mode: { id: 'http://data.europa.eu/snb/learning-assessment/e92d221e4d' },
      provenBy: [{ type: 'LearningAssessmentSpecification', title: { en: 'Project' } }],
      entryRequirement: { type: 'Note' },
    });
  });

  it('expands all three documents in JSON-LD safe mode with contexts that never come from the network', async () => {
    const documentLoader = offlineDocumentLoader();
    for (const kind of ['ob3-achievement', 'ob3-endorsement', 'elm']) {
      const { doc } = await exported(first.id, kind);
      const expanded = await jsonld.expand(doc, { documentLoader, safe: true });
      expect(expanded.length).toBe(1);
      // Safe mode really is on: a term no context defines is an error, not silently dropped.
      await expect(
        jsonld.expand({ ...doc, undefinedTerm: 1 }, { documentLoader, safe: true }),
      ).rejects.toThrow(/[Ss]afe mode/);
    }
  });
});

describe('verification', () => {
  let endorsement: Record<string, unknown>;
  let proposal: ProposalView;

  beforeAll(async () => {
    proposal = await approved();
    endorsement = (await exported(proposal.id, 'ob3-endorsement')).doc;
  });

  it('publishes the DID document with the signing key as a Multikey assertion method', async () => {
    const res = await t.http().get('/.well-known/did.json');
    expect(res.status).toBe(200);
    const did = JSON.parse(res.text) as Record<string, unknown>;
    const method = (endorsement.proof as Array<{ verificationMethod: string }>)[0].verificationMethod;
    expect(did).toMatchObject({
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: DID,
      verificationMethod: expect.arrayContaining([
        { id: method, type: 'Multikey', controller: DID, publicKeyMultibase: method.split('#')[1] },
      ]),
      assertionMethod: expect.arrayContaining([method]),
    });
  });

  it('verifies the exported endorsement: signature, issuer key and a micro-credential still approved', async () => {
    const res = await verify(endorsement);
    expect([res.status, res.body]).toEqual([200, { verified: true, errors: [] }]);
  });

  it('verifies the endorsement posted under the media type it was served with', async () => {
    for (const type of ['application/ld+json', 'application/vc+ld+json']) {
      const res = await t
        .http()
        .post('/api/credentials/verify')
        .set('Content-Type', type)
        .send(JSON.stringify(endorsement));
      expect([type, res.status, res.body]).toEqual([type, 200, { verified: true, errors: [] }]);
    }
  });

  it('refuses an endorsement with one character of the comment changed', async () => {
    const subject = endorsement.credentialSubject as Record<string, string>;
    const comment = subject.endorsementComment;
    const tampered = {
      ...endorsement,
      credentialSubject: { ...subject, endorsementComment: comment.replace('aligned', 'alignet') },
    };
    const res = await verify(tampered);
    expect(res.status).toBe(200);
    expect(res.body.verified).toBe(false);
    expect(res.body.errors.join(' ')).toMatch(/signature/);
  });

  it('reads a document holding control characters (it only reads it) and answers on its signature', async () => {
    const subject = endorsement.credentialSubject as Record<string, string>;
    const res = await verify({
      ...endorsement,
      credentialSubject: { ...subject, endorsementComment: `${subject.endorsementComment}\u0001` },
    });
    expect(res.status).toBe(200);
    expect(res.body.verified).toBe(false);
    expect(res.body.errors.join(' ')).toMatch(/signature/);
  });

  it('refuses an endorsement whose issuer was changed', async () => {
    const issuer = endorsement.issuer as Record<string, unknown>;
    for (const id of ['did:web:qa.4euplus.tesu', 'did:web:elsewhere.example']) {
      const res = await verify({ ...endorsement, issuer: { ...issuer, id } });
      expect(res.body.verified).toBe(false);
      expect(res.body.errors.join(' ')).toMatch(/issuer/);
    }
    const renamed = await verify({
      ...endorsement,
      issuer: { ...issuer, name: '4EU+ Alliance (4EU+QUALITZ)' },
    });
    expect(renamed.body.verified).toBe(false);
  });

  it('refuses an endorsement with one character of the proof value changed', async () => {
    const [proof] = endorsement.proof as Array<Record<string, string>>;
    const value = proof.proofValue;
    const flipped = value.slice(0, 10) + (value[10] === 'A' ? 'B' : 'A') + value.slice(11);
    const res = await verify({ ...endorsement, proof: [{ ...proof, proofValue: flipped }] });
    expect(res.body.verified).toBe(false);
  });

  it('answers a body that is not a credential with verified false, and refuses a non-object body', async () => {
    expect((await verify({ hello: 'world' })).body).toMatchObject({ verified: false });
    const res = await t
      .http()
      .post('/api/credentials/verify')
      .set('Content-Type', 'application/json')
      .send('[1,2]');
    expect(res.status).toBe(400);
  });

  it('reports a retired micro-credential’s endorsement as no longer valid', async () => {
    const p = await approved();
    const doc = (await exported(p.id, 'ob3-endorsement')).doc;
    await w.ok(p.id, 'cuniAdmin', 'PUBLISH');
    expect((await verify(doc)).body).toEqual({ verified: true, errors: [] });
    await w.ok(p.id, 'cuniAdmin', 'RETIRE', { comment: 'Superseded by MC-2027-0001.' });
    const res = await verify(doc);
    expect(res.body.verified).toBe(false);
    expect(res.body.errors).toEqual([expect.stringMatching(/retired: the endorsement is no longer valid/)]);
    // Its exports stay available (a wallet can still show it), with the same bytes.
    expect((await exported(p.id, 'ob3-endorsement')).text).toBe(JSON.stringify(doc));
  });

  it('keeps endorsements of a rotated key verifiable: the DID document lists old and new keys', async () => {
    const oldMethod = (endorsement.proof as Array<{ verificationMethod: string }>)[0].verificationMethod;
    // The worker still holds the old key; stopped, so the new process is the one that signs below.
    worker?.child.kill('SIGTERM');
    await worker?.exited;
    worker = undefined;
    // A process configured with SIGNING_KEY rotates the key for everyone on this database.
    const key = generateEd25519SecretKey();
    const { PORT: _port, ...env } = t.env;
    const rotated = await startServer({ ...env, WORKER: 'off', SIGNING_KEY: key.secretKeyMultibase });
    others.push(rotated);
    const did = JSON.parse((await rotated.http().get('/.well-known/did.json')).text) as {
      verificationMethod: Array<{ id: string }>;
      assertionMethod: string[];
    };
    const newMethod = `${DID}#${key.publicKeyMultibase}`;
    expect(did.verificationMethod.map((m) => m.id)).toEqual(expect.arrayContaining([newMethod, oldMethod]));
    expect(did.assertionMethod[0]).toBe(newMethod);
    expect((await verify(endorsement, rotated)).body).toEqual({ verified: true, errors: [] });

    // What the rotated process signs now carries the new key and verifies too.
    const p = await approved();
    const res = await rotated
      .http()
      .get(`/api/proposals/${p.id}/exports/ob3-endorsement`)
      .set(w.auth('cuniProposer'));
    expect(res.status).toBe(200);
    const fresh = JSON.parse(res.text) as { proof: Array<{ verificationMethod: string }> };
    expect(fresh.proof[0].verificationMethod).toBe(newMethod);
    expect((await verify(fresh, rotated)).body).toEqual({ verified: true, errors: [] });
  });
});

describe('the signing key at first start', () => {
  it('is one key for several processes starting at once on an empty key table', async () => {
    await db.query(`DELETE FROM signing_keys`);
    const { PORT: _port, SIGNING_KEY: _key, ...env } = t.env;
    // Three boots at once on a shared 2-core machine can take longer than startServer's 30 s.
    const started = await Promise.all(
      [1, 2, 3].map(async () => {
        const port = await freePort();
        const own = { ...env, PORT: String(port), WORKER: 'off' };
        const proc = startProcess(MAIN, own);
        const url = `http://127.0.0.1:${port}`;
        await waitForHttp(`${url}/health`, proc, 150_000);
        return new TestServer(url, own, proc);
      }),
    );
    others.push(...started);
    const docs = await Promise.all(
      started.map(async (s) => (await s.http().get('/.well-known/did.json')).text),
    );
    expect(new Set(docs).size).toBe(1);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, count(secret_key_multibase)::int AS s FROM signing_keys`,
    );
    expect(rows[0]).toEqual({ n: 1, s: 1 });
  }, 240_000);
});
