import { Button, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api, STATES, unwrap, type ProposalState } from '../api/client';
import { institutionName, useInstitutions } from '../components/institutions';
import { ErrorState, Loading } from '../components/states';
import { formatDateTime } from '../format';
import { ReferenceCell } from '../components/ReferenceCell';
import { TableScroll } from '../components/TableScroll';
import { useDocumentTitle } from '../components/document-title';

const PAGE_SIZE = 20;

export default function ProposalsPage({ canPropose }: { canPropose: boolean }) {
  const { t } = useTranslation();
  useDocumentTitle(t('proposals.title'));
  const [params, setParams] = useSearchParams();
  const institutions = useInstitutions();
  const state = params.get('state') ?? '';
  const institutionId = params.get('institution') ?? '';
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  // Cursors of the pages before this one, so "Previous page" works with forward-only cursors.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const list = useQuery({
    queryKey: ['proposals', { state, institutionId, q, cursor }],
    queryFn: () =>
      unwrap(
        api.GET('/api/proposals', {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(state ? { state: state as ProposalState } : {}),
              ...(institutionId ? { institutionId } : {}),
              ...(q ? { q } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
    setCursors([]);
  };
  const search = (e: FormEvent) => {
    e.preventDefault();
    setFilter('q', text.trim());
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t('proposals.title')}</Title>
        {canPropose && (
          <Button component={Link} to="/proposals/new">
            {t('nav.newProposal')}
          </Button>
        )}
      </Group>
      <form onSubmit={search} role="search" aria-label={t('proposals.filters')}>
        <Group align="flex-end" wrap="wrap">
          <Select
            label={t('proposals.filterState')}
            data={[
              { value: '', label: t('proposals.anyState') },
              ...STATES.map((s) => ({ value: s, label: t(`state.${s}`) })),
            ]}
            value={state}
            onChange={(v) => setFilter('state', v ?? '')}
            allowDeselect={false}
            w={220}
          />
          <Select
            label={t('proposals.filterInstitution')}
            data={[
              { value: '', label: t('proposals.anyInstitution') },
              ...(institutions.data ?? [])
                .filter((i) => i.kind === 'university')
                .map((i) => ({ value: i.id, label: i.name })),
            ]}
            value={institutionId}
            onChange={(v) => setFilter('institution', v ?? '')}
            allowDeselect={false}
            searchable
            w={260}
          />
          <TextInput
            label={t('proposals.search')}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            w={260}
          />
          <Button type="submit" variant="outline">
            {t('proposals.searchButton')}
          </Button>
        </Group>
      </form>
      {list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.isPending ? (
        <Loading />
      ) : list.data.items.length === 0 ? (
        <Text>{t('proposals.none')}</Text>
      ) : (
        <TableScroll>
          <Table striped className="stack-on-phone">
            {/* The order is by creation: "Last change" alone would suggest otherwise. */}
            <Table.Caption>{t('proposals.caption')}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('proposal.reference')}</Table.Th>
                <Table.Th>{t('proposal.title')}</Table.Th>
                <Table.Th>{t('proposal.state')}</Table.Th>
                <Table.Th>{t('proposal.lead')}</Table.Th>
                <Table.Th>{t('proposal.updated')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((p) => (
                <Table.Tr key={p.id}>
                  <ReferenceCell id={p.id} reference={p.reference} />
                  <Table.Td>{p.title ?? t('proposal.untitled')}</Table.Td>
                  <Table.Td data-label={t('proposal.state')}>
                    <Text fw={600} size="sm">
                      {t(`state.${p.state}`)}
                    </Text>
                  </Table.Td>
                  <Table.Td data-label={t('proposal.lead')}>
                    {institutionName(institutions.data, p.leadInstitutionId)}
                  </Table.Td>
                  <Table.Td data-label={t('proposal.updated')}>{formatDateTime(p.updatedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </TableScroll>
      )}
      <Group>
        <Button
          variant="outline"
          disabled={cursors.length === 0}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          {t('common.previousPage')}
        </Button>
        <Button
          variant="outline"
          disabled={!list.data?.nextCursor}
          onClick={() => list.data?.nextCursor && setCursors((c) => [...c, list.data.nextCursor as string])}
        >
          {t('common.nextPage')}
        </Button>
      </Group>
    </Stack>
  );
}
