import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { InstitutionSettingsController } from './institution-settings.controller.js';
import { InstitutionSettingsService } from './institution-settings.service.js';
import { OidcController } from './oidc.controller.js';
import { OidcService } from './oidc.service.js';

/** University sign-in (OpenID Connect) and the institution settings it depends on. */
@Module({
  imports: [AuthModule, AuditModule],
  controllers: [OidcController, InstitutionSettingsController],
  providers: [OidcService, InstitutionSettingsService],
})
export class SsoModule {}
