import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { BarChart } from '../components/BarChart';
import '../i18n';
import { chartUnit, formatMs } from '../pages/AnalyticsPage';
import { pathwayFlowchart } from '../pages/CatalogueEntryPage';

describe('pathway flowchart', () => {
  it('draws parts towards wholes with generated ids, escaped labels and dashed retired edges', () => {
    const source = pathwayFlowchart({
      reference: 'MC-2026-0002',
      totalEcts: 9,
      nodes: [
        {
          id: 'MC-2026-0001',
          kind: 'micro-credential',
          title: 'Part "one"',
          ects: 3,
          status: 'retired',
          retired: true,
        },
        {
          id: 'MC-2026-0002',
          kind: 'micro-credential',
          title: 'Whole <b>',
          ects: 6,
          status: 'published',
          retired: false,
        },
        {
          id: 'https://x.eu/p',
          kind: 'programme',
          title: null,
          ects: null,
          status: 'not-in-catalogue',
          retired: false,
        },
      ],
      edges: [
        { from: 'MC-2026-0001', to: 'MC-2026-0002', retired: true },
        { from: 'MC-2026-0002', to: 'https://x.eu/p', retired: false },
      ],
      pathways: [],
    });
    expect(source.split('\n')).toEqual([
      'flowchart LR',
      '  n0["MC-2026-0001: Part #34;one#34; (3 ECTS)"]',
      '  style n0 stroke-dasharray:4 4',
      '  n1["MC-2026-0002: Whole #60;b#62; (6 ECTS)"]',
      '  style n1 stroke-width:3px',
      '  n2["https://x.eu/p"]',
      '  n0 -.-> n1',
      '  n1 --> n2',
    ]);
  });
});

describe('analytics formatting', () => {
  it('shows a duration in the largest readable unit', () => {
    expect(formatMs(null)).toBe('—');
    expect(formatMs(4_000)).toBe('4 s');
    expect(formatMs(3 * 3_600_000)).toBe('3 hours');
    expect(formatMs(5 * 86_400_000)).toBe('5 days');
  });

  it('draws a labelled bar chart image with one bar per value', () => {
    render(
      <MantineProvider>
        <BarChart
          label="Throughput"
          series={['Submitted', 'Approved']}
          groups={[
            { label: '2026-11', values: [4, 2] },
            { label: '2026-12', values: [1, null] },
          ]}
        />
      </MantineProvider>,
    );
    const chart = screen.getByRole('img', { name: 'Throughput' });
    expect(chart.querySelectorAll('rect')).toHaveLength(4);
    expect(chart.querySelector('rect title')?.textContent).toBe('2026-11 · Submitted: 4');
  });
});

describe('analytics chart unit', () => {
  it('follows the longest time shown', () => {
    expect(chartUnit(0).key).toBe('s');
    expect(chartUnit(90_000).key).toBe('min');
    expect(chartUnit(5 * 3_600_000).key).toBe('h');
    expect(chartUnit(3 * 86_400_000).key).toBe('d');
  });
});
