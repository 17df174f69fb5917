import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtSecretService } from './jwt-secret.service.js';

/**
 * The token of a password reset link is not random-and-stored but derived: HMAC-SHA256 of the link's
 * id under a key derived from the JWT secret. So the database holds neither the token (only its hash,
 * to find the link) nor a copy in the e-mail outbox (the body has a placeholder the sender fills in):
 * reading the database, a backup or a replica gives no working link.
 */
export const RESET_LINK_PLACEHOLDER = '{{password-reset-token}}';

export function resetLinkKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'microcred-qa', 'password-reset-link', 32));
}

/** 43 base64url characters (256 bits). */
export function resetLinkToken(key: Buffer, linkId: string): string {
  return createHmac('sha256', key).update(linkId, 'utf8').digest('base64url');
}

/**
 * SQL: the reset link (the row of `password_reset_links`, optionally through an alias) still works: not
 * used, replaced or ended, and not expired. One condition for the service that takes a link, the sender
 * that mails it and the sweep that voids its e-mail once it does not hold.
 */
export function resetLinkWorks(alias?: string): string {
  const a = alias ? `${alias}.` : '';
  return `${a}used_at IS NULL AND ${a}expires_at > now()`;
}

export function resetTokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The tokens of reset links, for the service that makes a link and the sender that mails it. */
@Injectable()
export class ResetLinkTokens {
  private key?: Promise<Buffer>;

  constructor(private readonly secrets: JwtSecretService) {}

  tokenOf(linkId: string): Promise<string> {
    this.key ??= this.secrets.resolve().then(resetLinkKey);
    return this.key.then((key) => resetLinkToken(key, linkId));
  }
}
