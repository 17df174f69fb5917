// The inbox's read service (GET /api/proposals/waiting) wired as the app wires it, without Nest: the
// released machines, and each pending party's reminder times. For P7's bare baseline and its EXPLAIN.
import { ProposalsService } from '../../src/proposals/proposals.service.js';
import { ReminderRepository } from '../../src/reminders/reminder.repository.js';
import { ReminderSchedulerService } from '../../src/reminders/reminder-scheduler.service.js';
import { ProposalsRepository } from '../../src/workflow/proposals.repository.js';
import { workflowRegistry } from '../../workflows/registry.js';

const registry = workflowRegistry();

/** `dataSource`: anything with `query` and `manager.query`, as the repositories use. */
export function inboxService(dataSource: never): ProposalsService {
  const engine = {
    waitingStates: () => registry.waitingStates(),
    definitionOf: (r: { workflowId: string; workflowVersion: number }) =>
      registry.get(r.workflowId, r.workflowVersion),
  };
  const service = new ProposalsService(new ProposalsRepository(dataSource), engine as never, dataSource);
  // timesFor reads only the repository; the queue and config are not touched on this path.
  service.usePendingTimes(
    new ReminderSchedulerService(service, new ReminderRepository(dataSource), null as never, null as never),
  );
  return service;
}
