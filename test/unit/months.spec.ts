import { describe, expect, it } from '@jest/globals';
import { utcMonths } from '../../src/analytics/months.js';

const d = (iso: string) => new Date(iso);

describe('utcMonths', () => {
  it('lists every UTC month the window touches, the first and last partly', () => {
    expect(utcMonths(d('2025-12-02T02:51:31.123Z'), d('2026-12-02T02:51:31.123Z'))).toEqual([
      '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06',
      '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12',
    ]); // prettier-ignore
  });

  it('leaves out the month that starts exactly where the window ends', () => {
    expect(utcMonths(d('2026-01-15T00:00:00Z'), d('2026-03-01T00:00:00Z'))).toEqual(['2026-01', '2026-02']);
  });

  it('reads the months in UTC, not in the local time zone', () => {
    expect(utcMonths(d('2026-01-31T23:30:00Z'), d('2026-02-01T00:30:00Z'))).toEqual(['2026-01', '2026-02']);
  });

  it('is empty for an empty window that starts a month, as the SQL series is', () => {
    expect(utcMonths(d('2026-03-01T00:00:00Z'), d('2026-03-01T00:00:00Z'))).toEqual([]);
    expect(utcMonths(d('2026-03-05T00:00:00Z'), d('2026-03-05T00:00:00Z'))).toEqual(['2026-03']);
  });
});
