import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Where a change came from, for the audit log. */
export interface RequestMeta {
  requestId: string | null;
  ip: string | null;
}

export const SYSTEM_REQUEST: RequestMeta = { requestId: null, ip: null };

export const ReqMeta = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestMeta => {
  const req = ctx.switchToHttp().getRequest<Request & { id?: unknown }>();
  return { requestId: req.id === undefined ? null : String(req.id), ip: req.ip ?? null };
});
