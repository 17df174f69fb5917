import type { Provider, Type } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { CatalogueWriterService } from '../catalogue/catalogue-writer.service.js';
import { StackabilityCheckService } from '../catalogue/stackability-check.service.js';
import { EndorsementOutboxService } from '../credentials/endorsement-outbox.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ReminderSchedulerService } from '../reminders/reminder-scheduler.service.js';
import { CHANGE_PARTICIPANTS, type ChangeParticipant } from '../workflow/proposal-change.js';

/**
 * Everything that joins the workflow engine's transaction, in the order it runs. The engine checks at
 * boot that this list and the providers marked @ChangeParticipantRole agree and that the required
 * ones (audit, reminders) are here; a participant left out fails start-up.
 *
 * Order: the SUBMIT check and the writers of uncontended rows first; the audit log last but one,
 * because it locks each involved institution's chain head and should hold those locks only just
 * before COMMIT; metrics count after COMMIT only.
 */
export const CHANGE_PARTICIPANT_TYPES: ReadonlyArray<Type<ChangeParticipant>> = [
  StackabilityCheckService,
  ReminderSchedulerService,
  CatalogueWriterService,
  EndorsementOutboxService,
  AuditService,
  MetricsService,
];

export const changeParticipantsProvider: Provider = {
  provide: CHANGE_PARTICIPANTS,
  useValue: CHANGE_PARTICIPANT_TYPES,
};
