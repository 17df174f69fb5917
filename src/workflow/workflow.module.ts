import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { InstitutionsModule } from '../institutions/institutions.module.js';
import { QualityCriteriaModule } from '../quality-criteria/quality-criteria.module.js';
import { ProposalsRepository } from './proposals.repository.js';
import { WorkflowRegistryModule } from './workflow-registry.provider.js';
import { WorkflowEngineService } from './workflow-engine.service.js';
import { WorkflowsController } from './workflows.controller.js';

/** The workflow runtime: machine registry, the one writer of workflow state, the machine description. */
@Module({
  imports: [
    DiscoveryModule,
    WorkflowRegistryModule,
    InstitutionsModule,
    IdempotencyModule,
    QualityCriteriaModule,
  ],
  controllers: [WorkflowsController],
  providers: [ProposalsRepository, WorkflowEngineService],
  exports: [ProposalsRepository, WorkflowEngineService],
})
export class WorkflowModule {}
