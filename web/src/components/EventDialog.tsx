import {
  Alert,
  Anchor,
  Button,
  Group,
  List,
  Modal,
  Radio,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, ApiError, unwrap, type EventBody, type EventType, type Proposal } from '../api/client';
import { fieldLabel } from '../format';
import { errorMessage } from './states';
import { TableScroll } from './TableScroll';

const RESULTS = ['met', 'met-with-conditions', 'not-met', 'not-applicable'] as const;
type Result = (typeof RESULTS)[number];

/**
 * One workflow event: a dialog with exactly the fields the event takes. The typed values live here and
 * survive a 409 (someone else changed the proposal): the user reloads and sends again.
 */
/** Fields the dialog marks at their own input; the alert only points at them. */
const INLINE = ['comment', 'conditions', 'outcome', 'nqfLevel', 'reference'];
/** A problem with the proposal's content (at SUBMIT): fixed in the edit form, not here. */
const isContent = (field: string) => field.startsWith('content') || field.startsWith('partnerInstitutionIds');
/** Where a criterion's mistakes are kept, next to the other fields'. */
const criterionKey = (id: string) => `criterion:${id}`;

export function EventDialog({
  proposal,
  type,
  onClose,
  onDone,
  onReload,
}: {
  proposal: Proposal;
  type: EventType;
  onClose: () => void;
  onDone: (p: Proposal) => void;
  onReload: () => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const [comment, setComment] = useState('');
  const [criteria, setCriteria] = useState<Record<string, { result: Result | ''; note: string }>>({});
  const [outcome, setOutcome] = useState<'aligned' | 'aligned-with-conditions'>('aligned');
  const [conditions, setConditions] = useState('');
  const [nqfLevel, setNqfLevel] = useState('');
  const [reference, setReference] = useState('');
  const [error, setError] = useState<unknown>(null);
  // Mistakes found before sending, by field (a criterion by criterionKey), in words.
  const [local, setLocal] = useState<Record<string, string>>({});
  // The criteria as last sent: the server names them by their index in that list.
  const sentCriteria = useRef<string[]>([]);
  const problemsBox = useRef<HTMLDivElement>(null);
  const [busy, setBusy] = useState(false);
  const checklist = useQuery({
    queryKey: ['quality-criteria'],
    queryFn: () => unwrap(api.GET('/api/quality-criteria')),
    enabled: type === 'QUALITY_APPROVE',
  });
  // Which events need a comment is the workflow definition's to say (the server checks it too).
  const workflow = useQuery({
    queryKey: ['workflow'],
    queryFn: () =>
      unwrap(api.GET('/api/workflows/{id}', { params: { path: { id: 'micro-credential-review' } } })),
    staleTime: 10 * 60_000,
  });
  const needsComment = (workflow.data?.commentRequired ?? []).includes(type);
  // An event into a state with no way out (withdrawn, rejected, retired) is said to be final.
  const target = workflow.data?.transitions.find((tr) => tr.from === proposal.state && tr.event === type)?.to;
  const final = !!target && (workflow.data?.finalStates ?? []).includes(target);
  const problems = error instanceof ApiError ? error.errors : [];
  const serverMessage = (field: string) =>
    problems.find((p) => p.field === field || p.field.startsWith(`${field}[`))?.message;
  const err = (field: string) => {
    if (local[field]) return local[field];
    const message = serverMessage(field);
    // "Is required for PARTNER_REQUEST_CHANGES" names the event by its code; other messages (a length
    // limit, say) are the server's own.
    if (message && field === 'comment' && !comment.trim()) return t('event.commentNeeded');
    if (message && field === 'conditions' && !conditions.trim()) return t('event.conditionsNeeded');
    return message;
  };
  // A criterion's problem at its result or note: found here, or by the server (criteria[i] is the i-th
  // criterion sent). A problem with the list as a whole (criteria, criteriaCatalogue) is said above.
  const criterionProblem = (id: string, part: 'result' | 'note') =>
    problems.find((p) => {
      const m = /^criteria\[(\d+)\](?:\.(\w+))?/.exec(p.field);
      return !!m && sentCriteria.current[Number(m[1])] === id && (m[2] === 'note') === (part === 'note');
    });
  const criterionError = (id: string) =>
    local[criterionKey(id)] ?? (criterionProblem(id, 'result') ? t('event.criterionRefused') : undefined);
  const isCriterionItem = (field: string) => /^criteria\[\d+\]/.test(field);
  const contentProblems = problems.filter((p) => isContent(p.field));
  const otherProblems = problems.filter(
    (p) => !isContent(p.field) && !INLINE.includes(p.field) && !isCriterionItem(p.field),
  );
  const localCount = Object.keys(local).length;
  const clearLocal = (key: string) =>
    setLocal((m) => (key in m ? Object.fromEntries(Object.entries(m).filter(([k]) => k !== key)) : m));
  useEffect(() => {
    if (error) problemsBox.current?.scrollIntoView?.({ block: 'nearest' });
  }, [error]);
  const conflict = error instanceof ApiError && error.stale;
  // After a reload the proposal may have moved on (withdrawn, decided by someone else): this action is
  // then gone, and the dialog says so instead of offering a button that can only fail.
  const gone = !proposal.availableEvents.includes(type);

  /** What the server would refuse, said at the field before anything is sent; the first is focused. */
  const check = (): boolean => {
    const found: Record<string, string> = {};
    if (needsComment && !comment.trim()) found.comment = t('event.commentNeeded');
    if (type === 'AGENCY_CONFIRM' && outcome === 'aligned-with-conditions' && !conditions.trim())
      found.conditions = t('event.conditionsNeeded');
    if (type === 'QUALITY_APPROVE')
      for (const c of checklist.data ?? []) {
        const result = criteria[c.id]?.result;
        if (!result) found[criterionKey(c.id)] = t('event.resultNeeded');
        else if (result === 'not-met') found[criterionKey(c.id)] = t('event.notMetOnApprove');
      }
    setLocal(found);
    const first = Object.keys(found)[0];
    if (first) {
      setError(null);
      // After the render that marks the fields.
      setTimeout(() =>
        document
          .querySelector<HTMLElement>(`[data-field="${first}"] input, [data-field="${first}"] textarea`)
          ?.focus(),
      );
    }
    return !first;
  };

  const send = async () => {
    if (!check()) return;
    setBusy(true);
    setError(null);
    const body: EventBody = { type, expectedVersion: proposal.version };
    if (comment.trim()) body.comment = comment;
    if (type === 'QUALITY_APPROVE') {
      body.criteria = (checklist.data ?? [])
        .filter((c) => criteria[c.id]?.result)
        .map((c) => ({
          criterion: c.id,
          result: criteria[c.id].result as Result,
          ...(criteria[c.id].note.trim() ? { note: criteria[c.id].note } : {}),
        }));
      sentCriteria.current = body.criteria.map((c) => c.criterion);
    }
    if (type === 'AGENCY_CONFIRM') {
      body.outcome = outcome;
      if (outcome === 'aligned-with-conditions' || conditions.trim()) body.conditions = conditions;
      if (nqfLevel.trim()) body.nqfLevel = nqfLevel.trim();
      if (reference.trim()) body.reference = reference.trim();
    }
    try {
      const after = await unwrap(
        api.POST('/api/proposals/{id}/events', { params: { path: { id: proposal.id } }, body }),
      );
      onDone(after);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  // Typed or chosen anything? Then Escape or a click beside the dialog must not throw it away (a half
  // assessed checklist is minutes of work); Cancel and the close button still close it.
  const dirty =
    comment.trim() !== '' ||
    conditions.trim() !== '' ||
    nqfLevel.trim() !== '' ||
    reference.trim() !== '' ||
    Object.values(criteria).some((c) => c.result !== '' || c.note.trim() !== '');

  return (
    <Modal
      opened
      onClose={onClose}
      closeOnEscape={!dirty}
      closeOnClickOutside={!dirty}
      title={t(`events.${type}`)}
      size={type === 'QUALITY_APPROVE' ? 'xl' : 'lg'}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
        noValidate
      >
        <Stack>
          {gone ? (
            <Alert color="red.9" variant="outline" title={t('event.goneTitle')} role="alert">
              {t('event.gone', { state: t(`state.${proposal.state}`) })}
            </Alert>
          ) : conflict ? (
            <Alert color="red.9" variant="outline" title={t('event.conflictTitle')} role="alert">
              <Stack gap="xs" align="flex-start">
                <span>{t('event.conflict')}</span>
                <Button
                  size="xs"
                  variant="outline"
                  onClick={() => {
                    void onReload().then(() => setError(null));
                  }}
                >
                  {t('event.reload')}
                </Button>
              </Stack>
            </Alert>
          ) : error ? (
            <Alert color="red.9" variant="outline" role="alert" ref={problemsBox}>
              {problems.length ? (
                <Stack gap="xs" align="flex-start">
                  {contentProblems.length > 0 && (
                    <>
                      <span>{t('event.incomplete')}</span>
                      <List size="sm">
                        {contentProblems.map((p) => (
                          <List.Item key={p.field}>
                            {fieldLabel(p.field)}
                            {/^is required/.test(p.message) ? '' : `: ${p.message}`}
                          </List.Item>
                        ))}
                      </List>
                      <Anchor component={Link} to={`/proposals/${proposal.id}/edit`}>
                        {t('event.completeDraft')}
                      </Anchor>
                    </>
                  )}
                  {problems.some((p) => INLINE.includes(p.field) || isCriterionItem(p.field)) && (
                    <span>{t('event.checkFields')}</span>
                  )}
                  {otherProblems.map((p) => (
                    <span key={p.field}>
                      {fieldLabel(p.field)}: {p.message}
                    </span>
                  ))}
                </Stack>
              ) : (
                errorMessage(error, t)
              )}
            </Alert>
          ) : null}
          <Text size="sm">{t(`eventHelp.${type}`, { defaultValue: '' })}</Text>
          {final && (
            <Alert color="red.9" variant="outline" title={t('event.finalTitle')}>
              {t('event.final', { state: t(`state.${target}`) })}
            </Alert>
          )}
          {type === 'QUALITY_APPROVE' && (
            <TableScroll>
              <Table className="stack-on-phone">
                <Table.Caption>{t('event.checklistCaption')}</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('checklist.criterion')}</Table.Th>
                    <Table.Th>{t('event.result')}</Table.Th>
                    <Table.Th>{t('event.note')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(checklist.data ?? []).map((c) => (
                    <Table.Tr key={c.id}>
                      <Table.Td>
                        <strong>{c.title}</strong>
                        <div style={{ fontSize: '0.85em' }}>{c.question}</div>
                      </Table.Td>
                      <Table.Td miw={190} data-field={criterionKey(c.id)}>
                        <Select
                          label={t('event.resultFor', { title: c.title })}
                          error={criterionError(c.id)}
                          data={RESULTS.map((r) => ({ value: r, label: t(`result.${r}`) }))}
                          value={criteria[c.id]?.result || null}
                          onChange={(v) => {
                            setCriteria((m) => ({
                              ...m,
                              [c.id]: { note: m[c.id]?.note ?? '', result: (v ?? '') as Result | '' },
                            }));
                            clearLocal(criterionKey(c.id));
                          }}
                        />
                      </Table.Td>
                      <Table.Td miw={180}>
                        <TextInput
                          label={t('event.noteFor', { title: c.title })}
                          error={criterionProblem(c.id, 'note')?.message}
                          value={criteria[c.id]?.note ?? ''}
                          onChange={(e) => {
                            const note = e.currentTarget.value;
                            setCriteria((m) => ({ ...m, [c.id]: { result: m[c.id]?.result ?? '', note } }));
                          }}
                        />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </TableScroll>
          )}
          {type === 'AGENCY_CONFIRM' && (
            <>
              <Radio.Group
                label={t('event.outcome')}
                withAsterisk
                value={outcome}
                onChange={(v) => setOutcome(v as typeof outcome)}
                error={err('outcome')}
              >
                <Group mt="xs">
                  <Radio value="aligned" label={t('outcome.aligned')} />
                  <Radio value="aligned-with-conditions" label={t('outcome.aligned-with-conditions')} />
                </Group>
              </Radio.Group>
              {outcome === 'aligned-with-conditions' && (
                <Textarea
                  wrapperProps={{ 'data-field': 'conditions' }}
                  label={t('event.conditions')}
                  required
                  autosize
                  minRows={2}
                  value={conditions}
                  onChange={(e) => {
                    setConditions(e.currentTarget.value);
                    clearLocal('conditions');
                  }}
                  error={err('conditions')}
                />
              )}
              <TextInput
                label={t('event.nqfLevel')}
                description={t('event.nqfLevelHelp')}
                value={nqfLevel}
                onChange={(e) => setNqfLevel(e.currentTarget.value)}
                error={err('nqfLevel')}
              />
              <TextInput
                label={t('event.reference')}
                value={reference}
                onChange={(e) => setReference(e.currentTarget.value)}
                error={err('reference')}
              />
            </>
          )}
          <Textarea
            wrapperProps={{ 'data-field': 'comment' }}
            label={needsComment ? t('event.comment') : t('event.commentOptional')}
            required={needsComment}
            autosize
            minRows={3}
            value={comment}
            onChange={(e) => {
              setComment(e.currentTarget.value);
              clearLocal('comment');
            }}
            error={err('comment')}
          />
          {/* Next to the button pressed: a long checklist's top is out of sight. */}
          {localCount > 0 && (
            <Text c="red.9" size="sm" role="alert">
              {t('event.fixMarked', { count: localCount })}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="outline" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button
              type="submit"
              loading={busy}
              // The checklist must be there to be assessed (and checked) before an approval is sent.
              disabled={conflict || gone || (type === 'QUALITY_APPROVE' && !checklist.data?.length)}
              color={final ? 'red.9' : undefined}
            >
              {t(`events.${type}`)}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
