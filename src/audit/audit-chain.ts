// The audit hash chain, pure (no Nest, no database): canonical encoding, hashing and verification.
// The same code verifies the database (API, CLI) and exported files (CLI --file), so an auditor's
// own tool only has to follow the rules written in the README.
import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** prevHash of every chain's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an entry says. Absent values are null, never missing, so the encoding is unambiguous. */
export interface AuditEntryContent {
  institutionId: string;
  seq: number;
  /** Database time, ISO 8601 UTC with milliseconds: 2026-11-28T15:35:44.123Z */
  at: string;
  proposalId: string | null;
  proposalReference: string | null;
  actorId: string | null;
  actorInstitutionId: string | null;
  actorRole: string | null;
  action: string;
  fromState: string | null;
  toState: string | null;
  revision: number | null;
  data: Record<string, unknown>;
  requestId: string | null;
  clientIp: string | null;
}

export interface AuditEntry extends AuditEntryContent {
  prevHash: string;
  hash: string;
}

export const CONTENT_FIELDS: ReadonlyArray<keyof AuditEntryContent> = [
  'institutionId',
  'seq',
  'at',
  'proposalId',
  'proposalReference',
  'actorId',
  'actorInstitutionId',
  'actorRole',
  'action',
  'fromState',
  'toState',
  'revision',
  'data',
  'requestId',
  'clientIp',
];

/** The general encoder: RFC 8785 (JSON Canonicalization Scheme) of exactly the content fields. */
function canonicalContentGeneric(e: AuditEntryContent): string {
  const content: Record<string, unknown> = {};
  for (const f of CONTENT_FIELDS) content[f] = e[f] === undefined ? null : e[f];
  const text = canonicalize(content);
  if (text === undefined) throw new Error('entry cannot be canonicalized');
  return text;
}

/**
 * The content fields in JCS order (Array#sort compares UTF-16 code units, as RFC 8785 does), each with
 * its `"key":` prefix. The names are plain ASCII, so their JSON form needs no escaping.
 */
const SORTED_FIELDS = [...CONTENT_FIELDS].sort().map((f, i) => ({ f, prefix: `${i ? ',' : '{'}"${f}":` }));

/** A scalar exactly as canonicalize() writes it, or undefined when the general encoder must decide. */
function canonicalScalar(v: unknown): string | undefined {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') {
    // String#isWellFormed (Node 20) is what canonicalize() checks with; the ES2023 lib does not type it.
    if (!(v as string & { isWellFormed(): boolean }).isWellFormed())
      throw new Error('Lone surrogate is not allowed');
    return JSON.stringify(v);
  }
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : undefined;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

/**
 * RFC 8785 (JSON Canonicalization Scheme) of exactly the content fields; absent values are null.
 * Verifying a chain re-encodes every entry, and the general encoder (a sorted copy of the entry, key
 * sorting and escaping at every level) dominated the verify profile. The top level of an entry is
 * known: fixed keys in a fixed order and scalar values, so it is written directly and only `data` goes
 * through canonicalize(). Anything unusual (a non-scalar outside `data`, a non-finite number) takes the
 * general path, so the bytes are the same as canonicalize() of the whole content in every case.
 */
export function canonicalContent(e: AuditEntryContent): string {
  let out = '';
  for (const { f, prefix } of SORTED_FIELDS) {
    const v = e[f];
    let text: string | undefined;
    if (f === 'data') {
      if (
        v !== null &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        Object.getPrototypeOf(v) === Object.prototype
      )
        text = Object.keys(v).length === 0 ? '{}' : canonicalize(v);
      else text = canonicalScalar(v);
    } else text = canonicalScalar(v);
    if (text === undefined) return canonicalContentGeneric(e);
    out += prefix + text;
  }
  return `${out}}`;
}

/**
 * hash = lowercase hex SHA-256 of the UTF-8 bytes of prevHash followed by the canonical content.
 * One-shot crypto.hash (no Hash object per entry): the same bytes and digest, about 2× faster, which
 * counts when verify hashes a million entries.
 */
export function entryHash(prevHash: string, e: AuditEntryContent): string {
  return hash('sha256', prevHash + canonicalContent(e), 'hex');
}

export interface VerifyResult {
  institutionId: string;
  entries: number;
  valid: boolean;
  /** The first seq at which the chain is broken (edited, missing, reordered or inserted entry), else null. */
  firstInvalidSeq: number | null;
  /** Hash of the last entry read (the chain's head), or the genesis hash for an empty log. */
  headHash: string;
}

/**
 * Walks one chain in seq order and remembers where it first breaks. Feed it entries one at a time
 * (constant memory), then call finish().
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private count = 0;
  private firstInvalid: number | null = null;

  constructor(readonly institutionId: string) {}

  push(e: AuditEntry): void {
    this.count++;
    if (this.firstInvalid === null) {
      if (e.institutionId !== this.institutionId) this.firstInvalid = e.seq;
      else if (e.seq !== this.expectedSeq) this.firstInvalid = Math.min(e.seq, this.expectedSeq);
      else if (e.prevHash !== this.prevHash || entryHash(e.prevHash, e) !== e.hash) this.firstInvalid = e.seq;
    }
    this.prevHash = e.hash;
    this.expectedSeq = e.seq + 1;
  }

  /** `head`: the chain head the database recorded, which catches entries removed from the end. */
  finish(head?: { seq: number; hash: string } | null): VerifyResult {
    const lastSeq = this.expectedSeq - 1;
    if (this.firstInvalid === null && head && (head.seq !== lastSeq || head.hash !== this.prevHash)) {
      this.firstInvalid = head.seq > lastSeq ? lastSeq + 1 : head.seq < lastSeq ? head.seq + 1 : lastSeq;
    }
    return {
      institutionId: this.institutionId,
      entries: this.count,
      valid: this.firstInvalid === null,
      firstInvalidSeq: this.firstInvalid,
      headHash: this.prevHash,
    };
  }
}
