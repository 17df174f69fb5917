import { Badge, Button, Checkbox, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api, fieldMessage, ROLES, unwrap, type Me, type Role, type User } from '../api/client';
import { institutionName, useInstitutions } from '../components/institutions';
import { NewPasswordInput } from '../components/NewPasswordInput';
import { ErrorState, Loading, Notice } from '../components/states';
import { TableScroll } from '../components/TableScroll';
import { useDocumentTitle } from '../components/document-title';
import { useReturnFocus } from '../components/return-focus';
import { conflictAt, FormDialog, useSend } from '../components/FormDialog';

export default function UsersPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  useDocumentTitle(t('users.title'));
  const queryClient = useQueryClient();
  const institutions = useInstitutions();
  const alliance = me.institution.kind === 'alliance';
  const [institutionId, setInstitutionId] = useState(me.institutionId);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [deactivating, setDeactivating] = useState<User | null>(null);
  const [settingPassword, setSettingPassword] = useState<User | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const dialogOpen = creating || !!editing || !!deactivating || !!settingPassword;
  const { opener, heading } = useReturnFocus(dialogOpen);
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const [waitingOnly, setWaitingOnly] = useState(false);
  // A university has thousands of staff: the server searches, and pages of 50 load on request.
  const users = useInfiniteQuery({
    queryKey: ['users', institutionId, q, waitingOnly],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/users', {
          params: {
            query: {
              institutionId,
              limit: 50,
              ...(q ? { q } : {}),
              ...(waitingOnly ? { withoutRoles: true } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const items = users.data?.pages.flatMap((page) => page.items) ?? [];
  // A link such as a "waiting for roles" notification's (/admin/users?user=<id>) opens that account's roles.
  const [params, setParams] = useSearchParams();
  const linked = params.get('user');
  const linkedUser = useQuery({
    queryKey: ['user', linked],
    queryFn: () => unwrap(api.GET('/api/users/{id}', { params: { path: { id: linked as string } } })),
    enabled: !!linked,
    // Read afresh at every visit of the link: the roles dialog opens with what the account holds now.
    gcTime: 0,
  });
  useEffect(() => {
    if (!linkedUser.data) return;
    setEditing(linkedUser.data);
    setParams({}, { replace: true });
  }, [linkedUser.data, setParams]);
  const [failure, setFailure] = useState<unknown>(null);
  const refresh = (message: string) => {
    setNotice(message);
    setFailure(null);
    void queryClient.invalidateQueries({ queryKey: ['users'] });
    // A linked account read before this change must not open with what it was.
    queryClient.removeQueries({ queryKey: ['user'] });
  };
  // Reopening an account needs no confirmation: it only lets the user sign in again (old sessions stay ended).
  const reactivate = async (u: User) => {
    try {
      await unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: u.id } }, body: { active: true } }));
      refresh(t('users.reactivated', { name: u.displayName }));
    } catch (e) {
      setNotice(null);
      setFailure(e);
    }
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} ref={heading} tabIndex={-1}>
          {t('users.title')}
        </Title>
        <Button
          onClick={(e) => {
            opener.current = e.currentTarget;
            setCreating(true);
          }}
        >
          {t('users.create')}
        </Button>
      </Group>
      {alliance && (
        <Select
          label={t('users.institution')}
          data={(institutions.data ?? []).map((i) => ({ value: i.id, label: i.name }))}
          value={institutionId}
          onChange={(v) => v && setInstitutionId(v)}
          allowDeselect={false}
          searchable
          maw={360}
        />
      )}
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {failure !== null && <ErrorState error={failure} />}
      {/* An account that is gone, or not this admin's: said once, above the list. */}
      {linked && linkedUser.isError && <ErrorState error={linkedUser.error} />}
      <Group align="flex-end" wrap="wrap">
        <TextInput
          type="search"
          label={t('users.search')}
          description={t('users.searchHelp')}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={320}
        />
        <Checkbox
          label={t('users.waitingOnly')}
          checked={waitingOnly}
          onChange={(e) => setWaitingOnly(e.currentTarget.checked)}
          mb={6}
        />
      </Group>
      {users.isError ? (
        <ErrorState error={users.error} onRetry={() => void users.refetch()} />
      ) : users.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Text>{t('users.noneIn', { name: institutionName(institutions.data, institutionId) })}</Text>
      ) : (
        <TableScroll>
          <Table striped className="stack-on-phone">
            <Table.Caption>
              {t('users.caption', { name: institutionName(institutions.data, institutionId) })}
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('users.name')}</Table.Th>
                <Table.Th>{t('users.email')}</Table.Th>
                <Table.Th>{t('users.roles')}</Table.Th>
                <Table.Th>{t('users.status')}</Table.Th>
                <Table.Th>{t('users.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((u) => (
                <Table.Tr key={u.id}>
                  <Table.Th scope="row">{u.displayName}</Table.Th>
                  <Table.Td data-label={t('users.email')}>{u.email}</Table.Td>
                  <Table.Td data-label={t('users.roles')}>
                    {u.roles.map((r) => t(`role.${r}`)).join(', ') || '—'}
                  </Table.Td>
                  {/* Never cut to "DEACTIVA…": the column keeps the badge's full width. */}
                  <Table.Td data-label={t('users.status')} style={{ whiteSpace: 'nowrap' }}>
                    <Badge
                      variant="outline"
                      color={u.active ? 'dark' : 'gray.8'}
                      maw="none"
                      style={{ overflow: 'visible' }}
                      styles={{ label: { overflow: 'visible' } }}
                    >
                      {u.active ? t('users.active') : t('users.inactive')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs">
                      <Button
                        size="xs"
                        variant="outline"
                        onClick={(e) => {
                          opener.current = e.currentTarget;
                          setEditing(u);
                        }}
                        aria-label={t('users.changeRolesOf', { name: u.displayName })}
                      >
                        {t('users.changeRoles')}
                      </Button>
                      {u.id !== me.id && (
                        <Button
                          size="xs"
                          variant="outline"
                          onClick={(e) => {
                            opener.current = e.currentTarget;
                            setSettingPassword(u);
                          }}
                          aria-label={t('users.setPasswordFor', { name: u.displayName })}
                        >
                          {t('users.setPassword')}
                        </Button>
                      )}
                      {!u.active && (
                        <Button
                          size="xs"
                          variant="outline"
                          onClick={() => void reactivate(u)}
                          aria-label={t('users.reactivateName', { name: u.displayName })}
                        >
                          {t('users.reactivate')}
                        </Button>
                      )}
                      {u.active && u.id !== me.id && (
                        <Button
                          size="xs"
                          variant="outline"
                          color="red.9"
                          onClick={(e) => {
                            opener.current = e.currentTarget;
                            setDeactivating(u);
                          }}
                          aria-label={t('users.deactivateName', { name: u.displayName })}
                        >
                          {t('users.deactivate')}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </TableScroll>
      )}
      {users.hasNextPage && (
        <Button
          variant="outline"
          onClick={() => void users.fetchNextPage()}
          loading={users.isFetchingNextPage}
          style={{ alignSelf: 'flex-start' }}
        >
          {t('users.more')}
        </Button>
      )}
      {creating && (
        <CreateUserDialog
          institutionId={institutionId}
          onClose={() => setCreating(false)}
          onDone={(u) => {
            setCreating(false);
            refresh(t('users.created', { name: u.displayName }));
          }}
        />
      )}
      {editing && (
        <RolesDialog
          user={editing}
          onClose={() => setEditing(null)}
          onDone={(u) => {
            setEditing(null);
            refresh(t('users.rolesChanged', { name: u.displayName }));
          }}
        />
      )}
      {settingPassword && (
        <SetPasswordDialog
          user={settingPassword}
          onClose={() => setSettingPassword(null)}
          onDone={(u) => {
            setSettingPassword(null);
            refresh(t('users.passwordSet', { name: u.displayName }));
          }}
        />
      )}
      {deactivating && (
        <ConfirmDeactivate
          user={deactivating}
          onClose={() => setDeactivating(null)}
          onDone={(u) => {
            setDeactivating(null);
            refresh(t('users.deactivated', { name: u.displayName }));
          }}
        />
      )}
    </Stack>
  );
}

/** The roles to offer for a user of this institution (the server says which its kind can hold). */
function useRolesFor(institutionId: string): Role[] {
  const institutions = useInstitutions();
  const held = institutions.data?.find((i) => i.id === institutionId)?.roles;
  return held ?? ROLES;
}

function RoleChoices({
  value,
  onChange,
  error,
  offered,
  required,
}: {
  value: Role[];
  onChange: (v: Role[]) => void;
  error?: string;
  offered: Role[];
  required?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Checkbox.Group
      label={t('users.roles')}
      withAsterisk={required}
      value={value}
      onChange={(v) => onChange(v as Role[])}
      error={error}
    >
      <Stack gap="xs" mt="xs">
        {offered.map((r) => (
          <Checkbox key={r} value={r} label={t(`role.${r}`)} />
        ))}
      </Stack>
    </Checkbox.Group>
  );
}

interface UserDialogProps {
  user: User;
  onClose: () => void;
  onDone: (u: User) => void;
}

function SetPasswordDialog({ user, onClose, onDone }: UserDialogProps) {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const action = useSend(
    () =>
      unwrap(
        api.POST('/api/users/{id}/password', {
          params: { path: { id: user.id } },
          body: { newPassword: password },
        }),
      ),
    () => onDone(user),
  );
  return (
    <FormDialog
      dirty={password !== ''}
      title={t('users.setPasswordOf', { name: user.displayName })}
      submitLabel={t('users.setPassword')}
      action={action}
      onClose={onClose}
    >
      <Text size="sm">{t('users.setPasswordExplain')}</Text>
      <NewPasswordInput
        value={password}
        onChange={setPassword}
        error={fieldMessage(action.error, 'newPassword')}
      />
    </FormDialog>
  );
}

function CreateUserDialog({
  institutionId,
  onClose,
  onDone,
}: {
  institutionId: string;
  onClose: () => void;
  onDone: (u: User) => void;
}) {
  const { t } = useTranslation();
  const offeredRoles = useRolesFor(institutionId);
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<Role[]>([]);
  const institutions = useInstitutions();
  const action = useSend(
    () =>
      unwrap(api.POST('/api/users', { body: { displayName, email, password, roles, institutionId } })).catch(
        conflictAt('email-taken', 'email', () => t('users.emailTaken')),
      ),
    onDone,
  );
  const error = action.error;
  return (
    <FormDialog
      // Named: an account cannot be moved to another institution once created.
      title={t('users.createAt', { name: institutionName(institutions.data, institutionId) })}
      submitLabel={t('users.createSubmit')}
      dirty={[displayName, email, password].some((v) => v !== '') || roles.length > 0}
      action={action}
      onClose={onClose}
    >
      <TextInput
        data-autofocus
        label={t('users.name')}
        required
        value={displayName}
        onChange={(e) => setDisplayName(e.currentTarget.value)}
        error={fieldMessage(error, 'displayName')}
      />
      <TextInput
        label={t('users.email')}
        type="email"
        required
        value={email}
        onChange={(e) => setEmail(e.currentTarget.value)}
        error={fieldMessage(error, 'email')}
      />
      <NewPasswordInput
        label={t('users.password')}
        value={password}
        onChange={setPassword}
        error={fieldMessage(error, 'password')}
      />
      <RoleChoices
        value={roles}
        onChange={setRoles}
        error={fieldMessage(error, 'roles')}
        offered={offeredRoles}
        required
      />
    </FormDialog>
  );
}

function RolesDialog({ user, onClose, onDone }: UserDialogProps) {
  const { t } = useTranslation();
  const offeredRoles = useRolesFor(user.institutionId);
  const [roles, setRoles] = useState<Role[]>(user.roles);
  const action = useSend(
    () => unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: user.id } }, body: { roles } })),
    onDone,
  );
  return (
    <FormDialog
      dirty={[...roles].sort().join() !== [...user.roles].sort().join()}
      title={t('users.changeRolesOf', { name: user.displayName })}
      submitLabel={t('users.saveRoles')}
      action={action}
      onClose={onClose}
    >
      <RoleChoices
        value={roles}
        onChange={setRoles}
        error={fieldMessage(action.error, 'roles')}
        offered={[...new Set([...offeredRoles, ...user.roles])]}
      />
    </FormDialog>
  );
}

function ConfirmDeactivate({ user, onClose, onDone }: UserDialogProps) {
  const { t } = useTranslation();
  const action = useSend(
    () =>
      unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: user.id } }, body: { active: false } })),
    onDone,
  );
  return (
    <FormDialog
      title={t('users.deactivateName', { name: user.displayName })}
      submitLabel={t('users.deactivate')}
      danger
      action={action}
      onClose={onClose}
    >
      <Text>{t('users.deactivateExplain')}</Text>
    </FormDialog>
  );
}
