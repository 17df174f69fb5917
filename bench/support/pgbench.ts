// pgbench runs for the database baselines: the same statements as the app, straight from C clients,
// so the figure is the share of what PostgreSQL itself can do on this machine that the app reaches.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summarize, type LatencySummary } from './stats.js';

let resolved: string | null = null;

/** pgbench on PATH, else the Debian location of PostgreSQL 15's. */
export function pgbenchPath(): string {
  if (resolved) return resolved;
  try {
    execFileSync('pgbench', ['--version'], { stdio: 'ignore' });
    resolved = 'pgbench';
  } catch {
    const debian = '/usr/lib/postgresql/15/bin/pgbench';
    if (!existsSync(debian)) throw new Error('pgbench not found on PATH nor at /usr/lib/postgresql/15/bin');
    resolved = debian;
  }
  return resolved;
}

export interface PgbenchRun {
  script: string;
  databaseUrl: string;
  clients: number;
  threads: number;
  durationS: number;
  /** Fixed rate (transactions/s over all clients); latency then counts from the scheduled start. */
  rate?: number;
  /** -D name=value variables for the script. */
  variables?: Record<string, string | number>;
}

export interface PgbenchResult {
  tps: number;
  transactions: number;
  failed: number;
  latencyMs: LatencySummary;
  output: string;
}

export async function runPgbench(r: PgbenchRun): Promise<PgbenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-pgbench-'));
  try {
    const scriptFile = path.join(dir, 'script.sql');
    writeFileSync(scriptFile, r.script);
    const u = new URL(r.databaseUrl);
    const args = [
      '-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres'),
      '-n', // no vacuum of pgbench's own tables (there are none)
      '-M', 'extended', // node-pg sends unnamed parse/bind/execute, as this does
      '-c', String(r.clients), '-j', String(r.threads), '-T', String(r.durationS),
      '-f', scriptFile,
      '-l', `--log-prefix=${path.join(dir, 'tx')}`,
      ...(r.rate ? ['--rate', String(r.rate)] : []),
      ...Object.entries(r.variables ?? {}).flatMap(([k, v]) => ['-D', `${k}=${v}`]),
      decodeURIComponent(u.pathname.slice(1)),
    ]; // prettier-ignore
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(pgbenchPath(), args, {
        cwd: dir,
        env: { ...process.env, ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}) },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`pgbench exited ${code}:\n${out.slice(-3000)}`)),
      );
    });
    // Per-transaction log lines: client_id transaction_no time_us script_no epoch epoch_us [lag_us].
    const latencies: number[] = [];
    for (const f of readdirSync(dir).filter((n) => n.startsWith('tx.'))) {
      for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
        const cols = line.split(' ');
        if (cols.length >= 6) latencies.push(Number(cols[2]) / 1000);
      }
    }
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1] ?? NaN);
    return {
      tps,
      transactions: Number(/actually processed: (\d+)/.exec(output)?.[1] ?? latencies.length),
      failed: Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0),
      latencyMs: summarize(latencies),
      output,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
