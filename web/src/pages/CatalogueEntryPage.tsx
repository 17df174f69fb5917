import { Alert, Anchor, Badge, Group, List, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, ApiError, unwrap, type Schemas } from '../api/client';
import { ErrorState, Loading } from '../components/states';
import { countryName, formatDateTime, languageName, valueLabel } from '../format';
import { iscedLabel } from '../isced';
import { TableScroll } from '../components/TableScroll';
import { useDocumentTitle } from '../components/document-title';

type Pathways = Schemas['PathwaysDto'];
type StackLink = Schemas['StackLinkDto'];

/** Mermaid flowchart source (left to right: part → whole); ids are generated, labels escaped. */
export function pathwayFlowchart(p: Pathways): string {
  const ids = new Map(p.nodes.map((n, i) => [n.id, `n${i}`]));
  const esc = (s: string) => s.replace(/["<>&#]/g, (c) => `#${c.charCodeAt(0)};`);
  const lines = ['flowchart LR'];
  for (const n of p.nodes) {
    const name = n.kind === 'programme' ? (n.title ?? n.id) : `${n.id}: ${n.title ?? ''}`;
    const ects = n.ects === null ? '' : ` (${n.ects} ECTS)`;
    lines.push(`  ${ids.get(n.id)}["${esc(name + ects)}"]`);
    if (n.id === p.reference) lines.push(`  style ${ids.get(n.id)} stroke-width:3px`);
    if (n.retired) lines.push(`  style ${ids.get(n.id)} stroke-dasharray:4 4`);
  }
  for (const e of p.edges) {
    const from = ids.get(e.from);
    const to = ids.get(e.to);
    if (from && to) lines.push(`  ${from} ${e.retired ? '-.->' : '-->'} ${to}`);
  }
  return lines.join('\n');
}

const FIELDS = [
  'workloadHours',
  'participationForm',
  'targetGroups',
  'qualityAssurance',
  'thematicArea',
  'prerequisites',
] as const;

export default function CatalogueEntryPage() {
  const { t } = useTranslation();
  const { reference = '' } = useParams();
  const entry = useQuery({
    queryKey: ['catalogue-entry', reference],
    queryFn: () => unwrap(api.GET('/api/catalogue/{reference}', { params: { path: { reference } } })),
  });
  const pathways = useQuery({
    queryKey: ['catalogue-pathways', reference],
    queryFn: () =>
      unwrap(api.GET('/api/catalogue/{reference}/pathways', { params: { path: { reference } } })),
  });

  // schema.org Course as a JSON-LD data block: not executed, so the CSP's script-src does not apply.
  const schemaOrg = entry.data?.schemaOrg;
  useEffect(() => {
    if (!schemaOrg) return;
    const script = document.createElement('script');
    script.type = 'application/ld+json';
    script.dataset.testid = 'schema-org';
    script.textContent = JSON.stringify(schemaOrg);
    document.head.appendChild(script);
    return () => script.remove();
  }, [schemaOrg]);

  useDocumentTitle(entry.data?.title);

  const box = useRef<HTMLDivElement>(null);
  const [diagramError, setDiagramError] = useState(false);
  const source = pathways.data && pathways.data.edges.length > 0 ? pathwayFlowchart(pathways.data) : null;
  useEffect(() => {
    if (!source) return;
    let cancelled = false;
    // Mermaid is large: it loads only when a pathway is shown.
    void import('mermaid')
      .then(async ({ default: mermaid }) => {
        mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
        const { svg } = await mermaid.render('pathway-diagram-svg', source);
        if (!cancelled && box.current) box.current.innerHTML = svg;
      })
      .catch(() => !cancelled && setDiagramError(true));
    return () => {
      cancelled = true;
    };
  }, [source]);

  if (entry.isPending) return <Loading />;
  if (entry.isError) {
    // Unknown or not published: retrying cannot help; the way on is the catalogue's search.
    if (entry.error instanceof ApiError && entry.error.status === 404)
      return (
        <Alert color="red.9" variant="outline" role="alert">
          <Stack gap="xs" align="flex-start">
            <Title order={1} size="h4">
              {t('catalogue.notFoundTitle')}
            </Title>
            <span>{t('catalogue.notFound', { reference })}</span>
            <Anchor component={Link} to="/catalogue">
              {t('catalogue.toSearch')}
            </Anchor>
          </Stack>
        </Alert>
      );
    return <ErrorState error={entry.error} onRetry={() => void entry.refetch()} />;
  }
  const e = entry.data;
  const institution = (id: string) => e.institutions[id] ?? id;
  // Awarding bodies with their countries (EU standard elements: issuer's country and awarding bodies).
  const body = (id: string) => {
    const country = e.countries[id];
    return country ? `${institution(id)} (${countryName(country)})` : institution(id);
  };
  const content = e.content as Record<string, unknown>;
  const outcomes = Array.isArray(content.learningOutcomes)
    ? (content.learningOutcomes as { description?: string; escoSkillUri?: string }[])
    : [];
  const assessment = content.assessment as { type?: string; description?: string } | undefined;
  // Coded values in words: "blended" → "Blended", "master" → "Master" (the form's own labels).
  const word = (f: (typeof FIELDS)[number], v: string) =>
    f === 'participationForm'
      ? t(`participation.${v}`, { defaultValue: v })
      : f === 'targetGroups'
        ? t(`targetGroup.${v}`, { defaultValue: v })
        : f === 'thematicArea'
          ? iscedLabel(v)
          : v;
  const show = (v: unknown, f?: (typeof FIELDS)[number]) =>
    Array.isArray(v)
      ? v.map((x) => (f ? word(f, String(x)) : String(x))).join(', ')
      : typeof v === 'object'
        ? ''
        : f
          ? word(f, String(v))
          : String(v);
  const titleOf = (node: string) => pathways.data?.nodes.find((n) => n.id === node)?.title ?? node;
  const retiredNode = (node: string) => pathways.data?.nodes.find((n) => n.id === node)?.retired === true;

  const stackList = (links: StackLink[]) =>
    links.length === 0 ? (
      <Text size="sm">{t('catalogue.none')}</Text>
    ) : (
      <List size="sm">
        {links.map((l, i) => (
          <List.Item key={i}>
            {l.kind === 'programme' && l.url ? (
              <Anchor href={l.url} rel="noopener noreferrer">
                {l.title ?? l.url}
              </Anchor>
            ) : l.status !== 'not-in-catalogue' ? (
              <Anchor component={Link} to={`/catalogue/${l.reference}`}>
                {l.reference}
                {l.title ? `: ${l.title}` : ''}
              </Anchor>
            ) : (
              l.reference
            )}{' '}
            ({t(`catalogue.linkStatus.${l.status}`)})
          </List.Item>
        ))}
      </List>
    );

  return (
    <Stack>
      <Anchor component={Link} to="/catalogue">
        {t('catalogue.back')}
      </Anchor>
      <Title order={1}>{e.title}</Title>
      <Group gap="xs">
        <Badge variant="outline" color="dark">
          {e.reference}
        </Badge>
        <Badge variant="outline" color="dark">
          {t('catalogue.ects', { count: e.ects })}
        </Badge>
        <Badge variant="outline" color="dark">
          {t('catalogue.eqf', { level: e.eqfLevel })}
        </Badge>
        {e.status === 'retired' && (
          <Badge color="red.9">{t('catalogue.retired', { date: formatDateTime(e.retiredAt) })}</Badge>
        )}
      </Group>
      <Text size="sm">
        {t('catalogue.lead', { institution: body(e.leadInstitutionId) })}
        {e.partnerInstitutionIds.length > 0 &&
          ` · ${t('catalogue.partners', { list: e.partnerInstitutionIds.map(body).join(', ') })}`}{' '}
        · {t('catalogue.languages', { list: e.languages.map(languageName).join(', ') })} ·{' '}
        {t('catalogue.published', { date: formatDateTime(e.publishedAt) })}
      </Text>

      <section aria-labelledby="entry-content">
        <Title order={2} size="h3" id="entry-content">
          {t('catalogue.content')}
        </Title>
        <Text>{e.summary}</Text>
        {outcomes.length > 0 && (
          <>
            <Title order={3} size="h4" mt="sm">
              {t('catalogue.learningOutcomes')}
            </Title>
            <List>
              {outcomes.map((o, i) => (
                <List.Item key={i}>
                  {o.description}
                  {o.escoSkillUri && (
                    <>
                      {' '}
                      (<Anchor href={o.escoSkillUri}>ESCO</Anchor>)
                    </>
                  )}
                </List.Item>
              ))}
            </List>
          </>
        )}
        <dl className="entry-fields">
          {assessment?.description && (
            <div>
              <dt>{t('catalogue.field.assessment')}</dt>
              <dd>
                {assessment.type && `${valueLabel('content.assessment.type', assessment.type)}: `}
                {assessment.description}
              </dd>
            </div>
          )}
          {FIELDS.filter((f) => content[f] !== undefined && content[f] !== null && show(content[f])).map(
            (f) => (
              <div key={f}>
                <dt>{t(`catalogue.field.${f}`)}</dt>
                <dd>{show(content[f], f)}</dd>
              </div>
            ),
          )}
        </dl>
      </section>

      <section aria-labelledby="entry-alignments">
        <Title order={2} size="h3" id="entry-alignments">
          {t('catalogue.alignments')}
        </Title>
        {e.alignments.length === 0 ? (
          <Text>{t('catalogue.noAlignments')}</Text>
        ) : (
          <TableScroll>
            <Table striped className="stack-on-phone">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('catalogue.country')}</Table.Th>
                  <Table.Th>{t('catalogue.agency')}</Table.Th>
                  <Table.Th>{t('catalogue.outcome')}</Table.Th>
                  <Table.Th>{t('catalogue.nqfLevel')}</Table.Th>
                  <Table.Th>{t('catalogue.conditions')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {e.alignments.map((a) => (
                  <Table.Tr key={`${a.country}-${a.agencyId}`}>
                    <Table.Th scope="row">{countryName(a.country)}</Table.Th>
                    <Table.Td data-label={t('catalogue.agency')}>{institution(a.agencyId)}</Table.Td>
                    <Table.Td data-label={t('catalogue.outcome')}>
                      {t(`catalogue.outcomeValue.${a.outcome}`)}
                    </Table.Td>
                    <Table.Td data-label={t('catalogue.nqfLevel')}>{a.nqfLevel ?? '—'}</Table.Td>
                    <Table.Td data-label={t('catalogue.conditions')}>{a.conditions ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </TableScroll>
        )}
      </section>

      <section aria-labelledby="entry-stackability">
        <Title order={2} size="h3" id="entry-stackability">
          {t('catalogue.stackability')}
        </Title>
        <Title order={3} size="h5">
          {t('catalogue.stacksInto')}
        </Title>
        {stackList(e.stackability.stacksInto)}
        <Title order={3} size="h5" mt="xs">
          {t('catalogue.composedOf')}
        </Title>
        {stackList(e.stackability.composedOf)}
      </section>

      <section aria-labelledby="entry-pathways">
        <Title order={2} size="h3" id="entry-pathways">
          {t('catalogue.pathways')}
        </Title>
        {pathways.isPending ? (
          <Loading />
        ) : pathways.isError ? (
          <ErrorState error={pathways.error} onRetry={() => void pathways.refetch()} />
        ) : pathways.data.pathways.length === 0 || !source ? (
          <Text>{t('catalogue.noPathways')}</Text>
        ) : (
          <Stack gap="xs">
            <div
              ref={box}
              className="mermaid-diagram"
              role="img"
              aria-label={t('catalogue.pathwayDiagramLabel', { reference: e.reference })}
              data-testid="pathway-diagram"
            />
            {diagramError && <Text>{t('catalogue.diagramFailed')}</Text>}
            {pathways.data.nodes.some((n) => n.retired) && (
              <Text size="sm">{t('catalogue.diagramLegend')}</Text>
            )}
            <Text size="sm">{t('catalogue.totalEcts', { count: pathways.data.totalEcts })}</Text>
            <List size="sm" data-testid="pathway-list">
              {pathways.data.pathways.map((p, i) => (
                <List.Item key={i}>
                  {t(p.retired ? 'catalogue.pathwayItemRetired' : 'catalogue.pathwayItem', {
                    chain: p.nodes
                      .map((n) =>
                        retiredNode(n) ? t('catalogue.retiredNode', { title: titleOf(n) }) : titleOf(n),
                      )
                      .join(' → '),
                    ects: p.totalEcts,
                  })}
                </List.Item>
              ))}
            </List>
          </Stack>
        )}
      </section>

      <section aria-labelledby="entry-exports">
        <Title order={2} size="h3" id="entry-exports">
          {t('catalogue.exports')}
        </Title>
        <Text size="sm">{t('exports.explain')}</Text>
        {/* Downloads, as for signed-in users (CredentialExports): a JSON-LD file, not raw JSON in the tab. */}
        <List spacing="xs">
          {(['ob3Achievement', 'ob3Endorsement', 'elm'] as const).map((k) => {
            const kind = e.exports[k].split('/').pop() ?? k;
            return (
              <List.Item key={k}>
                <Anchor
                  href={e.exports[k]}
                  download={`${e.reference}-${kind}.jsonld`}
                  type="application/ld+json"
                >
                  {t('exports.downloadLabel', { format: t(`catalogue.export.${k}`) })}
                </Anchor>
                <Text size="sm" c="dimmed">
                  {t(`catalogue.exportPurpose.${k}`)}
                </Text>
              </List.Item>
            );
          })}
        </List>
      </section>
    </Stack>
  );
}
