import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { UsersModule } from '../users/users.module.js';
import { DeputiesController } from './deputies.controller.js';
import { DeputiesService } from './deputies.service.js';

@Module({
  imports: [AuditModule, UsersModule],
  controllers: [DeputiesController],
  providers: [DeputiesService],
})
export class DeputiesModule {}
