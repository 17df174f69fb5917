/**
 * The UTC months ('YYYY-MM') from `from`'s to that of the last millisecond before `to`, in order: the
 * throughput statement's series (empty when that last millisecond is in an earlier month).
 */
export function utcMonths(from: Date, to: Date): string[] {
  const index = (d: Date) => d.getUTCFullYear() * 12 + d.getUTCMonth();
  const out: string[] = [];
  for (let i = index(from); i <= index(new Date(to.getTime() - 1)); i++)
    out.push(`${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`);
  return out;
}
