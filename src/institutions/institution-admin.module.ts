import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { InstitutionSettingsController } from './institution-settings.controller.js';
import { InstitutionSettingsService } from './institution-settings.service.js';

/**
 * The audited changes to institutions: adding one and its sign-in settings. Apart from
 * InstitutionsModule, which the workflow (and through it the audit log) depends on, so that this one
 * can depend on the audit log without a cycle.
 */
@Module({
  imports: [AuditModule],
  controllers: [InstitutionSettingsController],
  providers: [InstitutionSettingsService],
})
export class InstitutionAdminModule {}
