// The Verifiable Credential libraries (ESM) are loaded on first use, not at start-up: they take about
// as long to load as the whole framework, and most processes start without ever signing or verifying.
import type * as DataIntegrity from '@digitalbazaar/data-integrity';
import type * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import type * as Vc from '@digitalbazaar/vc';

export interface VcLibraries {
  vc: typeof Vc;
  DataIntegrityProof: typeof DataIntegrity.DataIntegrityProof;
  cryptosuite: unknown;
  Ed25519Multikey: typeof Ed25519Multikey;
}

let loading: Promise<VcLibraries> | undefined;

export function vcLibraries(): Promise<VcLibraries> {
  loading ??= Promise.all([
    import('@digitalbazaar/vc'),
    import('@digitalbazaar/data-integrity'),
    import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite'),
    import('@digitalbazaar/ed25519-multikey'),
  ]).then(([vc, di, suite, ed]) => ({
    vc,
    DataIntegrityProof: di.DataIntegrityProof,
    cryptosuite: suite.cryptosuite,
    Ed25519Multikey: ed,
  }));
  return loading;
}
