import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Role } from '../../workflows/types.js';
import { DomainError, forbidden } from '../common/domain-error.js';
import { canAdminister, isAllianceAdmin, type AuthUser } from './auth-user.js';
import {
  ADMIN_OF_PARAM,
  ALLIANCE_ADMIN_ONLY,
  ANONYMOUS_ALLOWED,
  IS_PUBLIC,
  REQUIRED_ROLES,
  WITHOUT_ROLES,
} from './decorators.js';

/** Role and institution checks declared with @Roles / @AdminOf / @AllianceAdminOnly. Runs after AuthGuard. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const user = req.user;
    // AuthGuard let a request without a token through: the handler decides (it has no roles to check).
    if (!user) return this.reflector.getAllAndOverride<boolean>(ANONYMOUS_ALLOWED, targets) === true;
    // Routes open to anonymous callers are open to accounts still waiting for roles too.
    const withoutRoles =
      this.reflector.getAllAndOverride<boolean>(WITHOUT_ROLES, targets) ||
      this.reflector.getAllAndOverride<boolean>(ANONYMOUS_ALLOWED, targets);
    if (user.roles.length === 0 && !withoutRoles)
      throw new DomainError('no-roles', 'Your account is waiting for an administrator to grant roles');
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (roles?.length && !roles.some((r) => user.roles.includes(r))) {
      throw forbidden(`Requires one of the roles: ${roles.join(', ')}`);
    }
    if (this.reflector.getAllAndOverride<boolean>(ALLIANCE_ADMIN_ONLY, targets) && !isAllianceAdmin(user)) {
      throw forbidden('Only an alliance administrator may do this');
    }
    const param = this.reflector.getAllAndOverride<string | undefined>(ADMIN_OF_PARAM, targets);
    if (param) {
      const institutionId = String(req.params[param] ?? '');
      if (!canAdminister(user, institutionId))
        throw forbidden('Only an administrator of this institution may do this');
    }
    return true;
  }
}
