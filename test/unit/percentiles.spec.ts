import { describe, expect, it } from '@jest/globals';
import { kthOfUnion, percentileCont, roundHalfEven } from '../../src/analytics/percentiles.js';

/** percentile_cont as PostgreSQL documents it, over one sorted copy of everything. */
function reference(values: number[], p: number): number | null {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return null;
  const pos = p * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return lo === hi ? v[lo] : v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('percentiles over settled days and open hours', () => {
  it('finds every rank of the union of two sorted arrays, ties and empty sides included', () => {
    const next = random(7);
    for (let round = 0; round < 200; round++) {
      const a = Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 20)).sort(
        (x, y) => x - y,
      );
      const b = Array.from({ length: Math.floor(next() * 8) }, () => Math.floor(next() * 20)).sort(
        (x, y) => x - y,
      );
      const all = [...a, ...b].sort((x, y) => x - y);
      for (let k = 0; k < all.length; k++)
        expect([round, k, kthOfUnion(Float64Array.from(a), b, k)]).toEqual([round, k, all[k]]);
    }
  });

  it('interpolates the median and p90 exactly as percentile_cont does', () => {
    const next = random(2026);
    for (let round = 0; round < 200; round++) {
      const a = Array.from({ length: Math.floor(next() * 60) }, () => next() * 1e8).sort((x, y) => x - y);
      const b = Array.from({ length: Math.floor(next() * 10) }, () => next() * 1e8).sort((x, y) => x - y);
      for (const p of [0.5, 0.9])
        expect(percentileCont(Float64Array.from(a), b, p)).toBe(reference([...a, ...b], p));
    }
  });

  it('gives null for no visits and the value itself for one', () => {
    expect(percentileCont(new Float64Array(0), [], 0.5)).toBeNull();
    expect(percentileCont(new Float64Array(0), [42], 0.9)).toBe(42);
    expect(percentileCont(Float64Array.of(10 * 3600e3, 20 * 3600e3), [], 0.5)).toBe(15 * 3600e3);
  });

  it('rounds halves to even, as round(double precision) does in PostgreSQL', () => {
    expect([0.5, 1.5, 2.5, 10.5, 2.4999, 2.5001, 7, 0].map(roundHalfEven)).toEqual([0, 2, 2, 10, 2, 3, 7, 0]);
  });
});
