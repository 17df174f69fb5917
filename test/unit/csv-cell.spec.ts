import { describe, expect, it } from '@jest/globals';
import { csvSafeText } from '../../src/audit/csv-cell.js';

describe('csvSafeText', () => {
  it.each(['=HYPERLINK("http://x")', '+1+1', '-2-3', '@SUM(A1)', '\tx', '\rx'])(
    'turns %j, which a spreadsheet would run, into text',
    (v) => {
      expect(csvSafeText(v)).toBe(`'${v}`);
    },
  );

  it.each(['', 'MC-2026-0001', 'partnerReview', '2026-11-28T18:00:00.000Z', "'already quoted", 'a=b'])(
    'leaves %j as it is',
    (v) => {
      expect(csvSafeText(v)).toBe(v);
    },
  );
});
