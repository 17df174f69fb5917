export const REMINDERS_QUEUE = 'reminders';
export const EMAIL_QUEUE = 'email';
/** Endorsements owed for approved micro-credentials (src/credentials/endorsement-outbox.service.ts). */
export const OUTBOX_QUEUE = 'outbox';
export const QUEUE_NAMES = [REMINDERS_QUEUE, EMAIL_QUEUE, OUTBOX_QUEUE] as const;

/** Job ids derive from PostgreSQL rows (BullMQ ids may not contain ':' nor be all digits). */
export const reminderJobId = (scheduleId: string) => `rem-${scheduleId}`;
export const emailJobId = (outboxId: string) => `mail-${outboxId}`;

/** Delivery is retried with exponential back-off; after that the reconciler re-adds the job. */
export const JOB_DEFAULTS = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: { count: 5000 },
} as const;
