// `npm run conformance`: the credential exports checked against the standards' own published files.
//
// Boots the built service on a fresh database, drives one micro-credential to `approved` over HTTP,
// exports the three documents and validates them:
//   - the OB 3.0 Achievement against `$defs/Achievement` of the official AchievementCredential JSON
//     Schema, and the EndorsementCredential against the official EndorsementCredential schema (draft
//     2019-09, ajv), and the endorsement through POST /api/credentials/verify;
//   - the ELM Qualification converted to RDF (jsonld.toRDF, offline loader with the official EDC
//     application-profile context) against the official LOQ SHACL shapes (rdf-validate-shacl), after
//     checking that the data holds each target class the check relies on (Qualification,
//     LearningOutcome, CreditPoint, and those of the standard elements: assessment, notes, the
//     awarding opportunity with its organisations, locations and addresses), since data in another
//     namespace would "conform" vacuously; and that our own ELM term file gives exactly the RDF the
//     official context gives.
// Exits non-zero on any violation. STANDARDS_DIR (default ../shared/standards) holds the official files.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import jsonld from 'jsonld';
import { Parser, Store } from 'n3';
import pg from 'pg';
import SHACLValidator from 'rdf-validate-shacl';
import { EDC_AP_CONTEXT_URL } from '../src/credentials/contexts/elm-terms.context.js';
import { offlineDocumentLoader, OB3_CONTEXT } from '../src/credentials/document-loader.js';
import { deletePrefixedKeys } from '../src/redis/delete-prefixed-keys.js';

const ROOT = path.resolve(__dirname, '..', '..');
const STANDARDS_DIR = path.resolve(ROOT, process.env.STANDARDS_DIR ?? '../shared/standards');
const FILES = {
  achievementSchema: 'ob3/achievementcredential.json',
  endorsementSchema: 'ob3/endorsementcredential.json',
  ob3Context: 'ob3/context-3.0.3.json',
  edcContext: 'elm/edc-ap-context.jsonld',
  loqShapes: 'elm/LOQ-constraints.ttl',
};
const ELM = 'http://data.europa.eu/snb/model/elm/';
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const TARGET_CLASSES = [
  `${ELM}Qualification`,
  `${ELM}LearningOutcome`,
  `${ELM}CreditPoint`,
  `${ELM}LearningAssessmentSpecification`,
  `${ELM}Note`,
  `${ELM}AwardingOpportunity`,
  `${ELM}Organisation`,
  'http://purl.org/dc/terms/Location',
  `${ELM}Address`,
];
const PUBLIC_URL = 'https://qa.4euplus.eu';
const ADMIN = { email: 'admin@4euplus.eu', password: `conformance-${randomUUID()}` };
const PASSWORD = 'Conformance-check-9';

const failures: string[] = [];
const fail = (what: string) => {
  failures.push(what);
  console.error(`  ✗ ${what}`);
};
const pass = (what: string) => console.log(`  ✓ ${what}`);

function standard(name: keyof typeof FILES): string {
  return readFileSync(path.join(STANDARDS_DIR, FILES[name]), 'utf8');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

class Api {
  constructor(readonly base: string) {}
  token = '';

  async call(
    method: string,
    url: string,
    body?: unknown,
    token = this.token,
  ): Promise<{ status: number; text: string; json: unknown }> {
    const res = await fetch(`${this.base}${url}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, text, json };
  }

  async ok<T = Record<string, unknown>>(
    method: string,
    url: string,
    body?: unknown,
    token?: string,
  ): Promise<T> {
    const res = await this.call(method, url, body, token);
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${res.text.slice(0, 500)}`);
    return res.json as T;
  }

  async login(email: string, password: string): Promise<string> {
    return ((await this.ok('POST', '/api/auth/login', { email, password })) as { accessToken: string })
      .accessToken;
  }

  async user(institutionId: string, roles: string[]): Promise<string> {
    const email = `${roles[0].replace(/_/g, '-')}.${randomUUID().slice(0, 8)}@${institutionId}.conformance`;
    await this.ok('POST', '/api/users', {
      email,
      password: PASSWORD,
      displayName: `${roles[0]} ${institutionId}`,
      institutionId,
      roles,
    });
    return this.login(email, PASSWORD);
  }
}

const CONTENT = {
  title: 'Applied Machine Learning for Public Health Data',
  summary: 'An assessed course on building and validating predictive models with public health data.',
  learningOutcomes: [
    {
      description: 'Build a validated predictive model from a public health data set.',
      escoSkillUri: 'http://data.europa.eu/esco/skill/5fb0f9c1-9c7e-4b52-8a8a-1c6e2d0f3b2a',
    },
    { description: 'Explain the limits of a model to decision makers.' },
  ],
  ects: 4,
  workloadHours: 110,
  eqfLevel: 7,
  assessment: { type: 'project', description: 'A modelling project with a written report and a defence.' },
  participationForm: 'online',
  languages: ['en'],
  targetGroups: ['master', 'professional'],
  strategicAreas: ['data-literacy'],
  qualityAssurance: 'Internal QA of the lead university.',
  prerequisites: 'A completed bachelor degree in a quantitative field.',
  thematicArea: '0613',
};

async function approvedProposal(api: Api, content: Record<string, unknown> = CONTENT): Promise<string> {
  const admin = api.token;
  const proposer = await api.user('cuni', ['proposer']);
  const uhd = await api.user('uhd', ['reviewer']);
  const su = await api.user('su', ['reviewer']);
  const quality = await api.user('4euplus', ['quality_officer']);
  const liaisons = {
    nau: await api.user('nau', ['agency_liaison']),
    gac: await api.user('gac', ['agency_liaison']),
    hceres: await api.user('hceres', ['agency_liaison']),
  };
  const criteria = (
    (await api.ok('GET', '/api/quality-criteria', undefined, proposer)) as Array<{ id: string }>
  ).map((c) => ({ criterion: c.id, result: 'met' }));
  const p = (await api.ok(
    'POST',
    '/api/proposals',
    { partnerInstitutionIds: ['uhd', 'su'], content },
    proposer,
  )) as {
    id: string;
  };
  const send = (token: string, body: Record<string, unknown>) =>
    api.ok('POST', `/api/proposals/${p.id}/events`, body, token);
  await send(proposer, { type: 'SUBMIT' });
  await send(uhd, { type: 'PARTNER_APPROVE' });
  await send(su, { type: 'PARTNER_APPROVE' });
  await send(quality, { type: 'QUALITY_APPROVE', criteria });
  await send(liaisons.nau, { type: 'AGENCY_CONFIRM', outcome: 'aligned', nqfLevel: '7', reference: 'NAU-1' });
  await send(liaisons.gac, { type: 'AGENCY_CONFIRM', outcome: 'aligned', nqfLevel: '7' });
  const last = (await send(liaisons.hceres, {
    type: 'AGENCY_CONFIRM',
    outcome: 'aligned',
    nqfLevel: '7',
  })) as {
    state: string;
  };
  if (last.state !== 'approved') throw new Error(`the proposal ended in ${last.state}, not approved`);
  api.token = admin;
  return p.id;
}

function checkSchemas(achievement: unknown, endorsement: unknown): void {
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats(ajv);
  const achievementSchema = JSON.parse(standard('achievementSchema')) as { $id: string };
  const endorsementSchema = JSON.parse(standard('endorsementSchema')) as { $id: string };
  ajv.addSchema(achievementSchema);
  const validateAchievement = ajv.getSchema(`${achievementSchema.$id}#/$defs/Achievement`);
  if (!validateAchievement)
    throw new Error('$defs/Achievement not found in the AchievementCredential schema');
  const validateEndorsement = ajv.compile(endorsementSchema);
  for (const [name, validate, doc] of [
    [
      'OB 3.0 Achievement against $defs/Achievement (achievementcredential.json)',
      validateAchievement,
      achievement,
    ],
    ['OB 3.0 EndorsementCredential against endorsementcredential.json', validateEndorsement, endorsement],
  ] as const) {
    if (validate(doc)) pass(name);
    else fail(`${name}: ${ajv.errorsText(validate.errors, { separator: '; ' })}`);
  }
}

async function checkContexts(docs: Record<string, unknown>): Promise<void> {
  // The npm context package must be the official 3.0.3 context, or every OB check above means little.
  const official = JSON.parse(standard('ob3Context')) as unknown;
  const loader = offlineDocumentLoader();
  const bundled = (await loader(OB3_CONTEXT)).document;
  if (JSON.stringify(bundled) === JSON.stringify(official))
    pass('bundled OB 3.0.3 context equals the official file');
  else fail('bundled OB 3.0.3 context differs from the official file');
  for (const [kind, doc] of Object.entries(docs)) {
    try {
      await jsonld.expand(doc, { documentLoader: loader, safe: true });
      pass(`${kind}: JSON-LD expansion in safe mode (no undefined term)`);
    } catch (e) {
      fail(`${kind}: safe-mode expansion failed: ${(e as Error).message}`);
    }
  }
}

async function checkElm(elm: unknown, label = 'online, English'): Promise<void> {
  const tag = `ELM (${label})`;
  const officialContext = JSON.parse(standard('edcContext')) as unknown;
  const withOfficial = offlineDocumentLoader(undefined, new Map([[EDC_AP_CONTEXT_URL, officialContext]]));
  const nquads = await jsonld.toRDF(elm, {
    documentLoader: withOfficial,
    format: 'application/n-quads',
    safe: true,
  });
  const ours = await jsonld.canonize(elm, {
    documentLoader: offlineDocumentLoader(),
    algorithm: 'RDFC-1.0',
    safe: true,
  });
  const theirs = await jsonld.canonize(elm, {
    documentLoader: withOfficial,
    algorithm: 'RDFC-1.0',
    safe: true,
  });
  if (ours === theirs) pass(`${tag}: our term file and the official EDC context give identical RDF`);
  else fail(`${tag}: our term file and the official EDC context give different RDF`);

  const data = new Store(new Parser({ format: 'application/n-quads' }).parse(nquads));
  const types = new Set(data.getQuads(null, RDF_TYPE, null, null).map((q) => q.object.value));
  for (const cls of TARGET_CLASSES) {
    if (types.has(cls)) pass(`${tag}: data holds the shapes' target class ${cls}`);
    else fail(`${tag}: no ${cls} in the data: the shapes would match nothing and conform vacuously`);
  }
  const shapes = new Store(new Parser({ format: 'text/turtle' }).parse(standard('loqShapes')));
  const targets = new Set(
    shapes.getQuads(null, 'http://www.w3.org/ns/shacl#targetClass', null, null).map((q) => q.object.value),
  );
  for (const cls of TARGET_CLASSES)
    if (!targets.has(cls)) fail(`LOQ shapes have no target class ${cls}: wrong shapes file or namespace`);

  // owl:imports name vocabularies; their class definitions play no part in these shapes' checks.
  const validator = new SHACLValidator(shapes as never, { importGraph: () => new Store() as never });
  const report = await validator.validate(data as never);
  if (report.conforms) pass(`${tag} Qualification against LOQ-constraints.ttl (${data.size} triples)`);
  for (const r of report.results)
    fail(
      `${tag} SHACL: ${r.focusNode?.value} ${r.path?.value ?? ''}: ${r.message.map((m) => m.value).join('; ') || r.sourceConstraintComponent?.value}`,
    );
}

async function main(): Promise<void> {
  const missing = Object.values(FILES).filter((f) => !existsSync(path.join(STANDARDS_DIR, f)));
  if (missing.length) {
    console.error(
      `The official standards files are missing from ${STANDARDS_DIR}: ${missing.join(', ')}.\n` +
        'Set STANDARDS_DIR to a folder holding them (README, "Credential exports", lists where each comes from).',
    );
    process.exit(2);
  }
  const main = path.join(ROOT, 'dist', 'src', 'main.js');
  if (!existsSync(main)) throw new Error('dist/ is missing: run npm run build first');

  const base = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `microcred_conformance_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const port = await freePort();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `conf${randomUUID().slice(0, 8)}`;
  let child: ChildProcess | undefined;
  let output = '';
  try {
    child = spawn(process.execPath, [main], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        PORT: String(port),
        DATABASE_URL: url.toString(),
        REDIS_URL: redisUrl,
        REDIS_PREFIX: redisPrefix,
        JWT_SECRET: randomUUID() + randomUUID(),
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        PUBLIC_URL,
        LOG_LEVEL: 'warn',
      },
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const api = new Api(`http://127.0.0.1:${port}`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the service exited at start-up:\n${output.slice(-3000)}`);
      const ok = await fetch(`${api.base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the service did not start:\n${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    api.token = await api.login(ADMIN.email, ADMIN.password);
    console.log(`Conformance of the credential exports (standards: ${STANDARDS_DIR})`);
    const id = await approvedProposal(api);
    const docs: Record<string, unknown> = {};
    for (const kind of ['ob3-achievement', 'ob3-endorsement', 'elm'])
      docs[kind] = await api.ok('GET', `/api/proposals/${id}/exports/${kind}`);

    checkSchemas(docs['ob3-achievement'], docs['ob3-endorsement']);
    await checkContexts(docs);
    const verified = await api.ok('POST', '/api/credentials/verify', docs['ob3-endorsement'], '');
    if (verified.verified === true) pass('EndorsementCredential verifies (eddsa-rdfc-2022, did:web key)');
    else fail(`EndorsementCredential does not verify: ${JSON.stringify(verified.errors)}`);
    await checkElm(docs.elm);
    // On-site participation has no verified concept address (a concept with its label only), and a
    // language outside Europe's: the shapes must take that document too.
    const onsite = await approvedProposal(api, {
      ...CONTENT,
      title: `${CONTENT.title} (on site)`,
      participationForm: 'onsite',
      languages: ['en', 'zh'],
    });
    await checkElm(
      await api.ok('GET', `/api/proposals/${onsite}/exports/elm`),
      'on site, English and Chinese',
    );
  } finally {
    child?.kill('SIGTERM');
    if (child && child.exitCode === null) await new Promise((r) => child?.once('exit', r));
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    await deletePrefixedKeys(redisUrl, redisPrefix);
  }
  if (failures.length) {
    console.error(`\n${failures.length} conformance violation(s).`);
    process.exit(1);
  }
  console.log('\nAll exports conform.');
}

main().catch((e: unknown) => {
  console.error(`conformance check could not run: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
