import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { ProblemDetailsFilter } from '../common/problem-details.filter.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { AppValidationPipe } from '../common/validation.pipe.js';
import { AppConfig } from '../config/app-config.js';
import { AppConfigModule } from '../config/config.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { DeputiesModule } from '../deputies/deputies.module.js';
import { HealthModule } from '../health/health.module.js';
import { InstitutionAdminModule } from '../institutions/institution-admin.module.js';
import { InstitutionsModule } from '../institutions/institutions.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { ProposalsModule } from '../proposals/proposals.module.js';
import { QualityCriteriaModule } from '../quality-criteria/quality-criteria.module.js';
import { QueueMetricsService } from '../queue/queue-metrics.service.js';
import { QueueModule } from '../queue/queue.module.js';
import { RedisModule } from '../redis/redis.module.js';
import { PROCESS_ROLE, type ProcessRole } from '../reminders/queue-workers.service.js';
import { RemindersModule } from '../reminders/reminders.module.js';
import { SsoModule } from '../sso/sso.module.js';
import { UsersModule } from '../users/users.module.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { AdminController } from './admin.controller.js';
import { changeParticipantsProvider } from './change-participants.js';
import { loggerParams } from './logging.js';

/**
 * The application. `api` serves HTTP (src/main.ts) and runs the queue workers unless WORKER=off;
 * `worker` is the same application without HTTP (src/worker.ts), for scaling out.
 */
@Module({})
export class AppModule {
  static forRoot(role: ProcessRole = 'api'): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        AppConfigModule,
        LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggerParams }),
        DatabaseModule,
        RedisModule,
        QueueModule,
        AuthModule,
        UsersModule,
        InstitutionsModule,
        InstitutionAdminModule,
        QualityCriteriaModule,
        WorkflowModule,
        ProposalsModule,
        AuditModule,
        RemindersModule,
        NotificationsModule,
        MetricsModule,
        SsoModule,
        DeputiesModule,
        CatalogueModule,
        AnalyticsModule,
        CredentialsModule,
        HealthModule.register([{ provide: 'queue-health', useExisting: QueueMetricsService }]),
      ],
      controllers: [AdminController],
      providers: [
        { provide: PROCESS_ROLE, useValue: role },
        changeParticipantsProvider,
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useClass: AppValidationPipe },
      ],
      exports: [PROCESS_ROLE, changeParticipantsProvider],
    };
  }
}
