import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import type { Queue } from 'bullmq';
import type { HealthContributor } from '../health/health-contributor.js';
import { EMAIL_QUEUE, OUTBOX_QUEUE, REMINDERS_QUEUE } from './queue.constants.js';

export interface QueueFigures {
  waiting: number;
  delayed: number;
  active: number;
  failed: number;
  completed: number;
  /** Age of the oldest job waiting to be picked up (a worker shortage shows here), or null. */
  oldestWaitingMs: number | null;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/** Queue figures for administrators, in /health details and GET /api/admin/queues. */
@Injectable()
export class QueueMetricsService implements HealthContributor {
  constructor(
    @InjectQueue(REMINDERS_QUEUE) private readonly reminders: Queue,
    @InjectQueue(EMAIL_QUEUE) private readonly email: Queue,
    @InjectQueue(OUTBOX_QUEUE) private readonly outbox: Queue,
  ) {}

  private async figures(queue: Queue): Promise<QueueFigures> {
    const counts = await queue.getJobCounts(
      'waiting',
      'delayed',
      'active',
      'failed',
      'completed',
      'prioritized',
    );
    const [oldest] = await queue.getJobs(['waiting'], -1, -1, true).catch(() => []);
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      delayed: counts.delayed ?? 0,
      active: counts.active ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
      oldestWaitingMs: oldest ? Math.max(0, Date.now() - oldest.timestamp) : null,
    };
  }

  async all(): Promise<Record<string, QueueFigures>> {
    const [reminders, email, outbox] = await withTimeout(
      Promise.all([this.figures(this.reminders), this.figures(this.email), this.figures(this.outbox)]),
      2000,
    );
    return { [REMINDERS_QUEUE]: reminders, [EMAIL_QUEUE]: email, [OUTBOX_QUEUE]: outbox };
  }

  async check(): Promise<HealthIndicatorResult> {
    try {
      return { queues: { status: 'up', ...(await this.all()) } };
    } catch (e) {
      // Redis itself is reported by the redis check; the figures are merely missing.
      return { queues: { status: 'degraded', message: (e as Error).message } };
    }
  }
}
