import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { unauthorized } from '../common/domain-error.js';
import { DelegationLookup } from '../deputies/delegation-lookup.js';
import type { AuthUser } from './auth-user.js';
import { CurrentUserService } from './current-user.service.js';
import { IS_PUBLIC } from './decorators.js';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, userFromClaims } from './token.js';

/** Authentication for every route not marked @Public(): a valid, unexpired HS256 bearer token of ours. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly currentUser: CurrentUserService,
    private readonly delegations: DelegationLookup,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const header = req.headers.authorization;
    const match =
      typeof header === 'string'
        ? /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header.trim())
        : null;
    if (!match) throw unauthorized();
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync(match[1], {
        algorithms: [TOKEN_ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
      });
    } catch {
      throw unauthorized();
    }
    const fromToken = userFromClaims(claims);
    // The account as it is now: closed accounts and revoked tokens stop here; roles come from the row.
    const user = fromToken && (await this.currentUser.resolve(fromToken));
    if (!user) throw unauthorized();
    req.user = await this.delegations.apply(user);
    return true;
  }
}
