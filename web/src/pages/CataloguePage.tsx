import {
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Card,
  Checkbox,
  Grid,
  Group,
  NumberInput,
  Stack,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api, ApiError, unwrap, type Schemas } from '../api/client';
import { ErrorState, Loading } from '../components/states';
import { languageName } from '../format';
import { useDocumentTitle } from '../components/document-title';

type Facets = Schemas['CatalogueFacetsDto'];
type FacetName = 'strategicArea' | 'eqfLevel' | 'language' | 'institutionId' | 'escoSkillUri';
// The ESCO skill facet comes last and starts collapsed: its values are opaque ids, the least useful to people.
const FACETS: FacetName[] = ['strategicArea', 'eqfLevel', 'language', 'institutionId', 'escoSkillUri'];

/**
 * ESCO skill labels are not available offline, and the last path segment of an ESCO URI is an opaque id:
 * a short form ("ESCO skill …000001") tells values apart; the full URI is the checkbox's title.
 */
export const skillLabel = (uri: string) => {
  const id = uri.replace(/^https?:\/\/data\.europa\.eu\/esco\/skill\//, '');
  return `ESCO skill …${id.slice(-6)}`;
};

/** A number from the address; a hand-edited value that is not one (`ectsMin=abc`) is no filter at all. */
const number = (v: string | null) => {
  const n = v === null || v === '' ? NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
};

// The search lives in the address (q, filters), so a result list can be linked and the Back button works.
export default function CataloguePage() {
  const { t } = useTranslation();
  useDocumentTitle(t('catalogue.title'));
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const selected = (name: FacetName) => params.getAll(name);
  const ectsMin = params.get('ectsMin');
  const ectsMax = params.get('ectsMax');

  // "ECTS from" above "ECTS to" can match nothing: the page says so at the inputs and does not ask the API.
  // The results keep the last valid ECTS range (none, when the address came with an invalid one).
  const min = number(ectsMin);
  const max = number(ectsMax);
  const ectsInvalid = min !== undefined && max !== undefined && min > max;
  const [validEcts, setValidEcts] = useState(() => (ectsInvalid ? {} : { min, max }));
  if (!ectsInvalid && (validEcts.min !== min || validEcts.max !== max)) setValidEcts({ min, max });
  const ects = ectsInvalid ? validEcts : { min, max };
  const searched = new URLSearchParams(params);
  searched.delete('ectsMin');
  searched.delete('ectsMax');
  if (ects.min !== undefined) searched.set('ectsMin', String(ects.min));
  if (ects.max !== undefined) searched.set('ectsMax', String(ects.max));

  const query = {
    q: q || undefined,
    strategicArea: selected('strategicArea') as Schemas['CatalogueItemDto']['strategicAreas'] as never,
    eqfLevel: selected('eqfLevel').map(Number),
    language: selected('language'),
    institutionId: selected('institutionId'),
    escoSkillUri: selected('escoSkillUri'),
    ectsMin: ects.min,
    ectsMax: ects.max,
    limit: 20,
  };
  const results = useInfiniteQuery({
    queryKey: ['catalogue', searched.toString()],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET('/api/catalogue', { params: { query: { ...query, cursor: pageParam } } })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // The facets and results stay while the next answer loads, so the filters do not jump.
    placeholderData: keepPreviousData,
  });

  // The last answer stays for the filters when a search fails (a refused filter keeps the facets).
  const [kept, setKept] = useState(results.data);
  if (results.data && results.data !== kept) setKept(results.data);
  const data = results.data ?? kept;
  // Institution names seen so far: a selected institution keeps its name when nothing matches.
  const [seenNames, setSeenNames] = useState<Record<string, string>>({});
  const names: Record<string, string> = Object.assign({}, ...(data?.pages.map((p) => p.institutions) ?? []));
  if (Object.keys(names).some((id) => seenNames[id] !== names[id])) setSeenNames({ ...seenNames, ...names });

  const [filtersOpen, setFiltersOpen] = useState(false);
  const [skillsOpen, setSkillsOpen] = useState(selected('escoSkillUri').length > 0);

  const update = (change: (next: URLSearchParams) => void) => {
    const next = new URLSearchParams(params);
    change(next);
    setParams(next);
  };
  const choose = (name: FacetName, values: string[]) =>
    update((next) => {
      next.delete(name);
      for (const v of values) next.append(name, v);
    });
  const setEcts = (name: 'ectsMin' | 'ectsMax', value: string | number) =>
    update((next) => (value === '' ? next.delete(name) : next.set(name, String(value))));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    update((next) => (text.trim() ? next.set('q', text.trim()) : next.delete('q')));
  };
  const clearFilters = () => setParams(q ? new URLSearchParams({ q }) : new URLSearchParams());
  const clearAll = () => {
    setText('');
    setParams(new URLSearchParams());
  };

  const facets: Facets | undefined = data?.pages[0]?.facets;
  const items = results.data?.pages.flatMap((p) => p.items) ?? [];
  const institution = (id: string) => names[id] ?? seenNames[id] ?? id;
  const label = (name: FacetName, value: string) =>
    name === 'institutionId'
      ? institution(value)
      : name === 'language'
        ? languageName(value)
        : name === 'strategicArea'
          ? t(`strategicArea.${value}`, { defaultValue: value })
          : name === 'eqfLevel'
            ? t('catalogue.eqf', { level: value })
            : name === 'escoSkillUri'
              ? skillLabel(value)
              : value;
  // The facet's values, and every selected value even where nothing matches now (count 0), so it can be unticked.
  const options = (name: FacetName) => {
    const listed = facets?.[name] ?? [];
    const missing = selected(name).filter((v) => !listed.some((f) => f.value === v));
    return [...listed, ...missing.map((value) => ({ value, count: 0 }))];
  };
  const selectedCount =
    FACETS.reduce((n, name) => n + selected(name).length, 0) + (ectsMin ? 1 : 0) + (ectsMax ? 1 : 0);
  const filtered = selectedCount > 0 || q !== '';
  // A filter the API refuses (a hand-edited address): which ones, in words, instead of "Something went wrong".
  const refused = results.error instanceof ApiError && results.error.status === 400 ? results.error : null;
  const filterName = (field: string) =>
    field === 'ectsMin' || field === 'ectsMax'
      ? t(`catalogue.${field}`)
      : (FACETS as string[]).includes(field)
        ? t(`catalogue.facet.${field}`)
        : field === 'q'
          ? t('catalogue.searchLabel')
          : field;

  const facetGroup = (name: FacetName) => {
    const values = options(name);
    const group = (
      <Checkbox.Group
        key={name}
        label={
          name === 'escoSkillUri' ? (
            <VisuallyHidden>{t(`catalogue.facet.${name}`)}</VisuallyHidden>
          ) : (
            t(`catalogue.facet.${name}`)
          )
        }
        value={selected(name)}
        onChange={(v) => choose(name, v)}
        data-testid={`facet-${name}`}
      >
        <Stack gap={4} mt={4}>
          {values.map((f) => (
            <Checkbox
              key={f.value}
              value={f.value}
              title={name === 'escoSkillUri' ? f.value : undefined}
              label={`${label(name, f.value)} (${f.count})`}
            />
          ))}
        </Stack>
      </Checkbox.Group>
    );
    if (name !== 'escoSkillUri') return group;
    return (
      <div key={name}>
        <Button
          variant="subtle"
          size="compact-sm"
          px={0}
          aria-expanded={skillsOpen}
          aria-controls="catalogue-facet-esco"
          onClick={() => setSkillsOpen((o) => !o)}
          rightSection={<span aria-hidden="true">{skillsOpen ? '▾' : '▸'}</span>}
        >
          {t('catalogue.skillsToggle', { count: values.length })}
        </Button>
        <div id="catalogue-facet-esco" hidden={!skillsOpen}>
          {group}
        </div>
      </div>
    );
  };

  return (
    <Stack>
      <Title order={1}>{t('catalogue.title')}</Title>
      <form onSubmit={submit} role="search" aria-label={t('catalogue.searchLabel')}>
        <Group align="flex-end" wrap="nowrap">
          <TextInput
            style={{ flex: 1 }}
            label={t('catalogue.searchLabel')}
            placeholder={t('catalogue.searchPlaceholder')}
            type="search"
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
          />
          <Button type="submit">{t('catalogue.search')}</Button>
        </Group>
      </form>
      <Grid>
        <Grid.Col span={{ base: 12, md: 3 }}>
          {/* On a phone the filters wait behind this button, so the first results show on the first screen. */}
          <Button
            hiddenFrom="md"
            variant="default"
            fullWidth
            aria-expanded={filtersOpen}
            aria-controls="catalogue-filter-panel"
            onClick={() => setFiltersOpen((o) => !o)}
            rightSection={<span aria-hidden="true">{filtersOpen ? '▾' : '▸'}</span>}
            mb={filtersOpen ? 'md' : 0}
          >
            {selectedCount
              ? t('catalogue.filtersSelected', { count: selectedCount })
              : t('catalogue.filters')}
          </Button>
          <Box visibleFrom={filtersOpen ? undefined : 'md'} id="catalogue-filter-panel">
            <Stack component="section" aria-labelledby="catalogue-filters" gap="md">
              <Group justify="space-between">
                <Title order={2} size="h4" id="catalogue-filters">
                  {t('catalogue.filters')}
                </Title>
                <Button variant="subtle" size="xs" onClick={clearFilters}>
                  {t('catalogue.clearFilters')}
                </Button>
              </Group>
              {FACETS.map((name) =>
                facets && (facets[name].length > 0 || selected(name).length > 0) ? facetGroup(name) : null,
              )}
              <Group grow align="flex-start">
                <NumberInput
                  label={t('catalogue.ectsMin')}
                  min={0}
                  value={ectsMin ?? ''}
                  onChange={(v) => setEcts('ectsMin', v)}
                  error={ectsInvalid}
                />
                <NumberInput
                  label={t('catalogue.ectsMax')}
                  min={0}
                  value={ectsMax ?? ''}
                  onChange={(v) => setEcts('ectsMax', v)}
                  error={ectsInvalid ? t('catalogue.ectsOrder', { min, max }) : undefined}
                />
              </Group>
            </Stack>
          </Box>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 9 }}>
          <section aria-labelledby="catalogue-results" aria-busy={results.isFetching}>
            {results.isPending && !data ? (
              <Loading />
            ) : refused ? (
              <Alert
                color="red.9"
                variant="outline"
                title={t('catalogue.refusedTitle')}
                role="alert"
                id="catalogue-results"
              >
                <Stack gap="xs" align="flex-start">
                  <span>
                    {refused.errors.length
                      ? t('catalogue.refused', {
                          list: [...new Set(refused.errors.map((e) => filterName(e.field)))].join(', '),
                        })
                      : t('catalogue.refusedGeneric')}
                  </span>
                  <Button size="xs" variant="outline" onClick={clearFilters}>
                    {t('catalogue.clearFilters')}
                  </Button>
                </Stack>
              </Alert>
            ) : results.isError ? (
              <ErrorState error={results.error} onRetry={() => void results.refetch()} />
            ) : (
              <Stack>
                <Text id="catalogue-results" role="status" aria-live="polite">
                  {items.length ? t('catalogue.results', { count: items.length }) : t('catalogue.noResults')}
                </Text>
                {items.length === 0 && filtered && (
                  <Stack gap="xs" align="flex-start" data-testid="catalogue-empty">
                    <Text size="sm">{t('catalogue.noResultsHint')}</Text>
                    <Button variant="outline" onClick={clearAll}>
                      {t('catalogue.clearAll')}
                    </Button>
                  </Stack>
                )}
                {items.map((item) => (
                  <Card key={item.reference} withBorder component="article" data-testid="catalogue-item">
                    <Stack gap={6}>
                      <Title order={3} size="h4">
                        <Anchor component={Link} to={`/catalogue/${item.reference}`}>
                          {item.title}
                        </Anchor>
                      </Title>
                      <Text size="sm">{item.summary}</Text>
                      <Group gap="xs">
                        <Badge variant="outline" color="dark">
                          {t('catalogue.ects', { count: item.ects })}
                        </Badge>
                        <Badge variant="outline" color="dark">
                          {t('catalogue.eqf', { level: item.eqfLevel })}
                        </Badge>
                        {item.strategicAreas.map((a) => (
                          <Badge key={a} variant="outline" color="blue.9">
                            {t(`strategicArea.${a}`, { defaultValue: a })}
                          </Badge>
                        ))}
                      </Group>
                      <Text size="sm">
                        {item.reference} ·{' '}
                        {t('catalogue.lead', { institution: institution(item.leadInstitutionId) })} ·{' '}
                        {t('catalogue.languages', { list: item.languages.map(languageName).join(', ') })}
                      </Text>
                    </Stack>
                  </Card>
                ))}
                {results.hasNextPage && (
                  <Button
                    variant="outline"
                    onClick={() => void results.fetchNextPage()}
                    loading={results.isFetchingNextPage}
                  >
                    {t('catalogue.loadMore')}
                  </Button>
                )}
              </Stack>
            )}
          </section>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
