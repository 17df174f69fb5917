// The figures table (stdout) and bench/results/latest.json. A figure is always a value beside a
// baseline measured in the same run; the goal is stated on the ratio unless the issue states it
// on the value (the absolute latency ceilings of P3 and P4).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type Goal =
  | { on: 'ratio'; op: '>=' | '<='; target: number }
  | { on: 'value'; op: '<=' | '='; target: number; unit: string };

export interface Figure {
  id: string;
  name: string;
  unit: string;
  value: number | null;
  baseline: number | null;
  /** What the baseline is, in a few words. */
  baselineName: string;
  /** value ÷ baseline (for throughput: share of the limit reached; for latency/memory: how many times more). */
  ratio: number | null;
  goal: Goal | null;
  met: boolean | null;
  note?: string;
}

export function figure(f: Omit<Figure, 'ratio' | 'met'> & { ratio?: number | null }): Figure {
  const ratio =
    f.ratio !== undefined
      ? f.ratio
      : f.value !== null && f.baseline !== null && f.baseline !== 0 && Number.isFinite(f.value)
        ? f.value / f.baseline
        : null;
  let met: boolean | null = null;
  if (f.goal) {
    const x = f.goal.on === 'ratio' ? ratio : f.value;
    if (x !== null && Number.isFinite(x)) {
      met =
        f.goal.op === '>='
          ? x >= f.goal.target
          : f.goal.op === '<='
            ? x <= f.goal.target
            : x === f.goal.target;
    }
  }
  return { ...f, ratio, met };
}

function fmt(v: number | null, unit = ''): string {
  if (v === null || !Number.isFinite(v)) return '–';
  const abs = Math.abs(v);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  const s = v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${s} ${unit}` : s;
}

function goalText(g: Goal | null): string {
  if (!g) return 'report';
  return g.on === 'ratio' ? `ratio ${g.op} ${g.target}` : `value ${g.op} ${g.target} ${g.unit}`;
}

export function renderTable(figures: Figure[]): string {
  const rows = [
    ['figure', 'value', 'baseline', 'ratio', 'goal', 'met?'],
    ...figures.map((f) => [
      `${f.id} ${f.name}`,
      fmt(f.value, f.unit),
      f.baseline === null ? '–' : `${fmt(f.baseline, f.unit)} (${f.baselineName})`,
      f.ratio === null ? '–' : `${fmt(f.ratio)}×`,
      goalText(f.goal),
      f.met === null ? '–' : f.met ? 'yes' : 'NO',
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c])).join(' │ ');
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const notes = figures.filter((f) => f.note).map((f) => `  ${f.id} ${f.name}: ${f.note}`);
  return [
    line(rows[0]),
    rule,
    ...rows.slice(1).map(line),
    ...(notes.length ? ['notes:', ...notes] : []),
  ].join('\n');
}

export function writeResults(file: string, data: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}
