import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  EMAIL_QUEUE,
  emailJobId,
  JOB_DEFAULTS,
  REMINDERS_QUEUE,
  reminderJobId,
} from '../queue/queue.constants.js';

/** Hands timers to Redis. Jobs carry ids only; the processor reloads everything from PostgreSQL. */
@Injectable()
export class ReminderQueueService implements OnModuleInit {
  private readonly logger = new Logger(ReminderQueueService.name);

  constructor(
    @InjectQueue(REMINDERS_QUEUE) readonly reminders: Queue,
    @InjectQueue(EMAIL_QUEUE) readonly email: Queue,
  ) {}

  onModuleInit(): void {
    // A Redis outage must not crash the process: producers fail fast and the reconciler catches up.
    for (const q of [this.reminders, this.email])
      q.on('error', (e) => this.logger.debug(`queue ${q.name}: ${e.message}`));
  }

  /** Adds a delayed job per schedule row. Existing ids are kept by BullMQ, so re-adding is harmless. */
  async schedule(rows: Array<{ id: string; dueAt: Date }>): Promise<void> {
    if (rows.length === 0) return;
    const now = Date.now();
    await this.reminders.addBulk(
      rows.map((r) => ({
        name: 'deliver',
        data: { scheduleId: r.id },
        opts: {
          ...JOB_DEFAULTS,
          jobId: reminderJobId(r.id),
          delay: Math.max(0, new Date(r.dueAt).getTime() - now),
        },
      })),
    );
  }

  /** Best effort: a cancelled row's job would find nothing owed anyway. */
  async unschedule(ids: string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.reminders.remove(reminderJobId(id)).catch(() => 0)));
  }

  async sendEmails(outboxIds: string[]): Promise<void> {
    if (outboxIds.length === 0) return;
    await this.email.addBulk(
      outboxIds.map((id) => ({
        name: 'send',
        data: { outboxId: id },
        opts: { ...JOB_DEFAULTS, jobId: emailJobId(id) },
      })),
    );
  }
}
