import { Anchor, Group, List, Select, Stack, Table, Text, Timeline, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { institutionName, useInstitutions } from '../components/institutions';
import { ErrorState, Loading } from '../components/states';
import { fieldLabel, formatDateTime, valueLabel } from '../format';
import { TableScroll } from '../components/TableScroll';
import { useDocumentTitle } from '../components/document-title';

export default function HistoryPage() {
  const { id } = useParams() as { id: string };
  const { t } = useTranslation();
  const institutions = useInstitutions();
  const criteria = useQuery({
    queryKey: ['quality-criteria'],
    queryFn: () => unwrap(api.GET('/api/quality-criteria')),
  });
  const criterionTitle = (id: string) => criteria.data?.find((c) => c.id === id)?.title ?? id;
  const proposal = useQuery({
    queryKey: ['proposal', id],
    queryFn: () => unwrap(api.GET('/api/proposals/{id}', { params: { path: { id } } })),
  });
  const history = useQuery({
    queryKey: ['history', id, proposal.data?.version],
    queryFn: () => unwrap(api.GET('/api/proposals/{id}/history', { params: { path: { id } } })),
    enabled: !!proposal.data,
  });
  const revisions = proposal.data
    ? Array.from({ length: proposal.data.revision }, (_, i) => String(i + 1))
    : [];
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const a = from ?? (revisions.length > 1 ? revisions[revisions.length - 2] : null);
  const b = to ?? (revisions.length > 1 ? revisions[revisions.length - 1] : null);
  const diff = useQuery({
    queryKey: ['diff', id, a, b],
    queryFn: () =>
      unwrap(
        api.GET('/api/proposals/{id}/revisions/{a}/diff/{b}', {
          params: { path: { id, a: Number(a), b: Number(b) } },
        }),
      ),
    enabled: !!a && !!b && a !== b,
  });
  useDocumentTitle(proposal.data ? t('history.title', { reference: proposal.data.reference }) : undefined);
  if (proposal.isPending) return <Loading />;
  if (proposal.isError) return <ErrorState error={proposal.error} onRetry={() => void proposal.refetch()} />;
  const p = proposal.data;
  return (
    <Stack>
      <Text size="sm">
        <Anchor component={Link} to={`/proposals/${id}`}>
          {t('history.back', { reference: p.reference })}
        </Anchor>
      </Text>
      <Title order={1}>{t('history.title', { reference: p.reference })}</Title>
      <section aria-labelledby="timeline-heading">
        <Title order={2} size="h3" id="timeline-heading" mb="sm">
          {t('history.timeline')}
        </Title>
        {history.isError ? (
          <ErrorState error={history.error} onRetry={() => void history.refetch()} />
        ) : history.isPending ? (
          <Loading />
        ) : (
          <Timeline
            active={history.data.length - 1}
            bulletSize={16}
            lineWidth={2}
            component="ol"
            style={{ paddingLeft: 0, listStyle: 'none' }}
          >
            {history.data.map((h, i) => (
              <Timeline.Item
                key={i}
                component="li"
                title={t(`auditAction.${h.event}`, { defaultValue: h.event })}
              >
                {h.fromState !== h.toState && (
                  <Text size="sm">
                    {h.fromState
                      ? t('history.stateChange', {
                          from: t(`state.${h.fromState}`, { defaultValue: h.fromState }),
                          to: t(`state.${h.toState}`, { defaultValue: h.toState }),
                        })
                      : t('history.stateStart', { to: t(`state.${h.toState}`, { defaultValue: h.toState }) })}
                  </Text>
                )}
                <Text size="sm">
                  {formatDateTime(h.at)} · {institutionName(institutions.data, h.actorInstitutionId)} ·{' '}
                  {t(`role.${h.actorRole}`)} · {t('proposal.revisionN', { n: h.revision })}
                </Text>
                {h.comment && <Text size="sm">“{h.comment}”</Text>}
                {h.outcome && (
                  <Text size="sm">
                    {t(`outcome.${h.outcome}`, { defaultValue: h.outcome })}
                    {h.nqfLevel ? ` · ${t('event.nqfLevel')}: ${h.nqfLevel}` : ''}
                    {h.reference ? ` · ${t('event.reference')}: ${h.reference}` : ''}
                    {h.conditions ? ` · ${t('event.conditions')}: ${h.conditions}` : ''}
                  </Text>
                )}
                {h.criteria && h.criteria.length > 0 && (
                  <Text size="sm">
                    {t('history.criteriaSummary', {
                      met: h.criteria.filter((c) => c.result === 'met').length,
                      conditions: h.criteria.filter((c) => c.result === 'met-with-conditions').length,
                      total: h.criteria.length,
                    })}
                  </Text>
                )}
                {h.criteria && h.criteria.some((c) => c.result !== 'met' || c.note) && (
                  // What the quality check found beyond "met": the agencies and the lead read it here.
                  <List size="sm" data-testid="criteria-details">
                    {h.criteria
                      .filter((c) => c.result !== 'met' || c.note)
                      .map((c) => (
                        <List.Item key={c.criterion}>
                          {criterionTitle(c.criterion)}: {t(`result.${c.result}`)}
                          {c.note ? ` · “${c.note}”` : ''}
                        </List.Item>
                      ))}
                  </List>
                )}
              </Timeline.Item>
            ))}
          </Timeline>
        )}
      </section>
      <section aria-labelledby="diff-heading">
        <Title order={2} size="h3" id="diff-heading" mb="sm">
          {t('history.diff')}
        </Title>
        {revisions.length < 2 ? (
          <Text>{t('history.oneRevision')}</Text>
        ) : (
          <Stack>
            <Group>
              <Select
                label={t('history.from')}
                data={revisions}
                value={a}
                onChange={setFrom}
                allowDeselect={false}
                w={160}
              />
              <Select
                label={t('history.to')}
                data={revisions}
                value={b}
                onChange={setTo}
                allowDeselect={false}
                w={160}
              />
            </Group>
            {a === b ? (
              <Text>{t('history.sameRevision')}</Text>
            ) : diff.isError ? (
              <ErrorState error={diff.error} onRetry={() => void diff.refetch()} />
            ) : diff.isPending ? (
              <Loading />
            ) : diff.data.changes.length === 0 ? (
              <Text>{t('history.noChanges')}</Text>
            ) : (
              <TableScroll>
                <Table withColumnBorders data-testid="revision-diff">
                  <Table.Caption>{t('history.diffCaption', { a, b })}</Table.Caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('history.field')}</Table.Th>
                      <Table.Th>{t('history.revisionCol', { n: diff.data.from })}</Table.Th>
                      <Table.Th>{t('history.revisionCol', { n: diff.data.to })}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {diff.data.changes.map((c) => (
                      <Table.Tr key={c.field}>
                        <Table.Th scope="row">{fieldLabel(c.field)}</Table.Th>
                        <Table.Td style={{ whiteSpace: 'pre-wrap', background: '#fff5f5' }}>
                          {valueLabel(c.field, c.before)}
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'pre-wrap', background: '#ebfbee' }}>
                          {valueLabel(c.field, c.after)}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </TableScroll>
            )}
          </Stack>
        )}
      </section>
    </Stack>
  );
}
