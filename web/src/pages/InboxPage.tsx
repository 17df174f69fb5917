import { Anchor, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, FINAL_STATES, stageEnteredAt, unwrap, type Me, type Proposal } from '../api/client';
import { ErrorState, Loading } from '../components/states';
import { formatDateTime, formatWaited } from '../format';
import { TableScroll } from '../components/TableScroll';

/** Whether the proposal waits on this user or their institution (withdrawing is always possible, so it does not count). */
export function waitsOn(p: Proposal, me: Me): boolean {
  if (p.availableEvents.some((e) => e !== 'WITHDRAW')) return true;
  return p.pending.some((party) => party.institutionId === me.institutionId);
}

const ACTIVE = (s: string) => !FINAL_STATES.includes(s as Proposal['state']) && s !== 'published';

export function InboxPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: ['proposals', 'inbox'],
    queryFn: () => unwrap(api.GET('/api/proposals', { params: { query: { limit: 100 } } })),
  });
  const active = (list.data?.items ?? []).filter((p) => ACTIVE(p.state));
  const details = useQueries({
    queries: active.map((p) => ({
      queryKey: ['proposal', p.id],
      queryFn: () => unwrap(api.GET('/api/proposals/{id}', { params: { path: { id: p.id } } })),
    })),
  });
  const mine = details.map((d) => d.data).filter((p): p is Proposal => !!p && waitsOn(p, me));
  const histories = useQueries({
    queries: mine.map((p) => ({
      queryKey: ['history', p.id, p.version],
      queryFn: () => unwrap(api.GET('/api/proposals/{id}/history', { params: { path: { id: p.id } } })),
    })),
  });
  const rows = mine
    .map((p, i) => ({ p, since: stageEnteredAt(histories[i]?.data, p.state) ?? p.updatedAt }))
    .sort((a, b) => a.since.localeCompare(b.since));
  const notifications = useQuery({
    queryKey: ['notifications'],
    queryFn: () => unwrap(api.GET('/api/me/notifications', { params: { query: { limit: 100 } } })),
  });
  const markRead = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST('/api/me/notifications/{id}/read', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['notifications'] }),
  });
  const loadingDetails = details.some((d) => d.isPending);
  const unread = (notifications.data?.items ?? []).filter((n) => !n.readAt);
  return (
    <Stack>
      <Title order={1}>{t('inbox.title')}</Title>
      <section aria-labelledby="waiting-heading">
        <Title order={2} size="h3" id="waiting-heading" mb="xs">
          {t('inbox.waiting')}
        </Title>
        {list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.isPending || loadingDetails ? (
          <Loading />
        ) : rows.length === 0 ? (
          <Text>{t('inbox.nothingWaiting')}</Text>
        ) : (
          <TableScroll>
            <Table striped className="stack-on-phone">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('proposal.reference')}</Table.Th>
                  <Table.Th>{t('proposal.title')}</Table.Th>
                  <Table.Th>{t('proposal.state')}</Table.Th>
                  <Table.Th>{t('inbox.waited')}</Table.Th>
                  <Table.Th>{t('inbox.nextReminder')}</Table.Th>
                  <Table.Th>{t('inbox.escalation')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map(({ p, since }) => {
                  const party = p.pending.find((x) => x.institutionId === me.institutionId) ?? p.pending[0];
                  return (
                    <Table.Tr key={p.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/proposals/${p.id}`}>
                          {p.reference}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{p.content.title ?? t('proposal.untitled')}</Table.Td>
                      <Table.Td data-label={t('proposal.state')}>
                        <Text fw={600} size="sm">
                          {t(`state.${p.state}`)}
                        </Text>
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
