// What the figures were measured on, stored with them (ratios travel better than absolute numbers,
// but a reader still wants to know the machine and whether something else was running).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { BenchContext } from './context.js';
import { pgbenchPath } from './pgbench.js';

function tryExec(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

export interface MachineInfo {
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string | null;
  redis: string | null;
  pgbench: string | null;
  gitCommit: string | null;
  gitDirty: boolean | null;
  loadAverage1m: number;
}

export async function machineInfo(ctx: BenchContext): Promise<MachineInfo> {
  const client = new pg.Client({ connectionString: ctx.maintenanceUrl });
  let postgres: string | null = null;
  try {
    await client.connect();
    postgres = (await client.query<{ v: string }>('SHOW server_version')).rows[0].v;
  } catch {
    // reported as null; the API start-up fails with a clear message right after
  } finally {
    await client.end().catch(() => undefined);
  }
  let redis: string | null = null;
  const r = new Redis(ctx.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    redis = /redis_version:(\S+)/.exec(await r.info('server'))?.[1] ?? null;
  } catch {
    // as above
  } finally {
    r.disconnect();
  }
  const status = tryExec('git', ['status', '--porcelain', '--', 'src', 'workflows', 'migrations']);
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres,
    redis,
    pgbench: tryExec(pgbenchPath(), ['--version']),
    gitCommit: tryExec('git', ['rev-parse', '--short', 'HEAD']),
    gitDirty: status === null ? null : status.length > 0,
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}
