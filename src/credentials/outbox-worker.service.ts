import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { DomainError } from '../common/domain-error.js';
import { AppConfig } from '../config/app-config.js';
import { PROCESS_ROLE, type ProcessRole } from '../reminders/queue-workers.service.js';
import { CredentialsRepository, ENDORSEMENT_OUTBOX_KIND } from './credentials.repository.js';
import { CredentialsService } from './credentials.service.js';
import { OUTBOX_QUEUE } from '../queue/queue.constants.js';
import { EndorsementOutboxService } from './endorsement-outbox.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PAGE = 500;

/**
 * Drains the outbox: a BullMQ worker runs each row's effect (at least once; the effects are
 * idempotent), and a reconciler pass at start and every RECONCILE_INTERVAL_MS re-adds the job of
 * every row still pending (a crash between commit and hand-over, or Redis emptied, loses nothing).
 */
@Injectable()
export class OutboxWorkerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxWorkerService.name);
  private worker?: Worker;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @Inject(PROCESS_ROLE) private readonly role: ProcessRole,
    private readonly config: AppConfig,
    private readonly repo: CredentialsRepository,
    private readonly credentials: CredentialsService,
    private readonly outbox: EndorsementOutboxService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.role !== 'worker' && !this.config.WORKER) return;
    this.worker = new Worker(OUTBOX_QUEUE, (job: Job<{ outboxId?: unknown }>) => this.process(job), {
      connection: { url: this.config.REDIS_URL, maxRetriesPerRequest: null },
      prefix: `${this.config.REDIS_PREFIX}:bull`,
      concurrency: Math.min(4, this.config.WORKER_CONCURRENCY),
      lockDuration: this.config.QUEUE_LOCK_MS,
    });
    this.worker.on('error', (e) => this.logger.debug(`worker ${OUTBOX_QUEUE}: ${e.message}`));
    this.worker.on('failed', (job, e) =>
      this.logger.warn({ jobId: job?.id, err: e.message }, 'outbox job failed'),
    );
    const tick = () => {
      this.running = this.reconcile()
        .catch((e: unknown) => this.logger.warn(`outbox reconcile failed: ${(e as Error).message}`))
        .finally(() => {
          this.running = undefined;
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.config.RECONCILE_INTERVAL_MS);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.worker?.close();
  }

  /** Runs one outbox row; a row already done is skipped. Throws to let BullMQ retry. */
  async process(job: Job<{ outboxId?: unknown }>): Promise<string> {
    const id = job.data.outboxId;
    if (typeof id !== 'string' || !UUID.test(id)) throw new UnrecoverableError('job data holds no outbox id');
    const row = await this.repo.outboxRow(id);
    if (!row || row.status !== 'pending') return 'skipped';
    try {
      if (row.kind === ENDORSEMENT_OUTBOX_KIND) {
        await this.credentials
          .issueEndorsement(String(row.payload.proposalId), Number(row.payload.revision))
          .catch((e: unknown) => {
            // No approved revision to endorse (nothing a retry could change): failed for good.
            throw e instanceof DomainError && e.code === 'not-found' ? new UnrecoverableError(e.message) : e;
          });
      } else {
        throw new UnrecoverableError(`unknown outbox kind ${row.kind}`);
      }
    } catch (e) {
      // Only an effect that can never succeed is failed for good; anything else stays pending, so
      // the reconciler tries again after BullMQ's own retries.
      await this.repo.outboxFailed(id, (e as Error).message, e instanceof UnrecoverableError);
      throw e;
    }
    await this.repo.outboxDone(id);
    return 'done';
  }

  /** One pass: every pending row's job is (re-)added; BullMQ keeps existing ids, so this is idempotent. */
  async reconcile(): Promise<number> {
    let after: string | null = null;
    let n = 0;
    for (;;) {
      const ids = await this.repo.pendingOutbox(after, PAGE);
      if (ids.length === 0) break;
      await this.outbox.hand(ids);
      n += ids.length;
      after = ids[ids.length - 1];
    }
    await this.outbox.queue.retryJobs({ state: 'failed' });
    return n;
  }
}
