import { Badge, Button, Checkbox, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, fieldMessage, unwrap, type Institution, type Me } from '../api/client';
import { useDocumentTitle } from '../components/document-title';
import { FormDialog, useSend } from '../components/FormDialog';
import { useInstitutions } from '../components/institutions';
import { ErrorState, Loading, Notice } from '../components/states';
import { TableScroll } from '../components/TableScroll';

const KINDS = ['university', 'agency'] as const;

/** The alliance office, then the universities, then the agencies, each by name (the API orders by id). */
const KIND_ORDER: Record<Institution['kind'], number> = { alliance: 0, university: 1, agency: 2 };
export function inPageOrder(list: Institution[]): Institution[] {
  return [...list].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.name.localeCompare(b.name));
}

/**
 * The alliance's institutions and their sign-in settings. The alliance admin adds universities and
 * agencies and names each one's home-organisation domains; an institution's own admin decides whether
 * its people may still sign in with a password.
 */
export default function InstitutionsPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  useDocumentTitle(t('institutions.title'));
  const queryClient = useQueryClient();
  const institutions = useInstitutions();
  const alliance = me.institution.kind === 'alliance';
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Institution | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // As on the users page: the dialogs unmount on close, so focus goes back to the button that opened one.
  const opener = useRef<HTMLElement | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const dialogOpen = adding || !!editing;
  useEffect(() => {
    if (dialogOpen || !opener.current) return;
    const target = opener.current;
    opener.current = null;
    if (target.isConnected) target.focus();
    else heading.current?.focus();
  }, [dialogOpen]);
  const done = (message: string) => {
    setNotice(message);
    void queryClient.invalidateQueries({ queryKey: ['institutions'] });
  };
  // The alliance admin sets anything; an institution's admin only its own password sign-in.
  const mayEdit = (i: Institution) => alliance || i.id === me.institutionId;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} ref={heading} tabIndex={-1}>
          {t('institutions.title')}
        </Title>
        {alliance && (
          <Button
            onClick={(e) => {
              opener.current = e.currentTarget;
              setAdding(true);
            }}
          >
            {t('institutions.add')}
          </Button>
        )}
      </Group>
      <Text size="sm">{alliance ? t('institutions.introAlliance') : t('institutions.intro')}</Text>
      {notice && <Notice onClose={() => setNotice(null)}>{notice}</Notice>}
      {institutions.isError ? (
        <ErrorState error={institutions.error} onRetry={() => void institutions.refetch()} />
      ) : institutions.isPending ? (
        <Loading />
      ) : (
        <TableScroll>
          <Table striped className="stack-on-phone">
            <Table.Caption>{t('institutions.caption')}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('institutions.name')}</Table.Th>
                <Table.Th>{t('institutions.kind')}</Table.Th>
                <Table.Th>{t('institutions.country')}</Table.Th>
                <Table.Th>{t('institutions.domains')}</Table.Th>
                <Table.Th>{t('institutions.passwordSignIn')}</Table.Th>
                <Table.Th>{t('institutions.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {inPageOrder(institutions.data).map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Th scope="row">
                    {i.name}
                    <Text size="xs" c="dimmed" ff="monospace">
                      {i.id}
                    </Text>
                  </Table.Th>
                  <Table.Td data-label={t('institutions.kind')}>{t(`institutions.kinds.${i.kind}`)}</Table.Td>
                  <Table.Td data-label={t('institutions.country')}>{i.country ?? '—'}</Table.Td>
                  <Table.Td data-label={t('institutions.domains')}>{i.domains?.join(', ') || '—'}</Table.Td>
                  <Table.Td data-label={t('institutions.passwordSignIn')} style={{ whiteSpace: 'nowrap' }}>
                    <Badge variant="outline" color={i.passwordLoginDisabled ? 'dark' : 'gray.8'}>
                      {i.passwordLoginDisabled ? t('institutions.universityOnly') : t('institutions.allowed')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {mayEdit(i) && (
                      <Button
                        size="xs"
                        variant="outline"
                        onClick={(e) => {
                          opener.current = e.currentTarget;
                          setEditing(i);
                        }}
                        aria-label={t('institutions.settingsOf', { name: i.name })}
                      >
                        {t('institutions.settings')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </TableScroll>
      )}
      {adding && (
        <AddInstitutionDialog
          onClose={() => setAdding(false)}
          onDone={(i) => {
            setAdding(false);
            done(t('institutions.added', { name: i.name }));
          }}
        />
      )}
      {editing && (
        <SignInSettingsDialog
          institution={editing}
          alliance={alliance}
          onClose={() => setEditing(null)}
          onDone={(i) => {
            setEditing(null);
            done(t('institutions.saved', { name: i.name }));
          }}
        />
      )}
    </Stack>
  );
}

/** A field left empty, said at the field before anything is sent (cleared when typed into). */
function useMissing<K extends string>() {
  const [missing, setMissing] = useState<Set<K>>(new Set());
  const check = (values: Record<K, string>): boolean => {
    const empty = new Set((Object.keys(values) as K[]).filter((k) => values[k].trim() === ''));
    setMissing(empty);
    return empty.size === 0;
  };
  const clear = (k: K) =>
    setMissing((m) => {
      if (!m.has(k)) return m;
      const next = new Set(m);
      next.delete(k);
      return next;
    });
  return { missing, check, clear };
}

function AddInstitutionDialog({
  onClose,
  onDone,
}: {
  onClose: () => void;
  onDone: (i: Institution) => void;
}) {
  const { t } = useTranslation();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [kind, setKind] = useState<(typeof KINDS)[number]>('university');
  const [country, setCountry] = useState('');
  const { missing, check, clear } = useMissing<'id' | 'name' | 'country'>();
  const request = useSend(
    () =>
      unwrap(
        api.POST('/api/institutions', {
          body: { id: id.trim(), name: name.trim(), kind, country: country.trim().toUpperCase() },
        }),
      ),
    onDone,
  );
  const action = {
    ...request,
    send: async () => {
      if (check({ id, name, country })) await request.send();
    },
  };
  const error = (field: 'id' | 'name' | 'country') =>
    missing.has(field) ? t('errors.required') : fieldMessage(request.error, field);
  return (
    <FormDialog
      title={t('institutions.add')}
      submitLabel={t('institutions.addSubmit')}
      action={action}
      onClose={onClose}
    >
      <TextInput
        label={t('institutions.name')}
        required
        value={name}
        onChange={(e) => {
          setName(e.currentTarget.value);
          clear('name');
        }}
        error={error('name')}
        data-autofocus
      />
      <TextInput
        label={t('institutions.id')}
        description={t('institutions.idHelp')}
        required
        value={id}
        onChange={(e) => {
          setId(e.currentTarget.value);
          clear('id');
        }}
        error={error('id')}
        autoCapitalize="none"
        spellCheck={false}
      />
      <Select
        label={t('institutions.kind')}
        required
        data={KINDS.map((k) => ({ value: k, label: t(`institutions.kinds.${k}`) }))}
        value={kind}
        onChange={(v) => v && setKind(v as (typeof KINDS)[number])}
        allowDeselect={false}
        error={fieldMessage(request.error, 'kind')}
      />
      <TextInput
        label={t('institutions.country')}
        description={t('institutions.countryHelp')}
        required
        value={country}
        maxLength={2}
        onChange={(e) => {
          setCountry(e.currentTarget.value);
          clear('country');
        }}
        error={error('country')}
        autoCapitalize="characters"
        w={200}
      />
    </FormDialog>
  );
}

/** The first problem with a listed domain, naming the domain as it was typed. */
function domainProblem(error: unknown, typed: string[]): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  for (const e of error.errors) {
    const at = /^domains\[(\d+)\]$/.exec(e.field);
    if (at) return `${typed[Number(at[1])] ?? ''}: ${e.message}`;
  }
  return fieldMessage(error, 'domains');
}

/** Domains as an admin types them: separated by commas, spaces or new lines. */
function splitDomains(text: string): string[] {
  return text.split(/[\s,;]+/).filter((d) => d !== '');
}

function SignInSettingsDialog({
  institution,
  alliance,
  onClose,
  onDone,
}: {
  institution: Institution;
  alliance: boolean;
  onClose: () => void;
  onDone: (i: Institution) => void;
}) {
  const { t } = useTranslation();
  const [domains, setDomains] = useState((institution.domains ?? []).join(', '));
  const [passwordOff, setPasswordOff] = useState(institution.passwordLoginDisabled ?? false);
  const oidc = useQuery({
    queryKey: ['oidc-config'],
    queryFn: () => unwrap(api.GET('/api/auth/oidc/config')),
    staleTime: 10 * 60_000,
  });
  // Turning passwords off needs university sign-in (else nobody could sign in); turning them back on
  // must always stay possible.
  const universitySignIn = oidc.data?.enabled ?? true;
  const typed = splitDomains(domains);
  const action = useSend(
    () =>
      unwrap(
        api.PATCH('/api/institutions/{id}', {
          params: { path: { id: institution.id } },
          body: {
            ...(alliance ? { domains: typed } : {}),
            passwordLoginDisabled: passwordOff,
          },
        }),
      ),
    onDone,
  );
  return (
    <FormDialog
      title={t('institutions.settingsOf', { name: institution.name })}
      submitLabel={t('common.save')}
      action={action}
      onClose={onClose}
    >
      {alliance ? (
        <TextInput
          label={t('institutions.domains')}
          description={t('institutions.domainsHelp')}
          value={domains}
          onChange={(e) => setDomains(e.currentTarget.value)}
          error={domainProblem(action.error, typed)}
          autoCapitalize="none"
          spellCheck={false}
          data-autofocus
        />
      ) : (
        <Text size="sm">
          {t('institutions.domains')}: {institution.domains?.join(', ') || '—'}
        </Text>
      )}
      <Checkbox
        label={t('institutions.passwordOff')}
        description={
          universitySignIn ? t('institutions.passwordOffHelp') : t('institutions.needsUniversitySignIn')
        }
        checked={passwordOff}
        disabled={!universitySignIn && !passwordOff}
        onChange={(e) => setPasswordOff(e.currentTarget.checked)}
      />
    </FormDialog>
  );
}
