import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  canonicalContent,
  ChainVerifier,
  entryHash,
  GENESIS_HASH,
  type AuditEntry,
  type AuditEntryContent,
} from '../../src/audit/audit-chain.js';

function content(seq: number, over: Partial<AuditEntryContent> = {}): AuditEntryContent {
  return {
    institutionId: 'cuni',
    seq,
    at: `2026-11-28T10:00:${String(seq % 60).padStart(2, '0')}.000Z`,
    proposalId: '5f0c3c8e-6d7e-4e55-9a43-0b0f2a7f7b11',
    proposalReference: 'MC-2026-0001',
    actorId: null,
    actorInstitutionId: 'uhd',
    actorRole: 'reviewer',
    action: 'PARTNER_APPROVE',
    fromState: 'partnerReview',
    toState: 'qualityReview',
    revision: 1,
    data: { comment: `ok ${seq}`, nested: { b: 1, a: [2, 'x'] } },
    requestId: 'req-1',
    clientIp: '127.0.0.1',
    ...over,
  };
}

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const c = content(seq);
    const hash = entryHash(prev, c);
    out.push({ ...c, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

function verify(entries: AuditEntry[], head?: { seq: number; hash: string }) {
  const v = new ChainVerifier('cuni');
  for (const e of entries) v.push(e);
  return v.finish(head);
}

describe('canonical encoding', () => {
  it('sorts keys at every depth, has no whitespace, and writes absent values as null', () => {
    const text = canonicalContent(
      content(1, { data: { z: 1, a: { d: null, c: 'é' } }, requestId: undefined as unknown as null }),
    );
    expect(text.startsWith('{"action":"PARTNER_APPROVE","actorId":null,"actorInstitutionId":"uhd"')).toBe(
      true,
    );
    expect(text).toContain('"data":{"a":{"c":"é","d":null},"z":1}');
    expect(text).toContain('"requestId":null');
    // no insignificant whitespace: re-serialising the parsed text (which keeps its key order) gives it back
    expect(JSON.stringify(JSON.parse(text))).toBe(text);
  });

  it('is independent of key insertion order', () => {
    const a = content(3, { data: { x: 1, y: 2 } });
    const b = { ...content(3), data: { y: 2, x: 1 } };
    expect(canonicalContent(a)).toBe(canonicalContent(b));
  });

  it('hashes prevHash followed by the canonical bytes with SHA-256', () => {
    const c = content(1);
    const expected = createHash('sha256')
      .update(GENESIS_HASH + canonicalContent(c))
      .digest('hex');
    expect(entryHash(GENESIS_HASH, c)).toBe(expected);
  });
});

describe('ChainVerifier', () => {
  it('accepts an untouched chain and reports its head', () => {
    const entries = chain(10);
    expect(verify(entries, { seq: 10, hash: entries[9].hash })).toEqual({
      institutionId: 'cuni',
      entries: 10,
      valid: true,
      firstInvalidSeq: null,
      headHash: entries[9].hash,
    });
  });

  it('accepts an empty log', () => {
    expect(verify([], { seq: 0, hash: GENESIS_HASH })).toMatchObject({
      entries: 0,
      valid: true,
      headHash: GENESIS_HASH,
    });
  });

  it('names the edited entry', () => {
    const entries = chain(10);
    entries[4] = { ...entries[4], data: { comment: 'rewritten' } };
    expect(verify(entries)).toMatchObject({ valid: false, firstInvalidSeq: 5 });
  });

  it('names the seq of a deleted entry', () => {
    const entries = chain(10);
    entries.splice(6, 1);
    expect(verify(entries)).toMatchObject({ valid: false, firstInvalidSeq: 7 });
  });

  it('names the first of two swapped entries', () => {
    const entries = chain(10);
    const a = entries[2];
    const b = entries[3];
    entries[2] = { ...b, seq: 3 };
    entries[3] = { ...a, seq: 4 };
    expect(verify(entries)).toMatchObject({ valid: false, firstInvalidSeq: 3 });
  });

  it('names the position of an inserted entry even when its own hash is right', () => {
    const entries = chain(10);
    const forged = content(4, { data: { comment: 'forged' } });
    const inserted = { ...forged, prevHash: entries[2].hash, hash: entryHash(entries[2].hash, forged) };
    const shifted = entries.slice(3).map((e) => ({ ...e, seq: e.seq + 1 }));
    expect(verify([...entries.slice(0, 3), inserted, ...shifted])).toMatchObject({
      valid: false,
      firstInvalidSeq: 5,
    });
  });

  it('catches entries removed from the end through the recorded head', () => {
    const entries = chain(10);
    expect(verify(entries.slice(0, 8), { seq: 10, hash: entries[9].hash })).toMatchObject({
      valid: false,
      firstInvalidSeq: 9,
    });
  });

  it('catches an entry of another institution', () => {
    const entries = chain(3);
    entries[1] = { ...entries[1], institutionId: 'uhd' };
    expect(verify(entries)).toMatchObject({ valid: false, firstInvalidSeq: 2 });
  });
});

describe('ChainVerifier and the recorded head', () => {
  it('names the last entry when it was re-hashed after the head was recorded', () => {
    const entries = chain(5);
    const head = { seq: 5, hash: entries[4].hash };
    const forged = { ...entries[4], actorRole: 'admin' };
    entries[4] = { ...forged, hash: entryHash(forged.prevHash, forged) };
    expect(verify(entries, head)).toMatchObject({ valid: false, firstInvalidSeq: 5 });
  });

  it('names the first entry beyond the recorded head', () => {
    const entries = chain(6);
    expect(verify(entries, { seq: 4, hash: entries[3].hash })).toMatchObject({
      valid: false,
      firstInvalidSeq: 5,
    });
  });
});
