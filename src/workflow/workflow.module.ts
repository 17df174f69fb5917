import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { InstitutionsModule } from '../institutions/institutions.module.js';
import { QualityCriterion } from '../quality-criteria/quality-criterion.entity.js';
import { ProposalsRepository } from './proposals.repository.js';
import { workflowRegistryProvider } from './workflow-registry.provider.js';
import { WorkflowEngineService } from './workflow-engine.service.js';
import { WorkflowsController } from './workflows.controller.js';

/** The workflow runtime: machine registry, the one writer of workflow state, the machine description. */
@Module({
  imports: [InstitutionsModule, IdempotencyModule, TypeOrmModule.forFeature([QualityCriterion])],
  controllers: [WorkflowsController],
  providers: [workflowRegistryProvider, ProposalsRepository, WorkflowEngineService],
  exports: [workflowRegistryProvider, ProposalsRepository, WorkflowEngineService],
})
export class WorkflowModule {}
