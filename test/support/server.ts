import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import request from 'supertest';
import type { Role } from '../../workflows/types.js';

// E2E tests run the built service as a real process (`node dist/src/main.js`), exactly as users do.
// (Jest on Node 20 also cannot load the CommonJS Nest packages that require the ESM-only @nestjs/*.)
const ROOT = process.cwd();
export const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
export const WORKER = path.join(ROOT, 'dist', 'src', 'worker.js');

export const TEST_JWT_SECRET = 'e2e-test-secret-that-is-long-enough-0123456789';
export const ADMIN = { email: 'admin@4euplus.eu', password: 'admin-e2e-Passw0rd!' };
export const DEFAULT_PASSWORD = 'Correct-horse-battery-9';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The environment every e2e process gets: the run's fresh database and a Redis prefix of its own. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    DATABASE_URL: process.env.DATABASE_URL as string,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    // The run's start (global-setup), then this server's own part.
    REDIS_PREFIX: `${process.env.E2E_REDIS_PREFIX ?? 't'}${randomUUID().slice(0, 8)}`,
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...overrides,
  };
}

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a node entry point with the given env; collects its output for failure messages. */
export function startProcess(
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): RunningProcess {
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/**
 * Like any client: a 503 (database briefly unreachable, or faults injected on purpose) is retried.
 * Used for set-up steps only; the behaviour under test sees every status.
 */
export async function retryUnavailable<T extends { status: number }>(send: () => PromiseLike<T>): Promise<T> {
  let res = await send();
  for (let i = 0; i < 8 && res.status === 503; i++) {
    await new Promise((r) => setTimeout(r, 100));
    res = await send();
  }
  return res;
}

export interface TestUser {
  id: string;
  email: string;
  institutionId: string;
  roles: Role[];
  token: string;
}

export class TestServer {
  private adminToken?: string;

  constructor(
    readonly url: string,
    readonly env: Record<string, string>,
    public proc: RunningProcess,
    readonly nodeArgs: string[] = [],
  ) {}

  /** Starts the process again on the same port and database (after a stop or a kill). */
  async restart(): Promise<void> {
    this.proc = startProcess(MAIN, this.env, this.nodeArgs);
    await waitForHttp(`${this.url}/health`, this.proc);
  }

  http() {
    return request(this.url);
  }

  async login(email: string, password: string): Promise<string> {
    const res = await retryUnavailable(() => this.http().post('/api/auth/login').send({ email, password }));
    if (res.status !== 200)
      throw new Error(
        `login ${email} failed: ${res.status} ${JSON.stringify(res.body)}\n${this.proc.output().slice(-3000)}`,
      );
    return res.body.accessToken as string;
  }

  /** Signs in as a browser does (POST /api/auth/session); the `mc_session=<token>` pair to send as Cookie. */
  async browserSession(email: string, password: string): Promise<string> {
    const res = await retryUnavailable(() => this.http().post('/api/auth/session').send({ email, password }));
    const cookie = (res.headers['set-cookie'] as unknown as string[] | undefined)?.find((c) =>
      c.startsWith('mc_session='),
    );
    if (res.status !== 204 || !cookie)
      throw new Error(`browser sign-in ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return cookie.split(';')[0];
  }

  async admin(): Promise<string> {
    this.adminToken ??= await this.login(ADMIN.email, ADMIN.password);
    return this.adminToken;
  }

  /** Creates a user through the API as the alliance admin and logs in as them. */
  async user(institutionId: string, roles: Role[], label = roles.join('-')): Promise<TestUser> {
    const email = `${label.replace(/_/g, '-')}.${randomUUID().slice(0, 8)}@${institutionId}.test`;
    const send = async () =>
      this.http()
        .post('/api/users')
        .set(bearer(await this.admin()))
        .send({
          email,
          password: DEFAULT_PASSWORD,
          displayName: `${label} at ${institutionId}`,
          institutionId,
          roles,
        });
    const res = await retryUnavailable(send);
    if (res.status !== 201) throw new Error(`create user failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.id, email, institutionId, roles, token: await this.login(email, DEFAULT_PASSWORD) };
  }

  /** SIGTERM and wait; SIGKILL if it does not stop within 10 s. */
  async stop(): Promise<void> {
    if (this.proc.child.exitCode !== null || this.proc.child.signalCode !== null) return;
    this.proc.child.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.child.kill('SIGKILL'), 10_000);
    await this.proc.exited;
    clearTimeout(timer);
  }

  kill(): Promise<unknown> {
    this.proc.child.kill('SIGKILL');
    return this.proc.exited;
  }
}

/** Waits until GET url answers with one of the statuses, or the process exits, or time runs out. */
export async function waitForHttp(
  url: string,
  proc: RunningProcess,
  timeoutMs = 30_000,
  statuses = [200, 503],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`process exited during start-up:\n${proc.output().slice(-4000)}`);
    try {
      const res = await fetch(url);
      if (statuses.includes(res.status)) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready after ${timeoutMs} ms:\n${proc.output().slice(-4000)}`);
}

/** Starts the API (`node dist/src/main.js`) on a free port and waits for /health. */
export async function startServer(
  overrides: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<TestServer> {
  const port = await freePort();
  const env = testEnv({ PORT: String(port), ...overrides });
  const proc = startProcess(MAIN, env, nodeArgs);
  const url = `http://127.0.0.1:${port}`;
  try {
    // 50 s (inside the 60 s hook timeout): a first start migrates a fresh database, over 20 s on a busy machine.
    await waitForHttp(`${url}/health`, proc, 50_000);
  } catch (e) {
    // Not left running: an orphan keeps Jest from exiting after the failure.
    proc.child.kill('SIGKILL');
    throw e;
  }
  return new TestServer(url, env, proc, nodeArgs);
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A direct connection to the run's database, for checking what the service wrote. */
export function testPool(): pg.Pool {
  return new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
}
