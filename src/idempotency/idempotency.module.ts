import { Module } from '@nestjs/common';
import { IdempotencyPurgeService } from './idempotency-purge.service.js';
import { IdempotencyRepository } from './idempotency.repository.js';

/** Idempotency-Key storage for the workflow engine's transactions, and the purge of expired keys. */
@Module({
  providers: [IdempotencyRepository, IdempotencyPurgeService],
  exports: [IdempotencyRepository],
})
export class IdempotencyModule {}
