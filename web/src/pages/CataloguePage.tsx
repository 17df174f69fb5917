import {
  Anchor,
  Badge,
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
} from '@mantine/core';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap, type Schemas } from '../api/client';
import { ErrorState, Loading } from '../components/states';
import { languageName } from '../format';

type Facets = Schemas['CatalogueFacetsDto'];
type FacetName = 'strategicArea' | 'eqfLevel' | 'language' | 'institutionId' | 'escoSkillUri';
const FACETS: FacetName[] = ['strategicArea', 'eqfLevel', 'language', 'institutionId', 'escoSkillUri'];

/** The last path segment of an ESCO URI is an opaque id; show a short form, keep the full URI as title. */
const skillLabel = (uri: string) => uri.replace(/^https?:\/\/data\.europa\.eu\/esco\/skill\//, 'ESCO ');

// The search lives in the address (q, filters), so a result list can be linked and the Back button works.
export default function CataloguePage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const selected = (name: FacetName) => params.getAll(name);
  const ectsMin = params.get('ectsMin');
  const ectsMax = params.get('ectsMax');
  const query = {
    q: q || undefined,
    strategicArea: selected('strategicArea') as Schemas['CatalogueItemDto']['strategicAreas'] as never,
    eqfLevel: selected('eqfLevel').map(Number),
    language: selected('language'),
    institutionId: selected('institutionId'),
    escoSkillUri: selected('escoSkillUri'),
    ectsMin: ectsMin ? Number(ectsMin) : undefined,
    ectsMax: ectsMax ? Number(ectsMax) : undefined,
    limit: 20,
  };
  const results = useInfiniteQuery({
    queryKey: ['catalogue', params.toString()],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET('/api/catalogue', { params: { query: { ...query, cursor: pageParam } } })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // The facets and results stay while the next answer loads, so the filters do not jump.
    placeholderData: keepPreviousData,
  });

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

  const facets: Facets | undefined = results.data?.pages[0]?.facets;
  const items = results.data?.pages.flatMap((p) => p.items) ?? [];
  const names: Record<string, string> = Object.assign(
    {},
    ...(results.data?.pages.map((p) => p.institutions) ?? []),
  );
  const institution = (id: string) => names[id] ?? id;
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
          <Stack component="section" aria-labelledby="catalogue-filters" gap="md">
            <Group justify="space-between">
              <Title order={2} size="h4" id="catalogue-filters">
                {t('catalogue.filters')}
              </Title>
              <Button
                variant="subtle"
                size="xs"
                onClick={() => setParams(q ? new URLSearchParams({ q }) : new URLSearchParams())}
              >
                {t('catalogue.clearFilters')}
              </Button>
            </Group>
            {FACETS.map((name) =>
              facets && (facets[name].length > 0 || selected(name).length > 0) ? (
                <Checkbox.Group
                  key={name}
                  label={t(`catalogue.facet.${name}`)}
                  value={selected(name)}
                  onChange={(values) => choose(name, values)}
                  data-testid={`facet-${name}`}
                >
                  <Stack gap={4} mt={4}>
                    {facets[name].map((f) => (
                      <Checkbox
                        key={f.value}
                        value={f.value}
                        title={name === 'escoSkillUri' ? f.value : undefined}
                        label={`${label(name, f.value)} (${f.count})`}
                      />
                    ))}
                  </Stack>
                </Checkbox.Group>
              ) : null,
            )}
            <Group grow>
              <NumberInput
                label={t('catalogue.ectsMin')}
                min={0}
                value={ectsMin ?? ''}
                onChange={(v) => setEcts('ectsMin', v)}
              />
              <NumberInput
                label={t('catalogue.ectsMax')}
                min={0}
                value={ectsMax ?? ''}
                onChange={(v) => setEcts('ectsMax', v)}
              />
            </Group>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 9 }}>
          <section aria-labelledby="catalogue-results" aria-busy={results.isFetching}>
            {results.isPending ? (
              <Loading />
            ) : results.isError ? (
              <ErrorState error={results.error} onRetry={() => void results.refetch()} />
            ) : (
              <Stack>
                <Text id="catalogue-results" role="status" aria-live="polite">
                  {items.length ? t('catalogue.results', { count: items.length }) : t('catalogue.noResults')}
                </Text>
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
