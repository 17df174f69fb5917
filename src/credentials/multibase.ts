// Multibase (base58btc, prefix "z") and the multicodec headers of Ed25519 keys, as the Multikey
// format (W3C Controlled Identifiers) writes them. Pure: no I/O, unit tested.
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

export const ED25519_PUB_HEADER = Uint8Array.of(0xed, 0x01);
export const ED25519_PRIV_HEADER = Uint8Array.of(0x80, 0x26);

export function base58btcEncode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  const digits: number[] = [];
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i];
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j] << 8;
      digits[j] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  return (
    '1'.repeat(zeros) +
    digits
      .reverse()
      .map((d) => ALPHABET[d])
      .join('')
  );
}

export function base58btcDecode(text: string): Uint8Array | null {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  const bytes: number[] = [];
  for (let i = zeros; i < text.length; i++) {
    const value = INDEX.get(text[i]);
    if (value === undefined) return null;
    let carry = value;
    for (let j = 0; j < bytes.length; j++) {
      carry += bytes[j] * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...bytes.reverse()]);
}

function startsWith(bytes: Uint8Array, header: Uint8Array): boolean {
  return header.every((b, i) => bytes[i] === b);
}

function withHeader(header: Uint8Array, key: Uint8Array): string {
  const out = new Uint8Array(header.length + key.length);
  out.set(header);
  out.set(key, header.length);
  return `z${base58btcEncode(out)}`;
}

export interface Ed25519Multikey {
  publicKeyMultibase: string;
  /** Seed followed by the public key (64 bytes), the form @digitalbazaar/ed25519-multikey reads. */
  secretKeyMultibase: string;
}

/** Raw public key of a 32-byte Ed25519 seed (node:crypto; PKCS#8 wrapping of RFC 8410). */
function publicKeyOfSeed(seed: Uint8Array): Uint8Array {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({
    format: 'der',
    type: 'spki',
  });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

/**
 * Reads SIGNING_KEY: a multibase (z…) Ed25519 secret key with the ed25519-priv multicodec header,
 * holding either the 32-byte seed or seed + public key (64 bytes, as the library exports it).
 * Returns null when it is not one.
 */
export function parseEd25519SecretKey(text: string): Ed25519Multikey | null {
  if (!text.startsWith('z')) return null;
  const bytes = base58btcDecode(text.slice(1));
  if (!bytes || !startsWith(bytes, ED25519_PRIV_HEADER)) return null;
  const key = bytes.subarray(ED25519_PRIV_HEADER.length);
  if (key.length !== 32 && key.length !== 64) return null;
  const seed = key.subarray(0, 32);
  const pub = publicKeyOfSeed(seed);
  // A 64-byte key whose second half is not the seed's public key is corrupt, not a key.
  if (key.length === 64 && !Buffer.from(key.subarray(32)).equals(Buffer.from(pub))) return null;
  const full = new Uint8Array(64);
  full.set(seed);
  full.set(pub, 32);
  return {
    publicKeyMultibase: withHeader(ED25519_PUB_HEADER, pub),
    secretKeyMultibase: withHeader(ED25519_PRIV_HEADER, full),
  };
}

/** A new random key in the SIGNING_KEY format (for set-ups that need one, like the bench). */
export function generateEd25519SecretKey(): Ed25519Multikey {
  const seed = new Uint8Array(randomBytes(32));
  return parseEd25519SecretKey(withHeader(ED25519_PRIV_HEADER, seed)) as Ed25519Multikey;
}
