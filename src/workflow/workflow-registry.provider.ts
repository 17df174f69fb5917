import { Global, Module, type Provider } from '@nestjs/common';
import { workflowRegistry, WorkflowRegistry } from '../../workflows/registry.js';

/** Every released machine version; proposals keep the version they started on. */
export const workflowRegistryProvider: Provider = {
  provide: WorkflowRegistry,
  useFactory: () => workflowRegistry(),
};

/** The registry for every feature that reads workflow policy (analytics, catalogue, credentials, …). */
@Global()
@Module({ providers: [workflowRegistryProvider], exports: [workflowRegistryProvider] })
export class WorkflowRegistryModule {}
