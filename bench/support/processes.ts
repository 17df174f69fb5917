// Child processes of the bench (API, worker, baseline servers) and what /proc says about them.
// Every process started here is registered so that the bench stops it on any exit path.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from './stats.js';

export interface NodeProcess {
  label: string;
  child: ChildProcess;
  pid: number;
  output: () => string;
  /** Full-GC lines of --trace-gc (when started with it), kept apart from the truncated output. */
  fullGcs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop: () => Promise<void>;
}

const running = new Set<NodeProcess>();

// One free-port finder for tests and bench.
export { freePort } from '../../test/support/server.js';

export function startNode(
  label: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): NodeProcess {
  const child = spawn(process.execPath, [...nodeArgs, entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const fullGcs: string[] = [];
  const keep = (d: Buffer) => {
    const text = d.toString();
    if (text.includes('Mark-Compact'))
      for (const line of text.split('\n')) if (line.includes('Mark-Compact')) fullGcs.push(line);
    out += text;
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const proc: NodeProcess = {
    label,
    child,
    pid: child.pid ?? -1,
    output: () => out,
    fullGcs,
    exited,
    stop: async () => {
      running.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // Graceful first: --cpu-prof writes its profile only on a normal exit.
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** Stops whatever is still running (used on every exit path of the bench). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

/** Synchronous last resort (process 'exit' handler): no waiting is possible there. */
export function killAllNow(): void {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
}

export async function waitForHttp(url: string, proc: NodeProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null)
      throw new Error(`${proc.label} exited during start-up:\n${proc.output().slice(-4000)}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${proc.label} not ready after ${timeoutMs} ms:\n${proc.output().slice(-4000)}`);
}

let clockTicks = 0;
function ticksPerSecond(): number {
  if (!clockTicks) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** utime + stime of a process in seconds, its parent and its command name. */
function cpuOf(pid: number): { seconds: number; ppid: number; comm: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // fields[0] is field 3 (state); ppid is field 4, utime and stime are fields 14 and 15.
    return {
      seconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond(),
      ppid: Number(fields[1]),
      comm,
    };
  } catch {
    return null;
  }
}

/** Busy jiffies of the whole machine (all CPUs), from /proc/stat. */
function machineJiffies(): number {
  const cols = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // idle and iowait are the 4th and 5th columns.
  return cols.reduce((a, b) => a + b, 0) - cols[3] - (cols[4] ?? 0);
}

type Owner = 'bench' | 'postgres' | 'foreign';

/**
 * Whose is a process: this bench and its children (API, workers, baselines, pgbench, psql), PostgreSQL
 * working for the bench database (its backends, plus the server's shared processes), or someone
 * else's (another database's backends, any other process: on a shared machine, someone's tests).
 */
function classify(
  pid: number,
  info: { ppid: number; comm: string },
  parents: Map<number, number>,
  dbName: string | null,
): Owner {
  for (let p = pid, hops = 0; p > 1 && hops < 64; p = parents.get(p) ?? 0, hops++)
    if (p === process.pid) return 'bench';
  if (info.comm !== 'postgres') return 'foreign';
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return 'foreign';
  }
  if (dbName && cmdline.includes(` ${dbName}`)) return 'postgres';
  // Backends and autovacuum workers name their database; the rest (checkpointer, WAL writer…) is shared.
  return /\(\d+\)|autovacuum worker/.test(cmdline) ? 'foreign' : 'postgres';
}

/** Name of the bench database, for telling its backends from other databases' (set once by the run). */
let benchDbName: string | null = null;
export function setBenchDatabase(name: string): void {
  benchDbName = name;
}

export interface UsageReport {
  seconds: number;
  /** Peak VmRSS seen per watched process, MiB. */
  peakRssMiB: Record<string, number>;
  /**
   * CPU used during the window, in cores (1.0 = one core busy the whole time): each watched process;
   * `bench` = this process and all its children (watched ones included); `postgres` = backends of the
   * bench database and the server's shared processes; `foreign` = everything else on the machine;
   * `machine` = all of it (kernel time not charged to a process included).
   */
  cores: Record<string, number>;
}

/**
 * Samples RSS and CPU of the watched processes and, every half second, of every process on the
 * machine, so each run says who was busy: on a 2-core machine that tells the bottleneck, and
 * whether someone else's work (`foreign`) skewed the run.
 */
export class UsageSampler {
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  private readonly peak = new Map<string, number>();
  private readonly firstCpu = new Map<string, number>();
  private readonly lastCpu = new Map<string, number>();
  private readonly seen = new Map<number, { owner: Owner; first: number; last: number }>();
  private started = 0;
  private machineStart = 0;

  constructor(
    private readonly watched: Record<string, number>,
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    this.started = performance.now();
    this.machineStart = machineJiffies();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.watched)) {
      const mem = memoryOf(pid);
      if (mem) this.peak.set(name, Math.max(this.peak.get(name) ?? 0, mem.rssMiB));
      const cpu = cpuOf(pid);
      if (cpu) {
        if (!this.firstCpu.has(name)) this.firstCpu.set(name, cpu.seconds);
        this.lastCpu.set(name, cpu.seconds);
      }
    }
    if (this.ticks++ % Math.max(1, Math.round(500 / this.intervalMs)) === 0) this.scan();
  }

  /** Every process: processes that start or end between scans lose at most half a second each. */
  private scan(): void {
    const infos = new Map<number, { seconds: number; ppid: number; comm: string }>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const info = cpuOf(Number(name));
      if (info) infos.set(Number(name), info);
    }
    const parents = new Map([...infos].map(([pid, i]) => [pid, i.ppid]));
    for (const [pid, info] of infos) {
      const known = this.seen.get(pid);
      if (known) known.last = info.seconds;
      else
        this.seen.set(pid, {
          owner: classify(pid, info, parents, benchDbName),
          first: info.seconds,
          last: info.seconds,
        });
    }
  }

  stop(): UsageReport {
    clearInterval(this.timer);
    this.sample();
    this.scan();
    const seconds = (performance.now() - this.started) / 1000;
    const cores: Record<string, number> = {};
    for (const [name, first] of this.firstCpu) cores[name] = (this.lastCpu.get(name)! - first) / seconds;
    const byOwner: Record<Owner, number> = { bench: 0, postgres: 0, foreign: 0 };
    for (const s of this.seen.values()) byOwner[s.owner] += s.last - s.first;
    for (const [owner, used] of Object.entries(byOwner)) cores[owner] = used / seconds;
    cores.machine = (machineJiffies() - this.machineStart) / ticksPerSecond() / seconds;
    for (const k of Object.keys(cores)) cores[k] = Math.round(cores[k] * 100) / 100;
    const peakRssMiB: Record<string, number> = {};
    for (const [k, v] of this.peak) peakRssMiB[k] = Math.round(v * 10) / 10;
    return { seconds: Math.round(seconds * 100) / 100, peakRssMiB, cores };
  }
}

/**
 * Waits (up to `maxWaitS`) until nobody else keeps the machine busy: the figures are ratios measured
 * one after the other, so another process's load landing on only one of them would skew the ratio.
 */
export async function waitForQuiet(
  log: (line: string) => void,
  maxWaitS: number,
  threshold = 0.25,
): Promise<{ waitedS: number; foreignCores: number }> {
  const start = performance.now();
  let announced = false;
  for (;;) {
    const s = new UsageSampler({}, 100).start();
    await sleep(600);
    const foreign = s.stop().cores.foreign ?? 0;
    const waitedS = (performance.now() - start) / 1000;
    if (foreign < threshold || waitedS > maxWaitS) {
      if (foreign >= threshold) log(`warning: other work keeps ${foreign} cores busy; measuring anyway`);
      return { waitedS: Math.round(waitedS), foreignCores: foreign };
    }
    if (!announced) log(`other work keeps ${foreign} cores busy; waiting up to ${maxWaitS} s for quiet`);
    announced = true;
  }
}

/** The heap size after a --trace-gc Mark-Compact line ("… Mark-Compact 200.3 (227.4) -> 48.0 (93.9) MB"), MB. */
export function liveHeapAfter(line: string): number | null {
  const m = /Mark-Compact [\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(line);
  return m ? Number(m[1]) : null;
}
