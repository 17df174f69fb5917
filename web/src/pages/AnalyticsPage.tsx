import {
  Anchor,
  Badge,
  Button,
  Group,
  Select,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import { BarChart } from '../components/BarChart';
import { partyKeyName } from '../components/party';
import { institutionName, useInstitutions } from '../components/institutions';
import { ErrorState, Loading } from '../components/states';
import i18n from '../i18n';
import { formatDateTime } from '../format';
import { ReferenceCell } from '../components/ReferenceCell';
import { TableScroll } from '../components/TableScroll';
import { useDocumentTitle } from '../components/document-title';

/** Rows of the waiting list per request ("Load more" asks for the next page). */
const WAITING_PAGE = 100;

/** A duration in the largest unit that keeps it readable. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return i18n.t('analytics.seconds', { count: seconds });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return i18n.t('duration.minutes', { count: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return i18n.t('duration.hours', { count: hours });
  return i18n.t('duration.days', { count: Math.floor(hours / 24) });
}

// The chart's unit follows the longest time shown, so short stages still draw visible bars.
const UNITS = [
  { key: 'd', ms: 86_400_000 },
  { key: 'h', ms: 3_600_000 },
  { key: 'min', ms: 60_000 },
  { key: 's', ms: 1_000 },
] as const;
export function chartUnit(maxMs: number) {
  return UNITS.find((u) => maxMs >= u.ms) ?? UNITS[UNITS.length - 1];
}

function Section({
  id,
  title,
  csv,
  children,
}: {
  id: string;
  title: string;
  csv: string;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby={id}>
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h3" id={id}>
          {title}
        </Title>
        {/* The session cookie goes with a same-origin link, so the download needs no script. */}
        <Anchor href={csv} download>
          {t('analytics.csv')}
          <VisuallyHidden>{t('analytics.csvOf', { table: title })}</VisuallyHidden>
        </Anchor>
      </Group>
      {children}
    </section>
  );
}

export default function AnalyticsPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('analytics.title'));
  const known = useInstitutions();
  const nameOf = (id: string | null | undefined) => institutionName(known.data, id);
  const stages = useQuery({
    queryKey: ['analytics', 'stages'],
    queryFn: () => unwrap(api.GET('/api/analytics/stages')),
  });
  const throughput = useQuery({
    queryKey: ['analytics', 'throughput'],
    queryFn: () => unwrap(api.GET('/api/analytics/throughput')),
  });
  // A page at a time: a stuck alliance can have thousands of waiting rows (the CSV has them all).
  const waiting = useInfiniteQuery({
    queryKey: ['analytics', 'waiting'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/analytics/waiting', {
          params: { query: { limit: WAITING_PAGE, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  // A proposal that changed stage between two pages comes again in its new stage: one row per key.
  const rowKey = (w: { proposalId: string; state: string; partyKey?: string | null }) =>
    `${w.proposalId}-${w.state}-${w.partyKey ?? ''}`;
  const waitingRows = [
    ...new Map((waiting.data?.pages.flatMap((p) => p.items) ?? []).map((w) => [rowKey(w), w])).values(),
  ];
  const [institution, setInstitution] = useState<string>('');

  const institutions = [
    ...new Set((stages.data?.rows ?? []).map((r) => r.institutionId).filter((i): i is string => !!i)),
  ].sort();
  const chosenRows = (stages.data?.rows ?? []).filter((r) => (r.institutionId ?? '') === institution);
  const unit = chartUnit(Math.max(0, ...chosenRows.map((r) => r.p90Ms ?? 0)));
  const scaled = (ms: number | null) => (ms === null ? null : ms / unit.ms);

  return (
    <Stack gap="xl">
      <Title order={1}>{t('analytics.title')}</Title>

      <Section
        id="analytics-stages"
        title={t('analytics.stagesTitle')}
        csv="/api/analytics/stages?format=csv"
      >
        {stages.isPending ? (
          <Loading />
        ) : stages.isError ? (
          <ErrorState error={stages.error} onRetry={() => void stages.refetch()} />
        ) : (
          <Stack>
            <Text size="sm">
              {t('analytics.window', {
                from: formatDateTime(stages.data.from),
                to: formatDateTime(stages.data.to),
              })}
            </Text>
            <Select
              label={t('analytics.institution')}
              data={[
                { value: '', label: t('analytics.allInstitutions') },
                ...institutions.map((i) => ({ value: i, label: nameOf(i) })),
              ]}
              value={institution}
              onChange={(v) => setInstitution(v ?? '')}
              allowDeselect={false}
              maw={300}
            />
            <BarChart
              testId="stages-chart"
              label={t('analytics.stagesChart', {
                institution: institution ? nameOf(institution) : t('analytics.allInstitutions'),
              })}
              series={[t('analytics.median'), t('analytics.p90')]}
              groups={chosenRows.map((r) => ({
                label: t(`state.${r.stage}`),
                values: [scaled(r.medianMs), scaled(r.p90Ms)],
              }))}
              format={(v) => t(`analytics.unit.${unit.key}`, { value: v.toFixed(v < 10 ? 2 : 0) })}
            />
            <TableScroll>
              <Table striped data-testid="stages-table">
                <Table.Caption>{t('analytics.stagesTitle')}</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('analytics.institution')}</Table.Th>
                    <Table.Th>{t('analytics.stage')}</Table.Th>
                    <Table.Th>{t('analytics.entered')}</Table.Th>
                    <Table.Th>{t('analytics.left')}</Table.Th>
                    <Table.Th>{t('analytics.median')}</Table.Th>
                    <Table.Th>{t('analytics.p90')}</Table.Th>
                    <Table.Th>{t('analytics.waiting')}</Table.Th>
                    <Table.Th>{t('analytics.overdue')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(institution ? chosenRows : stages.data.rows).map((r) => (
                    <Table.Tr key={`${r.institutionId ?? ''}-${r.stage}`}>
                      <Table.Td>
                        {r.institutionId ? nameOf(r.institutionId) : t('analytics.allInstitutions')}
                      </Table.Td>
                      <Table.Td>{t(`state.${r.stage}`)}</Table.Td>
                      <Table.Td>{r.entered}</Table.Td>
                      <Table.Td>{r.left}</Table.Td>
                      <Table.Td>{formatMs(r.medianMs)}</Table.Td>
                      <Table.Td>{formatMs(r.p90Ms)}</Table.Td>
                      <Table.Td>{r.waiting}</Table.Td>
                      <Table.Td>{r.overdue ?? '—'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </TableScroll>
          </Stack>
        )}
      </Section>

      <Section
        id="analytics-throughput"
        title={t('analytics.throughputTitle')}
        csv="/api/analytics/throughput?format=csv"
      >
        {throughput.isPending ? (
          <Loading />
        ) : throughput.isError ? (
          <ErrorState error={throughput.error} onRetry={() => void throughput.refetch()} />
        ) : (
          <Stack>
            <BarChart
              testId="throughput-chart"
              label={t('analytics.throughputChart')}
              counts
              latestFirstInView
              series={[
                t('analytics.submitted'),
                t('analytics.approved'),
                t('analytics.published'),
                t('analytics.rejected'),
              ]}
              groups={throughput.data.rows.map((r) => ({
                label: r.month,
                values: [r.submitted, r.approved, r.published, r.rejected],
              }))}
            />
            <TableScroll>
              <Table striped data-testid="throughput-table">
                <Table.Caption>{t('analytics.throughputTitle')}</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('analytics.month')}</Table.Th>
                    <Table.Th>{t('analytics.submitted')}</Table.Th>
                    <Table.Th>{t('analytics.approved')}</Table.Th>
                    <Table.Th>{t('analytics.published')}</Table.Th>
                    <Table.Th>{t('analytics.rejected')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {throughput.data.rows.map((r) => (
                    <Table.Tr key={r.month}>
                      <Table.Td>{r.month}</Table.Td>
                      <Table.Td>{r.submitted}</Table.Td>
                      <Table.Td>{r.approved}</Table.Td>
                      <Table.Td>{r.published}</Table.Td>
                      <Table.Td>{r.rejected}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </TableScroll>
          </Stack>
        )}
      </Section>

      <Section
        id="analytics-waiting"
        title={t('analytics.waitingTitle')}
        csv="/api/analytics/waiting?format=csv"
      >
        {waiting.isPending ? (
          <Loading />
        ) : waiting.isError ? (
          <ErrorState error={waiting.error} onRetry={() => void waiting.refetch()} />
        ) : waitingRows.length === 0 ? (
          <Text>{t('analytics.noWaiting')}</Text>
        ) : (
          <TableScroll>
            <Table striped data-testid="waiting-table">
              <Table.Caption>{t('analytics.waitingTitle')}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('analytics.reference')}</Table.Th>
                  <Table.Th>{t('analytics.proposalTitle')}</Table.Th>
                  <Table.Th>{t('analytics.state')}</Table.Th>
                  <Table.Th>{t('analytics.party')}</Table.Th>
                  <Table.Th>{t('analytics.since')}</Table.Th>
                  <Table.Th>{t('analytics.waitingFor')}</Table.Th>
                  <Table.Th>{t('analytics.remindersSent')}</Table.Th>
                  <Table.Th>{t('analytics.nextReminder')}</Table.Th>
                  <Table.Th>{t('analytics.escalated')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {waitingRows.map((w) => (
                  <Table.Tr key={rowKey(w)}>
                    <ReferenceCell id={w.proposalId} reference={w.reference} />
                    <Table.Td>{w.title ?? '—'}</Table.Td>
                    <Table.Td>{t(`state.${w.state}`, { defaultValue: w.state })}</Table.Td>
                    <Table.Td>{partyKeyName(w.partyKey, t, nameOf)}</Table.Td>
                    <Table.Td>{formatDateTime(w.since)}</Table.Td>
                    <Table.Td>
                      {formatMs(w.waitingMs)}{' '}
                      {w.overdue && <Badge color="red.9">{t('analytics.overdue')}</Badge>}
                    </Table.Td>
                    <Table.Td>{w.remindersSent}</Table.Td>
                    <Table.Td>{formatDateTime(w.nextReminderAt)}</Table.Td>
                    <Table.Td>{w.escalated ? t('analytics.yes') : t('analytics.no')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {waiting.hasNextPage && (
              <Button
                mt="sm"
                variant="outline"
                onClick={() => void waiting.fetchNextPage()}
                loading={waiting.isFetchingNextPage}
              >
                {t('analytics.moreWaiting')}
              </Button>
            )}
          </TableScroll>
        )}
      </Section>
    </Stack>
  );
}
