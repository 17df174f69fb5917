import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { LRUCache } from 'lru-cache';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, userFromClaims, type TokenUser } from './token.js';

/** Distinct tokens remembered; the least recently used goes first. */
const MAX_ENTRIES = 20_000;

/**
 * Signature checks of bearer tokens, remembered per token string until the token expires. Whether a
 * string is a valid token of ours depends only on the string, the secret (fixed for the process) and
 * the clock, so a remembered verdict plus an expiry check is the same answer; HMAC and JSON parsing on
 * every request were about 7% of the API's CPU (bench P7). What the token may do now is still checked
 * per request against the user row (CurrentUserService).
 */
@Injectable()
export class VerifiedTokens {
  private readonly entries = new LRUCache<string, { user: TokenUser; expiresAtMs: number }>({
    max: MAX_ENTRIES,
  });

  constructor(private readonly jwt: JwtService) {}

  /** The token's user, or null when it is not a valid, unexpired token of ours. */
  async verify(token: string): Promise<TokenUser | null> {
    return (await this.verifyWithExpiry(token))?.user ?? null;
  }

  /** As `verify`, with the token's expiry (epoch milliseconds). */
  async verifyWithExpiry(token: string): Promise<{ user: TokenUser; expiresAtMs: number } | null> {
    const hit = this.entries.get(token);
    if (hit) {
      if (hit.expiresAtMs > Date.now()) return hit;
      this.entries.delete(token);
    }
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync(token, {
        algorithms: [TOKEN_ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
      });
    } catch {
      return null;
    }
    const user = userFromClaims(claims);
    if (!user) return null;
    // Tokens without an expiry (we always set one) are not remembered, and never expire.
    if (typeof claims.exp !== 'number') return { user, expiresAtMs: Infinity };
    const verified = { user, expiresAtMs: claims.exp * 1000 };
    this.entries.set(token, verified);
    return verified;
  }
}
