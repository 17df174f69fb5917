import { Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import { ErrorState, Loading } from '../components/states';
import { TableScroll } from '../components/TableScroll';
import { useDocumentTitle } from '../components/document-title';

/**
 * The server's diagram names states and events by their codes; people read their names. States get a
 * display name (`state "Partner review" as partnerReview`) and each transition the event's words.
 */
export function localiseDiagram(source: string, t: (key: string, opts?: Record<string, unknown>) => string) {
  // Characters with a meaning in Mermaid's state syntax stay out of labels.
  const clean = (text: string) => text.replace(/["#:;{}<>]/g, ' ');
  const states = new Set<string>();
  const lines = source.split('\n').map((line) => {
    const m = /^(\s*)(\[\*\]|\w+) --> (\[\*\]|\w+)(?::\s*(\w+))?\s*$/.exec(line);
    if (!m) return line;
    const [, indent, from, to, event] = m;
    for (const s of [from, to]) if (s !== '[*]') states.add(s);
    return event
      ? `${indent}${from} --> ${to}: ${clean(t(`events.${event}`, { defaultValue: event }))}`
      : line;
  });
  const header = lines.findIndex((line) => line.trim().startsWith('stateDiagram'));
  const names = [...states].map((s) => `  state "${clean(t(`state.${s}`, { defaultValue: s }))}" as ${s}`);
  lines.splice(header + 1, 0, ...names);
  return lines.join('\n');
}

/**
 * On a phone the diagram scrolls sideways, and the workflow starts at its top right: open the scroll
 * box with the start in the middle rather than at the empty left edge.
 */
function showStart(diagram: HTMLElement) {
  const scroller = diagram.parentElement;
  const start = diagram.querySelector('[id*="state-root_start"]');
  if (!scroller || !start || scroller.scrollWidth <= scroller.clientWidth) return;
  const s = start.getBoundingClientRect();
  const c = scroller.getBoundingClientRect();
  const centre = s.left - c.left + scroller.scrollLeft + s.width / 2;
  scroller.scrollLeft = Math.max(0, centre - scroller.clientWidth / 2);
}

export default function WorkflowPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('workflow.title'));
  const workflow = useQuery({
    queryKey: ['workflow'],
    queryFn: () =>
      unwrap(api.GET('/api/workflows/{id}', { params: { path: { id: 'micro-credential-review' } } })),
    staleTime: 10 * 60_000,
  });
  const box = useRef<HTMLDivElement>(null);
  const [diagramError, setDiagramError] = useState(false);
  useEffect(() => {
    const source = workflow.data?.mermaid;
    if (!source) return;
    let cancelled = false;
    // Mermaid is large: it loads only when this page is shown.
    void import('mermaid')
      .then(async ({ default: mermaid }) => {
        mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
        const { svg } = await mermaid.render('workflow-diagram', localiseDiagram(source, t));
        if (cancelled || !box.current) return;
        box.current.innerHTML = svg;
        showStart(box.current);
      })
      .catch(() => !cancelled && setDiagramError(true));
    return () => {
      cancelled = true;
    };
  }, [workflow.data?.mermaid, t]);
  if (workflow.isPending) return <Loading />;
  if (workflow.isError) return <ErrorState error={workflow.error} onRetry={() => void workflow.refetch()} />;
  const w = workflow.data;
  return (
    <Stack>
      <Title order={1}>{t('workflow.title')}</Title>
      <Text>{t('workflow.version', { version: w.version })}</Text>
      <figure style={{ margin: 0 }}>
        {/* On a phone the diagram keeps a readable size and scrolls sideways (by keyboard too). */}
        <div className="diagram-scroll" tabIndex={0} role="region" aria-label={t('workflow.diagramRegion')}>
          <div
            ref={box}
            className="mermaid-diagram"
            role="img"
            aria-label={t('workflow.diagramLabel')}
            data-testid="workflow-diagram"
          />
        </div>
        {diagramError && <Text>{t('workflow.diagramFailed')}</Text>}
        <figcaption>
          <Text size="sm">{t('workflow.caption')}</Text>
        </figcaption>
      </figure>
      <TableScroll>
        <Table striped>
          <Table.Caption>{t('workflow.transitions')}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('workflow.from')}</Table.Th>
              <Table.Th>{t('workflow.event')}</Table.Th>
              <Table.Th>{t('workflow.to')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {w.transitions.map((tr, i) => (
              <Table.Tr key={i}>
                <Table.Td>{t(`state.${tr.from}`, { defaultValue: tr.from })}</Table.Td>
                <Table.Td>{t(`events.${tr.event}`, { defaultValue: tr.event })}</Table.Td>
                <Table.Td>{t(`state.${tr.to}`, { defaultValue: tr.to })}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </TableScroll>
    </Stack>
  );
}
