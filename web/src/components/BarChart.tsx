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
  const ticks = [0, 0.5, 1].map((f) => f * max);
  const tickLabels = ticks.map(format);
  // The scale stays in view while the bars scroll sideways under it (a phone, or many months). Wide
  // enough for its longest label (about 7 px a character at 12 px).
  const axisWidth = Math.max(40, 14 + 7 * Math.max(...tickLabels.map((l) => l.length)));
  // Room before the first group for its slanted label.
  const left = 90;
  const width = left + groups.length * groupWidth + 10;
  const yOf = (tick: number) => 10 + height - (tick / max) * height;
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
      <div style={{ display: 'flex' }}>
        {/* The axis labels repeat what the image's label and the table say: hidden from assistive technology. */}
        <svg
          aria-hidden
          data-testid="chart-axis"
          width={axisWidth}
          height={height + 100}
          style={{ display: 'block', flex: 'none' }}
        >
          {ticks.map((tick, i) => (
            <text key={tick} x={axisWidth - 6} y={yOf(tick) + 4} fontSize="12" textAnchor="end" fill="#333">
              {tickLabels[i]}
            </text>
          ))}
          <line x1={axisWidth - 1} x2={axisWidth - 1} y1={yOf(max)} y2={yOf(0)} stroke="#ccc" />
        </svg>
        {/* Drawn at its own size, so its labels stay readable; on a narrow screen it scrolls sideways. */}
        <div style={{ flex: 1, minWidth: 0 }}>
          <TableScroll label={label}>
            <svg
              role="img"
              aria-label={label}
              viewBox={`0 0 ${width} ${height + 100}`}
              width={width}
              height={height + 100}
              style={{ display: 'block' }}
            >
              {ticks.map((tick) => (
                <line key={tick} x1={0} x2={width} y1={yOf(tick)} y2={yOf(tick)} stroke="#ccc" />
              ))}
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
                          y={yOf(0) - h}
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
        </div>
      </div>
    </figure>
  );
}
