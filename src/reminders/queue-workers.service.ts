import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { EventEmitter } from 'node:events';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { UnknownWorkflowError } from '../../workflows/registry.js';
import { AppConfig } from '../config/app-config.js';
import { MailService } from '../mail/mail.service.js';
import { EMAIL_QUEUE, REMINDERS_QUEUE } from '../queue/queue.constants.js';
import { ReminderDeliveryService } from './reminder-delivery.service.js';
import { ReminderQueueService } from './reminder-queue.service.js';
import { ReminderReconcilerService } from './reminder-reconciler.service.js';
import { ReminderRepository } from './reminder.repository.js';

/** 'api' runs workers unless WORKER=off; 'worker' (npm run start:worker) always does. */
export const PROCESS_ROLE = Symbol('PROCESS_ROLE');
export type ProcessRole = 'api' | 'worker';

/** However far the clocks disagree, an early job does not spin: it waits at least this long. */
const EARLY_RETRY_MS = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The BullMQ workers of this process, created at bootstrap with the configured concurrency and lock
 * time, and closed before the database pool on shutdown (jobs in hand finish or, past the lock time,
 * are taken over by another worker).
 */
@Injectable()
export class QueueWorkersService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(QueueWorkersService.name);
  private readonly workers: Worker[] = [];

  constructor(
    @Inject(PROCESS_ROLE) private readonly role: ProcessRole,
    private readonly config: AppConfig,
    private readonly delivery: ReminderDeliveryService,
    private readonly mail: MailService,
    private readonly reconciler: ReminderReconcilerService,
    private readonly reminders: ReminderRepository,
    private readonly queue: ReminderQueueService,
  ) {}

  get enabled(): boolean {
    return this.role === 'worker' || this.config.WORKER;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    const opts = {
      connection: { url: this.config.REDIS_URL, maxRetriesPerRequest: null },
      prefix: `${this.config.REDIS_PREFIX}:bull`,
      concurrency: this.config.WORKER_CONCURRENCY,
      lockDuration: this.config.QUEUE_LOCK_MS,
      stalledInterval: Math.max(500, Math.floor(this.config.QUEUE_LOCK_MS / 2)),
      maxStalledCount: 1000,
    };
    this.workers.push(
      new Worker(
        REMINDERS_QUEUE,
        async (job: Job<{ scheduleId?: unknown }>, token?: string) => {
          const scheduleId = idOf(job.data.scheduleId);
          const result = await this.delivery.deliver(scheduleId, job.id ?? null).catch(async (e: unknown) => {
            if (!isPermanent(e)) throw e;
            // Recorded in PostgreSQL first, so no reconcile pass revives it (even after Redis lost its
            // failed set); then BullMQ stops retrying.
            await this.reminders.markFailed(scheduleId, (e as Error).message);
            throw e instanceof UnrecoverableError ? e : new UnrecoverableError((e as Error).message);
          });
          // Early (the clocks of this process and PostgreSQL disagree): this very job waits until the
          // row is due. Re-adding it under its id would be a no-op while it is still the active job.
          if (result.outcome === 'not-yet-due') {
            await job.moveToDelayed(Math.max(result.dueAt.getTime(), Date.now() + EARLY_RETRY_MS), token);
            throw new DelayedError();
          }
          return result.outcome;
        },
        opts,
      ),
      new Worker(
        EMAIL_QUEUE,
        (job: Job<{ outboxId?: unknown }>) => this.mail.sendOutbox(idOf(job.data.outboxId)),
        opts,
      ),
    );
    for (const w of this.workers) {
      w.on('error', (e) => this.logger.debug(`worker ${w.name}: ${e.message}`));
      w.on('failed', (job, e) =>
        this.logger.warn({ jobId: job?.id, queue: w.name, err: e.message }, 'job failed'),
      );
    }
    this.reconciler.start();
    // Redis may come back empty (restarted without persistence): reconcile as soon as a connection of
    // this process is ready again instead of waiting up to RECONCILE_INTERVAL_MS.
    for (const source of [this.queue.reminders, this.queue.email, ...this.workers])
      this.watchReconnects(source.getBackend(), `${source.name} connection`);
    this.logger.log(`queue workers started (concurrency ${opts.concurrency})`);
  }

  /** BullMQ's backend forwards its Redis connections' 'close' and 'ready' (after every reconnect). */
  private watchReconnects(backend: EventEmitter, name: string): void {
    let lost = false;
    backend.on('close', () => {
      lost = true;
    });
    backend.on('ready', () => {
      if (!lost) return;
      lost = false;
      this.reconciler.requestPass(`${name} ready again`);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.reconciler.stop();
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

function idOf(v: unknown): string {
  if (typeof v !== 'string' || !UUID.test(v)) throw new UnrecoverableError('job data holds no row id');
  return v;
}

/**
 * Errors no retry can cure: a job marked unrecoverable, or a proposal on a machine version this build
 * does not know (say, after rolling back a release).
 */
function isPermanent(e: unknown): boolean {
  return e instanceof UnrecoverableError || e instanceof UnknownWorkflowError;
}
