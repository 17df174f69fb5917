import { Injectable, Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { InjectRedis } from '../redis/redis.module.js';

interface StorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

// One round trip, atomic across processes: count the hit, start the window on the first one, and
// block the key for blockDuration once the limit is passed.
const INCREMENT = `
local hits_key, block_key = KEYS[1], KEYS[2]
local ttl, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local blocked_for = redis.call('PTTL', block_key)
if blocked_for > 0 then
  return { tonumber(redis.call('GET', hits_key) or '0'), redis.call('PTTL', hits_key), 1, blocked_for }
end
local hits = redis.call('INCR', hits_key)
if hits == 1 then redis.call('PEXPIRE', hits_key, ttl) end
local left = redis.call('PTTL', hits_key)
if hits > limit then
  redis.call('SET', block_key, '1', 'PX', block)
  return { hits, left, 1, block }
end
return { hits, left, 0, 0 }
`;

// Give back one hit (a login that succeeded), never below zero.
const REFUND = `
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if v > 0 then redis.call('DECR', KEYS[1]) end
return v
`;

/**
 * @nestjs/throttler storage in Redis, so that every API process shares the same counters.
 * If Redis is unreachable it lets requests through (and logs): login must not depend on the
 * timer store being up, and PostgreSQL still guards the credentials.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly prefix: string;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    config: AppConfig,
  ) {
    this.prefix = `${config.REDIS_PREFIX}:throttle`;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<StorageRecord> {
    const hitsKey = `${this.prefix}:${throttlerName}:${key}`;
    try {
      const [hits, left, blocked, blockLeft] = (await this.redis.eval(
        INCREMENT,
        2,
        hitsKey,
        `${hitsKey}:blocked`,
        ttl,
        limit,
        blockDuration,
      )) as [number, number, number, number];
      return {
        totalHits: hits,
        timeToExpire: Math.max(0, Math.ceil(left / 1000)),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.max(0, Math.ceil(blockLeft / 1000)),
      };
    } catch (e) {
      this.logger.warn(`rate-limit store unavailable, letting the request through: ${(e as Error).message}`);
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  /** Forgets a key's hits and lifts its block (an administrator set a new password for the account). */
  async clear(key: string, throttlerName: string): Promise<void> {
    const hitsKey = `${this.prefix}:${throttlerName}:${key}`;
    await this.redis.del(hitsKey, `${hitsKey}:blocked`).catch((e: Error) => {
      this.logger.warn(`rate-limit store unavailable, login lock not lifted: ${e.message}`);
    });
  }

  /** Takes back one hit of a key counted by `increment`. */
  async refund(key: string, throttlerName: string): Promise<void> {
    await this.redis.eval(REFUND, 1, `${this.prefix}:${throttlerName}:${key}`).catch(() => undefined);
  }
}
