import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError, loadAppConfig } from '../../src/config/app-config.js';
import { displayNameOf, DOMAIN_NAME, organisationsOf, verifiedEmailOf } from '../../src/sso/oidc-claims.js';
import {
  openTransaction,
  readCookie,
  sealTransaction,
  transactionKey,
  type OidcTransaction,
} from '../../src/sso/oidc-transaction.js';

// A well-formed Ed25519 secret key (multibase), as production requires one for credential signing.
const TEST_SIGNING_KEY =
  'zrv4bkwWNs6uF5uUn6SzjkiDPcBdAA7Ry6xKdbREL6ZDdeoow3X7eKN4JzSo3GTL3GxygDj8CvGqQuRToCc398GGzmb';
const CLIENT = { OIDC_CLIENT_ID: 'qa', OIDC_CLIENT_SECRET: 's3cret' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadAppConfig(env);
    return [];
  } catch (e) {
    return (e as ConfigValidationError).problems;
  }
}

describe('OpenID Connect configuration', () => {
  it('is off by default and gives PUBLIC_URL the local origin outside production', () => {
    const c = loadAppConfig({ PORT: '4000' });
    expect(c.OIDC_ISSUER).toBeUndefined();
    expect(c.PUBLIC_URL).toBe('http://localhost:4000');
    expect(c.OIDC_SCOPES).toBe('openid email profile schac_home_organization');
  });

  it('accepts an https issuer with client credentials', () => {
    expect(problemsOf({ OIDC_ISSUER: 'https://idp.example.org/oidc', ...CLIENT })).toEqual([]);
  });

  it('accepts a plain http issuer only on loopback and never in production', () => {
    expect(problemsOf({ OIDC_ISSUER: 'http://127.0.0.1:9000', ...CLIENT })).toEqual([]);
    expect(problemsOf({ OIDC_ISSUER: 'http://localhost:9000', ...CLIENT })).toEqual([]);
    expect(problemsOf({ OIDC_ISSUER: 'http://idp.example.org', ...CLIENT })).toEqual([
      'OIDC_ISSUER may use http:// only on loopback (127.0.0.1, localhost, [::1])',
    ]);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        JWT_SECRET: 'x'.repeat(40),
        SIGNING_KEY: TEST_SIGNING_KEY,
        PUBLIC_URL: 'https://qa.example.org',
        OIDC_ISSUER: 'http://127.0.0.1:9000',
        ...CLIENT,
      }),
    ).toEqual(['OIDC_ISSUER must use https:// when NODE_ENV=production']);
  });

  it('requires the client credentials, and PUBLIC_URL in production, once an issuer is set', () => {
    expect(problemsOf({ OIDC_ISSUER: 'https://idp.example.org' })).toEqual([
      'OIDC_CLIENT_ID is required when OIDC_ISSUER is set',
      'OIDC_CLIENT_SECRET is required when OIDC_ISSUER is set',
    ]);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        JWT_SECRET: 'x'.repeat(40),
        SIGNING_KEY: TEST_SIGNING_KEY,
        OIDC_ISSUER: 'https://idp.example.org',
        ...CLIENT,
      }),
    ).toEqual(['PUBLIC_URL is required when NODE_ENV=production (the origin browsers reach the service at)']);
    expect(problemsOf({ PUBLIC_URL: 'https://qa.example.org/app/' })).toEqual([
      'PUBLIC_URL: PUBLIC_URL must be an origin such as https://qa.4euplus.eu',
    ]);
  });
});

describe('the sign-in transaction cookie', () => {
  const key = transactionKey('a-service-secret-that-is-long-enough-000');
  const tx: OidcTransaction = {
    state: 'st',
    nonce: 'nn',
    codeVerifier: 'pkce-verifier-kept-secret',
    exp: 2_000_000_000,
  };

  it('round-trips and hides the PKCE verifier', () => {
    const sealed = sealTransaction(tx, key);
    expect(openTransaction(sealed, key, 1_000)).toEqual(tx);
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('pkce-verifier');
  });

  it('refuses an altered, foreign-key, expired or malformed cookie', () => {
    const sealed = sealTransaction(tx, key);
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(openTransaction(raw.toString('base64url'), key, 1_000)).toBeNull();
    expect(
      openTransaction(sealed, transactionKey('another-secret-that-is-long-enough-0000'), 1_000),
    ).toBeNull();
    expect(openTransaction(sealed, key, 2_000_000_001)).toBeNull();
    for (const bad of [undefined, '', 'not base64!', 'abc', 'x'.repeat(3000)])
      expect(openTransaction(bad, key, 1_000)).toBeNull();
  });

  it('is read from a Cookie header among others', () => {
    expect(readCookie('a=1; mc_oidc_tx=abc-_; b=2', 'mc_oidc_tx')).toBe('abc-_');
    expect(readCookie('a=1', 'mc_oidc_tx')).toBeUndefined();
    expect(readCookie(undefined, 'mc_oidc_tx')).toBeUndefined();
  });
});

describe('claims', () => {
  it('reads single- and multi-valued home organisations in lower case', () => {
    expect(organisationsOf({ schac_home_organization: ' CUNI.cz ' })).toEqual(['cuni.cz']);
    expect(organisationsOf({ schac_home_organization: ['cuni.cz', 'natur.cuni.cz', 7] })).toEqual([
      'cuni.cz',
      'natur.cuni.cz',
    ]);
    expect(organisationsOf({})).toEqual([]);
  });

  it('trusts an e-mail address only when the provider says it is verified (the boolean true)', () => {
    expect(verifiedEmailOf({ email: 'A@Cuni.cz', email_verified: true })).toBe('a@cuni.cz');
    expect(verifiedEmailOf({ email: 'a@cuni.cz', email_verified: 'true' })).toBeNull();
    expect(verifiedEmailOf({ email: 'a@cuni.cz' })).toBeNull();
    expect(verifiedEmailOf({ email: 'not an address', email_verified: true })).toBeNull();
  });

  it('names a new user from name, else given and family name, else the e-mail', () => {
    expect(displayNameOf({ name: 'Jana Nováková' }, 'j@cuni.cz')).toBe('Jana Nováková');
    expect(displayNameOf({ given_name: 'Jana', family_name: 'Nováková' }, 'j@cuni.cz')).toBe('Jana Nováková');
    expect(displayNameOf({}, 'jana.novakova@cuni.cz')).toBe('jana.novakova');
  });

  it('accepts domain names and nothing else as institution domains', () => {
    for (const ok of ['cuni.cz', 'uni-heidelberg.de', 'natur.cuni.cz', 'ku.dk'])
      expect(DOMAIN_NAME.test(ok)).toBe(true);
    for (const bad of ['cuni', '-cuni.cz', 'cuni..cz', 'CUNI.cz', 'cuni.cz.', 'a b.cz', 'https://cuni.cz'])
      expect(DOMAIN_NAME.test(bad)).toBe(false);
  });
});
