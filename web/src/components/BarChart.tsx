import { Group, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { TableScroll } from './TableScroll';

export interface BarGroup {
  label: string;
  values: (number | null)[];
}

// Dark enough against white for the 3:1 non-text contrast of WCAG 2.1 (1.4.11).
const COLOURS = ['#1c5d99', '#b35900', '#2b7a3d', '#9c2b2b'];

/**
 * A grouped bar chart in plain SVG (no chart library: it would weigh more than the page). It is an image
 * with a label; the same numbers are always in a table next to it, which is what assistive technology reads.
 */
export function BarChart({
  groups,
  series,
  label,
  format = (v) => String(v),
  testId,
  counts = false,
  latestFirstInView = false,
}: {
  groups: BarGroup[];
  series: string[];
  label: string;
  format?: (v: number) => string;
  testId?: string;
  /** Whole numbers (counts): the axis ticks are whole numbers too. */
  counts?: boolean;
  /** Groups in time order: when the chart scrolls, it opens on the latest ones. */
  latestFirstInView?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const scroller = box.current?.querySelector<HTMLElement>('.table-scroll');
    if (latestFirstInView && scroller) scroller.scrollLeft = scroller.scrollWidth;
  }, [latestFirstInView, groups.length]);
  const highest = Math.max(1, ...groups.flatMap((g) => g.values.map((v) => v ?? 0)));
  // Counts get an even whole maximum, so the middle tick is a whole number as well.
  const max = counts ? Math.ceil(highest / 2) * 2 : highest;
  const bar = 16;
  const gap = 24;
  const groupWidth = Math.max(70, series.length * bar + gap);
  const height = 180;
  // Room on the left for the axis and the first slanted label.
  const left = 100;
  const width = left + groups.length * groupWidth + 10;
  const ticks = [0, 0.5, 1].map((f) => f * max);
  return (
    <figure style={{ margin: 0 }} data-testid={testId} ref={box}>
      <Group gap="md" mb={4} aria-hidden>
        {series.map((s, i) => (
          <Group key={s} gap={4}>
            <svg width="12" height="12" aria-hidden>
              <rect width="12" height="12" fill={COLOURS[i % COLOURS.length]} />
            </svg>
            <Text size="xs">{s}</Text>
          </Group>
        ))}
      </Group>
      {/* Drawn at its own size, so its labels stay readable; on a narrow screen it scrolls sideways. */}
      <TableScroll label={label}>
        <svg
          role="img"
          aria-label={label}
          viewBox={`0 0 ${width} ${height + 100}`}
          width={width}
          height={height + 100}
          style={{ display: 'block' }}
        >
          {ticks.map((tick) => {
            const y = 10 + height - (tick / max) * height;
            return (
              <g key={tick}>
                <line x1={left} x2={width} y1={y} y2={y} stroke="#ccc" />
                <text x={left - 4} y={y + 4} fontSize="12" textAnchor="end" fill="#333">
                  {format(tick)}
                </text>
              </g>
            );
          })}
          {groups.map((g, gi) => {
            const x0 = left + gi * groupWidth + (groupWidth - series.length * bar) / 2;
            return (
              <g key={g.label}>
                {g.values.map((v, si) => {
                  const h = ((v ?? 0) / max) * height;
                  return (
                    <rect
                      key={si}
                      x={x0 + si * bar}
                      y={10 + height - h}
                      width={bar - 2}
                      height={h}
                      fill={COLOURS[si % COLOURS.length]}
                    >
                      <title>{`${g.label} · ${series[si]}: ${v === null ? '—' : format(v)}`}</title>
                    </rect>
                  );
                })}
                <text
                  x={x0 + (series.length * bar) / 2}
                  y={height + 24}
                  fontSize="12"
                  textAnchor="end"
                  fill="#333"
                  transform={`rotate(-35 ${x0 + (series.length * bar) / 2} ${height + 24})`}
                >
                  {g.label}
                </text>
              </g>
            );
          })}
        </svg>
      </TableScroll>
    </figure>
  );
}
