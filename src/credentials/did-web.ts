// did:web identifiers of this service, derived from PUBLIC_URL (https://w3c-ccg.github.io/did-method-web/):
// the host, a port's colon percent-encoded.

/** PUBLIC_URL is an origin (checked at boot), so the DID has no path and lives at /.well-known/did.json. */
export function didWebOf(publicUrl: string): string {
  const url = new URL(publicUrl);
  const host = url.port ? `${url.hostname}%3A${url.port}` : url.hostname;
  return `did:web:${host}`;
}

/** Where did:web resolution looks for the document of a DID with no path. */
export const DID_DOCUMENT_PATH = '/.well-known/did.json';

/** A key's verification method id: the DID plus the public key itself, so it never changes. */
export function verificationMethodId(did: string, publicKeyMultibase: string): string {
  return `${did}#${publicKeyMultibase}`;
}
