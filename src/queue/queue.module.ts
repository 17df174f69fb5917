import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { EMAIL_QUEUE, OUTBOX_QUEUE, REMINDERS_QUEUE } from './queue.constants.js';
import { QueueMetricsService } from './queue-metrics.service.js';

/**
 * BullMQ queues on Redis. Producers (the API) use connections that fail fast when Redis is down, so a
 * decision still commits and its timers wait in PostgreSQL for the reconciler.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        prefix: `${config.REDIS_PREFIX}:bull`,
        connection: {
          url: config.REDIS_URL,
          enableOfflineQueue: false,
          connectTimeout: 2000,
          retryStrategy: (times: number) => Math.min(times * 200, 2000),
        },
      }),
    }),
    BullModule.registerQueue({ name: REMINDERS_QUEUE }, { name: EMAIL_QUEUE }, { name: OUTBOX_QUEUE }),
  ],
  providers: [QueueMetricsService],
  exports: [BullModule, QueueMetricsService],
})
export class QueueModule {}
