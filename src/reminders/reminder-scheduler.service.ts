import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import {
  ProposalsService,
  type PartyTimes,
  type PendingTimesSource,
} from '../proposals/proposals.service.js';
import {
  ChangeParticipantRole,
  type ChangeParticipant,
  type ProposalChange,
} from '../workflow/proposal-change.js';
import { ReminderQueueService } from './reminder-queue.service.js';
import { ReminderRepository, type ScheduleRow } from './reminder.repository.js';

/**
 * Joins every workflow transaction: entering a reminded stage writes each pending party's first
 * reminder and its escalation; a decision or a stage exit cancels what is no longer owed. After the
 * commit the new rows' timers go to Redis (if Redis is down, the reconciler adds them later).
 */
@Injectable()
@ChangeParticipantRole('reminders')
export class ReminderSchedulerService implements ChangeParticipant, OnModuleInit, PendingTimesSource {
  private readonly pendingHandOver = new WeakMap<
    ProposalChange,
    { added: ScheduleRow[]; cancelled: string[] }
  >();

  constructor(
    private readonly proposals: ProposalsService,
    private readonly repo: ReminderRepository,
    private readonly queue: ReminderQueueService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.proposals.usePendingTimes(this);
  }

  async inTransaction(em: EntityManager, change: ProposalChange): Promise<void> {
    if (change.kind !== 'event') return;
    const stageEntry = change.definition.stageEntryOf(change.snapshot);
    const parties = change.definition.pendingParties(change.snapshot).filter((p) => p.reminded);
    const cancelled = await this.repo.cancelStale(
      em,
      change.after.id,
      stageEntry,
      parties.map((p) => p.key),
    );
    let added: ScheduleRow[] = [];
    if (change.stageEntered) {
      added = await this.repo.insert(
        em,
        change.after.id,
        stageEntry,
        change.after.state,
        parties.flatMap((p) => [
          {
            partyKey: p.key,
            kind: 'reminder' as const,
            attempt: 1,
            delayMs: this.config.REMINDER_FIRST_AFTER_MS,
          },
          {
            partyKey: p.key,
            kind: 'escalation' as const,
            attempt: 1,
            delayMs: this.config.ESCALATION_AFTER_MS,
          },
        ]),
      );
    }
    this.pendingHandOver.set(change, { added, cancelled });
  }

  async afterCommit(change: ProposalChange): Promise<void> {
    const h = this.pendingHandOver.get(change);
    if (!h) return;
    await this.queue.schedule(h.added);
    await this.queue.unschedule(h.cancelled);
  }

  async timesFor(proposalId: string, em?: EntityManager): Promise<PartyTimes> {
    return timesByParty(await this.repo.nextTimes(proposalId, em));
  }

  async timesForMany(proposalIds: string[]): Promise<Map<string, PartyTimes>> {
    const rows = new Map(
      proposalIds.map((id) => [id, [] as Array<{ partyKey: string; kind: string; dueAt: Date }>]),
    );
    for (const r of await this.repo.nextTimesOfMany(proposalIds)) rows.get(r.proposalId)?.push(r);
    return new Map([...rows].map(([id, own]) => [id, timesByParty(own)]));
  }
}

/** The next reminder and escalation of each pending party, from the schedule's pending rows. */
function timesByParty(rows: Array<{ partyKey: string; kind: string; dueAt: Date }>): PartyTimes {
  const out: PartyTimes = new Map();
  for (const r of rows) {
    const t = out.get(r.partyKey) ?? { nextReminderAt: null, escalationAt: null };
    if (r.kind === 'reminder') t.nextReminderAt = new Date(r.dueAt);
    else t.escalationAt = new Date(r.dueAt);
    out.set(r.partyKey, t);
  }
  return out;
}
