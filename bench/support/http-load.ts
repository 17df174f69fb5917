// Load generation. Throughput runs are closed loops driven by autocannon (N connections, each sends
// its next request when the previous answer arrived). Latency runs are open loops at a fixed rate,
// timed from each request's *intended* send time, so a slow server cannot hide its queueing delay by
// slowing the client down (coordinated omission). autocannon's own fixed-rate mode is not used for
// that: it sends each connection's per-second quota in a burst at the start of every second, and its
// correction assumes a 1 ms expected interval (Math.ceil(1 / rate)), which adds samples the run never
// had. The open loop below schedules every request on its own time instead (like wrk2), with Poisson
// arrivals (independent users; also what pgbench --rate does, so P3's app and baseline see the same).
import http from 'node:http';
import autocannon from 'autocannon';
import { summarize, type LatencySummary } from './stats.js';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** Responses received (any status). */
  completed: number;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  /** 2xx responses per second over the run. */
  okPerSecond: number;
  latencyMs: LatencySummary;
  statusCodes: Record<string, number>;
}

export interface ClosedLoopOptions {
  url: string;
  connections: number;
  durationS?: number;
  /** Stop after this many requests instead of after durationS. */
  amount?: number;
  /** A fixed request, or a function returning the next one (called once per request). */
  request: RequestSpec | (() => RequestSpec);
}

const JSON_HEADERS = { 'content-type': 'application/json' };

export async function closedLoop(o: ClosedLoopOptions): Promise<LoadResult> {
  const toAutocannon = (r: RequestSpec): autocannon.Request => ({
    method: r.method,
    path: r.path,
    headers: { ...(r.body !== undefined ? JSON_HEADERS : {}), ...r.headers },
    ...(r.body !== undefined ? { body: r.body } : {}),
  });
  const next = o.request;
  const requests: autocannon.Request[] =
    typeof next === 'function'
      ? [{ setupRequest: (req: autocannon.Request) => ({ ...req, ...toAutocannon(next()) }) }]
      : [toAutocannon(next)];
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const started = performance.now();
  // The callback form returns the instance (an emitter): per-response latencies come from its events,
  // with full resolution, instead of autocannon's integer-millisecond histogram.
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.durationS ?? 10 }),
        requests,
        timeout: 30,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      latencies.push(responseTime);
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const ok = Object.entries(statusCodes)
    .filter(([code]) => code.startsWith('2'))
    .reduce((n, [, c]) => n + c, 0);
  return {
    completed: latencies.length,
    ok,
    non2xx: latencies.length - ok,
    errors: result.errors,
    seconds,
    okPerSecond: ok / seconds,
    latencyMs: summarize(latencies),
    statusCodes,
  };
}

export interface OpenLoopOptions {
  url: string;
  /** Requests per second on average (exponential gaps between requests). */
  rate: number;
  durationS: number;
  next: () => RequestSpec | null;
  maxSockets?: number;
  /**
   * Seconds sent at the rate before the measured `durationS` and left out of the figures: the first
   * second otherwise times opening the sockets (client's and the server's pool) under a burst.
   */
  warmupS?: number;
}

export interface OpenLoopResult extends LoadResult {
  targetRate: number;
  /** How late the generator itself sent requests (its own event loop), ms; should stay near 0. */
  sendLagMs: LatencySummary;
  /** The first connection error, if any (for the log). */
  firstError: string | null;
  /** Per second of the schedule: requests and their worst latency (ms), to see whether a tail is one stall. */
  timeline: Array<{ second: number; requests: number; maxMs: number }>;
}

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(o.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 512 });
  const warmupMs = (o.warmupS ?? 2) * 1000;
  const total = Math.max(1, Math.round(o.rate * (o.durationS + warmupMs / 1000)));
  // The schedule, fixed up front from a seeded generator: runs are repeatable, app and baseline alike.
  const random = mulberry32(0x5eed);
  const schedule = new Float64Array(total);
  for (let i = 1; i < total; i++) schedule[i] = schedule[i - 1] - (Math.log(1 - random()) * 1000) / o.rate;
  const latencies: number[] = [];
  const lags: number[] = [];
  const timeline: Array<{ second: number; requests: number; maxMs: number }> = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let firstError: string | null = null;
  let sent = 0;
  let finished = 0;
  let exhausted = false;
  const start = performance.now() + 10;

  return new Promise<OpenLoopResult>((resolve) => {
    let resolved = false;
    const done = () => {
      if (resolved) return;
      resolved = true;
      agent.destroy();
      const seconds = (performance.now() - start - warmupMs) / 1000;
      const ok = Object.entries(statusCodes)
        .filter(([code]) => code.startsWith('2'))
        .reduce((n, [, c]) => n + c, 0);
      resolve({
        targetRate: o.rate,
        completed: latencies.length,
        ok,
        non2xx: latencies.length - ok,
        errors,
        seconds,
        okPerSecond: ok / seconds,
        latencyMs: summarize(latencies),
        sendLagMs: summarize(lags),
        firstError,
        timeline: timeline.filter(Boolean),
        statusCodes,
      });
    };
    const settle = () => {
      finished++;
      if ((sent === total || exhausted) && finished === sent) done();
    };
    const fire = (intended: number, spec: RequestSpec) => {
      const measured = intended - start >= warmupMs;
      if (measured) lags.push(performance.now() - intended);
      const headers: Record<string, string | number> = { ...spec.headers };
      if (spec.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(spec.body);
      }
      const req = http.request(
        { agent, host: target.hostname, port: target.port, method: spec.method, path: spec.path, headers },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            if (measured) {
              const latency = performance.now() - intended;
              latencies.push(latency);
              const second = Math.floor((intended - start - warmupMs) / 1000);
              timeline[second] ??= { second, requests: 0, maxMs: 0 };
              timeline[second].requests++;
              timeline[second].maxMs = Math.max(timeline[second].maxMs, Math.round(latency));
              statusCodes[res.statusCode ?? 0] = (statusCodes[res.statusCode ?? 0] ?? 0) + 1;
            }
            settle();
          });
        },
      );
      req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        firstError ??= e.message;
        if (measured) errors++;
        settle();
      });
      req.end(spec.body);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && !exhausted && start + schedule[sent] <= now) {
        const spec = o.next();
        if (!spec) {
          exhausted = true;
          break;
        }
        const intended = start + schedule[sent];
        sent++;
        fire(intended, spec);
      }
      if (sent < total && !exhausted) {
        setTimeout(tick, Math.max(0, start + schedule[sent] - performance.now() - 0.5));
      } else if (finished === sent) done();
    };
    setTimeout(tick, 10);
  });
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
