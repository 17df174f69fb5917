import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { WorkflowRegistry } from '../../workflows/registry.js';
import type { PendingParty } from '../../workflows/types.js';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { withTransientRetry } from '../database/db-errors.js';
import { ProposalsRepository } from '../workflow/proposals.repository.js';
import { escalationRecipients, partyInstitutions, partyMembers } from './recipients.js';
import { ReminderQueueService } from './reminder-queue.service.js';
import { ReminderRepository, type ScheduleRow } from './reminder.repository.js';

export type DeliveryOutcome =
  | { outcome: 'delivered' | 'not-owed' | 'no-longer-pending' | 'unknown-workflow-version' }
  | { outcome: 'not-yet-due'; dueAt: Date };

/** The pending party in words a person reads in a notification or an e-mail (a name, not an id). */
function describeParty(p: PendingParty, institutionName: string | undefined): string {
  if (p.kind === 'agency') return `the national agency of ${p.country}`;
  if (p.kind === 'quality') return 'the quality officers';
  return institutionName ?? p.institutionId ?? p.key;
}

/**
 * Delivers one owed reminder or escalation, exactly once: the proposal is locked first, as a transition
 * locks it (so the two queue on one lock in one order instead of deadlocking on the schedule row and the
 * notifications' foreign key, and the pending check sees the latest decision), then the schedule row
 * is locked, its status checked, the notifications (unique per row and user), e-mail outbox rows, the audit entry, the next
 * reminder and the status change commit together. A duplicate or late job finds the row done and
 * returns quietly.
 */
@Injectable()
export class ReminderDeliveryService {
  private readonly logger = new Logger(ReminderDeliveryService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: ReminderRepository,
    private readonly proposals: ProposalsRepository,
    private readonly registry: WorkflowRegistry,
    private readonly audit: AuditService,
    private readonly queue: ReminderQueueService,
    private readonly config: AppConfig,
  ) {}

  async deliver(scheduleId: string, jobId: string | null = null): Promise<DeliveryOutcome> {
    const after: { next: ScheduleRow[]; emails: string[] } = { next: [], emails: [] };
    const result = await withTransientRetry(() =>
      this.dataSource.transaction(async (em): Promise<DeliveryOutcome> => {
        // A retried attempt starts from scratch.
        after.next = [];
        after.emails = [];
        const proposalId = await this.repo.proposalOf(em, scheduleId);
        if (!proposalId) return { outcome: 'not-owed' };
        const proposal = await this.proposals.lock(em, proposalId);
        const row = await this.repo.lock(em, scheduleId);
        if (!proposal || !row || row.status !== 'pending') return { outcome: 'not-owed' };
        const [{ early }]: Array<{ early: boolean }> = await em.query(
          `SELECT now() < $1::timestamptz AS early`,
          [row.dueAt],
        );
        if (early) return { outcome: 'not-yet-due', dueAt: new Date(row.dueAt) };
        if (!this.registry.has(proposal.workflowId, proposal.workflowVersion)) {
          // A release without this machine version (rolled back): retrying cannot help, so the job
          // ends quietly and the row stays owed. The reconciler offers it again each pass, and a
          // release that has the version delivers it.
          this.logger.warn(
            {
              scheduleId,
              proposalId: proposal.id,
              workflow: `${proposal.workflowId}@${proposal.workflowVersion}`,
            },
            'reminder held: this release does not have the workflow version the proposal runs on',
          );
          return { outcome: 'unknown-workflow-version' };
        }
        const definition = this.registry.get(proposal.workflowId, proposal.workflowVersion);
        let snapshot: ReturnType<typeof definition.restore>;
        try {
          snapshot = definition.restore(proposal.snapshot);
        } catch (e) {
          // A stored snapshot its own machine cannot restore: no retry can help, so the job fails
          // for good (and is recorded so, never revived by the reconciler).
          throw new UnrecoverableError(
            `snapshot of ${proposal.id} does not restore: ${(e as Error).message}`,
          );
        }
        const stageEntry = definition.stageEntryOf(snapshot);
        const party = definition.pendingParties(snapshot).find((p) => p.key === row.partyKey && p.reminded);
        if (stageEntry !== row.stageEntry || !party) {
          await this.repo.markCancelled(em, row.id);
          return { outcome: 'no-longer-pending' };
        }
        const recipients =
          row.kind === 'reminder' ? await partyMembers(em, party) : await escalationRecipients(em, party);
        const stage = definition.policy.stageLabels[proposal.state] ?? proposal.state;
        const named: Array<{ name: string }> = party.institutionId
          ? await em.query(`SELECT name FROM institutions WHERE id = $1`, [party.institutionId])
          : [];
        const who = describeParty(party, named[0]?.name);
        const title =
          row.kind === 'reminder'
            ? `Reminder: ${proposal.reference} is waiting for ${who} in ${stage}`
            : `Escalation: ${proposal.reference} has waited for ${who} in ${stage} since ${new Date(definition.stageEnteredAtOf(snapshot)).toISOString().slice(0, 10)}`;
        const body =
          row.kind === 'reminder'
            ? `Micro-credential proposal ${proposal.reference} (${String(proposal.content.title ?? 'untitled')}) needs a decision from ${who}. Reminder ${row.attempt}.`
            : `Proposal ${proposal.reference} is still waiting for ${who}. As an administrator, please see that it is handled.`;
        const notifications: Array<{ id: string; userId: string }> = recipients.length
          ? await em.query(
              `INSERT INTO notifications (user_id, schedule_id, kind, proposal_id, proposal_reference, state, party_key, title, body)
             SELECT u, $2, $3, $4, $5, $6, $7, $8, $9 FROM unnest($1::uuid[]) AS u
             ON CONFLICT (schedule_id, user_id) DO NOTHING RETURNING id, user_id AS "userId"`,
              [
                recipients.map((r) => r.id),
                row.id,
                row.kind,
                proposal.id,
                proposal.reference,
                proposal.state,
                party.key,
                title,
                body,
              ],
            )
          : [];
        if (this.config.SMTP_URL && notifications.length) {
          const emailOf = new Map(recipients.map((r) => [r.id, r.email]));
          const outbox: Array<{ id: string }> = await em.query(
            `INSERT INTO email_outbox (notification_id, to_address, subject, body)
           SELECT n, e, $3, $4 FROM unnest($1::uuid[], $2::text[]) AS x(n, e) RETURNING id`,
            [notifications.map((n) => n.id), notifications.map((n) => emailOf.get(n.userId)), title, body],
          );
          after.emails = outbox.map((o) => o.id);
        }
        await this.repo.markDelivered(em, row.id);
        if (row.kind === 'reminder') {
          after.next = await this.repo.insert(em, proposal.id, row.stageEntry, row.state, [
            {
              partyKey: row.partyKey,
              kind: 'reminder',
              attempt: row.attempt + 1,
              delayMs: this.config.REMINDER_INTERVAL_MS,
            },
          ]);
        }
        await this.audit.record(
          em,
          [
            proposal.leadInstitutionId,
            ...proposal.partnerInstitutionIds,
            ...(await partyInstitutions(em, party)),
          ],
          {
            action: row.kind === 'reminder' ? 'REMINDER' : 'ESCALATION',
            proposalId: proposal.id,
            proposalReference: proposal.reference,
            actor: null,
            fromState: proposal.state,
            toState: proposal.state,
            revision: proposal.revision,
            data: {
              partyKey: party.key,
              attempt: row.attempt,
              dueAt: new Date(row.dueAt).toISOString(),
              recipients: notifications.length,
            },
            meta: { requestId: jobId, ip: null },
          },
        );
        return { outcome: 'delivered' };
      }),
    );
    // Timers and mail go to Redis only after the commit; if Redis refuses, the reconciler retries.
    await this.queue.schedule(after.next);
    await this.queue.sendEmails(after.emails);
    if (result.outcome === 'delivered') this.logger.log({ scheduleId, jobId }, 'reminder delivered');
    return result;
  }
}
