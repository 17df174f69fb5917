import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { conflict, notFound, unauthorized } from '../common/domain-error.js';
import { AppConfig } from '../config/app-config.js';
import { ProposalsService } from '../proposals/proposals.service.js';
import { ProposalsRepository, type ProposalRow } from '../workflow/proposals.repository.js';
import {
  buildAchievement,
  buildElmQualification,
  buildEndorsement,
  proposalIdOfAchievement,
  type CredentialSource,
  type InstitutionInfo,
  type ExportKind,
} from './credential-documents.js';
import { CredentialsRepository } from './credentials.repository.js';
import { verificationMethodId } from './did-web.js';
import { offlineDocumentLoader } from './document-loader.js';
import { SigningKeyService } from './signing-key.service.js';
import { vcLibraries } from './vc-libraries.js';
import { workflowRegistry } from '../../workflows/registry.js';

/** States in which a micro-credential has been approved (exports exist from approval on). */
const EXPORTABLE = new Set(
  (['approved', 'published', 'retired'] as const).flatMap((m) => workflowRegistry().milestone(m)),
);
/** States in which its endorsement is still valid (approved or published, not retired). */
const STILL_VALID = new Set(
  (['approved', 'published'] as const).flatMap((m) => workflowRegistry().milestone(m)),
);

export interface VerifyResult {
  verified: boolean;
  errors: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Messages of the library's nested errors, without stack traces or library internals. */
function errorMessages(e: unknown): string[] {
  if (!isRecord(e) && !(e instanceof Error)) return [String(e)];
  const err = e as { message?: unknown; errors?: unknown };
  const nested = Array.isArray(err.errors) ? err.errors.flatMap(errorMessages) : [];
  return nested.length ? nested : [String(err.message ?? 'verification failed')];
}

/**
 * The exports of an approved micro-credential (DESIGN.md 10.3). The achievement and the ELM document
 * are rebuilt from the approved revision on each request (the same inputs give the same bytes); the
 * endorsement is signed once, stored, and served from storage ever after.
 */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);
  private readonly documentLoader: ReturnType<typeof offlineDocumentLoader>;

  constructor(
    private readonly config: AppConfig,
    private readonly proposals: ProposalsService,
    private readonly proposalRows: ProposalsRepository,
    private readonly repo: CredentialsRepository,
    private readonly keys: SigningKeyService,
  ) {
    this.documentLoader = offlineDocumentLoader((url) => this.keys.resolve(url));
  }

  /** One export as the JSON text served; 404 when invisible, 409 before approval. */
  async exportFor(user: AuthUser, proposalId: string, kind: ExportKind): Promise<string> {
    const row = await this.proposals.getVisible(user, proposalId);
    if (!EXPORTABLE.has(row.state)) {
      throw conflict(
        'not-approved',
        `Credential exports exist once the micro-credential is approved; it is in ${row.state}`,
      );
    }
    if (kind === 'ob3-endorsement') return this.endorsementOf(row);
    const source = await this.sourceOf(row);
    return JSON.stringify(kind === 'elm' ? buildElmQualification(source) : buildAchievement(source));
  }

  /**
   * The public twin of an export (`/api/catalogue/:reference/exports/:kind`): only for what the
   * catalogue shows (published, or retired and still described there); anything else is as absent as
   * a reference that does not exist.
   */
  async publicExport(reference: string, kind: ExportKind): Promise<string> {
    const id = await this.repo.catalogueProposalId(reference);
    if (!id) throw notFound('Micro-credential');
    return this.catalogueExport(id, kind);
  }

  /**
   * An export asked for by its own address (the documents' ids). What the catalogue shows is public:
   * anyone gets it, signed in or not, the same bytes as the public twin. Anything else needs a caller
   * who may see the proposal; without a token it answers as a missing token always did (401), so an
   * anonymous caller learns nothing about proposals that are not public.
   */
  async exportByAddress(user: AuthUser | undefined, proposalId: string, kind: ExportKind): Promise<string> {
    if (await this.repo.isInCatalogue(proposalId)) return this.catalogueExport(proposalId, kind);
    if (!user) throw unauthorized();
    return this.exportFor(user, proposalId, kind);
  }

  private async catalogueExport(proposalId: string, kind: ExportKind): Promise<string> {
    const row = await this.proposalRows.find(proposalId);
    if (!row || !EXPORTABLE.has(row.state)) throw notFound('Micro-credential');
    if (kind === 'ob3-endorsement') return this.endorsementOf(row);
    const source = await this.sourceOf(row);
    return JSON.stringify(kind === 'elm' ? buildElmQualification(source) : buildAchievement(source));
  }

  /** The stored endorsement of the row's revision, issued now if the outbox has not done it yet. */
  async endorsementOf(row: Pick<ProposalRow, 'id' | 'revision'>): Promise<string> {
    return (
      (await this.repo.issued(row.id, row.revision, 'ob3-endorsement')) ??
      (await this.issueEndorsement(row.id, row.revision))
    );
  }

  /**
   * Signs and stores the endorsement of (proposal, revision) unless one is stored; idempotent. Two
   * concurrent issuers both sign, the first insert wins and both return the stored bytes.
   */
  async issueEndorsement(proposalId: string, revision: number): Promise<string> {
    const existing = await this.repo.issued(proposalId, revision, 'ob3-endorsement');
    if (existing) return existing;
    const row = await this.proposalRows.find(proposalId);
    if (!row || row.revision !== revision || !EXPORTABLE.has(row.state)) {
      throw notFound(`Approved revision ${revision} of proposal ${proposalId}`);
    }
    const signed = await this.sign(
      buildEndorsement(await this.sourceOf(row), this.keys.did, `urn:uuid:${randomUUID()}`),
    );
    const stored = await this.repo.storeIssued(
      proposalId,
      revision,
      'ob3-endorsement',
      JSON.stringify(signed),
      this.keys.currentMethodId(),
    );
    this.logger.log({ proposalId, revision }, 'endorsement issued');
    return stored;
  }

  /** Data Integrity proof (eddsa-rdfc-2022), written as an array as the OB 3.0 schema types `proof`. */
  async sign(credential: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { vc, DataIntegrityProof, cryptosuite } = await vcLibraries();
    const suite = new DataIntegrityProof({ signer: (await this.keys.signingPair()).signer(), cryptosuite });
    const signed = await vc.issue({ credential, suite, documentLoader: this.documentLoader });
    const proof = signed.proof;
    return { ...signed, proof: Array.isArray(proof) ? proof : [proof] };
  }

  /** Signature, issuer key (current or rotated), and whether the achievement is still valid. */
  async verify(credential: unknown): Promise<VerifyResult> {
    const errors: string[] = [];
    if (!isRecord(credential)) return { verified: false, errors: ['the credential must be a JSON object'] };
    const types = Array.isArray(credential.type) ? credential.type : [credential.type];
    if (!types.includes('EndorsementCredential')) errors.push('type: not an EndorsementCredential');
    const issuer = isRecord(credential.issuer) ? credential.issuer.id : credential.issuer;
    if (issuer !== this.keys.did)
      errors.push(`issuer: ${String(issuer).slice(0, 200)} is not this service (${this.keys.did})`);
    const proofs = Array.isArray(credential.proof)
      ? credential.proof
      : credential.proof
        ? [credential.proof]
        : [];
    if (proofs.length === 0) errors.push('proof: missing');
    const keys = await this.keys.publicKeys();
    const ours = new Set(keys.map((k) => verificationMethodId(this.keys.did, k.publicKeyMultibase)));
    for (const p of proofs) {
      const method = isRecord(p) ? p.verificationMethod : undefined;
      if (typeof method !== 'string' || !ours.has(method))
        errors.push(`proof.verificationMethod: ${String(method).slice(0, 200)} is not a key of this service`);
    }
    if (errors.length === 0) {
      const { vc, DataIntegrityProof, cryptosuite } = await vcLibraries();
      try {
        const result = await vc.verifyCredential({
          credential,
          suite: new DataIntegrityProof({ cryptosuite }),
          documentLoader: offlineDocumentLoader((url) => this.keys.resolve(url, keys)),
        });
        if (!result.verified) {
          const failures = [
            ...(result.error ? errorMessages(result.error) : []),
            ...(result.results ?? []).flatMap((r) => (r.error ? errorMessages(r.error) : [])),
          ];
          errors.push(
            ...new Set(failures.length ? failures.map((m) => `signature: ${m}`) : ['signature: invalid']),
          );
        }
      } catch (e) {
        errors.push(...errorMessages(e).map((m) => `signature: ${m}`));
      }
    }
    const subject = isRecord(credential.credentialSubject) ? credential.credentialSubject.id : undefined;
    const proposalId = proposalIdOfAchievement(this.config.PUBLIC_URL, subject);
    const proposal = proposalId ? await this.repo.proposalState(proposalId) : null;
    if (!proposal) errors.push('credentialSubject.id: not an achievement of this service');
    else if (!STILL_VALID.has(proposal.state))
      errors.push(
        `credentialSubject.id: ${proposal.reference} is ${proposal.state}: the endorsement is no longer valid`,
      );
    return { verified: errors.length === 0, errors };
  }

  private async sourceOf(row: ProposalRow): Promise<CredentialSource> {
    const [institutions, facts, criteriaTitles] = await Promise.all([
      this.repo.institutions([row.leadInstitutionId, ...row.partnerInstitutionIds]),
      this.repo.decisionFacts(row.id, row.revision),
      this.repo.criteriaTitles(),
    ]);
    const institutionOf = (id: string): InstitutionInfo =>
      institutions.find((i) => i.id === id) ?? { id, name: id, country: null };
    return {
      publicUrl: this.config.PUBLIC_URL,
      proposalId: row.id,
      reference: row.reference,
      revision: row.revision,
      lead: institutionOf(row.leadInstitutionId),
      partners: row.partnerInstitutionIds.map(institutionOf),
      content: row.content,
      approvedAt: facts.approvedAt ?? row.updatedAt,
      criteria: facts.criteria,
      criteriaTitles,
      alignments: facts.alignments,
    };
  }
}
