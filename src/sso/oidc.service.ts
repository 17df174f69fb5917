import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import * as oidc from 'openid-client';
import { DataSource, EntityManager } from 'typeorm';
import type { InstitutionKind, Role } from '../../workflows/types.js';
import { AuditService } from '../audit/audit.service.js';
import { ttlSeconds } from '../auth/auth.service.js';
import { JwtSecretService } from '../auth/jwt-secret.service.js';
import { claimsOf } from '../auth/token.js';
import type { RequestMeta } from '../common/request-meta.js';
import { AppConfig } from '../config/app-config.js';
import { withTransientRetry } from '../database/db-errors.js';
import { displayNameOf, emailOf, organisationsOf, verifiedEmailOf, type Claims } from './oidc-claims.js';
import {
  openTransaction,
  sealTransaction,
  TRANSACTION_TTL_SECONDS,
  transactionKey,
  type OidcTransaction,
} from './oidc-transaction.js';

export const CALLBACK_PATH = '/api/auth/oidc/callback';

/** Why a sign-in was refused; the browser is sent to `/sign-in-refused?reason=<this>`. */
export type RefusalReason =
  | 'sign-in-expired'
  | 'state-mismatch'
  | 'provider-error'
  | 'token-rejected'
  | 'provider-unavailable'
  | 'missing-claims'
  | 'email-not-verified'
  | 'unknown-organisation'
  | 'account-closed';

export class SignInRefused extends Error {
  constructor(readonly reason: RefusalReason) {
    super(reason);
  }
}

export interface SignedIn {
  token: string;
  expiresIn: number;
  userId: string;
  created: boolean;
}

interface UserRow {
  id: string;
  institutionId: string;
  roles: Role[];
  kind: InstitutionKind;
  country: string | null;
  active: boolean;
  tokenGeneration: number;
}

/**
 * OpenID Connect sign-in (authorization code flow, PKCE S256, state and nonce) with openid-client,
 * and the linking of the person it names to a user of ours: by the linked (issuer, sub), else by an
 * e-mail address the provider verified, else a new user without roles in the institution whose
 * domains hold the `schac_home_organization` claim.
 */
@Injectable()
export class OidcService {
  private readonly logger = new Logger(OidcService.name);
  private discovered?: Promise<oidc.Configuration>;
  private key?: Promise<Buffer>;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly jwt: JwtService,
    private readonly secrets: JwtSecretService,
    private readonly audit: AuditService,
  ) {}

  get enabled(): boolean {
    return Boolean(this.config.OIDC_ISSUER);
  }

  get redirectUri(): string {
    return `${this.config.PUBLIC_URL ?? ''}${CALLBACK_PATH}`;
  }

  /** Cookies are Secure in production (DESIGN 10.2) and whenever the service is reached over https. */
  get secureCookies(): boolean {
    return this.config.isProduction || (this.config.PUBLIC_URL ?? '').startsWith('https:');
  }

  /** Starts a sign-in: the provider's authorization URL and the sealed transaction for the browser's cookie. */
  async start(): Promise<{ url: string; sealed: string }> {
    const configuration = await this.configuration();
    const tx: OidcTransaction = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      exp: Math.floor(Date.now() / 1000) + TRANSACTION_TTL_SECONDS,
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: this.config.OIDC_SCOPES,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(tx.codeVerifier),
      code_challenge_method: 'S256',
      state: tx.state,
      nonce: tx.nonce,
    });
    return { url: url.href, sealed: sealTransaction(tx, await this.transactionKey()) };
  }

  /** Finishes a sign-in at the callback: checks, code exchange, ID token checks, linking, our token. */
  async finish(originalUrl: string, sealed: string | undefined, meta: RequestMeta): Promise<SignedIn> {
    const tx = openTransaction(sealed, await this.transactionKey());
    if (!tx) throw new SignInRefused('sign-in-expired');
    const currentUrl = new URL(originalUrl, this.config.PUBLIC_URL);
    if (currentUrl.searchParams.get('state') !== tx.state) throw new SignInRefused('state-mismatch');
    if (currentUrl.searchParams.has('error')) throw new SignInRefused('provider-error');
    const configuration = await this.configuration();
    let claims: Claims;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: tx.codeVerifier,
        expectedState: tx.state,
        expectedNonce: tx.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new Error('no ID token');
      claims = { ...idClaims };
      // Many providers put e-mail and organisation only in the UserInfo answer (checked to be about the same sub).
      if (configuration.serverMetadata().userinfo_endpoint && tokens.access_token) {
        const info = await oidc.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
        claims = { ...info, ...idClaims };
      }
    } catch (e) {
      this.logger.warn({ err: describe(e) }, 'OpenID Connect callback refused');
      throw new SignInRefused('token-rejected');
    }
    const issuer = configuration.serverMetadata().issuer;
    const user = await withTransientRetry(() => this.link(issuer, claims, meta));
    // A closed account (PATCH /api/users/:id active=false) stays closed whatever the provider says.
    if (!user.active) throw new SignInRefused('account-closed');
    const expiresIn = ttlSeconds(this.config.JWT_TTL);
    const token = await this.jwt.signAsync(
      claimsOf(
        {
          id: user.id,
          institutionId: user.institutionId,
          institutionKind: user.kind,
          country: user.country,
          roles: user.roles,
        },
        user.tokenGeneration,
      ),
      { expiresIn },
    );
    this.logger.log({ userId: user.id, created: user.created }, 'signed in with OpenID Connect');
    return { token, expiresIn, userId: user.id, created: user.created };
  }

  /** Finds or creates the user for (issuer, sub), in one transaction with its audit entry and notifications. */
  private link(issuer: string, claims: Claims, meta: RequestMeta): Promise<UserRow & { created: boolean }> {
    const sub = typeof claims.sub === 'string' ? claims.sub : '';
    if (!sub || sub.length > 255) throw new SignInRefused('missing-claims');
    return this.dataSource.transaction(async (em) => {
      // Concurrent first sign-ins of one person queue here instead of racing to create two users.
      await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`${issuer} ${sub}`]);
      const linked = await this.userBy(
        em,
        `u.id = (SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2)`,
        [issuer, sub],
      );
      if (linked) return { ...linked, created: false };

      const verified = verifiedEmailOf(claims);
      if (verified) {
        const existing = await this.userBy(em, `lower(u.email) = $1`, [verified]);
        if (existing) {
          await this.insertIdentity(em, issuer, sub, existing.id);
          await this.audit.record(em, [existing.institutionId], {
            action: 'USER_IDENTITY_LINK',
            actor: null,
            data: {
              userId: existing.id,
              institutionId: existing.institutionId,
              issuer,
              via: 'verified-email',
            },
            meta,
          });
          return { ...existing, created: false };
        }
      }

      const email = emailOf(claims);
      if (!email) throw new SignInRefused('missing-claims');
      // An account with this address exists, but the provider did not vouch for the address: never link.
      const taken: unknown[] = await em.query(`SELECT 1 FROM users WHERE lower(email) = $1`, [email]);
      if (taken.length > 0) throw new SignInRefused('email-not-verified');
      const organisations = organisationsOf(claims);
      if (organisations.length === 0) throw new SignInRefused('missing-claims');
      const homes: Array<{ institutionId: string }> = await em.query(
        `SELECT DISTINCT institution_id AS "institutionId" FROM institution_domains WHERE domain = ANY ($1::text[])`,
        [organisations],
      );
      if (homes.length !== 1) throw new SignInRefused('unknown-organisation');
      const institutionId = homes[0].institutionId;
      const [{ id }]: Array<{ id: string }> = await em.query(
        `INSERT INTO users (email, display_name, institution_id, roles, password_hash)
         VALUES ($1, $2, $3, '{}', NULL) RETURNING id`,
        [email, displayNameOf(claims, email), institutionId],
      );
      await this.insertIdentity(em, issuer, sub, id);
      await this.audit.record(em, [institutionId], {
        action: 'USER_CREATE',
        actor: null,
        // ids and roles only: the log is immutable, so no names or e-mail addresses go in.
        data: { userId: id, institutionId, roles: [], via: 'oidc', issuer },
        meta,
      });
      await this.notifyAdmins(em, id, institutionId, displayNameOf(claims, email));
      const created = await this.userBy(em, `u.id = $1`, [id]);
      return { ...created!, created: true };
    });
  }

  /** The active admins of the new user's institution (the alliance's if it has none) are told someone waits. */
  private async notifyAdmins(
    em: EntityManager,
    userId: string,
    institutionId: string,
    name: string,
  ): Promise<void> {
    await em.query(
      `WITH own AS (SELECT id FROM users WHERE institution_id = $1 AND 'admin' = ANY (roles) AND active),
            fallback AS (SELECT u.id FROM users u JOIN institutions i ON i.id = u.institution_id
                         WHERE i.kind = 'alliance' AND 'admin' = ANY (u.roles) AND u.active
                           AND NOT EXISTS (SELECT 1 FROM own))
       INSERT INTO notifications (user_id, kind, subject_user_id, title, body)
       SELECT id, 'user-waiting', $2, $3, $4 FROM (SELECT id FROM own UNION SELECT id FROM fallback) AS admins`,
      [
        institutionId,
        userId,
        `New user waiting for roles: ${name}`,
        // The web app's inbox links to the account itself; the address is for reading the text elsewhere.
        `${name} signed in with their university account for the first time and has no roles yet. If they should take part, give them roles on the Users page: ${this.config.PUBLIC_URL ?? ''}/admin/users?user=${userId}`,
      ],
    );
  }

  private async insertIdentity(
    em: EntityManager,
    issuer: string,
    sub: string,
    userId: string,
  ): Promise<void> {
    await em.query(`INSERT INTO user_identities (issuer, subject, user_id) VALUES ($1, $2, $3)`, [
      issuer,
      sub,
      userId,
    ]);
  }

  private async userBy(em: EntityManager, where: string, params: unknown[]): Promise<UserRow | null> {
    const rows: UserRow[] = await em.query(
      `SELECT u.id, u.institution_id AS "institutionId", u.roles, i.kind, i.country, u.active,
              u.token_generation AS "tokenGeneration"
       FROM users u JOIN institutions i ON i.id = u.institution_id WHERE ${where}`,
      params,
    );
    return rows[0] ?? null;
  }

  /** Discovery once per process; a failure is not cached, so the next sign-in tries again. */
  private configuration(): Promise<oidc.Configuration> {
    const issuer = this.config.OIDC_ISSUER as string;
    this.discovered ??= oidc
      .discovery(
        new URL(issuer),
        this.config.OIDC_CLIENT_ID as string,
        this.config.OIDC_CLIENT_SECRET as string,
        undefined,
        {
          execute: [
            // The ID token comes straight from the token endpoint over TLS, which alone would suffice
            // (OIDC Core 3.1.3.7); its signature is checked against the provider's JWKS as well.
            oidc.enableNonRepudiationChecks,
            // Plain http is accepted by the configuration only on loopback outside production (tests, development).
            ...(issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : []),
          ],
        },
      )
      .catch((e: unknown) => {
        this.discovered = undefined;
        this.logger.warn({ err: describe(e) }, 'OpenID Connect discovery failed');
        throw new SignInRefused('provider-unavailable');
      });
    return this.discovered;
  }

  private transactionKey(): Promise<Buffer> {
    this.key ??= this.secrets.resolve().then(transactionKey);
    return this.key;
  }
}

function describe(e: unknown): string {
  const err = e as { name?: string; code?: string; message?: string };
  return [err?.name, err?.code, err?.message].filter(Boolean).join(': ').slice(0, 300);
}
