import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Role } from '../../workflows/types.js';
import type { AuthUser } from './auth-user.js';

export const IS_PUBLIC = 'auth:public';
/** OpenAPI marker of a public operation; buildOpenApi turns it into `security: []` and removes it. */
export const PUBLIC_OPERATION = 'x-public';
export const REQUIRED_ROLES = 'auth:roles';
export const ADMIN_OF_PARAM = 'auth:admin-of';
export const ALLIANCE_ADMIN_ONLY = 'auth:alliance-admin';

/** No token needed (login, health, docs). */
export const Public = () =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(PUBLIC_OPERATION, true));
/** The caller must hold at least one of these roles, else 403. */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);
/** The caller must be an admin of the institution named by this route parameter, or an alliance admin. */
export const AdminOf = (param: string) => SetMetadata(ADMIN_OF_PARAM, param);
/** Only an admin of the alliance office (`4euplus`). */
export const AllianceAdminOnly = () => SetMetadata(ALLIANCE_ADMIN_ONLY, true);

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const req = ctx.switchToHttp().getRequest<Request & { user?: AuthUser }>();
  return req.user as AuthUser;
});
