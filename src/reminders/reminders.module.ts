import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { JwtSecretService } from '../auth/jwt-secret.service.js';
import { ResetLinkTokens } from '../auth/reset-link-token.js';
import { MailService } from '../mail/mail.service.js';
import { OutboxRetentionService } from '../mail/outbox-retention.service.js';
import { ProposalsModule } from '../proposals/proposals.module.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { QueueWorkersService } from './queue-workers.service.js';
import { ReminderDeliveryService } from './reminder-delivery.service.js';
import { ReminderQueueService } from './reminder-queue.service.js';
import { ReminderReconcilerService } from './reminder-reconciler.service.js';
import { ReminderSchedulerService } from './reminder-scheduler.service.js';
import { ReminderRepository } from './reminder.repository.js';

/** Reminders and escalation: the durable schedule, its hand-over to BullMQ, delivery, reconciliation. */
@Module({
  imports: [WorkflowModule, ProposalsModule, AuditModule],
  providers: [
    ReminderRepository,
    ReminderQueueService,
    ReminderSchedulerService,
    ReminderDeliveryService,
    ReminderReconcilerService,
    MailService,
    OutboxRetentionService,
    // The mail sender derives password reset tokens from the JWT secret (src/auth/reset-link-token.ts).
    JwtSecretService,
    ResetLinkTokens,
    QueueWorkersService,
  ],
  exports: [ReminderReconcilerService, ReminderDeliveryService],
})
export class RemindersModule {}
