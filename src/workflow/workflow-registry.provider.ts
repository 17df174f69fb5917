import type { Provider } from '@nestjs/common';
import { defaultWorkflowRegistry, WorkflowRegistry } from '../../workflows/registry.js';

/** Every released machine version; proposals keep the version they started on. */
export const workflowRegistryProvider: Provider = {
  provide: WorkflowRegistry,
  useFactory: () => defaultWorkflowRegistry(),
};
