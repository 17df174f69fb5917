// The bench compiles with its own tsconfig, which does not include src/ declarations by itself.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../src/credentials/vendor-modules.d.ts" />
// P9 credential exports: GET /api/proposals/:id/exports/ob3-endorsement (the stored, signed
// endorsement) and POST /api/credentials/verify, each against the signing library alone in this
// bench process in the same run: @digitalbazaar/vc issue (eddsa-rdfc-2022) for the export (what
// re-signing on every request would cost), verifyCredential for verify (an in-memory DID document,
// no database). The app is loaded closed-loop; the library runs back to back on one thread, which is
// also all the app's single process has for the crypto.
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import { offlineDocumentLoader } from '../../src/credentials/document-loader.js';
import { generateEd25519SecretKey } from '../../src/credentials/multibase.js';
import { USER_PASSWORD } from '../support/context.js';
import { validContent } from '../support/fixtures.js';
import { closedLoop } from '../support/http-load.js';
import { figure, type Figure } from '../support/report.js';
import type { PhaseContext } from './phase.js';

const CONNECTIONS = 16;

async function user(p: PhaseContext, institutionId: string, role: string): Promise<string> {
  const email = `p9-${role.replace(/_/g, '-')}@${institutionId}.bench`;
  await p.apiClient.expect(201, 'POST', '/api/users', p.world.adminToken, {
    email,
    password: USER_PASSWORD,
    displayName: `Bench P9 ${role}`,
    institutionId,
    roles: [role],
  });
  return p.apiClient.login(email, USER_PASSWORD);
}

/** A cuni-led micro-credential (partners uhd, su) approved through the API; returns its id. */
async function approvedProposal(p: PhaseContext): Promise<string> {
  const api = p.apiClient;
  const [quality, nau, gac, hceres] = [
    await user(p, '4euplus', 'quality_officer'),
    await user(p, 'nau', 'agency_liaison'),
    await user(p, 'gac', 'agency_liaison'),
    await user(p, 'hceres', 'agency_liaison'),
  ];
  const proposer = p.world.proposers.get('cuni')!.token;
  const criteria = (
    await api.expect<Array<{ id: string }>>(200, 'GET', '/api/quality-criteria', proposer)
  ).map((c) => ({ criterion: c.id, result: 'met' }));
  const created = await api.expect<{ id: string }>(201, 'POST', '/api/proposals', proposer, {
    partnerInstitutionIds: ['uhd', 'su'],
    content: validContent('cuni', ['uhd', 'su']),
  });
  const steps: Array<[string, Record<string, unknown>]> = [
    [proposer, { type: 'SUBMIT' }],
    [p.world.reviewers.get('uhd')!.token, { type: 'PARTNER_APPROVE' }],
    [p.world.reviewers.get('su')!.token, { type: 'PARTNER_APPROVE' }],
    [quality, { type: 'QUALITY_APPROVE', criteria }],
    [nau, { type: 'AGENCY_CONFIRM', outcome: 'aligned', nqfLevel: '7' }],
    [gac, { type: 'AGENCY_CONFIRM', outcome: 'aligned', nqfLevel: '7' }],
    [hceres, { type: 'AGENCY_CONFIRM', outcome: 'aligned', nqfLevel: '7' }],
  ];
  for (const [token, body] of steps)
    await api.expect(200, 'POST', `/api/proposals/${created.id}/events`, token, body);
  return created.id;
}

/** Operations per second of `op` run back to back for `seconds` (after a short warm-up). */
async function perSecond(seconds: number, op: () => Promise<unknown>): Promise<number> {
  const warm = performance.now() + 500;
  while (performance.now() < warm) await op();
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    await op();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

export async function runP9(p: PhaseContext): Promise<Figure[]> {
  const { sizes } = p.ctx.options;
  const id = await approvedProposal(p);
  const token = p.world.proposers.get('cuni')!.token;
  const path = `/api/proposals/${id}/exports/ob3-endorsement`;
  // The first export signs and stores it (unless the outbox already did); every later one reads it.
  const first = await p.apiClient.call<Record<string, unknown>>('GET', path, token);
  if (first.status !== 200) throw new Error(`P9 export answered ${first.status}`);
  const endorsement = JSON.stringify(first.body);

  // The library alone, with a key and DID document in memory.
  const did = 'did:web:bench.4euplus.test';
  const key = generateEd25519SecretKey();
  const pair = await Ed25519Multikey.from({
    ...key,
    id: `${did}#${key.publicKeyMultibase}`,
    controller: did,
  });
  const method = {
    id: pair.id,
    type: 'Multikey',
    controller: did,
    publicKeyMultibase: key.publicKeyMultibase,
  };
  const documentLoader = offlineDocumentLoader(async (url) =>
    url === did
      ? {
          '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
          id: did,
          verificationMethod: [method],
          assertionMethod: [method.id],
        }
      : url === method.id
        ? { '@context': 'https://w3id.org/security/multikey/v1', ...method }
        : null,
  );
  const { proof: _proof, ...unsigned } = JSON.parse(endorsement) as Record<string, unknown>;
  const credential = { ...unsigned, issuer: { ...(unsigned.issuer as object), id: did } };
  const sign = () =>
    vc.issue({
      credential: structuredClone(credential),
      suite: new DataIntegrityProof({ signer: pair.signer(), cryptosuite }),
      documentLoader,
    });
  const signed = await sign();
  const verifySuite = new DataIntegrityProof({ cryptosuite });
  const verifyOnce = async () => {
    const r = await vc.verifyCredential({ credential: signed, suite: verifySuite, documentLoader });
    if (!r.verified) throw new Error('P9 library verification failed');
  };

  await p.ctx.quiet('P9 export');
  await closedLoop({
    url: p.api.url,
    connections: CONNECTIONS,
    durationS: sizes.warmupS,
    request: { method: 'GET', path, headers: { authorization: `Bearer ${token}` } },
  });
  const exportRun = await closedLoop({
    url: p.api.url,
    connections: CONNECTIONS,
    durationS: sizes.throughputS,
    request: { method: 'GET', path, headers: { authorization: `Bearer ${token}` } },
  });
  await p.ctx.quiet('P9 library sign');
  const signPerS = await perSecond(sizes.throughputS, sign);

  const verifyRequest = { method: 'POST' as const, path: '/api/credentials/verify', body: endorsement };
  await p.ctx.quiet('P9 verify');
  const verifyRun = await closedLoop({
    url: p.api.url,
    connections: CONNECTIONS,
    durationS: sizes.throughputS,
    request: verifyRequest,
  });
  const verifyAnswer = await p.apiClient.call<{ verified: boolean }>(
    'POST',
    '/api/credentials/verify',
    undefined,
    JSON.parse(endorsement),
  );
  if (!verifyAnswer.body.verified) throw new Error('P9: the service did not verify its own endorsement');
  await p.ctx.quiet('P9 library verify');
  const verifyPerS = await perSecond(sizes.throughputS, verifyOnce);

  for (const [name, run] of Object.entries({ export: exportRun, verify: verifyRun }))
    if (run.non2xx || run.errors)
      throw new Error(`P9 ${name} answered ${JSON.stringify(run.statusCodes)}, ${run.errors} errors`);
  p.record('P9', {
    connections: CONNECTIONS,
    exportRun,
    verifyRun,
    signPerS,
    verifyPerS,
    bytes: endorsement.length,
  });
  return [
    figure({
      id: 'P9',
      name: 'GET exports/ob3-endorsement (stored, signed once)',
      unit: 'req/s',
      value: exportRun.okPerSecond,
      baseline: signPerS,
      baselineName: 'library: sign it (eddsa-rdfc-2022), 1 thread',
      // Serving the stored bytes must beat signing anew, or the storing bought nothing.
      goal: { on: 'ratio', op: '>=', target: 1 },
    }),
    figure({
      id: 'P9',
      name: 'POST /api/credentials/verify',
      unit: 'req/s',
      value: verifyRun.okPerSecond,
      baseline: verifyPerS,
      baselineName: 'library: verifyCredential, in-memory DID, 1 thread',
      goal: { on: 'ratio', op: '>=', target: 0.5 },
    }),
  ];
}
