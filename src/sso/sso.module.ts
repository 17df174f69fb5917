import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { OidcController } from './oidc.controller.js';
import { OidcService } from './oidc.service.js';

/** University sign-in (OpenID Connect); the institution settings it reads are in src/institutions. */
@Module({
  imports: [AuthModule, AuditModule],
  controllers: [OidcController],
  providers: [OidcService],
})
export class SsoModule {}
