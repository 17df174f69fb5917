// Summaries of the .cpuprofile files written by --profile: where each process spent its CPU, by
// function (self time) and by origin (the app's code, each npm package, Node internals, GC).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  file: string;
  seconds: number;
  /** Busy share by origin, % of all samples (idle excluded from neither). */
  origins: Array<{ origin: string; percent: number }>;
  functions: Array<{ fn: string; percent: number }>;
}

function originOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/dist/src/') || url.includes('/dist/workflows/')) return 'app (dist/src, workflows)';
  return url.replace(/^file:\/\//, '');
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Time per sample from timeDeltas, so sampling jitter does not skew the shares.
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++)
    self.set(samples[i], (self.get(samples[i]) ?? 0) + (deltas[i] ?? 0));
  let total = 0;
  for (const v of self.values()) total += v;
  const origins = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const origin = originOf(url, functionName);
    origins.set(origin, (origins.get(origin) ?? 0) + us);
    const where = url ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const pct = (v: number) => Math.round((1000 * v) / Math.max(1, total)) / 10;
  return {
    file: path.basename(file),
    seconds: Math.round((profile.endTime - profile.startTime) / 1e4) / 100,
    origins: [...origins]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([origin, v]) => ({ origin, percent: pct(v) })),
    functions: [...functions]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, v]) => ({ fn, percent: pct(v) })),
  };
}

export function summarizeProfiles(dir: string): { text: string; data: ProfileSummary[] } | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const data = files.map((f) => summarizeProfile(path.join(dir, f)));
  const text = data
    .map((s) =>
      [
        `CPU profile ${s.file} (${s.seconds} s; self time, % of samples; "(idle)" is the event loop waiting)`,
        '  by origin:',
        ...s.origins.map((o) => `    ${String(o.percent).padStart(5)}%  ${o.origin}`),
        '  hottest functions:',
        ...s.functions.map((f) => `    ${String(f.percent).padStart(5)}%  ${f.fn}`),
      ].join('\n'),
    )
    .join('\n\n');
  return { text: `${text}\n(profiles in ${dir})`, data };
}
