import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError, loadAppConfig } from '../../src/config/app-config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadAppConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigValidationError) return e.problems;
    throw e;
  }
}

describe('metrics configuration', () => {
  it('is off by default and binds loopback when turned on', () => {
    expect(loadAppConfig({})).toMatchObject({ METRICS_PORT: 0, METRICS_HOST: '127.0.0.1' });
    expect(loadAppConfig({ METRICS_PORT: '9464' }).METRICS_PORT).toBe(9464);
  });

  it.each(['-1', '65536', 'abc', '94.64'])('refuses METRICS_PORT=%s, naming it', (port) => {
    expect(problemsOf({ METRICS_PORT: port }).join('\n')).toMatch(/^METRICS_PORT/m);
  });

  it('refuses a metrics port equal to the public PORT, which would put metrics on the public API', () => {
    expect(problemsOf({ PORT: '3000', METRICS_PORT: '3000' })).toEqual([
      'METRICS_PORT must differ from PORT: metrics stay off the public API',
    ]);
  });

  it('refuses a METRICS_HOST that is no host name or address', () => {
    expect(problemsOf({ METRICS_HOST: 'http://x/' }).join('\n')).toMatch(/^METRICS_HOST/m);
    expect(loadAppConfig({ METRICS_HOST: '0.0.0.0' }).METRICS_HOST).toBe('0.0.0.0');
  });
});
