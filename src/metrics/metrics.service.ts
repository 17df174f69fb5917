import { createServer, type Server } from 'node:http';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource, type EntitySubscriberInterface, type TransactionCommitEvent } from 'typeorm';
import { StartupError } from '../app/startup.js';
import { AppConfig } from '../config/app-config.js';
import { QueueMetricsService } from '../queue/queue-metrics.service.js';
import { PROCESS_ROLE, type ProcessRole } from '../reminders/queue-workers.service.js';
import {
  ChangeParticipantRole,
  type ChangeParticipant,
  type ProposalChange,
} from '../workflow/proposal-change.js';
import { takeAuditAppends } from './audit-appends.js';

const QUEUE_STATES = ['waiting', 'delayed', 'active', 'failed', 'completed'] as const;
/** How long a scrape waits for Redis or PostgreSQL before it reports the figure as missing. */
const COLLECT_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/**
 * Prometheus metrics of this process, served on their own listener (METRICS_HOST:METRICS_PORT, off the
 * public API) by the API and the worker alike: HTTP latency per route template, workflow transitions
 * and audit appends counted after COMMIT, queue depth and reminder lag read at scrape time, and the
 * default Node.js process metrics. One registry per process (not prom-client's global one).
 */
@Injectable()
@ChangeParticipantRole('metrics')
export class MetricsService
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown, ChangeParticipant
{
  readonly registry = new Registry();
  private readonly logger = new Logger(MetricsService.name);
  private server?: Server;

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly transitions = new Counter({
    name: 'microcred_workflow_transitions_total',
    help: 'Workflow events accepted and committed, by event type and states',
    labelNames: ['event', 'from_state', 'to_state'] as const,
    registers: [this.registry],
  });

  private readonly auditAppends = new Counter({
    name: 'microcred_audit_entries_appended_total',
    help: 'Audit entries committed (one per institution log), by action',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly queues: QueueMetricsService,
    @Inject(PROCESS_ROLE) private readonly role: ProcessRole,
  ) {
    this.registry.setDefaultLabels({ process_role: role });
    collectDefaultMetrics({ register: this.registry });
    const queueFigures = this.queues;
    const logger = this.logger;
    new Gauge({
      name: 'microcred_queue_jobs',
      help: 'BullMQ jobs by queue and state, read from Redis at scrape time',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const [queue, figures] of Object.entries(await queueFigures.all()))
            for (const state of QUEUE_STATES) this.set({ queue, state }, figures[state]);
        } catch (e) {
          // Redis down: the series are absent from this scrape (and /health says why).
          logger.debug({ err: (e as Error).message }, 'queue figures unavailable');
        }
      },
    });
    const db = this.dataSource;
    const overdue = new Gauge({
      name: 'microcred_reminders_overdue',
      help: 'Reminders and escalations past their due time and not yet delivered',
      registers: [this.registry],
    });
    new Gauge({
      name: 'microcred_reminder_lag_seconds',
      help: 'Age of the oldest reminder or escalation that is due but not delivered (0 when none)',
      registers: [this.registry],
      async collect() {
        try {
          const [row] = (await withTimeout(
            db.query(
              `SELECT count(*)::int AS overdue,
                      COALESCE(EXTRACT(EPOCH FROM now() - min(due_at)), 0)::float8 AS lag
                 FROM reminder_schedule WHERE status = 'pending' AND due_at <= now()`,
            ),
            COLLECT_TIMEOUT_MS,
          )) as Array<{ overdue: number; lag: number }>;
          this.set(row.lag);
          overdue.set(row.overdue);
        } catch (e) {
          this.reset();
          overdue.reset();
          logger.debug({ err: (e as Error).message }, 'reminder lag unavailable');
        }
      },
    });
  }

  onModuleInit(): void {
    const auditAppends = this.auditAppends;
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit({ queryRunner }: TransactionCommitEvent) {
        // A released savepoint is not a commit yet; the outermost COMMIT counts.
        if (queryRunner.isTransactionActive) return;
        for (const [action, n] of Object.entries(takeAuditAppends(queryRunner)))
          auditAppends.inc({ action }, n);
      },
      afterTransactionRollback({ queryRunner }) {
        if (!queryRunner.isTransactionActive) takeAuditAppends(queryRunner);
      },
    };
    this.dataSource.subscribers.push(subscriber);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { METRICS_PORT: port, METRICS_HOST: host } = this.config;
    if (!port) return;
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
        this.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
          (e: unknown) => {
            this.logger.warn({ err: (e as Error).message }, 'metrics collection failed');
            res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
          },
        );
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at /metrics\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new StartupError(
            `Cannot serve metrics on ${host}:${port} (${e.code ?? e.message}). Set METRICS_PORT to a free port, or 0 to turn metrics off.`,
          ),
        ),
      );
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.logger.log({ host, port, role: this.role }, 'metrics at /metrics');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** For the API server's onResponse hook: one observation per answered request. */
  httpObserver() {
    return (request: FastifyRequest, reply: FastifyReply): void => {
      // The route template (never the raw URL, whose ids would make a series per proposal); one
      // label for the web application's files and pages, whose names change with every build.
      const options = request.routeOptions;
      const route = request.is404
        ? '(unmatched)'
        : options.config && ('file' in options.config || 'webApp' in options.config)
          ? '(web app)'
          : (options.url ?? '(unmatched)');
      this.httpDuration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    };
  }

  async afterCommit(change: ProposalChange): Promise<void> {
    if (change.kind !== 'event') return;
    this.transitions.inc({
      event: change.event.type,
      from_state: change.before?.state ?? 'none',
      to_state: change.after.state,
    });
  }
}
