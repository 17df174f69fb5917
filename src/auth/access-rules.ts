import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Role } from '../../workflows/types.js';
import {
  ADMIN_OF_PARAM,
  ALLIANCE_ADMIN_ONLY,
  ANONYMOUS_ALLOWED,
  IS_PUBLIC,
  REQUIRED_ROLES,
  WITHOUT_ROLES,
} from './decorators.js';

/** What a route's decorators say about who may call it (handler first, then its controller). */
export interface AccessRules {
  isPublic: boolean;
  anonymousAllowed: boolean;
  /** Open to accounts still waiting for roles (@AllowWithoutRoles, or open to anonymous callers). */
  withoutRoles: boolean;
  roles: Role[] | undefined;
  allianceAdminOnly: boolean;
  adminOfParam: string | undefined;
}

/** Per controller class, per handler: decorators are fixed once the application has started. */
const cache = new WeakMap<object, WeakMap<object, AccessRules>>();

/**
 * The route's access rules, read from its metadata once and then remembered: the two guards asked
 * the reflector seven times a signed-in request before (reflect-metadata was about 1% of the
 * notifications route's CPU in a profile).
 */
export function accessRulesOf(reflector: Reflector, ctx: ExecutionContext): AccessRules {
  const cls = ctx.getClass();
  const handler = ctx.getHandler();
  let byHandler = cache.get(cls);
  if (!byHandler) cache.set(cls, (byHandler = new WeakMap()));
  let rules = byHandler.get(handler);
  if (!rules) {
    const targets = [handler, cls];
    const anonymousAllowed = reflector.getAllAndOverride<boolean>(ANONYMOUS_ALLOWED, targets) === true;
    rules = {
      isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) === true,
      anonymousAllowed,
      withoutRoles: reflector.getAllAndOverride<boolean>(WITHOUT_ROLES, targets) === true || anonymousAllowed,
      roles: reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets),
      allianceAdminOnly: reflector.getAllAndOverride<boolean>(ALLIANCE_ADMIN_ONLY, targets) === true,
      adminOfParam: reflector.getAllAndOverride<string | undefined>(ADMIN_OF_PARAM, targets),
    };
    byHandler.set(handler, rules);
  }
  return rules;
}
