import type { IncomingHttpHeaders } from 'node:http';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../common/domain-error.js';
import { AppConfig } from '../config/app-config.js';
import { DelegationLookup } from '../deputies/delegation-lookup.js';
import type { AuthUser } from './auth-user.js';
import { CurrentUserService } from './current-user.service.js';
import { accessRulesOf } from './access-rules.js';
import { SESSION_COOKIE } from './session-cookie.js';
import { VerifiedTokens } from './verified-tokens.js';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session cookie's raw value, if the request carries it at all. */
function rawSessionCookie(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq >= 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The session cookie's value, if the request carries one of the JWT's shape. */
export function sessionCookieOf(header: string | undefined): string | undefined {
  const value = rawSessionCookie(header);
  return value !== undefined && JWT_SHAPE.test(value) ? value : undefined;
}

const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

/**
 * The token a request presents: the bearer header's (the scheme name in any letter case, RFC 9110
 * 11.1), else the session cookie's when it has the JWT's shape.
 */
export function presentedToken(headers: IncomingHttpHeaders): { token?: string; fromCookie: boolean } {
  const header = headers.authorization;
  const match = typeof header === 'string' ? BEARER.exec(header.trim()) : null;
  if (match) return { token: match[1], fromCookie: false };
  const cookie = sessionCookieOf(headers.cookie);
  return { token: cookie, fromCookie: cookie !== undefined };
}

/**
 * Authentication for every route not marked @Public(): a valid, unexpired HS256 token of ours, as a
 * bearer header (API clients) or the browser's session cookie (DESIGN.md 10.2).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: VerifiedTokens,
    private readonly config: AppConfig,
    private readonly currentUser: CurrentUserService,
    private readonly delegations: DelegationLookup,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const rules = accessRulesOf(this.reflector, ctx);
    if (rules.isPublic) return true;
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const { token, fromCookie } = presentedToken(req.headers);
    if (!token) {
      // Anonymous only when nothing at all was sent: a malformed header or cookie is a bad token.
      const sentNothing =
        req.headers.authorization === undefined && rawSessionCookie(req.headers.cookie) === undefined;
      if (sentNothing && rules.anonymousAllowed) return true;
      throw unauthorized();
    }
    const fromToken = await this.tokens.verify(token);
    // The account as it is now: closed accounts and revoked tokens (signed out, password changed) stop
    // here; roles come from the row.
    const current = fromToken && (await this.currentUser.resolve(fromToken));
    if (!current) throw unauthorized();
    // A cookie rides along on cross-site requests too; a change must come from our own pages (CSRF).
    if (fromCookie && !SAFE_METHODS.has(req.method) && !this.isOwnOrigin(req)) {
      throw forbidden('A change made with the session cookie must come from this application (Origin)');
    }
    // Most users stand in for nobody: the delegation lookup runs only for those who do now.
    req.user = current.deputyNow ? await this.delegations.apply(current.user) : current.user;
    return true;
  }

  /** The Origin header names PUBLIC_URL, or the origin the request itself was sent to. */
  private isOwnOrigin(req: FastifyRequest): boolean {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || origin === 'null') return false;
    if (this.config.PUBLIC_URL && origin === this.config.PUBLIC_URL) return true;
    const host = req.headers.host;
    return typeof host === 'string' && origin === `${req.protocol}://${host}`;
  }
}
