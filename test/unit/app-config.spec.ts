import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError, loadAppConfig } from '../../src/config/app-config.js';

// A fixed Ed25519 key in the SIGNING_KEY format (test data only).
const TEST_SIGNING_KEY =
  'zrv4bkwWNs6uF5uUn6SzjkiDPcBdAA7Ry6xKdbREL6ZDdeoow3X7eKN4JzSo3GTL3GxygDj8CvGqQuRToCc398GGzmb';

describe('configuration', () => {
  it('gives every variable its documented default', () => {
    const c = loadAppConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/microcred',
      REDIS_URL: 'redis://127.0.0.1:6379',
      JWT_TTL: '1h',
      ADMIN_EMAIL: 'admin@4euplus.eu',
      WORKER: true,
      REMINDER_FIRST_AFTER_MS: 5 * 86_400_000,
      REMINDER_INTERVAL_MS: 3 * 86_400_000,
      ESCALATION_AFTER_MS: 14 * 86_400_000,
      ECTS_MIN: 1,
      ECTS_MAX: 15,
      MIGRATIONS_RUN: true,
    });
    expect(c.SMTP_URL).toBeUndefined();
    expect(c.JWT_SECRET).toBeUndefined();
  });

  it('converts strings from the environment to numbers and booleans', () => {
    const c = loadAppConfig({
      PORT: '8080',
      WORKER: 'off',
      MIGRATIONS_RUN: 'false',
      ECTS_MAX: '20',
      ECTS_MIN: '0.5',
    });
    expect(c).toMatchObject({
      PORT: 8080,
      WORKER: false,
      MIGRATIONS_RUN: false,
      ECTS_MAX: 20,
      ECTS_MIN: 0.5,
    });
  });

  it('lists every invalid variable at once', () => {
    try {
      loadAppConfig({ PORT: 'eighty', REDIS_URL: 'http://x', WORKER: 'maybe', JWT_TTL: 'forever' });
      throw new Error('expected a failure');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigValidationError);
      const text = (e as ConfigValidationError).problems.join('\n');
      for (const name of ['PORT', 'REDIS_URL', 'WORKER', 'JWT_TTL']) expect(text).toContain(name);
    }
  });

  it('refuses production without JWT_SECRET, and a short secret anywhere', () => {
    expect(() => loadAppConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET is required/);
    expect(() => loadAppConfig({ JWT_SECRET: 'short' })).toThrow(/at least 32/);
    expect(() => loadAppConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) })).toThrow(
      /SIGNING_KEY is required/,
    );
    expect(() =>
      loadAppConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), SIGNING_KEY: TEST_SIGNING_KEY }),
    ).toThrow(/PUBLIC_URL is required/);
    expect(
      loadAppConfig({
        NODE_ENV: 'production',
        JWT_SECRET: 'x'.repeat(32),
        SIGNING_KEY: TEST_SIGNING_KEY,
        PUBLIC_URL: 'https://qa.4euplus.eu',
      }).isProduction,
    ).toBe(true);
  });

  it('holds the bootstrap administrator to the password policy in production, not in development', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      SIGNING_KEY: TEST_SIGNING_KEY,
      PUBLIC_URL: 'https://qa.4euplus.eu',
    };
    expect(() => loadAppConfig({ ...production, ADMIN_PASSWORD: 'admin' })).toThrow(
      /ADMIN_PASSWORD must be at least 12 characters when NODE_ENV=production/,
    );
    expect(() => loadAppConfig({ ...production, ADMIN_PASSWORD: 'onlylettershere' })).toThrow(
      /ADMIN_PASSWORD is too weak/,
    );
    expect(loadAppConfig({ ...production, ADMIN_PASSWORD: 'Long-enough-Passw0rd' }).ADMIN_PASSWORD).toBe(
      'Long-enough-Passw0rd',
    );
    // Unset in production: no administrator is created (a warning), which the policy cannot judge.
    expect(loadAppConfig(production).ADMIN_PASSWORD).toBeUndefined();
    expect(loadAppConfig({ ADMIN_PASSWORD: 'admin' }).ADMIN_PASSWORD).toBe('admin');
  });

  it('takes PUBLIC_URL as an origin and refuses a path or another scheme', () => {
    expect(loadAppConfig({}).PUBLIC_URL).toBe('http://localhost:3000');
    expect(loadAppConfig({ PUBLIC_URL: 'https://qa.4euplus.eu/' }).PUBLIC_URL).toBe('https://qa.4euplus.eu');
    expect(() => loadAppConfig({ PUBLIC_URL: 'https://qa.4euplus.eu/app' })).toThrow(/PUBLIC_URL/);
    expect(() => loadAppConfig({ PUBLIC_URL: 'ftp://qa.4euplus.eu' })).toThrow(/PUBLIC_URL/);
    expect(() => loadAppConfig({ SIGNING_KEY: 'not-a-key' })).toThrow(/SIGNING_KEY/);
  });

  it('refuses an ECTS range that is upside down', () => {
    expect(() => loadAppConfig({ ECTS_MIN: '10', ECTS_MAX: '5' })).toThrow(/ECTS_MIN/);
  });
});
