import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** What a sign-in started in one browser must find again at the callback. */
export interface OidcTransaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export const TRANSACTION_COOKIE = 'mc_oidc_tx';
export const TRANSACTION_TTL_SECONDS = 600;

/** A key of its own for this cookie, derived from the service secret (HKDF), so the two never mix. */
export function transactionKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'microcred-qa', 'oidc-transaction-cookie', 32));
}

/**
 * AES-256-GCM: the browser holds the sign-in transaction but can neither read the PKCE verifier nor
 * forge or alter a transaction (the tag fails). base64url(iv | tag | ciphertext).
 */
export function sealTransaction(tx: OidcTransaction, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(tx), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The transaction, or null when the cookie is missing, altered, of another key, malformed or expired. */
export function openTransaction(
  sealed: string | undefined,
  key: Buffer,
  nowSeconds = Date.now() / 1000,
): OidcTransaction | null {
  if (!sealed || sealed.length > 2000 || !/^[A-Za-z0-9_-]+$/.test(sealed)) return null;
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < 29) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    const tx = JSON.parse(text) as Partial<OidcTransaction>;
    if (
      typeof tx.state !== 'string' ||
      typeof tx.nonce !== 'string' ||
      typeof tx.codeVerifier !== 'string' ||
      typeof tx.exp !== 'number' ||
      tx.exp <= nowSeconds
    )
      return null;
    return tx as OidcTransaction;
  } catch {
    return null;
  }
}

/** One cookie's value from a Cookie header (no cookie-parser needed for the one cookie this reads). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}
