import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HEALTH_CONTRIBUTORS } from './health-contributor.js';
import { HealthController } from './health.controller.js';

@Module({})
export class HealthModule {
  /** `contributors`: providers (classes) implementing HealthContributor, e.g. queue metrics. */
  static register(contributors: Provider[] = [], imports: DynamicModule['imports'] = []): DynamicModule {
    const tokens = contributors.map((c) =>
      typeof c === 'function' ? c : (c as { provide: unknown }).provide,
    );
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), ...(imports ?? [])],
      controllers: [HealthController],
      providers: [
        ...contributors,
        { provide: HEALTH_CONTRIBUTORS, inject: tokens as never[], useFactory: (...all: unknown[]) => all },
      ],
    };
  }
}
