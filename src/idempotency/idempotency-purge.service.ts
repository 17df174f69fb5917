import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { IdempotencyRepository } from './idempotency.repository.js';

/** Every hour, and soon after start. Expired keys are also replaced lazily when reused. */
const PURGE_EVERY_MS = 60 * 60 * 1000;
const FIRST_PURGE_AFTER_MS = 2000;

/**
 * Deletes Idempotency-Key rows older than 24 hours, so the table holds about a day of keyed changes.
 * Expiry itself does not depend on it: a stored answer older than 24 hours is never replayed.
 */
@Injectable()
export class IdempotencyPurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyPurgeService.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly repo: IdempotencyRepository) {}

  onApplicationBootstrap(): void {
    const tick = (delay: number) => {
      this.timer = setTimeout(() => {
        this.repo
          .purgeExpired()
          .then((n) => n && this.logger.log({ deleted: n }, 'expired idempotency keys purged'))
          .catch((e: unknown) => this.logger.warn(`idempotency key purge failed: ${(e as Error).message}`))
          .finally(() => this.timer && tick(PURGE_EVERY_MS));
      }, delay);
      this.timer.unref();
    };
    tick(FIRST_PURGE_AFTER_MS);
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
