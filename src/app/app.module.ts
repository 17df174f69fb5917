import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { ProblemDetailsFilter } from '../common/problem-details.filter.js';
import { AppValidationPipe } from '../common/validation.pipe.js';
import { AppConfig } from '../config/app-config.js';
import { AppConfigModule } from '../config/config.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { HealthModule } from '../health/health.module.js';
import { InstitutionsModule } from '../institutions/institutions.module.js';
import { ProposalsModule } from '../proposals/proposals.module.js';
import { QualityCriteriaModule } from '../quality-criteria/quality-criteria.module.js';
import { RedisModule } from '../redis/redis.module.js';
import { UsersModule } from '../users/users.module.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { loggerParams } from './logging.js';

/** The HTTP API process. */
@Module({
  imports: [
    AppConfigModule,
    LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggerParams }),
    DatabaseModule,
    RedisModule,
    AuthModule,
    UsersModule,
    InstitutionsModule,
    QualityCriteriaModule,
    WorkflowModule,
    ProposalsModule,
    AuditModule,
    HealthModule.register(),
  ],
  providers: [
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useClass: AppValidationPipe },
  ],
})
export class AppModule {}
