import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';
import { passwordProblem } from '../common/password-policy.js';

const DAY_MS = 24 * 60 * 60 * 1000;

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', 'on', '1', 'yes'].includes(v)) return true;
  if (['false', 'off', '0', 'no'].includes(v)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Every setting of the service, validated once at boot. Features inject this class; nothing else
 * reads process.env. Names and defaults follow docs/contract.md section 2; the extras are documented in the README.
 */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/microcred';

  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** PostgreSQL connections per process. Keep it above 2 × WORKER_CONCURRENCY plus what HTTP needs. */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(500)
  DATABASE_POOL_SIZE = 30;

  /** Prefix of every Redis key this deployment writes (BullMQ queues, rate-limit counters). */
  @Matches(/^[a-zA-Z0-9_-]{1,40}$/, { message: 'REDIS_PREFIX may only hold letters, digits, _ and -' })
  REDIS_PREFIX = 'mc';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @Matches(/^\d+(ms|s|m|h|d)?$/, { message: 'JWT_TTL must look like 900, 15m, 1h or 1d' })
  JWT_TTL = '1h';

  @IsString()
  ADMIN_EMAIL = 'admin@4euplus.eu';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  ADMIN_PASSWORD?: string;

  @Transform(toBool)
  @IsBoolean()
  WORKER = true;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  REMINDER_FIRST_AFTER_MS = 5 * DAY_MS;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  REMINDER_INTERVAL_MS = 3 * DAY_MS;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  ESCALATION_AFTER_MS = 14 * DAY_MS;

  /**
   * How long an API process may answer the per-request account check from memory (0: never). Changes
   * evict entries at once through PostgreSQL NOTIFY (src/auth/account-cache.ts); this is only the
   * longest an entry lives.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(DAY_MS)
  ACCOUNT_CACHE_MS = 60_000;

  /** How often the reconciler re-adds owed jobs that Redis lacks. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  RECONCILE_INTERVAL_MS = 60_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  WORKER_CONCURRENCY = 8;

  /** How long a worker holds a job before another worker may take it over (when that worker died). */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  QUEUE_LOCK_MS = 30_000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsString()
  MAIL_FROM = '4EU+ micro-credential QA <no-reply@4euplus.eu>';

  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  ECTS_MIN = 1;

  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  @Max(300)
  ECTS_MAX = 15;

  @Transform(toBool)
  @IsBoolean()
  MIGRATIONS_RUN = true;

  /** Failed logins for one account within LOGIN_WINDOW_MS before it is locked for the rest of the window. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_ACCOUNT = 5;

  /** Failed logins from one IP within LOGIN_WINDOW_MS; successes never count, so an office behind one NAT gets in. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_IP = 50;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  LOGIN_WINDOW_MS = 15 * 60 * 1000;

  /** How long a password reset link sent by e-mail works (once); the e-mail says it in minutes. */
  @Transform(toInt)
  @IsInt()
  @Min(60_000)
  @Max(DAY_MS)
  PASSWORD_RESET_TTL_MS = 30 * 60 * 1000;

  /** Behind reverse proxies: true (trust every hop) or how many there are, so client IPs are real. */
  @Transform(({ value }) => {
    const v = toBool({ value });
    return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  })
  TRUST_PROXY: boolean | number = false;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Port of this process's Prometheus listener (GET /metrics), apart from the public API; 0: none. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 0;

  /** Interface the metrics listener binds: loopback unless a scraper on another host needs it. */
  @Matches(/^[A-Za-z0-9.:[\]-]+$/, { message: 'METRICS_HOST must be a host name or an IP address' })
  METRICS_HOST = '127.0.0.1';
  /** The service's origin as browsers and identity providers reach it; default http://localhost:PORT outside production. */
  @Transform(({ value }) =>
    typeof value === 'string' ? value.trim().replace(/\/+$/, '') || undefined : value,
  )
  @IsOptional()
  @Matches(/^https?:\/\/[^/?#\s]+$/, {
    message: 'PUBLIC_URL must be an origin such as https://qa.4euplus.eu',
  })
  PUBLIC_URL!: string;

  /** OpenID Connect issuer (discovery at ISSUER/.well-known/openid-configuration); unset: no university sign-in. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s?#]+$/, { message: 'OIDC_ISSUER must be an https:// URL' })
  OIDC_ISSUER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OIDC_CLIENT_ID?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OIDC_CLIENT_SECRET?: string;

  /** Scopes asked for at sign-in. */
  @Matches(/^openid( [\x21\x23-\x5b\x5d-\x7e]+)*$/, {
    message: 'OIDC_SCOPES must start with openid and be separated by single spaces',
  })
  OIDC_SCOPES = 'openid email profile schac_home_organization';

  /** Ed25519 secret key (multibase, ed25519-priv multicodec) signing endorsements; required in production. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^z[1-9A-HJ-NP-Za-km-z]{40,120}$/, {
    message: 'SIGNING_KEY must be a multibase (z…) Ed25519 secret key; see the README, "Credential exports"',
  })
  SIGNING_KEY?: string;

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`));
}

const OPTIONAL_WITHOUT_DEFAULT = ['PUBLIC_URL', 'OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'];

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** University sign-in: complete client settings, https (plain http only on loopback, and never in production). */
function oidcProblems(config: AppConfig): string[] {
  if (!config.OIDC_ISSUER) return [];
  const problems: string[] = [];
  let issuer: URL | null = null;
  try {
    issuer = new URL(config.OIDC_ISSUER);
  } catch {
    problems.push('OIDC_ISSUER must be a URL');
  }
  if (issuer?.protocol === 'http:') {
    if (config.isProduction) problems.push('OIDC_ISSUER must use https:// when NODE_ENV=production');
    else if (!LOOPBACK.test(issuer.hostname))
      problems.push('OIDC_ISSUER may use http:// only on loopback (127.0.0.1, localhost, [::1])');
  }
  if (!config.OIDC_CLIENT_ID) problems.push('OIDC_CLIENT_ID is required when OIDC_ISSUER is set');
  if (!config.OIDC_CLIENT_SECRET) problems.push('OIDC_CLIENT_SECRET is required when OIDC_ISSUER is set');
  return problems;
}

/** Builds the typed configuration from an environment-like record, or throws listing every problem. */
export function loadAppConfig(env: Record<string, unknown>): AppConfig {
  const known = Object.keys(new AppConfig());
  const picked: Record<string, unknown> = {};
  for (const key of [
    ...known,
    'JWT_SECRET',
    'ADMIN_PASSWORD',
    'SMTP_URL',
    ...OPTIONAL_WITHOUT_DEFAULT,
    'SIGNING_KEY',
  ]) {
    if (env[key] !== undefined && env[key] !== '') picked[key] = env[key];
  }
  const config = plainToInstance(AppConfig, picked, { exposeDefaultValues: true });
  const problems = flatten(validateSync(config, { forbidUnknownValues: true }));
  if (config.ECTS_MIN > config.ECTS_MAX) problems.push('ECTS_MIN must not exceed ECTS_MAX');
  if (config.DATABASE_POOL_SIZE < 2 * config.WORKER_CONCURRENCY + 4) {
    problems.push(
      `DATABASE_POOL_SIZE (${config.DATABASE_POOL_SIZE}) must be at least 2 × WORKER_CONCURRENCY + 4 (${2 * config.WORKER_CONCURRENCY + 4}) so queue work cannot starve HTTP requests of connections`,
    );
  }
  if (config.METRICS_PORT !== 0 && config.METRICS_PORT === config.PORT) {
    problems.push('METRICS_PORT must differ from PORT: metrics stay off the public API');
  }
  if (config.isProduction && !config.JWT_SECRET) {
    problems.push('JWT_SECRET is required when NODE_ENV=production (at least 32 random characters)');
  }
  problems.push(...oidcProblems(config));
  // The bootstrap administrator is created from ADMIN_PASSWORD without a request to validate: hold it
  // to the policy every other account keeps, so production never starts with admin/admin.
  const adminPasswordProblem =
    config.isProduction && config.ADMIN_PASSWORD
      ? passwordProblem('ADMIN_PASSWORD', config.ADMIN_PASSWORD)
      : null;
  if (adminPasswordProblem) problems.push(`${adminPasswordProblem} when NODE_ENV=production`);
  if (config.isProduction && !config.SIGNING_KEY) {
    problems.push('SIGNING_KEY is required when NODE_ENV=production (an Ed25519 secret key; see the README)');
  }
  if (config.isProduction && !config.PUBLIC_URL) {
    problems.push(
      'PUBLIC_URL is required when NODE_ENV=production (the origin browsers reach the service at)',
    );
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  if (!config.PUBLIC_URL && !config.isProduction) config.PUBLIC_URL = `http://localhost:${config.PORT}`;
  return config;
}
