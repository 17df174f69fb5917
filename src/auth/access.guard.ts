import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError, forbidden } from '../common/domain-error.js';
import { canAdminister, isAllianceAdmin, type AuthUser } from './auth-user.js';
import { accessRulesOf } from './access-rules.js';

/** Role and institution checks declared with @Roles / @AdminOf / @AllianceAdminOnly. Runs after AuthGuard. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const rules = accessRulesOf(this.reflector, ctx);
    if (rules.isPublic) return true;
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const user = req.user;
    // AuthGuard let a request without a token through: the handler decides (it has no roles to check).
    if (!user) return rules.anonymousAllowed;
    // Routes open to anonymous callers are open to accounts still waiting for roles too.
    if (user.roles.length === 0 && !rules.withoutRoles)
      throw new DomainError('no-roles', 'Your account is waiting for an administrator to grant roles');
    const roles = rules.roles;
    if (roles?.length && !roles.some((r) => user.roles.includes(r))) {
      throw forbidden(`Requires one of the roles: ${roles.join(', ')}`);
    }
    if (rules.allianceAdminOnly && !isAllianceAdmin(user)) {
      throw forbidden('Only an alliance administrator may do this');
    }
    const param = rules.adminOfParam;
    if (param) {
      const institutionId = String((req.params as Record<string, string | undefined>)[param] ?? '');
      if (!canAdminister(user, institutionId))
        throw forbidden('Only an administrator of this institution may do this');
    }
    return true;
  }
}
