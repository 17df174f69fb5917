import { Badge, Button, Checkbox, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, fieldMessage, unwrap, type Institution, type Me } from '../api/client';
import { useDocumentTitle } from '../components/document-title';
import { conflictAt, FormDialog, useSend } from '../components/FormDialog';
import { useInstitutions } from '../components/institutions';
import { useOidcConfig } from '../components/oidc-config';
import { useReturnFocus } from '../components/return-focus';
import { ErrorState, Loading, Notice } from '../components/states';
import { TableScroll } from '../components/TableScroll';

const KINDS = ['university', 'agency'] as const;

/**
 * The reader's own institution first (an institution's admin looks for that row), then the alliance
 * office, the universities and the agencies, each by name (the API orders by id).
 */
const KIND_ORDER: Record<Institution['kind'], number> = { alliance: 0, university: 1, agency: 2 };
export function inPageOrder(list: Institution[], own?: string): Institution[] {
  const rank = (i: Institution) => (i.id === own ? -1 : KIND_ORDER[i.kind]);
  return [...list].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
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
  // Read afresh on arrival: a dialog starts from what the institution holds now, not a cached copy.
  const institutions = useInstitutions({ fresh: true });
  const alliance = me.institution.kind === 'alliance';
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Institution | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { opener, heading } = useReturnFocus(adding || !!editing);
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
              {inPageOrder(institutions.data, me.institutionId).map((i) => (
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
            // Nothing changed, nothing sent: no claim that something was saved.
            if (i) done(t('institutions.saved', { name: i.name }));
            else setNotice(null);
          }}
        />
      )}
    </Stack>
  );
}

/** A field left empty, said at the field before anything is sent (cleared when typed into). */
function useMissing<K extends string>() {
  const [missing, setMissing] = useState<Set<K>>(new Set());
  /** The fields left empty, in the order given; none: the form may be sent. */
  const check = (values: Array<[K, string]>): K[] => {
    const empty = values.filter(([, v]) => v.trim() === '').map(([k]) => k);
    setMissing(new Set(empty));
    return empty;
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

type NewField = 'name' | 'id' | 'country';

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
  const inputs = {
    name: useRef<HTMLInputElement>(null),
    id: useRef<HTMLInputElement>(null),
    country: useRef<HTMLInputElement>(null),
  };
  const { missing, check, clear } = useMissing<NewField>();
  const request = useSend(
    () =>
      unwrap(
        api.POST('/api/institutions', {
          body: { id: id.trim(), name: name.trim(), kind, country: country.trim().toUpperCase() },
        }),
      ).catch(conflictAt('institution-exists', 'id', () => t('institutions.idTaken'))),
    onDone,
  );
  const action = {
    ...request,
    send: async () => {
      const empty = check([
        ['name', name],
        ['id', id],
        ['country', country],
      ]);
      if (empty.length === 0) return request.send();
      // Said at the fields, and the first of them takes focus so that it is heard.
      request.reset();
      inputs[empty[0]].current?.focus();
    },
  };
  const error = (field: NewField) =>
    missing.has(field) ? t('errors.required') : fieldMessage(request.error, field);

  return (
    <FormDialog
      title={t('institutions.add')}
      submitLabel={t('institutions.addSubmit')}
      dirty={[id, name, country].some((v) => v.trim() !== '') || kind !== 'university'}
      action={action}
      onClose={onClose}
    >
      <TextInput
        ref={inputs.name}
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
        ref={inputs.id}
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
        ref={inputs.country}
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

/** What the Domains field says about a failed save: the first refused domain, named as it was sent. */
function domainProblem(error: unknown, sent: string[]): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  for (const e of error.errors) {
    const at = /^domains\[(\d+)\]$/.exec(e.field);
    if (at) return `${sent[Number(at[1])] ?? ''}: ${e.message}`;
  }
  return fieldMessage(error, 'domains');
}

/** Domains as an admin types them: separated by commas, spaces or new lines. */
function splitDomains(text: string): string[] {
  return text.split(/[\s,;]+/).filter((d) => d !== '');
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function SignInSettingsDialog({
  institution,
  alliance,
  onClose,
  onDone,
}: {
  institution: Institution;
  alliance: boolean;
  onClose: () => void;
  /** The institution as saved, or null when nothing was changed (and nothing sent). */
  onDone: (i: Institution | null) => void;
}) {
  const { t } = useTranslation();
  const before = {
    domains: institution.domains ?? [],
    passwordOff: institution.passwordLoginDisabled ?? false,
  };
  const [domains, setDomains] = useState(before.domains.join(', '));
  const [passwordOff, setPasswordOff] = useState(before.passwordOff);
  const oidc = useOidcConfig();
  // Turning passwords off needs university sign-in (else nobody could sign in), so the box waits for
  // the answer; turning them back on must always stay possible.
  const universitySignIn = oidc.data?.enabled === true;
  // The list as it was sent: a refused domain is named by its place in that list.
  const sent = useRef<string[]>([]);
  const action = useSend(() => {
    const typed = splitDomains(domains);
    sent.current = typed;
    // Only what changed: the other setting may have been changed meanwhile by someone else.
    const body = {
      ...(alliance && !sameList(typed, before.domains) ? { domains: typed } : {}),
      ...(passwordOff !== before.passwordOff ? { passwordLoginDisabled: passwordOff } : {}),
    };
    if (Object.keys(body).length === 0) return Promise.resolve(null);
    return unwrap(
      api.PATCH('/api/institutions/{id}', { params: { path: { id: institution.id } }, body }),
    ).catch(conflictAt('domain-taken', 'domains', (e) => e.detail ?? e.title));
  }, onDone);
  return (
    <FormDialog
      title={t('institutions.settingsOf', { name: institution.name })}
      submitLabel={t('common.save')}
      dirty={!sameList(splitDomains(domains), before.domains) || passwordOff !== before.passwordOff}
      action={action}
      onClose={onClose}
    >
      {alliance ? (
        <TextInput
          label={t('institutions.domains')}
          description={t('institutions.domainsHelp')}
          value={domains}
          onChange={(e) => setDomains(e.currentTarget.value)}
          error={domainProblem(action.error, sent.current)}
          autoCapitalize="none"
          spellCheck={false}
          data-autofocus
        />
      ) : (
        <Text size="sm">
          {t('institutions.domains')}: {before.domains.join(', ') || '—'}
        </Text>
      )}
      <Checkbox
        label={t('institutions.passwordOff')}
        description={
          oidc.data && !universitySignIn
            ? t(alliance ? 'institutions.needsUniversitySignIn' : 'institutions.askAllianceOffice')
            : t('institutions.passwordOffHelp')
        }
        checked={passwordOff}
        disabled={!universitySignIn && !passwordOff}
        onChange={(e) => setPasswordOff(e.currentTarget.checked)}
      />
    </FormDialog>
  );
}
