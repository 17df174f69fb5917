import type { HealthIndicatorResult } from '@nestjs/terminus';

/** Other modules (the queue) add checks to /health by providing HEALTH_CONTRIBUTORS entries. */
export const HEALTH_CONTRIBUTORS = Symbol('HEALTH_CONTRIBUTORS');

export interface HealthContributor {
  check(): Promise<HealthIndicatorResult>;
}
