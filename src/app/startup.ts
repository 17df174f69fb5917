import { Redis } from 'ioredis';
import { AppConfig, ConfigValidationError, loadAppConfig } from '../config/app-config.js';
import { ensureDatabase, redactUrl } from '../database/ensure-database.js';

/** A start-up failure a person can act on: printed as one line, without a stack trace. */
export class StartupError extends Error {}

/** Reads .env (when present) into process.env without overriding what is already set, like @nestjs/config. */
export function loadDotEnv(): void {
  try {
    process.loadEnvFile('.env');
  } catch {
    // no .env: the environment alone configures the process
  }
}

export function loadConfigOrFail(): AppConfig {
  try {
    return loadAppConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigValidationError) throw new StartupError(e.message);
    throw e;
  }
}

function reason(e: unknown): string {
  const err = e as { code?: string; message?: string; errors?: Array<{ message?: string }> };
  if (err?.errors?.length) return err.errors.map((x) => x.message).join('; ');
  return err?.code ? `${err.code}${err.message ? `: ${err.message}` : ''}` : (err?.message ?? String(e));
}

/** Creates the database if missing and proves PostgreSQL answers. */
export async function checkPostgres(config: AppConfig): Promise<void> {
  try {
    await ensureDatabase(config.DATABASE_URL);
  } catch (e) {
    throw new StartupError(
      `Cannot reach PostgreSQL at ${redactUrl(config.DATABASE_URL)} (${reason(e)}). ` +
        `Start it with "docker compose up -d postgres" (or "pg_ctlcluster 15 main start"), or set DATABASE_URL.`,
    );
  }
}

export async function checkRedis(config: AppConfig): Promise<void> {
  const client = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new StartupError(
      `Cannot reach Redis at ${redactUrl(config.REDIS_URL)} (${reason(e)}). ` +
        `Start it with "docker compose up -d redis" (or "redis-server --daemonize yes"), or set REDIS_URL.`,
    );
  } finally {
    client.disconnect();
  }
}

/** Runs a process entry point, turning StartupErrors into one clear line and exit code 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    if (e instanceof StartupError) {
      process.stderr.write(`${e.message}\n`);
    } else {
      process.stderr.write(`Fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    process.exit(1);
  });
}
