import {
  Alert,
  Button,
  Group,
  Paper,
  PasswordInput,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, fieldMessage, unwrap, type Me } from '../api/client';
import { ColleaguePicker } from '../components/ColleaguePicker';
import { NewPasswordInput } from '../components/NewPasswordInput';
import { ErrorState, errorMessage, Loading } from '../components/states';
import { formatDateTime } from '../format';
import { useDocumentTitle } from '../components/document-title';

export default function MePage({ me }: { me: Me }) {
  const { t } = useTranslation();
  useDocumentTitle(t('me.title'));
  return (
    <Stack>
      <Title order={1}>{t('me.title')}</Title>
      <Text>
        {me.displayName} · {me.email} · {me.institution.name}
      </Text>
      <PasswordSection />
      <SessionsSection />
      <DeputiesSection me={me} />
    </Stack>
  );
}

function PasswordSection() {
  const { t } = useTranslation();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const change = useMutation({
    mutationFn: () => unwrap(api.POST('/api/me/password', { body: { currentPassword, newPassword } })),
    onSuccess: () => {
      setCurrent('');
      setNew('');
    },
  });
  const [missing, setMissing] = useState<{ current?: boolean; next?: boolean }>({});
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const now = { current: currentPassword === '', next: newPassword === '' };
    setMissing(now);
    if (!now.current && !now.next) change.mutate();
  };
  const err = change.error;
  const currentError = missing.current ? t('errors.required') : fieldMessage(err, 'currentPassword');
  const newError = missing.next ? t('errors.required') : fieldMessage(err, 'newPassword');
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="password-heading">
      <form onSubmit={submit} noValidate>
        <Stack maw={420}>
          <Title order={2} size="h3" id="password-heading">
            {t('me.password.title')}
          </Title>
          {change.isSuccess && (
            <Alert color="green.9" variant="outline" role="status">
              {t('me.password.changed')}
            </Alert>
          )}
          {err && !currentError && !newError && (
            <Alert color="red.9" variant="outline" role="alert">
              {errorMessage(err, t)}
            </Alert>
          )}
          <PasswordInput
            label={t('me.password.current')}
            autoComplete="current-password"
            required
            value={currentPassword}
            error={currentError}
            onChange={(e) => {
              setCurrent(e.currentTarget.value);
              setMissing((m) => ({ ...m, current: false }));
            }}
            visibilityToggleButtonProps={{ 'aria-label': t('signIn.showPassword') }}
          />
          <NewPasswordInput
            value={newPassword}
            onChange={(v) => {
              setNew(v);
              setMissing((m) => ({ ...m, next: false }));
            }}
            error={newError}
          />
          <Button type="submit" loading={change.isPending} style={{ alignSelf: 'flex-start' }}>
            {t('me.password.submit')}
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}

function SessionsSection() {
  const { t } = useTranslation();
  const end = useMutation({ mutationFn: () => unwrap(api.DELETE('/api/me/other-sessions')) });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="sessions-heading">
      <Stack maw={560}>
        <Title order={2} size="h3" id="sessions-heading">
          {t('me.sessions.title')}
        </Title>
        <Text>{t('me.sessions.explain')}</Text>
        {end.isSuccess && (
          <Alert color="green.9" variant="outline" role="status">
            {t('me.sessions.done')}
          </Alert>
        )}
        {end.error && (
          <Alert color="red.9" variant="outline" role="alert">
            {errorMessage(end.error, t)}
          </Alert>
        )}
        <Button
          variant="outline"
          loading={end.isPending}
          onClick={() => end.mutate()}
          style={{ alignSelf: 'flex-start' }}
        >
          {t('me.sessions.submit')}
        </Button>
      </Stack>
    </Paper>
  );
}

/** A date input's value (yyyy-mm-dd) as the start or the end of that day in the user's time zone. */
function dayBound(day: string, end: boolean): string {
  return new Date(`${day}T${end ? '23:59:59' : '00:00:00'}`).toISOString();
}

function DeputiesSection({ me }: { me: Me }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const deputies = useQuery({
    queryKey: ['deputies'],
    queryFn: () => unwrap(api.GET('/api/me/deputies')),
  });
  const [userId, setUserId] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['deputies'] });
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/me/deputies', {
          body: {
            userId: (userId ?? '').trim(),
            from: from ? dayBound(from, false) : '',
            to: to ? dayBound(to, true) : '',
          },
        }),
      ),
    onSuccess: () => {
      setUserId(null);
      setFrom('');
      setTo('');
      void refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/me/deputies/{id}', { params: { path: { id } } })),
    onSettled: () => void refresh(),
  });
  // What is left empty is said at its field before anything is sent.
  const [missing, setMissing] = useState<{ userId?: boolean; from?: boolean; to?: boolean }>({});
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const now = { userId: !userId, from: from === '', to: to === '' };
    setMissing(now);
    if (!now.userId && !now.from && !now.to) add.mutate();
  };
  const err = add.error;
  const userError = missing.userId ? t('me.deputies.chooseColleague') : fieldMessage(err, 'userId');
  const fromError = missing.from ? t('me.deputies.chooseDay') : fieldMessage(err, 'from');
  const toError = missing.to ? t('me.deputies.chooseDay') : fieldMessage(err, 'to');
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="deputies-heading">
      <Stack>
        <Title order={2} size="h3" id="deputies-heading">
          {t('me.deputies.title')}
        </Title>
        <Text size="sm">{t('me.deputies.explain')}</Text>
        {deputies.isPending ? (
          <Loading />
        ) : deputies.isError ? (
          <ErrorState error={deputies.error} onRetry={() => void deputies.refetch()} />
        ) : (
          <>
            {deputies.data.items.length === 0 ? (
              <Text c="dimmed">{t('me.deputies.none')}</Text>
            ) : (
              <Table.ScrollContainer minWidth={500}>
                <Table data-testid="deputies-table">
                  <Table.Caption>{t('me.deputies.caption')}</Table.Caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">{t('me.deputies.colleague')}</Table.Th>
                      <Table.Th scope="col">{t('me.deputies.from')}</Table.Th>
                      <Table.Th scope="col">{t('me.deputies.to')}</Table.Th>
                      <Table.Th scope="col">{t('me.deputies.status')}</Table.Th>
                      <Table.Th scope="col">{t('me.deputies.actions')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {deputies.data.items.map((d) => (
                      <Table.Tr key={d.id}>
                        <Table.Td>{d.deputyName}</Table.Td>
                        <Table.Td>{formatDateTime(d.from)}</Table.Td>
                        <Table.Td>{formatDateTime(d.to)}</Table.Td>
                        <Table.Td>
                          <Text size="sm" fw={d.active ? 700 : 400}>
                            {d.active ? t('me.deputies.active') : t('me.deputies.scheduled')}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Button
                            size="xs"
                            variant="outline"
                            color="red.9"
                            loading={remove.isPending && remove.variables === d.id}
                            onClick={() => remove.mutate(d.id)}
                            aria-label={t('me.deputies.removeLabel', { name: d.deputyName })}
                          >
                            {t('me.deputies.remove')}
                          </Button>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            {remove.isError && (
              <Alert color="red.9" variant="outline" role="alert">
                {errorMessage(remove.error, t)}
              </Alert>
            )}
            {deputies.data.deputyFor.length > 0 && (
              <>
                <Title order={3} size="h4">
                  {t('me.deputies.deputyForTitle')}
                </Title>
                <ul data-testid="deputy-for">
                  {deputies.data.deputyFor.map((d) => (
                    <li key={d.id}>
                      {t('me.deputies.deputyForItem', {
                        name: d.principalName,
                        from: formatDateTime(d.from),
                        to: formatDateTime(d.to),
                      })}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </>
        )}
        {!me.canNameDeputies ? (
          <Text size="sm">
            {me.actingFor.length > 0 ? t('me.deputies.cannotNameAsDeputy') : t('me.deputies.cannotName')}
          </Text>
        ) : (
          <form onSubmit={submit} noValidate aria-labelledby="add-deputy-heading">
            <Stack maw={480}>
              <Title order={3} size="h4" id="add-deputy-heading">
                {t('me.deputies.addTitle')}
              </Title>
              {err && !userError && !fromError && !toError && (
                <Alert color="red.9" variant="outline" role="alert">
                  {errorMessage(err, t)}
                </Alert>
              )}
              <ColleaguePicker
                value={userId}
                onChange={(v) => {
                  setUserId(v);
                  setMissing((m) => ({ ...m, userId: false }));
                }}
                error={userError}
              />
              <Group grow align="flex-start">
                <TextInput
                  type="date"
                  label={t('me.deputies.from')}
                  required
                  value={from}
                  onChange={(e) => {
                    setFrom(e.currentTarget.value);
                    setMissing((m) => ({ ...m, from: false }));
                  }}
                  error={fromError}
                />
                <TextInput
                  type="date"
                  label={t('me.deputies.to')}
                  required
                  value={to}
                  onChange={(e) => {
                    setTo(e.currentTarget.value);
                    setMissing((m) => ({ ...m, to: false }));
                  }}
                  error={toError}
                />
              </Group>
              <Button type="submit" loading={add.isPending} style={{ alignSelf: 'flex-start' }}>
                {t('me.deputies.add')}
              </Button>
            </Stack>
          </form>
        )}
      </Stack>
    </Paper>
  );
}
