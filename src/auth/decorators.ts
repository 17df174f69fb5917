import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Role } from '../../workflows/types.js';
import type { AuthUser } from './auth-user.js';

export const IS_PUBLIC = 'auth:public';
/** OpenAPI marker of a public operation; buildOpenApi turns it into `security: []` and removes it. */
export const PUBLIC_OPERATION = 'x-public';
export const REQUIRED_ROLES = 'auth:roles';
export const ADMIN_OF_PARAM = 'auth:admin-of';
export const ALLIANCE_ADMIN_ONLY = 'auth:alliance-admin';
export const WITHOUT_ROLES = 'auth:without-roles';
export const ANONYMOUS_ALLOWED = 'auth:anonymous-allowed';
/** OpenAPI marker of an operation that takes a token but also answers without one. */
export const ANONYMOUS_OPERATION = 'x-anonymous-allowed';

/** No token needed (login, health, docs). */
export const Public = () =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(PUBLIC_OPERATION, true));
/**
 * A request without any token (no bearer header, no session cookie) reaches the handler with no user,
 * which decides what an anonymous caller may have; a token that is sent must still be valid.
 */
export const AnonymousAllowed = () =>
  applyDecorators(SetMetadata(ANONYMOUS_ALLOWED, true), ApiExtension(ANONYMOUS_OPERATION, true));
/** The caller must hold at least one of these roles, else 403. */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);
/** The caller must be an admin of the institution named by this route parameter, or an alliance admin. */
export const AdminOf = (param: string) => SetMetadata(ADMIN_OF_PARAM, param);
/** Only an admin of the alliance office (`4euplus`). */
export const AllianceAdminOnly = () => SetMetadata(ALLIANCE_ADMIN_ONLY, true);

/** Open to signed-in users who have no roles yet (waiting for an administrator); every other route refuses them. */
export const AllowWithoutRoles = () => SetMetadata(WITHOUT_ROLES, true);

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
  return req.user as AuthUser;
});

/** The signed-in user, or undefined on an @AnonymousAllowed() route called without a token. */
export const OptionalUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthUser | undefined =>
    ctx.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>().user,
);
