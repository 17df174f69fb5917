import { Global, Module } from '@nestjs/common';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus metrics on their own port (METRICS_PORT), in API and worker processes. */
@Global()
@Module({
  imports: [WorkflowModule],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
