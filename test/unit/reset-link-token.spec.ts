import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { resetLinkKey, resetLinkToken, resetTokenHash } from '../../src/auth/reset-link-token.js';

describe('password reset link tokens', () => {
  const key = resetLinkKey('a-jwt-secret-of-the-deployment');

  it('derives the same 256-bit base64url token for a link every time, so the sender can rebuild it', () => {
    const token = resetLinkToken(key, 'b7d8c2b0-8f62-4a55-9b5e-3c1f0e8f4a11');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(resetLinkToken(key, 'b7d8c2b0-8f62-4a55-9b5e-3c1f0e8f4a11')).toBe(token);
  });

  it('gives another link or another deployment’s secret another token', () => {
    const token = resetLinkToken(key, 'b7d8c2b0-8f62-4a55-9b5e-3c1f0e8f4a11');
    expect(resetLinkToken(key, 'b7d8c2b0-8f62-4a55-9b5e-3c1f0e8f4a12')).not.toBe(token);
    expect(resetLinkToken(resetLinkKey('another-secret'), 'b7d8c2b0-8f62-4a55-9b5e-3c1f0e8f4a11')).not.toBe(
      token,
    );
  });

  it('stores only the SHA-256 of a token', () => {
    expect(resetTokenHash('abc').toString('hex')).toBe(createHash('sha256').update('abc').digest('hex'));
  });
});
