import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { Public } from '../auth/decorators.js';
import { DomainError } from '../common/domain-error.js';
import { REDIS_CLIENT } from '../redis/redis.module.js';
import { HEALTH_CONTRIBUTORS, type HealthContributor } from './health-contributor.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(HEALTH_CONTRIBUTORS) private readonly contributors: HealthContributor[],
  ) {}

  @Get()
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Liveness of PostgreSQL and Redis (and queue figures)' })
  @ApiOkResponse({ description: 'Everything answers' })
  @ApiServiceUnavailableResponse({
    description: 'problem+json naming what is down, with the per-check details',
  })
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.db.pingCheck('postgres', { timeout: 2000 }),
        () =>
          this.indicators
            .check('redis')
            .attempt(async () => {
              const pong = await this.redis.ping();
              if (pong !== 'PONG') throw new Error(`unexpected answer ${pong}`);
              return {};
            })
            .withTimeout(2000),
        ...this.contributors.map((c) => () => c.check()),
      ]);
    } catch (e) {
      if (!(e instanceof ServiceUnavailableException)) throw e;
      const result = e.getResponse() as HealthCheckResult;
      const down = Object.keys(result.error ?? {});
      throw new DomainError('service-unavailable', `Down: ${down.join(', ')}`, undefined, undefined, {
        down,
        details: result.details,
      });
    }
  }
}
