import { Module } from '@nestjs/common';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { CatalogueWriterService } from './catalogue-writer.service.js';
import { CatalogueController } from './catalogue.controller.js';
import { CatalogueService } from './catalogue.service.js';
import { StackabilityCheckService } from './stackability-check.service.js';

/**
 * The public catalogue: its projection written in the workflow transaction (publish, retire), the
 * stackability rule of SUBMIT, and the public read API with the sitemap.
 */
@Module({
  imports: [WorkflowModule],
  controllers: [CatalogueController],
  providers: [CatalogueService, CatalogueWriterService, StackabilityCheckService],
  exports: [CatalogueService],
})
export class CatalogueModule {}
