import { Anchor, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap, type Me } from '../api/client';
import { institutionName, useInstitutions } from '../components/institutions';
import { partyName } from '../components/party';
import { ErrorState, Loading } from '../components/states';
import { formatDateTime, formatWaited } from '../format';
import { ReferenceCell } from '../components/ReferenceCell';
import { TableScroll } from '../components/TableScroll';
import { useDocumentTitle } from '../components/document-title';

const PAGE_SIZE = 50;

export function InboxPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  useDocumentTitle(t('inbox.title'));
  const queryClient = useQueryClient();
  const institutions = useInstitutions();
  // The server finds what waits on this user, longest wait first (GET /api/proposals/waiting): the
  // inbox no longer depends on which proposals happen to be among the newest.
  const waiting = useInfiniteQuery({
    queryKey: ['proposals', 'waiting'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/proposals/waiting', {
          params: { query: { limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  // By id: a proposal that entered a stage again between two pages would otherwise show twice.
  const rows = [
    ...new Map((waiting.data?.pages.flatMap((page) => page.items) ?? []).map((p) => [p.id, p])).values(),
  ].map((p) => ({ p, since: p.since }));
  // A page can come back short while the server has more to look through (it reads a bounded number
  // of proposals per request): fill the first screen by itself, a few requests at most.
  const pages = waiting.data?.pages.length ?? 0;
  useEffect(() => {
    if (
      waiting.hasNextPage &&
      !waiting.isFetching &&
      !waiting.isError &&
      rows.length < PAGE_SIZE &&
      pages < 10
    )
      void waiting.fetchNextPage();
  }, [waiting, rows.length, pages]);
  const notifications = useQuery({
    queryKey: ['notifications'],
    queryFn: () => unwrap(api.GET('/api/me/notifications', { params: { query: { limit: 100 } } })),
  });
  const markRead = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST('/api/me/notifications/{id}/read', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['notifications'] }),
  });
  const unread = (notifications.data?.items ?? []).filter((n) => !n.readAt);
  return (
    <Stack>
      <Title order={1}>{t('inbox.title')}</Title>
      <section aria-labelledby="waiting-heading">
        <Title order={2} size="h3" id="waiting-heading" mb="xs">
          {t('inbox.waiting')}
        </Title>
        {waiting.isError && rows.length === 0 ? (
          <ErrorState error={waiting.error} onRetry={() => void waiting.refetch()} />
        ) : waiting.isPending || (rows.length === 0 && waiting.hasNextPage && pages < 10) ? (
          <Loading />
        ) : rows.length === 0 ? (
          // The server may not have looked through everything yet ("Show more" below goes on).
          <Text>{waiting.hasNextPage ? t('inbox.nothingYet') : t('inbox.nothingWaiting')}</Text>
        ) : (
          <TableScroll>
            <Table striped className="stack-on-phone">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('proposal.reference')}</Table.Th>
                  <Table.Th>{t('proposal.title')}</Table.Th>
                  <Table.Th>{t('proposal.state')}</Table.Th>
                  <Table.Th>{t('inbox.expected')}</Table.Th>
                  <Table.Th>{t('inbox.waited')}</Table.Th>
                  <Table.Th>{t('inbox.nextReminder')}</Table.Th>
                  <Table.Th>{t('inbox.escalation')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map(({ p, since }) => {
                  const party = p.pending.find((x) => x.institutionId === me.institutionId) ?? p.pending[0];
                  // The row says what is expected: a decision of yours, or of someone at your institution.
                  const yours = p.availableEvents.some((e) => e !== 'WITHDRAW');
                  return (
                    <Table.Tr key={p.id}>
                      <ReferenceCell id={p.id} reference={p.reference} />
                      <Table.Td>{p.title ?? t('proposal.untitled')}</Table.Td>
                      <Table.Td data-label={t('proposal.state')}>
                        <Text fw={600} size="sm">
                          {t(`state.${p.state}`)}
                        </Text>
                      </Table.Td>
                      <Table.Td data-label={t('inbox.expected')}>
                        {yours
                          ? t('inbox.yourDecision')
                          : party
                            ? partyName(party, t, (id) => institutionName(institutions.data, id))
                            : '—'}
                      </Table.Td>
                      <Table.Td data-label={t('inbox.waited')}>
                        <span title={formatDateTime(since)}>{formatWaited(since)}</span>
                      </Table.Td>
                      <Table.Td data-label={t('inbox.nextReminder')}>
                        {formatDateTime(party?.nextReminderAt)}
                      </Table.Td>
                      <Table.Td data-label={t('inbox.escalation')}>
                        {formatDateTime(party?.escalationAt)}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </TableScroll>
        )}
        {waiting.isError && rows.length > 0 && (
          // A later page failed: what was found stays; the error and a retry go under it.
          <ErrorState error={waiting.error} onRetry={() => void waiting.fetchNextPage()} />
        )}
        {waiting.hasNextPage && !waiting.isError && (
          <Button
            variant="outline"
            mt="xs"
            onClick={() => void waiting.fetchNextPage()}
            loading={waiting.isFetchingNextPage}
          >
            {t('inbox.more')}
          </Button>
        )}
      </section>
      <section aria-labelledby="notifications-heading">
        <Title order={2} size="h3" id="notifications-heading" mb="xs">
          {t('inbox.notifications', { count: unread.length })}
        </Title>
        {notifications.isError ? (
          <ErrorState error={notifications.error} onRetry={() => void notifications.refetch()} />
        ) : notifications.isPending ? (
          <Loading />
        ) : notifications.data.items.length === 0 ? (
          <Text>{t('inbox.noNotifications')}</Text>
        ) : (
          <Stack gap="xs">
            {notifications.data.items.map((n) => (
              <Group
                key={n.id}
                justify="space-between"
                wrap="wrap"
                p="xs"
                style={{ border: '1px solid #ced4da', borderRadius: 4 }}
              >
                <div>
                  <Text fw={n.readAt ? 400 : 700}>
                    {n.proposalId ? (
                      <>
                        <Anchor component={Link} to={`/proposals/${n.proposalId}`}>
                          {n.proposalReference}
                        </Anchor>{' '}
                        · {n.title}
                      </>
                    ) : (
                      n.title
                    )}
                  </Text>
                  <Text size="sm">{n.body}</Text>
                  {n.kind === 'user-waiting' && n.subjectUserId && (
                    <Anchor component={Link} to={`/admin/users?user=${n.subjectUserId}`} size="sm">
                      {t('inbox.giveRoles')}
                    </Anchor>
                  )}
                  <Text size="sm" c="dimmed">
                    {t(`notificationKind.${n.kind}`)} · {formatDateTime(n.createdAt)}
                  </Text>
                </div>
                {!n.readAt && (
                  <Button
                    size="xs"
                    variant="outline"
                    onClick={() => markRead.mutate(n.id)}
                    aria-label={t('inbox.markReadOf', { ref: n.proposalReference ?? '', title: n.title })}
                  >
                    {t('inbox.markRead')}
                  </Button>
                )}
              </Group>
            ))}
          </Stack>
        )}
      </section>
    </Stack>
  );
}
