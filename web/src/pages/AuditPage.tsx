import {
  Alert,
  Anchor,
  Button,
  Code,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Me } from '../api/client';
import { useInstitutions } from '../components/institutions';
import { ErrorState, Loading } from '../components/states';
import { PersonPicker } from '../components/PersonPicker';
import { formatDateTime } from '../format';
import { TableScroll } from '../components/TableScroll';
import { useDocumentTitle } from '../components/document-title';

interface Filters {
  action: string;
  /** A reference as people quote it (MC-2026-0007), or a proposal id pasted from a link. */
  proposal: string;
  actorId: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { action: '', proposal: '', actorId: '', from: '', to: '' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const REFERENCE = /^MC-\d{4}-\d{4,}$/;

/** The proposal filter as the API takes it: by id when one was pasted, else by reference. */
function proposalQuery(value: string): { proposalId?: string; proposalReference?: string } {
  const v = value.trim();
  if (!v) return {};
  return UUID.test(v) ? { proposalId: v } : { proposalReference: v.toUpperCase() };
}

/** What is wrong with the filters as typed, by field, before anything is asked of the server. */
function filterProblems(f: Filters): Partial<Record<keyof Filters, 'proposal' | 'range'>> {
  const v = f.proposal.trim();
  return {
    ...(v && !UUID.test(v) && !REFERENCE.test(v.toUpperCase()) ? { proposal: 'proposal' as const } : {}),
    ...(f.from && f.to && f.from > f.to ? { to: 'range' as const } : {}),
  };
}

/** A datetime-local value (the user's local time) as RFC 3339, which the API requires. */
const toRfc3339 = (local: string) => (local ? new Date(local).toISOString() : undefined);

export default function AuditPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  useDocumentTitle(t('audit.title'));
  const institutions = useInstitutions();
  const alliance = me.institution.kind === 'alliance';
  const [institutionId, setInstitutionId] = useState(me.institutionId);
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // The name of an actor chosen by clicking it in the table, for the filter box to show.
  const [actorKnown, setActorKnown] = useState<{ value: string; label: string } | null>(null);
  const onlyActor = (id: string, name: string) => {
    setActorKnown({ value: id, label: name });
    setDraft({ ...draft, actorId: id });
    setFilters({ ...filters, actorId: id });
  };
  const entries = useInfiniteQuery({
    queryKey: ['audit', institutionId, filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/institutions/{id}/audit', {
          params: {
            path: { id: institutionId },
            query: {
              limit: 50,
              ...(pageParam ? { cursor: pageParam } : {}),
              ...(filters.action ? { action: filters.action } : {}),
              ...proposalQuery(filters.proposal),
              ...(filters.actorId ? { actorId: filters.actorId } : {}),
              ...(filters.from ? { from: toRfc3339(filters.from) } : {}),
              ...(filters.to ? { to: toRfc3339(filters.to) } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const verify = useMutation({
    mutationFn: () =>
      unwrap(api.GET('/api/institutions/{id}/audit/verify', { params: { path: { id: institutionId } } })),
  });
  const [problems, setProblems] = useState<ReturnType<typeof filterProblems>>({});
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const found = filterProblems(draft);
    setProblems(found);
    // A mistyped filter is said beside its field; the table keeps what it showed.
    if (Object.keys(found).length === 0) setFilters(draft);
  };
  const items = entries.data?.pages.flatMap((p) => p.items) ?? [];
  // Actions in words; codes a newer workflow version adds show as they are.
  const actionWords = t('auditAction', { returnObjects: true }) as Record<string, string>;
  const actionName = (code: string) => actionWords[code] ?? code;
  const stateName = (state: string | null | undefined) =>
    state ? t(`state.${state}`, { defaultValue: state }) : '—';
  const names = new Map((institutions.data ?? []).map((i) => [i.id, i.name]));
  const institutionName = (id: string) => names.get(id) ?? id;
  // An institution's change says which institution, and what its settings were before and after.
  const institutionChange = ({
    action,
    data,
  }: {
    action: string;
    data: Record<string, unknown>;
  }): string[] => {
    if (!action.startsWith('INSTITUTION_') || typeof data.institutionId !== 'string') return [];
    const lines = [t('audit.forSubject', { name: institutionName(data.institutionId) })];
    const change = (v: unknown) => v as { before?: unknown; after?: unknown } | undefined;
    const list = (v: unknown) => (Array.isArray(v) && v.length ? v.join(', ') : '—');
    const domains = change(data.domains);
    if (domains)
      lines.push(t('audit.domainsChange', { before: list(domains.before), after: list(domains.after) }));
    const password = change(data.passwordLoginDisabled);
    const passwordWords = (off: unknown) => t(off ? 'institutions.universityOnly' : 'institutions.allowed');
    if (password)
      lines.push(
        t('audit.passwordSignInChange', {
          before: passwordWords(password.before),
          after: passwordWords(password.after),
        }),
      );
    return lines;
  };
  const actorPlace = (e: { actorInstitutionId?: string | null; actorRole?: string | null }) =>
    [
      e.actorInstitutionId ? institutionName(e.actorInstitutionId) : null,
      e.actorRole ? t(`role.${e.actorRole}`, { defaultValue: e.actorRole }) : null,
    ]
      .filter(Boolean)
      .join(' · ');
  const actionOptions = [
    ...new Set([...Object.keys(actionWords), ...items.map((e) => e.action), filters.action]),
  ]
    .filter(Boolean)
    .map((code) => ({ value: code, label: actionName(code) }));
  const exportUrl = (format: 'ndjson' | 'csv') =>
    `/api/institutions/${encodeURIComponent(institutionId)}/audit/export?format=${format}`;
  return (
    <Stack>
      <Title order={1}>{t('audit.title')}</Title>
      {alliance && (
        <Select
          label={t('users.institution')}
          data={(institutions.data ?? []).map((i) => ({ value: i.id, label: i.name }))}
          value={institutionId}
          onChange={(v) => {
            if (v) {
              setInstitutionId(v);
              verify.reset();
            }
          }}
          allowDeselect={false}
          searchable
          maw={360}
        />
      )}
      <Group>
        <Button onClick={() => verify.mutate()} loading={verify.isPending}>
          {t('audit.verify')}
        </Button>
        <Button component="a" href={exportUrl('ndjson')} download variant="outline">
          {t('audit.exportNdjson')}
        </Button>
        <Button component="a" href={exportUrl('csv')} download variant="outline">
          {t('audit.exportCsv')}
        </Button>
      </Group>
      <div aria-live="polite">
        {verify.data && (
          <Alert
            color={verify.data.valid ? 'teal.9' : 'red.9'}
            variant="outline"
            role="status"
            title={verify.data.valid ? t('audit.valid') : t('audit.invalid')}
            data-testid="verify-result"
          >
            <Text size="sm">
              {verify.data.firstInvalidSeq === null || verify.data.firstInvalidSeq === undefined
                ? t('audit.verifyDetailValid', { entries: verify.data.entries })
                : t('audit.verifyDetail', {
                    entries: verify.data.entries,
                    seq: verify.data.firstInvalidSeq,
                  })}
            </Text>
            <Text size="sm" style={{ wordBreak: 'break-all' }}>
              {t('audit.headHash')}: <Code>{verify.data.headHash}</Code>
            </Text>
          </Alert>
        )}
        {verify.isError && <ErrorState error={verify.error} onRetry={() => verify.mutate()} />}
      </div>
      <form onSubmit={apply} aria-label={t('audit.filters')}>
        <Group align="flex-end" wrap="wrap">
          <Select
            label={t('audit.action')}
            placeholder={t('audit.anyAction')}
            data={actionOptions}
            value={draft.action || null}
            onChange={(v) => setDraft({ ...draft, action: v ?? '' })}
            searchable
            clearable
            w={260}
          />
          <TextInput
            label={t('audit.proposalRef')}
            description={t('audit.proposalRefHelp')}
            value={draft.proposal}
            onChange={(e) => setDraft({ ...draft, proposal: e.currentTarget.value })}
            error={problems.proposal ? t('audit.proposalRefInvalid') : undefined}
            w={220}
          />
          <PersonPicker
            queryKey="audit-actors"
            // Accounts the admin may list, closed ones included: a former colleague's actions count.
            search={async (q) =>
              (await unwrap(api.GET('/api/users', { params: { query: { q, limit: 20 } } }))).items
            }
            label={t('audit.actorPerson')}
            nothingFound={t('audit.noActor')}
            known={actorKnown}
            value={draft.actorId || null}
            onChange={(id) => setDraft({ ...draft, actorId: id ?? '' })}
            w={260}
          />
          <TextInput
            type="datetime-local"
            label={t('audit.from')}
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.currentTarget.value })}
            w={210}
          />
          <TextInput
            type="datetime-local"
            label={t('audit.to')}
            value={draft.to}
            onChange={(e) => setDraft({ ...draft, to: e.currentTarget.value })}
            error={problems.to ? t('audit.rangeInvalid') : undefined}
            w={210}
          />
          <Button type="submit" variant="outline">
            {t('audit.apply')}
          </Button>
        </Group>
      </form>
      {entries.isError ? (
        <ErrorState error={entries.error} onRetry={() => void entries.refetch()} />
      ) : entries.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Text>{t('audit.none')}</Text>
      ) : (
        <TableScroll>
          <Table striped className="stack-on-phone">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('audit.seq')}</Table.Th>
                <Table.Th>{t('audit.at')}</Table.Th>
                <Table.Th>{t('audit.action')}</Table.Th>
                <Table.Th>{t('audit.proposal')}</Table.Th>
                <Table.Th>{t('audit.actor')}</Table.Th>
                <Table.Th>{t('audit.states')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((e) => (
                <Table.Tr key={e.seq}>
                  <Table.Td data-label={t('audit.seq')}>{e.seq}</Table.Td>
                  <Table.Td data-label={t('audit.at')}>{formatDateTime(e.at)}</Table.Td>
                  <Table.Td data-label={t('audit.action')}>
                    {actionName(e.action)}
                    {e.subjectName && (
                      <Text size="sm" c="dimmed">
                        {t('audit.forSubject', { name: e.subjectName })}
                      </Text>
                    )}
                    {institutionChange(e).map((line) => (
                      <Text size="sm" c="dimmed" key={line}>
                        {line}
                      </Text>
                    ))}
                  </Table.Td>
                  <Table.Td data-label={t('audit.proposal')}>
                    {e.proposalId ? (
                      <Anchor href={`/proposals/${e.proposalId}`}>
                        {e.proposalReference ?? e.proposalId}
                      </Anchor>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td data-label={t('audit.actor')}>
                    {e.actorId ? (
                      // Named where the reader may see the account, else by institution and role; either
                      // way a click keeps only what this actor did.
                      <Anchor
                        component="button"
                        type="button"
                        display="block"
                        ta="left"
                        onClick={() => onlyActor(e.actorId as string, e.actorName ?? actorPlace(e))}
                        title={t('audit.onlyActor', { name: e.actorName ?? actorPlace(e) })}
                      >
                        {e.actorName ?? actorPlace(e)}
                      </Anchor>
                    ) : (
                      actorPlace(e) || t('audit.system')
                    )}
                    {e.actorId && e.actorName && actorPlace(e)}
                  </Table.Td>
                  <Table.Td data-label={t('audit.states')}>
                    {/* An edit or a partial decision leaves the state as it was: said once, not as a change. */}
                    {e.fromState && e.fromState === e.toState
                      ? stateName(e.fromState)
                      : e.fromState || e.toState
                        ? `${stateName(e.fromState)} → ${stateName(e.toState)}`
                        : '—'}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </TableScroll>
      )}
      {entries.hasNextPage && (
        <Button
          variant="outline"
          onClick={() => void entries.fetchNextPage()}
          loading={entries.isFetchingNextPage}
          style={{ alignSelf: 'flex-start' }}
        >
          {t('audit.more')}
        </Button>
      )}
    </Stack>
  );
}
