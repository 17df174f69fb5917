import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Where a change came from, for the audit log. */
export interface RequestMeta {
  requestId: string | null;
  ip: string | null;
}

export const SYSTEM_REQUEST: RequestMeta = { requestId: null, ip: null };

export const ReqMeta = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestMeta => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  return { requestId: req.id, ip: req.ip ?? null };
});
