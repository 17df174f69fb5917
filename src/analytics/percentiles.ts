// Exact percentiles over the union of a large sorted array (days that can no longer change, kept in
// memory) and a small sorted one (the hours still open), computed as PostgreSQL computes them, so an
// answer assembled here is the one the SQL alone would give.

/** Where `v` would be inserted before every element equal to it (first index with a[i] >= v). */
function lowerBound(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The k-th smallest (0-based) of a ∪ b, both sorted ascending; b is meant to be the small one. */
export function kthOfUnion(a: ArrayLike<number>, b: readonly number[], k: number): number {
  // In the merged order each b[j] sits after the elements of a below it and the j elements of b before
  // it: rank j + lowerBound(a, b[j]), strictly increasing in j.
  let before = 0;
  for (let j = 0; j < b.length; j++) {
    const rank = j + lowerBound(a, b[j]);
    if (rank === k) return b[j];
    if (rank > k) break;
    before++;
  }
  return a[k - before];
}

/** PostgreSQL's percentile_cont(p) (linear interpolation between the two nearest ranks); null when empty. */
export function percentileCont(a: ArrayLike<number>, b: readonly number[], p: number): number | null {
  const n = a.length + b.length;
  if (n === 0) return null;
  const pos = p * (n - 1);
  const first = Math.floor(pos);
  const second = Math.ceil(pos);
  const lo = kthOfUnion(a, b, first);
  if (second === first) return lo;
  const hi = kthOfUnion(a, b, second);
  return lo + (hi - lo) * (pos - first);
}

/** PostgreSQL's round(double precision): to the nearest integer, halves to even (rint). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r === 0 ? 0 : r;
}
