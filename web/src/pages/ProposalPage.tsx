import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  List,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api, ApiError, stageEnteredAt, unwrap, type EventType, type Me, type Proposal } from '../api/client';
import { ChangesRequested, latestRequest } from '../components/ChangesRequested';
import { partyName } from '../components/party';
import { CredentialExports, EXPORTABLE_STATES } from '../components/CredentialExports';
import { EventDialog } from '../components/EventDialog';
import { institutionName, useInstitutions } from '../components/institutions';
import { ErrorState, Loading, Notice } from '../components/states';
import { formatDateTime, formatWaited, languageName } from '../format';
import { iscedLabel } from '../isced';
import { TableScroll } from '../components/TableScroll';
import { useReturnFocus } from '../components/return-focus';
import { useDocumentTitle } from '../components/document-title';

const STAGES = [
  'draft',
  'partnerReview',
  'qualityReview',
  'agencyAlignment',
  'approved',
  'published',
] as const;
// Order of the action buttons: the positive decision first.
const EVENT_ORDER: EventType[] = [
  'SUBMIT',
  'PARTNER_APPROVE',
  'QUALITY_APPROVE',
  'AGENCY_CONFIRM',
  'PUBLISH',
  'PARTNER_REQUEST_CHANGES',
  'QUALITY_REQUEST_CHANGES',
  'AGENCY_FLAG',
  'QUALITY_REJECT',
  'RETIRE',
  'WITHDRAW',
];

export default function ProposalPage({ me }: { me: Me }) {
  const { id } = useParams() as { id: string };
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const institutions = useInstitutions();
  const [dialog, setDialog] = useState<EventType | null>(null);
  // The decision just recorded, said on the page once its dialog has closed.
  // A submission from the draft form arrives here with what it recorded, to be said the same way.
  const location = useLocation();
  const navigate = useNavigate();
  const arrived = (location.state as { recorded?: { event: EventType; state: string } } | null)?.recorded;
  const [recorded, setRecorded] = useState<{ event: EventType; state: string } | null>(arrived ?? null);
  // Said once: a reload, or Back to this entry later, must not say it again.
  useEffect(() => {
    if (arrived) void navigate(location.pathname, { replace: true, state: null });
  }, [arrived, location.pathname, navigate]);
  const { opener, heading } = useReturnFocus(dialog !== null);
  const proposal = useQuery({
    queryKey: ['proposal', id],
    queryFn: () => unwrap(api.GET('/api/proposals/{id}', { params: { path: { id } } })),
  });
  const history = useQuery({
    queryKey: ['history', id, proposal.data?.version],
    queryFn: () => unwrap(api.GET('/api/proposals/{id}/history', { params: { path: { id } } })),
    enabled: !!proposal.data,
  });
  const titled = proposal.data?.content as { title?: unknown } | undefined;
  useDocumentTitle(
    proposal.data
      ? `${proposal.data.reference}: ${typeof titled?.title === 'string' && titled.title ? titled.title : t('proposal.untitled')}`
      : undefined,
  );
  if (proposal.isPending) return <Loading />;
  if (proposal.isError) {
    // Unknown, or not visible to this user: retrying cannot help; the way on is the list.
    if (proposal.error instanceof ApiError && proposal.error.status === 404)
      return (
        <Alert color="red.9" variant="outline" title={t('proposal.notFoundTitle')} role="alert">
          <Stack gap="xs" align="flex-start">
            <span>{t('proposal.notFound')}</span>
            <Anchor component={Link} to="/proposals">
              {t('proposal.toList')}
            </Anchor>
          </Stack>
        </Alert>
      );
    return <ErrorState error={proposal.error} onRetry={() => void proposal.refetch()} />;
  }
  const p = proposal.data;
  const since = stageEnteredAt(history.data, p.state);
  const events = EVENT_ORDER.filter((e) => p.availableEvents.includes(e));
  const name = (inst: string | null | undefined) => institutionName(institutions.data, inst);
  const isLeadProposer = me.institutionId === p.leadInstitutionId && me.roles.includes('proposer');
  const editable = isLeadProposer && (p.state === 'draft' || p.state === 'changesRequested');
  // Changes requested sends the proposal back to its lead: on the path, that is the draft step again.
  const pathState = p.state === 'changesRequested' ? 'draft' : p.state;
  const stageIndex = STAGES.indexOf(pathState as (typeof STAGES)[number]);
  // What the reviewers asked for, where the proposer looks first (History has it too).
  const requested = latestRequest(history.data, p.state);
  // The agencies that confirmed the revision now under review, so the next one need not open History.
  const agencyDecisions = (history.data ?? []).filter(
    (h) => h.event === 'AGENCY_CONFIRM' && h.revision === p.revision,
  );
  // Until the draft is edited after a send-back, editing is the next step, not submitting it unchanged.
  // Every edit raises the version (the revision moves on only at the next submission).
  const editFirst = editable && !!requested && p.version <= requested.version;
  const done = (p: Proposal) => {
    queryClient.setQueryData(['proposal', id], p);
    void queryClient.invalidateQueries({ queryKey: ['proposals'] });
    void queryClient.invalidateQueries({ queryKey: ['history', id] });
    if (dialog) setRecorded({ event: dialog, state: p.state });
    setDialog(null);
  };
  const c = p.content;
  return (
    <Stack>
      <div>
        <Text size="sm" c="dimmed">
          {p.reference} · {t('proposal.revisionN', { n: p.revision })}
        </Text>
        <Title order={1} ref={heading} tabIndex={-1}>
          {c.title ?? t('proposal.untitled')}
        </Title>
        <Group gap="xs" mt="xs">
          <Badge variant="filled" color="blue.9" data-testid="proposal-state">
            {t(`state.${p.state}`)}
          </Badge>
          <Text size="sm">
            {t('proposal.leadAndPartners', {
              lead: name(p.leadInstitutionId),
              partners: p.partnerInstitutionIds.map(name).join(', ') || '—',
            })}
          </Text>
        </Group>
      </div>
      <nav aria-label={t('proposal.stages')}>
        <ol
          style={{
            display: 'flex',
            flexWrap: 'wrap',
            gap: '0.5rem',
            listStyle: 'none',
            padding: 0,
            margin: 0,
          }}
        >
          {STAGES.map((s, i) => {
            const current = s === pathState;
            return (
              <li key={s} aria-current={current ? 'step' : undefined}>
                <Badge
                  size="lg"
                  variant={current ? 'filled' : 'outline'}
                  color={current ? 'blue.9' : i < stageIndex ? 'dark' : 'gray.8'}
                  tt="none"
                >
                  {i < stageIndex ? '✓ ' : ''}
                  {i + 1}. {t(`state.${s}`)}
                  {current
                    ? ` (${p.state === 'changesRequested' ? t('state.changesRequested') : t('proposal.current')})`
                    : ''}
                </Badge>
              </li>
            );
          })}
        </ol>
        {stageIndex < 0 && (
          <Text size="sm" mt="xs">
            {t('proposal.offPath', { state: t(`state.${p.state}`) })}
          </Text>
        )}
        {requested && (
          <ChangesRequested
            request={requested}
            institution={name(requested.actorInstitutionId)}
            edited={p.version > requested.version}
            forProposer={isLeadProposer}
          />
        )}
      </nav>
      {recorded && (
        <Notice onClose={() => setRecorded(null)}>
          {t('proposal.recorded', {
            event: t(`events.${recorded.event}`),
            state: t(`state.${recorded.state}`),
          })}
        </Notice>
      )}
      <Group gap="xs">
        {editFirst && (
          <Button component={Link} to={`/proposals/${p.id}/edit`}>
            {t('proposal.edit')}
          </Button>
        )}
        {events.map((e) => (
          <Button
            key={e}
            onClick={(event) => {
              opener.current = event.currentTarget;
              setDialog(e);
            }}
            variant={
              e.includes('APPROVE') ||
              e === 'AGENCY_CONFIRM' ||
              e === 'PUBLISH' ||
              (e === 'SUBMIT' && !editFirst)
                ? 'filled'
                : 'outline'
            }
            color={e === 'QUALITY_REJECT' || e === 'WITHDRAW' || e === 'RETIRE' ? 'red.9' : undefined}
          >
            {t(`events.${e}`)}
          </Button>
        ))}
        {editable && !editFirst && (
          <Button component={Link} to={`/proposals/${p.id}/edit`} variant="outline">
            {t('proposal.edit')}
          </Button>
        )}
        <Button component={Link} to={`/proposals/${p.id}/history`} variant="outline">
          {t('proposal.historyLink')}
        </Button>
        {(p.state === 'published' || p.state === 'retired') && (
          // What the public sees of it.
          <Button component={Link} to={`/catalogue/${p.reference}`} variant="outline">
            {t('proposal.catalogueLink')}
          </Button>
        )}
      </Group>
      <section aria-labelledby="pending-heading">
        <Title order={2} size="h3" id="pending-heading" mb="xs">
          {t('proposal.pending')}
        </Title>
        {p.pending.length === 0 ? (
          <Text>{t('proposal.nobodyPending')}</Text>
        ) : (
          <TableScroll>
            <Table striped className="stack-on-phone">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('proposal.party')}</Table.Th>
                  <Table.Th>{t('proposal.role')}</Table.Th>
                  <Table.Th>{t('proposal.since')}</Table.Th>
                  <Table.Th>{t('inbox.nextReminder')}</Table.Th>
                  <Table.Th>{t('inbox.escalation')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {p.pending.map((party) => (
                  <Table.Tr key={party.key}>
                    <Table.Th scope="row">{partyName(party, t, name)}</Table.Th>
                    <Table.Td data-label={t('proposal.role')}>{t(`role.${party.role}`)}</Table.Td>
                    <Table.Td data-label={t('proposal.since')}>
                      {formatDateTime(since)} ({formatWaited(since)})
                    </Table.Td>
                    <Table.Td data-label={t('inbox.nextReminder')}>
                      {formatDateTime(party.nextReminderAt)}
                    </Table.Td>
                    <Table.Td data-label={t('inbox.escalation')}>
                      {formatDateTime(party.escalationAt)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </TableScroll>
        )}
      </section>
      {agencyDecisions.length > 0 && (
        <section aria-labelledby="agency-decisions-heading">
          <Title order={2} size="h3" id="agency-decisions-heading" mb="xs">
            {t('proposal.agencyDecisions')}
          </Title>
          <TableScroll>
            <Table striped className="stack-on-phone">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('proposal.agency')}</Table.Th>
                  <Table.Th>{t('catalogue.outcome')}</Table.Th>
                  <Table.Th>{t('catalogue.nqfLevel')}</Table.Th>
                  <Table.Th>{t('proposal.conditions')}</Table.Th>
                  <Table.Th>{t('proposal.decidedAt')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {agencyDecisions.map((d) => (
                  <Table.Tr key={`${d.version}`}>
                    <Table.Th scope="row">{name(d.actorInstitutionId)}</Table.Th>
                    <Table.Td data-label={t('catalogue.outcome')}>
                      {d.outcome ? t(`outcome.${d.outcome}`) : '—'}
                    </Table.Td>
                    <Table.Td data-label={t('catalogue.nqfLevel')}>{d.nqfLevel ?? '—'}</Table.Td>
                    <Table.Td data-label={t('proposal.conditions')} style={{ whiteSpace: 'pre-wrap' }}>
                      {d.conditions ?? '—'}
                    </Table.Td>
                    <Table.Td data-label={t('proposal.decidedAt')}>{formatDateTime(d.at)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </TableScroll>
        </section>
      )}
      {EXPORTABLE_STATES.includes(p.state) && <CredentialExports proposal={p} />}
      <section aria-labelledby="content-heading">
        <Title order={2} size="h3" id="content-heading" mb="xs">
          {t('proposal.content')}
        </Title>
        <Text mb="sm">{c.summary ?? '—'}</Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
          <Text>
            <strong>{t('field.ects')}:</strong> {c.ects ?? '—'}
          </Text>
          <Text>
            <strong>{t('field.workloadHours')}:</strong> {c.workloadHours ?? '—'}
          </Text>
          <Text>
            <strong>{t('field.eqfLevel')}:</strong> {c.eqfLevel ?? '—'}
          </Text>
          <Text>
            <strong>{t('field.participationForm')}:</strong>{' '}
            {c.participationForm ? t(`participation.${c.participationForm}`) : '—'}
          </Text>
          <Text>
            <strong>{t('field.languages')}:</strong> {c.languages?.map(languageName).join(', ') ?? '—'}
          </Text>
          <Text>
            <strong>{t('field.assessment')}:</strong>{' '}
            {c.assessment?.type ? t(`assessment.${c.assessment.type}`) : '—'}
            {c.assessment?.description ? ` — ${c.assessment.description}` : ''}
          </Text>
          <Text>
            <strong>{t('field.targetGroups')}:</strong>{' '}
            {c.targetGroups?.map((g) => t(`targetGroup.${g}`)).join(', ') ?? '—'}
          </Text>
          <Text>
            <strong>{t('field.strategicAreas')}:</strong>{' '}
            {c.strategicAreas?.map((g) => t(`strategicArea.${g}`)).join(', ') ?? '—'}
          </Text>
          <Text>
            <strong>{t('field.qualityAssurance')}:</strong> {c.qualityAssurance ?? '—'}
          </Text>
          <Text>
            <strong>{t('field.thematicArea')}:</strong> {iscedLabel(c.thematicArea)}
          </Text>
          <Text>
            <strong>{t('field.prerequisites')}:</strong> {c.prerequisites ?? '—'}
          </Text>
          <Text>
            <strong>{t('field.revenueShares')}:</strong>{' '}
            {c.revenueShares?.map((s) => `${name(s.institutionId)} ${s.percent} %`).join(', ') ?? '—'}
          </Text>
          <Text>
            <strong>{t('subfield.stacksInto')}:</strong>{' '}
            {(c.stackability?.stacksInto ?? []).join(', ') || '—'}
          </Text>
          <Text>
            <strong>{t('subfield.composedOf')}:</strong>{' '}
            {(c.stackability?.composedOf ?? []).join(', ') || '—'}
          </Text>
        </SimpleGrid>
        <Title order={3} size="h4" mt="sm">
          {t('field.learningOutcomes')}
        </Title>
        <List>
          {(c.learningOutcomes ?? []).map((o, i) => (
            <List.Item key={i}>
              {o.description}
              {o.escoSkillUri && (
                <>
                  {' '}
                  (
                  <Anchor href={o.escoSkillUri} target="_blank" rel="noreferrer">
                    {t('proposal.escoSkill')}
                  </Anchor>
                  )
                </>
              )}
            </List.Item>
          ))}
        </List>
      </section>
      {dialog && (
        <EventDialog
          proposal={p}
          type={dialog}
          onClose={() => setDialog(null)}
          onDone={done}
          onReload={() => proposal.refetch()}
        />
      )}
    </Stack>
  );
}
