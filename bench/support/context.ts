// What every phase shares: the run's fresh database and Redis prefix, how to start the service's
// processes against them, and the clean-up that drops both at the end.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { BenchOptions } from './options.js';
import {
  freePort,
  setBenchDatabase,
  startNode,
  waitForHttp,
  waitForQuiet,
  type NodeProcess,
} from './processes.js';
import { sleep } from './stats.js';
import { generateEd25519SecretKey } from '../../src/credentials/multibase.js';
import { deletePrefixedKeys } from '../../src/redis/delete-prefixed-keys.js';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const DIST = path.join(ROOT, 'dist');
export const MAIN = path.join(DIST, 'src', 'main.js');
export const WORKER = path.join(DIST, 'src', 'worker.js');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

export const ADMIN = { email: 'admin@4euplus.eu', password: 'Bench-admin-Passw0rd-42' };
export const USER_PASSWORD = 'Bench-user-Passw0rd-42';

export interface ApiProcess extends NodeProcess {
  url: string;
}

export class BenchContext {
  readonly startedAt = new Date();
  readonly dbName: string;
  readonly databaseUrl: string;
  readonly maintenanceUrl: string;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly jwtSecret = randomBytes(32).toString('hex');
  readonly signingKey = generateEd25519SecretKey().secretKeyMultibase;
  readonly profileDir: string;
  private pool?: pg.Pool;
  /** Seconds left for waiting on other work to finish (see quiet()). */
  private quietBudgetS: number;
  readonly quietWaits: Array<{ before: string; waitedS: number; foreignCores: number }> = [];

  constructor(
    readonly options: BenchOptions,
    readonly log: (line: string) => void,
  ) {
    this.quietBudgetS = options.quick ? 30 : 240;
    const stamp = this.startedAt.toISOString().replace(/\D/g, '').slice(0, 14);
    this.dbName = `microcred_bench_${stamp}_${process.pid}`;
    this.maintenanceUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const u = new URL(this.maintenanceUrl);
    u.pathname = `/${this.dbName}`;
    this.databaseUrl = u.toString();
    this.redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    this.redisPrefix = `bench${stamp.slice(6)}${process.pid}`;
    this.profileDir = path.join(RESULTS_DIR, `profiles-${stamp}`);
    setBenchDatabase(this.dbName);
  }

  /**
   * Called before each measured run: on a shared machine (someone's test suite), waits a while for
   * other processes to calm down, within a budget for the whole run, and notes what it found.
   */
  async quiet(before: string): Promise<void> {
    if (this.quietBudgetS <= 0) return;
    const r = await waitForQuiet(this.log, Math.min(60, this.quietBudgetS));
    this.quietBudgetS -= r.waitedS;
    if (r.waitedS > 1 || r.foreignCores >= 0.25) this.quietWaits.push({ before, ...r });
  }

  /** A pool on the bench database for setting the scene and reading results (not used by the load). */
  db(): pg.Pool {
    if (!this.pool) {
      this.pool = new pg.Pool({ connectionString: this.databaseUrl, max: 6 });
      // A PostgreSQL restart (someone's fault-injection tests on a shared server) must not kill the run.
      this.pool.on('error', (e) => this.log(`bench pool: ${e.message}`));
    }
    return this.pool;
  }

  /**
   * When the PostgreSQL server last started (null if it cannot be reached right now). Compared before
   * and after each phase: a restart in between means someone else restarted the shared server.
   */
  async postgresStartedAt(): Promise<string | null> {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        const { rows } = await this.db().query<{ t: string }>('SELECT pg_postmaster_start_time()::text AS t');
        return rows[0].t;
      } catch {
        await sleep(500);
      }
    }
    return null;
  }

  /**
   * Before a measured run: vacuum and analyze what set-up wrote (so autovacuum does not wake up in
   * the middle of a run) and checkpoint (so a timed checkpoint is unlikely to land in one); then
   * flush the kernel's dirty pages, or their writeback (gigabytes after P7's set-up) lands in the
   * measured runs as seconds-long stalls of every process on a virtual disk.
   */
  async settle(): Promise<void> {
    const db = this.db();
    await db.query(
      'VACUUM (ANALYZE) proposals, proposal_revisions, reminder_schedule, decisions, audit_entries',
    );
    await db.query('CHECKPOINT');
    await promisify(execFile)('sync');
  }

  /** The environment of the service's processes, as the README describes it. */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      REDIS_PREFIX: this.redisPrefix,
      JWT_SECRET: this.jwtSecret,
      SIGNING_KEY: this.signingKey,
      // Required in production; the bench's clients send no Origin, so any origin does.
      PUBLIC_URL: 'http://localhost',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'warn',
      ...overrides,
    };
  }

  private nodeArgs(label: string): string[] {
    if (!this.options.profile) return [];
    mkdirSync(this.profileDir, { recursive: true });
    return ['--cpu-prof', `--cpu-prof-dir=${this.profileDir}`, `--cpu-prof-name=${label}.cpuprofile`];
  }

  async startApi(
    label: string,
    overrides: Record<string, string> = {},
    extraNodeArgs: string[] = [],
  ): Promise<ApiProcess> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm run bench does)`);
    const port = await freePort();
    const proc = startNode(label, MAIN, this.env({ PORT: String(port), ...overrides }), [
      ...this.nodeArgs(label),
      ...extraNodeArgs,
    ]);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health`, proc);
    return Object.assign(proc, { url });
  }

  /**
   * Starts a worker process (no HTTP). It announces itself only at LOG_LEVEL=info, which would also log
   * every delivery, so callers instead watch the database for its work; this only checks it came up.
   */
  async startWorker(label: string, overrides: Record<string, string> = {}): Promise<NodeProcess> {
    const proc = startNode(label, WORKER, this.env(overrides), this.nodeArgs(label));
    await sleep(300);
    if (proc.child.exitCode !== null) throw new Error(`${label} exited:\n${proc.output().slice(-4000)}`);
    return proc;
  }

  /** Drops the database and the run's Redis keys; tolerant of half-done set-ups. */
  async cleanUp(): Promise<void> {
    await this.pool?.end().catch(() => undefined);
    this.pool = undefined;
    if (this.options.keep) return;
    const admin = new pg.Client({ connectionString: this.maintenanceUrl });
    try {
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${this.dbName}" WITH (FORCE)`);
    } finally {
      await admin.end().catch(() => undefined);
    }
    await deletePrefixedKeys(this.redisUrl, this.redisPrefix);
  }
}
