import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { EntityManager } from 'typeorm';
import { JOB_DEFAULTS, OUTBOX_QUEUE } from '../queue/queue.constants.js';
import {
  ChangeParticipantRole,
  type ChangeParticipant,
  type ProposalChange,
} from '../workflow/proposal-change.js';
import { CredentialsRepository, ENDORSEMENT_OUTBOX_KIND } from './credentials.repository.js';

/** BullMQ job ids derive from the outbox row (no ':' and not all digits). */
export const outboxJobId = (outboxId: string) => `outbox-${outboxId}`;

/**
 * Joins the workflow transaction: the transition that approves a micro-credential writes an outbox row
 * "issue its endorsement" (one per proposal and revision), so approval and the promise to issue commit
 * together. After the commit the row's job goes to Redis; if that fails the reconciler re-adds it.
 */
@Injectable()
@ChangeParticipantRole('endorsement-outbox')
export class EndorsementOutboxService implements ChangeParticipant, OnModuleInit {
  private readonly logger = new Logger(EndorsementOutboxService.name);
  private readonly written = new WeakMap<ProposalChange, string>();

  constructor(
    private readonly repo: CredentialsRepository,
    @InjectQueue(OUTBOX_QUEUE) readonly queue: Queue,
  ) {}

  onModuleInit(): void {
    this.queue.on('error', (e) => this.logger.debug(`queue ${this.queue.name}: ${e.message}`));
  }

  async inTransaction(em: EntityManager, change: ProposalChange): Promise<void> {
    const { approved } = change.definition.policy.milestones;
    if (change.kind !== 'event' || change.after.state !== approved || change.before.state === approved)
      return;
    const { id, revision } = change.after;
    const outboxId = await this.repo.enqueue(
      em,
      ENDORSEMENT_OUTBOX_KIND,
      id,
      `${ENDORSEMENT_OUTBOX_KIND}:${id}:${revision}`,
      { proposalId: id, revision },
    );
    if (outboxId) this.written.set(change, outboxId);
  }

  async afterCommit(change: ProposalChange): Promise<void> {
    const outboxId = this.written.get(change);
    if (outboxId) await this.hand([outboxId]);
  }

  async hand(outboxIds: string[]): Promise<void> {
    if (outboxIds.length === 0) return;
    await this.queue.addBulk(
      outboxIds.map((id) => ({
        name: 'process',
        data: { outboxId: id },
        opts: { ...JOB_DEFAULTS, jobId: outboxJobId(id) },
      })),
    );
  }
}
