import { createHash } from 'node:crypto';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { tooManyRequests } from '../common/domain-error.js';

export const LOGIN_ACCOUNT = 'login-account';
export const LOGIN_IP = 'login-ip';

export interface CountedHit {
  throttler: string;
  key: string;
}

type LoginRequest = FastifyRequest & { loginHits?: CountedHit[] };

/** The key a throttler counts a tracker under (the storage prefixes it). */
export const throttleKey = (throttlerName: string, tracker: string): string => `${throttlerName}-${tracker}`;

/** The account's tracker: its hashed e-mail, so no address sits in Redis. */
export const accountKeyOf = (email: string): string =>
  createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);

/** Trackers: the account and the client IP. */
export const accountTracker = (req: Record<string, unknown>): Promise<string> => {
  const body = req.body as { email?: unknown } | undefined;
  return Promise.resolve(accountKeyOf(typeof body?.email === 'string' ? body.email : ''));
};
export const ipTracker = (req: Record<string, unknown>): Promise<string> =>
  Promise.resolve(String((req as unknown as FastifyRequest).ip ?? 'unknown'));

/**
 * Counts login attempts per account and per IP with @nestjs/throttler (Redis storage shared by every
 * process). The login handler refunds the hits of a successful login, so only failures accumulate:
 * a whole office behind one IP can log in, while guessing at one account or from one IP gets 429.
 */
@Injectable()
export class LoginThrottlerGuard extends ThrottlerGuard {
  protected override generateKey(context: ExecutionContext, tracker: string, throttlerName: string): string {
    const req = context.switchToHttp().getRequest<LoginRequest>();
    const key = throttleKey(throttlerName, tracker);
    (req.loginHits ??= []).push({ throttler: throttlerName, key });
    return key;
  }

  protected override async throwThrottlingException(
    _ctx: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw tooManyRequests('Too many failed login attempts; try again later', detail.timeToBlockExpire);
  }
}
