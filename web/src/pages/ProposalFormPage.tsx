import {
  Alert,
  Anchor,
  Autocomplete,
  Button,
  Checkbox,
  Fieldset,
  Group,
  List,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api, ApiError, unwrap, type Me, type Proposal } from '../api/client';
import {
  contentFromModel,
  EMPTY_MODEL,
  mergeModels,
  modelFromContent,
  sharesTotal,
  type FormModel,
} from '../components/content-form';
import { ChangesRequested, latestRequest } from '../components/ChangesRequested';
import { institutionName, useInstitutions } from '../components/institutions';
import { LeaveGuard } from '../components/LeaveGuard';
import { fieldLabel, languageName } from '../format';
import { ISCED_DETAILED, iscedLabel, iscedName } from '../isced';
import { ErrorState, errorMessage, Loading } from '../components/states';
import { useDocumentTitle } from '../components/document-title';

const ASSESSMENT_TYPES = [
  'written-exam',
  'oral-exam',
  'project',
  'portfolio',
  'presentation',
  'practical',
  'mixed',
];
const PARTICIPATION = ['online', 'onsite', 'blended'];
const TARGET_GROUPS = ['bachelor', 'master', 'doctoral', 'professional'];
const STRATEGIC_AREAS = [
  'multilingualism',
  'critical-thinking',
  'data-literacy',
  'social-engagement',
  'entrepreneurship',
];
// The EU's official languages plus the alliance's other teaching languages (ISO 639-1).
const LANGUAGES = [
  'bg',
  'cs',
  'da',
  'de',
  'el',
  'en',
  'es',
  'et',
  'fi',
  'fr',
  'ga',
  'hr',
  'hu',
  'it',
  'lt',
  'lv',
  'mt',
  'nl',
  'pl',
  'pt',
  'ro',
  'sk',
  'sl',
  'sv',
  'no',
  'uk',
  'ru',
  'tr',
  'ar',
  'zh',
  'ja',
];

/** The states in which content may change (the workflow's rule; the server enforces it too). */
const EDITABLE: Proposal['state'][] = ['draft', 'changesRequested'];

/** Form fields whose label is not `field.<key>`. */
const MODEL_FIELD_LABELS: Partial<Record<keyof FormModel, string>> = {
  assessmentType: 'form.assessmentType',
  assessmentDescription: 'form.assessmentDescription',
  stacksInto: 'subfield.stacksInto',
  composedOf: 'subfield.composedOf',
};

/** A form value as one line of text, for showing the other person's version of a field. */
function shownValue(v: unknown): string {
  if (Array.isArray(v))
    return (
      v
        .map((x) =>
          typeof x === 'object' && x !== null
            ? String((x as { description?: unknown }).description ?? '')
            : String(x),
        )
        .filter(Boolean)
        .join('; ') || '—'
    );
  if (typeof v === 'object' && v !== null)
    return (
      Object.entries(v)
        .map(([k, x]) => `${k}: ${String(x)}`)
        .join(', ') || '—'
    );
  return v === '' || v === undefined || v === null ? '—' : String(v);
}

export default function ProposalFormPage({ me }: { me: Me }) {
  const { id } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const institutions = useInstitutions();
  const [model, setModel] = useState<FormModel>(EMPTY_MODEL);
  const [version, setVersion] = useState<number | undefined>();
  // What the form started from (as loaded or last saved): the base of a merge after a stale save.
  const [base, setBase] = useState<FormModel | null>(null);
  // The form as last loaded or saved: anything else is unsaved work.
  const [clean, setClean] = useState(() => JSON.stringify(EMPTY_MODEL));
  const [conflicts, setConflicts] = useState<{ key: keyof FormModel; theirs: unknown }[]>([]);
  const [lead, setLead] = useState(me.institutionId);
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);
  const [failure, setFailure] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState<'save' | 'submit' | null>(null);
  const loadedFor = useRef<string | undefined>(undefined);
  // Set just before the form navigates on its own (after a save or submission): not a loss of work.
  const leaving = useRef(false);
  const summaryRef = useRef<HTMLDivElement>(null);

  const existing = useQuery({
    queryKey: ['proposal', id],
    queryFn: () => unwrap(api.GET('/api/proposals/{id}', { params: { path: { id: id as string } } })),
    enabled: !!id,
  });
  // Fill the form once per proposal: a later refetch must not overwrite what the user is typing.
  useEffect(() => {
    if (!id || !existing.data || loadedFor.current === id) return;
    loadedFor.current = id;
    const loaded = modelFromContent(existing.data.content, existing.data.partnerInstitutionIds);
    setModel(loaded);
    setBase(loaded);
    setClean(JSON.stringify(loaded));
    setVersion(existing.data.version);
    setLead(existing.data.leadInstitutionId);
  }, [id, existing.data]);

  const history = useQuery({
    queryKey: ['history', id, existing.data?.version],
    queryFn: () => unwrap(api.GET('/api/proposals/{id}/history', { params: { path: { id: id as string } } })),
    enabled: existing.data?.state === 'changesRequested',
  });
  const request = latestRequest(history.data, existing.data?.state ?? '');
  const dirty = JSON.stringify(model) !== clean;
  useEffect(() => {
    leaving.current = false;
  });

  const set = <K extends keyof FormModel>(key: K, value: FormModel[K]) =>
    setModel((m) => ({ ...m, [key]: value }));
  const err = (field: string) => problems.find((p) => p.field === field)?.message;
  /** A list field's problem, or the first of its entries' (`content.stackability.stacksInto[0]`). */
  const errIn = (field: string) =>
    problems.find((p) => p.field === field || p.field.startsWith(`${field}[`))?.message;
  const involved = [lead, ...model.partnerInstitutionIds];
  const total = sharesTotal(model, involved);
  const universities = (institutions.data ?? []).filter((i) => i.kind === 'university' && i.id !== lead);

  /** Saves the draft; returns the proposal as saved, or null after showing why it failed. */
  const save = async (): Promise<Proposal | null> => {
    const content = contentFromModel(model, lead, !!id, base ?? undefined);
    const sent = JSON.stringify(model);
    try {
      const proposal = id
        ? await unwrap(
            api.PATCH('/api/proposals/{id}', {
              params: { path: { id } },
              body: {
                content: content as never,
                partnerInstitutionIds: model.partnerInstitutionIds,
                expectedVersion: version,
              },
            }),
          )
        : await unwrap(
            api.POST('/api/proposals', {
              body: { content: content as never, partnerInstitutionIds: model.partnerInstitutionIds },
            }),
          );
      setVersion(proposal.version);
      setBase(modelFromContent(proposal.content, proposal.partnerInstitutionIds));
      setClean(sent);
      setConflicts([]);
      queryClient.setQueryData(['proposal', proposal.id], proposal);
      if (!id) {
        loadedFor.current = proposal.id;
        leaving.current = true;
        navigate(`/proposals/${proposal.id}/edit`, { replace: true });
      }
      return proposal;
    } catch (e) {
      showFailure(e);
      return null;
    }
  };

  const showFailure = (e: unknown) => {
    setProblems(e instanceof ApiError ? e.errors : []);
    setFailure(e);
    setSaved(null);
    setTimeout(() => summaryRef.current?.focus(), 0);
  };

  const onSave = async () => {
    setBusy('save');
    setProblems([]);
    setFailure(null);
    const p = await save();
    if (p) setSaved(t('form.saved', { reference: p.reference }));
    setBusy(null);
  };

  const onSubmit = async () => {
    setBusy('submit');
    setProblems([]);
    setFailure(null);
    const p = await save();
    if (p) {
      try {
        const after = await unwrap(
          api.POST('/api/proposals/{id}/events', {
            params: { path: { id: p.id } },
            body: { type: 'SUBMIT', expectedVersion: p.version },
          }),
        );
        queryClient.setQueryData(['proposal', after.id], after);
        void queryClient.invalidateQueries({ queryKey: ['proposals'] });
        leaving.current = true;
        navigate(`/proposals/${after.id}`, { state: { recorded: { event: 'SUBMIT', state: after.state } } });
        return;
      } catch (e) {
        showFailure(e);
        // The draft exists now (it was saved first): say so, or it seems to have appeared from nowhere.
        setSaved(t('form.savedNotSubmitted', { reference: p.reference }));
      }
    }
    setBusy(null);
  };

  useDocumentTitle(
    id
      ? existing.data
        ? t('form.editTitle', { reference: existing.data.reference })
        : undefined
      : t('form.newTitle'),
  );
  if (id && existing.isPending) return <Loading />;
  if (id && existing.isError)
    return <ErrorState error={existing.error} onRetry={() => void existing.refetch()} />;
  // Content changes only in draft or changes requested (say, after Back from a submission).
  if (id && existing.data && !EDITABLE.includes(existing.data.state) && busy === null)
    return (
      <Stack maw={900}>
        <Title order={1}>{t('form.editTitle', { reference: existing.data.reference })}</Title>
        <Alert color="blue.9" variant="outline" role="status" title={t('form.notEditableTitle')}>
          <Stack gap="xs" align="flex-start">
            <span>{t('form.notEditable', { state: t(`state.${existing.data.state}`) })}</span>
            <Anchor component={Link} to={`/proposals/${id}`}>
              {t('form.toProposal')}
            </Anchor>
          </Stack>
        </Alert>
      </Stack>
    );

  /**
   * A stale version: merge the newer version into the form. What only the other person changed comes
   * in, what only this user changed stays; a field both changed keeps this user's value and is listed
   * with theirs beside it. The next save then builds on the newer version.
   */
  const mergeTheirs = async () => {
    const latest = await existing.refetch();
    if (!latest.data) return;
    const theirs = modelFromContent(latest.data.content, latest.data.partnerInstitutionIds);
    const merged = mergeModels(base ?? theirs, model, theirs);
    setModel(merged.model);
    setBase(theirs);
    setVersion(latest.data.version);
    setConflicts(merged.conflicts.map((key) => ({ key, theirs: theirs[key] })));
    setFailure(null);
    setSaved(
      merged.conflicts.length > 0
        ? null
        : merged.taken.length > 0
          ? t('form.merged', { fields: merged.taken.map(modelFieldLabel).join(', ') })
          : t('form.mergedNothing'),
    );
  };
  const takeTheirs = (key: keyof FormModel, theirs: unknown) => {
    setModel((m) => ({ ...m, [key]: theirs }));
    setConflicts((c) => c.filter((x) => x.key !== key));
  };
  const modelFieldLabel = (key: keyof FormModel) =>
    t(MODEL_FIELD_LABELS[key] ?? `field.${key}`, { defaultValue: key });

  return (
    <Stack maw={900}>
      <Title order={1}>
        {id ? t('form.editTitle', { reference: existing.data?.reference ?? '' }) : t('form.newTitle')}
      </Title>
      {request && (
        <ChangesRequested
          request={request}
          institution={institutionName(institutions.data, request.actorInstitutionId)}
          edited={false}
          onForm
        />
      )}
      <LeaveGuard dirty={dirty} leaving={leaving} />
      <div ref={summaryRef} tabIndex={-1} aria-live="polite">
        {failure !== null && (
          <Alert
            color="red.9"
            variant="outline"
            title={
              failure instanceof ApiError && failure.status === 422
                ? t('form.incomplete')
                : t('form.notSaved')
            }
            role="alert"
          >
            {problems.length > 0 ? (
              <List size="sm">
                {problems.map((p) => (
                  <List.Item key={p.field + p.message}>
                    {fieldLabel(p.field)}: {p.message}
                  </List.Item>
                ))}
              </List>
            ) : (
              errorMessage(failure, t)
            )}
            {failure instanceof ApiError && failure.stale && (
              <Group mt="xs" gap="xs">
                <Button size="xs" variant="outline" onClick={() => void mergeTheirs()}>
                  {t('form.keepMine')}
                </Button>
                <Anchor component={Link} to={`/proposals/${id}/history`} size="sm">
                  {t('form.seeTheirs')}
                </Anchor>
              </Group>
            )}
          </Alert>
        )}
        {conflicts.length > 0 && (
          <Alert color="blue.9" variant="outline" role="status" title={t('form.conflictsTitle')}>
            <Stack gap="xs">
              <Text size="sm">{t('form.conflicts')}</Text>
              {conflicts.map((c) => (
                <Group
                  key={c.key}
                  gap="xs"
                  wrap="nowrap"
                  align="flex-start"
                  data-testid={`conflict-${c.key}`}
                >
                  <Text size="sm" style={{ flex: 1 }}>
                    <strong>{modelFieldLabel(c.key)}</strong> — {t('form.theirValue')}: {shownValue(c.theirs)}
                  </Text>
                  <Button
                    size="xs"
                    variant="outline"
                    onClick={() => takeTheirs(c.key, c.theirs)}
                    aria-label={t('form.useTheirsFor', { field: modelFieldLabel(c.key) })}
                  >
                    {t('form.useTheirs')}
                  </Button>
                </Group>
              ))}
            </Stack>
          </Alert>
        )}
      </div>
      <Fieldset legend={t('form.partnership')}>
        <Text size="sm" mb="xs">
          {t('form.leadIs', { name: institutionName(institutions.data, lead) })}
        </Text>
        <MultiSelect
          label={t('field.partnerInstitutionIds')}
          description={t('form.partnersHelp')}
          data={universities.map((i) => ({ value: i.id, label: i.name }))}
          value={model.partnerInstitutionIds}
          onChange={(v) => set('partnerInstitutionIds', v)}
          error={err('partnerInstitutionIds')}
          searchable
        />
      </Fieldset>
      <Fieldset legend={t('form.description')}>
        <Stack>
          <TextInput
            label={t('field.title')}
            required
            value={model.title}
            onChange={(e) => set('title', e.currentTarget.value)}
            error={err('content.title')}
          />
          <Textarea
            label={t('field.summary')}
            required
            autosize
            minRows={3}
            value={model.summary}
            onChange={(e) => set('summary', e.currentTarget.value)}
            error={err('content.summary')}
          />
          <Textarea
            label={t('field.prerequisites')}
            autosize
            minRows={2}
            value={model.prerequisites}
            onChange={(e) => set('prerequisites', e.currentTarget.value)}
            error={err('content.prerequisites')}
          />
        </Stack>
      </Fieldset>
      <Fieldset legend={t('field.learningOutcomes')}>
        <Stack>
          {/* With a box to mark, the first box carries it. */}
          {err('content.learningOutcomes') && model.learningOutcomes.length === 0 && (
            <Text c="var(--mantine-color-error)" size="sm" role="alert">
              {err('content.learningOutcomes')}
            </Text>
          )}
          {model.learningOutcomes.map((o, i) => (
            <Group key={i} align="flex-start" wrap="wrap" gap="xs">
              <Textarea
                label={t('form.outcomeN', { n: i + 1 })}
                autosize
                minRows={1}
                style={{ flex: '2 1 280px' }}
                value={o.description}
                onChange={(e) => {
                  const value = e.currentTarget.value;
                  set(
                    'learningOutcomes',
                    model.learningOutcomes.map((x, j) => (j === i ? { ...x, description: value } : x)),
                  );
                }}
                error={
                  err(`content.learningOutcomes[${i}].description`) ??
                  err(`content.learningOutcomes[${i}]`) ??
                  (i === 0 ? err('content.learningOutcomes') : undefined)
                }
              />
              <TextInput
                label={t('form.escoN', { n: i + 1 })}
                placeholder="http://data.europa.eu/esco/skill/…"
                style={{ flex: '1 1 240px' }}
                value={o.escoSkillUri}
                onChange={(e) => {
                  const value = e.currentTarget.value;
                  set(
                    'learningOutcomes',
                    model.learningOutcomes.map((x, j) => (j === i ? { ...x, escoSkillUri: value } : x)),
                  );
                }}
                error={err(`content.learningOutcomes[${i}].escoSkillUri`)}
              />
              <Button
                variant="outline"
                color="red.9"
                mt={25}
                onClick={() =>
                  set(
                    'learningOutcomes',
                    model.learningOutcomes.filter((_, j) => j !== i),
                  )
                }
                disabled={model.learningOutcomes.length === 1}
              >
                {t('form.removeOutcomeN', { n: i + 1 })}
              </Button>
            </Group>
          ))}
          <Button
            variant="outline"
            onClick={() =>
              set('learningOutcomes', [...model.learningOutcomes, { description: '', escoSkillUri: '' }])
            }
            disabled={model.learningOutcomes.length >= 30}
            style={{ alignSelf: 'flex-start' }}
          >
            {t('form.addOutcome')}
          </Button>
        </Stack>
      </Fieldset>
      <Fieldset legend={t('form.volume')}>
        <Group grow wrap="wrap" align="flex-start">
          <NumberInput
            label={t('field.ects')}
            required
            min={0}
            // What was typed stays as typed (no silent change to 0); SUBMIT names the allowed range.
            clampBehavior="none"
            step={0.5}
            decimalScale={1}
            value={model.ects}
            onChange={(v) => set('ects', v)}
            error={err('content.ects')}
          />
          <NumberInput
            label={t('field.workloadHours')}
            min={0}
            clampBehavior="none"
            value={model.workloadHours}
            onChange={(v) => set('workloadHours', v)}
            error={err('content.workloadHours')}
          />
          <Select
            label={t('field.eqfLevel')}
            required
            data={['1', '2', '3', '4', '5', '6', '7', '8']}
            value={model.eqfLevel || null}
            onChange={(v) => set('eqfLevel', v ?? '')}
            error={err('content.eqfLevel')}
          />
        </Group>
      </Fieldset>
      <Fieldset legend={t('field.assessment')}>
        <Stack>
          <Select
            label={t('form.assessmentType')}
            required
            data={ASSESSMENT_TYPES.map((v) => ({ value: v, label: t(`assessment.${v}`) }))}
            value={model.assessmentType || null}
            onChange={(v) => set('assessmentType', v ?? '')}
            error={err('content.assessment.type') ?? err('content.assessment')}
          />
          <Textarea
            label={t('form.assessmentDescription')}
            required
            autosize
            minRows={2}
            value={model.assessmentDescription}
            onChange={(e) => set('assessmentDescription', e.currentTarget.value)}
            error={err('content.assessment.description') ?? err('content.assessment')}
          />
        </Stack>
      </Fieldset>
      <Fieldset legend={t('form.delivery')}>
        <Stack>
          <Select
            label={t('field.participationForm')}
            required
            data={PARTICIPATION.map((v) => ({ value: v, label: t(`participation.${v}`) }))}
            value={model.participationForm || null}
            onChange={(v) => set('participationForm', v ?? '')}
            error={err('content.participationForm')}
          />
          <MultiSelect
            label={t('field.languages')}
            required
            searchable
            data={LANGUAGES.map((c) => ({ value: c, label: `${languageName(c)} (${c})` }))}
            value={model.languages}
            onChange={(v) => set('languages', v)}
            error={errIn('content.languages')}
          />
          <Checkbox.Group
            label={t('field.targetGroups')}
            withAsterisk
            value={model.targetGroups}
            onChange={(v) => set('targetGroups', v)}
            error={errIn('content.targetGroups')}
          >
            <Group mt="xs">
              {TARGET_GROUPS.map((g) => (
                <Checkbox key={g} value={g} label={t(`targetGroup.${g}`)} />
              ))}
            </Group>
          </Checkbox.Group>
          <Checkbox.Group
            label={t('field.strategicAreas')}
            withAsterisk
            value={model.strategicAreas}
            onChange={(v) => set('strategicAreas', v)}
            error={errIn('content.strategicAreas')}
          >
            <Group mt="xs">
              {STRATEGIC_AREAS.map((g) => (
                <Checkbox key={g} value={g} label={t(`strategicArea.${g}`)} />
              ))}
            </Group>
          </Checkbox.Group>
        </Stack>
      </Fieldset>
      <Fieldset legend={t('form.qualityAndPathways')}>
        <Stack>
          {/* A code is what the API takes; the list offers the detailed fields by code or by name. */}
          <Autocomplete
            label={t('field.thematicArea')}
            description={
              iscedName(model.thematicArea)
                ? `${t('form.thematicAreaChosen')}: ${iscedLabel(model.thematicArea)}`
                : t('form.thematicAreaHelp')
            }
            required
            value={model.thematicArea}
            onChange={(v) => set('thematicArea', /^\d{4}\s/.test(v) ? v.slice(0, 4) : v)}
            data={ISCED_DETAILED.map(iscedLabel)}
            limit={12}
            error={err('content.thematicArea')}
          />
          <Textarea
            label={t('field.qualityAssurance')}
            required
            autosize
            minRows={2}
            value={model.qualityAssurance}
            onChange={(e) => set('qualityAssurance', e.currentTarget.value)}
            error={err('content.qualityAssurance')}
          />
          <TagsInput
            label={t('form.stacksInto')}
            description={t('form.tagsHelp')}
            value={model.stacksInto}
            onChange={(v) => set('stacksInto', v)}
            error={errIn('content.stackability.stacksInto') ?? err('content.stackability')}
          />
          <TagsInput
            label={t('form.composedOf')}
            description={t('form.tagsHelp')}
            value={model.composedOf}
            onChange={(v) => set('composedOf', v)}
            error={errIn('content.stackability.composedOf')}
          />
        </Stack>
      </Fieldset>
      <Fieldset legend={t('field.revenueShares')}>
        <Stack>
          <Text size="sm">{t('form.sharesHelp')}</Text>
          <Group wrap="wrap" align="flex-start">
            {involved.map((inst) => (
              <NumberInput
                key={inst}
                label={t('form.shareOf', { name: institutionName(institutions.data, inst) })}
                min={0}
                max={100}
                suffix=" %"
                w={220}
                value={model.revenueShares[inst] ?? ''}
                onChange={(v) => set('revenueShares', { ...model.revenueShares, [inst]: v })}
              />
            ))}
          </Group>
          <Text
            role="status"
            fw={700}
            c={total === 0 || total === 100 ? undefined : 'var(--mantine-color-error)'}
          >
            {t('form.sharesTotal', { total })}
          </Text>
          {err('content.revenueShares') && (
            <Text c="var(--mantine-color-error)" size="sm">
              {err('content.revenueShares')}
            </Text>
          )}
        </Stack>
      </Fieldset>
      <Group>
        <Button
          variant="outline"
          onClick={() => void onSave()}
          loading={busy === 'save'}
          disabled={busy !== null}
        >
          {t('form.saveDraft')}
        </Button>
        <Button onClick={() => void onSubmit()} loading={busy === 'submit'} disabled={busy !== null}>
          {t('events.SUBMIT')}
        </Button>
        {id && (
          <Button variant="subtle" onClick={() => navigate(`/proposals/${id}`)}>
            {t('form.backToProposal')}
          </Button>
        )}
        {/* Beside the button pressed: the form is long, and its top is out of sight. */}
        <Text role="status" c="teal.9" size="sm" fw={600}>
          {saved ?? ''}
        </Text>
      </Group>
    </Stack>
  );
}
