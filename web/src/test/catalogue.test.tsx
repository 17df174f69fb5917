import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BarChart } from '../components/BarChart';
import '../i18n';
import { chartUnit, formatMs } from '../pages/AnalyticsPage';
import CatalogueEntryPage, { pathwayFlowchart } from '../pages/CatalogueEntryPage';
import CataloguePage, { skillLabel } from '../pages/CataloguePage';
import { json } from './fixtures';

// openapi-fetch keeps the fetch it finds when the client is made: this one is in place before any import
// and hands every request to the test's mock.
const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    mock(input instanceof Request ? input : new Request(input, init))) as typeof fetch;
  return mock;
});

describe('pathway flowchart', () => {
  it('draws parts towards wholes with generated ids, escaped labels and dashed retired edges', () => {
    const source = pathwayFlowchart({
      reference: 'MC-2026-0002',
      totalEcts: 9,
      nodes: [
        {
          id: 'MC-2026-0001',
          kind: 'micro-credential',
          title: 'Part "one"',
          ects: 3,
          status: 'retired',
          retired: true,
        },
        {
          id: 'MC-2026-0002',
          kind: 'micro-credential',
          title: 'Whole <b>',
          ects: 6,
          status: 'published',
          retired: false,
        },
        {
          id: 'https://x.eu/p',
          kind: 'programme',
          title: null,
          ects: null,
          status: 'not-in-catalogue',
          retired: false,
        },
      ],
      edges: [
        { from: 'MC-2026-0001', to: 'MC-2026-0002', retired: true },
        { from: 'MC-2026-0002', to: 'https://x.eu/p', retired: false },
      ],
      pathways: [],
    });
    expect(source.split('\n')).toEqual([
      'flowchart LR',
      '  n0["MC-2026-0001: Part #34;one#34; (3 ECTS)"]',
      '  style n0 stroke-dasharray:4 4',
      '  n1["MC-2026-0002: Whole #60;b#62; (6 ECTS)"]',
      '  style n1 stroke-width:3px',
      '  n2["https://x.eu/p"]',
      '  n0 -.-> n1',
      '  n1 --> n2',
    ]);
  });
});

describe('analytics formatting', () => {
  it('shows a duration in the largest readable unit', () => {
    expect(formatMs(null)).toBe('—');
    expect(formatMs(4_000)).toBe('4 s');
    expect(formatMs(3 * 3_600_000)).toBe('3 hours');
    expect(formatMs(5 * 86_400_000)).toBe('5 days');
  });

  it('draws a labelled bar chart image with one bar per value', () => {
    render(
      <MantineProvider>
        <BarChart
          label="Throughput"
          series={['Submitted', 'Approved']}
          groups={[
            { label: '2026-11', values: [4, 2] },
            { label: '2026-12', values: [1, null] },
          ]}
        />
      </MantineProvider>,
    );
    const chart = screen.getByRole('img', { name: 'Throughput' });
    expect(chart.querySelectorAll('rect')).toHaveLength(4);
    expect(chart.querySelector('rect title')?.textContent).toBe('2026-11 · Submitted: 4');
  });
});

describe('analytics chart unit', () => {
  it('follows the longest time shown', () => {
    expect(chartUnit(0).key).toBe('s');
    expect(chartUnit(90_000).key).toBe('min');
    expect(chartUnit(5 * 3_600_000).key).toBe('h');
    expect(chartUnit(3 * 86_400_000).key).toBe('d');
  });
});

const notFound = () =>
  json({ type: 'urn:microcred:problem:not-found', title: 'Not Found', status: 404 }, 404);
/** The catalogue queries the page has sent, as URLSearchParams. */
const catalogueQueries = () =>
  fetchMock.mock.calls
    .map(([request]) => new URL(request.url))
    .filter((url) => url.pathname === '/api/catalogue')
    .map((url) => url.searchParams);

const SKILL = 'http://data.europa.eu/esco/skill/0d3e1c52-0000-4000-8000-000000000001';
const facets = (over: Record<string, { value: string; count: number }[]> = {}) => ({
  strategicArea: [],
  eqfLevel: [],
  ects: [],
  language: [],
  institutionId: [],
  escoSkillUri: [],
  ...over,
});
const item = {
  reference: 'MC-2026-0001',
  title: 'Research Data Stewardship',
  summary: 'Stewardship of research data.',
  ects: 6,
  eqfLevel: 7,
  languages: ['en'],
  strategicAreas: ['data-literacy'],
  leadInstitutionId: 'cuni',
  partnerInstitutionIds: [],
  publishedAt: '2026-03-01T10:00:00.000Z',
};
const page = (items: unknown[], over: Record<string, { value: string; count: number }[]> = {}) => ({
  items,
  nextCursor: null,
  facets: facets(over),
  institutions: { cuni: 'Charles University' },
});

const renderAt = (path: string) =>
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path="/catalogue" element={<CataloguePage />} />
            <Route path="/catalogue/:reference" element={<CatalogueEntryPage />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );

describe('catalogue search', () => {
  beforeEach(() => fetchMock.mockReset());
  afterEach(() => fetchMock.mockReset());

  it('keeps the selected filters when nothing matches, and clears search and filters in one step', async () => {
    fetchMock.mockImplementation(async (request) => {
      const url = new URL(request.url);
      return url.searchParams.has('q')
        ? json(page([]))
        : json(page([item], { language: [{ value: 'en', count: 1 }] }));
    });
    renderAt('/catalogue?q=data+literacy&language=de&institutionId=cuni');
    expect(await screen.findByText('No micro-credential matches this search.')).toBeInTheDocument();
    // The selected values stay, with no match, so they can be unticked.
    const german = screen.getByRole('checkbox', { name: 'German (0)' });
    expect(german).toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'Charles University (0)' })).toBeChecked();
    // On a small screen the filters wait behind a button that says how many are selected.
    const toggle = screen.getByRole('button', { name: 'Filters (2 selected)' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');

    await userEvent.click(screen.getByRole('button', { name: 'Clear search and filters' }));
    expect(await screen.findByText('1 micro-credential shown')).toBeInTheDocument();
    expect(screen.getByRole('searchbox', { name: 'Search micro-credentials' })).toHaveValue('');
    expect(catalogueQueries().at(-1)?.toString()).toBe('limit=20');
    expect(screen.getByRole('button', { name: 'Filters' })).toBeInTheDocument();
  });

  it('suggests a search that finds titles and summaries', async () => {
    fetchMock.mockImplementation(async () => json(page([item])));
    renderAt('/catalogue');
    expect(await screen.findByRole('searchbox')).toHaveAttribute('placeholder', 'e.g. research data');
  });

  it('says at the inputs when "ECTS from" is above "ECTS to", and does not send that search', async () => {
    fetchMock.mockImplementation(async () => json(page([item])));
    renderAt('/catalogue?ectsMax=1');
    expect(await screen.findByText('1 micro-credential shown')).toBeInTheDocument();
    await userEvent.type(screen.getByRole('textbox', { name: 'ECTS from' }), '3');
    expect(await screen.findByText('Must be at least “ECTS from” (3).')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'ECTS to' })).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('textbox', { name: 'ECTS from' })).toHaveAttribute('aria-invalid', 'true');
    // The last results stay; no request ever asked for 3 to 1.
    expect(screen.getByText('1 micro-credential shown')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(catalogueQueries().some((p) => p.has('ectsMin'))).toBe(false);
    expect(catalogueQueries().every((p) => p.get('ectsMax') === '1')).toBe(true);
  });

  it('does not ask the API for an invalid range that came in the address', async () => {
    fetchMock.mockImplementation(async () => json(page([item])));
    renderAt('/catalogue?ectsMin=3&ectsMax=1');
    expect(await screen.findByText('1 micro-credential shown')).toBeInTheDocument();
    expect(screen.getByText('Must be at least “ECTS from” (3).')).toBeInTheDocument();
    expect(catalogueQueries().map((p) => p.toString())).toEqual(['limit=20']);
  });

  it('names a filter the API refuses near the filters, keeps the facets and offers no Retry', async () => {
    fetchMock.mockImplementation(async (request) =>
      new URL(request.url).searchParams.has('eqfLevel')
        ? json(
            {
              type: 'urn:microcred:problem:validation-failed',
              title: 'Validation failed',
              status: 400,
              detail: 'eqfLevel must be an EQF level from 1 to 8',
              errors: [{ field: 'eqfLevel', message: 'eqfLevel must be an EQF level from 1 to 8' }],
            },
            400,
          )
        : json(page([item], { eqfLevel: [{ value: '9', count: 1 }], language: [{ value: 'en', count: 1 }] })),
    );
    renderAt('/catalogue');
    await userEvent.click(await screen.findByRole('checkbox', { name: 'EQF 9 (1)' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('These filters cannot be used');
    expect(alert).toHaveTextContent('The search did not run because of: EQF level.');
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(screen.queryByText('Something went wrong')).toBeNull();
    expect(screen.getByRole('checkbox', { name: 'English (1)' })).toBeInTheDocument();
    await userEvent.click(within(alert).getByRole('button', { name: 'Clear filters' }));
    expect(await screen.findByText('1 micro-credential shown')).toBeInTheDocument();
  });

  it('names ESCO skills in a short form, keeps the URI as title, and lists them last and collapsed', async () => {
    expect(skillLabel(SKILL)).toBe('ESCO skill …000001');
    fetchMock.mockImplementation(async () =>
      json(
        page([item], {
          language: [{ value: 'en', count: 1 }],
          escoSkillUri: [{ value: SKILL, count: 1 }],
        }),
      ),
    );
    renderAt('/catalogue');
    const toggle = await screen.findByRole('button', { name: 'ESCO skills (1)' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('checkbox', { name: 'ESCO skill …000001 (1)' })).toBeNull();
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const skill = screen.getByRole('checkbox', { name: 'ESCO skill …000001 (1)' });
    expect(skill.closest('[title]')).toHaveAttribute('title', SKILL);
    const boxes = screen.getAllByRole('checkbox');
    expect(boxes.at(-1)).toBe(skill);
    expect(screen.getByRole('group', { name: 'ESCO skill' })).toBeInTheDocument();
  });
});

const entry = {
  ...item,
  partnerInstitutionIds: [],
  status: 'published',
  retiredAt: null,
  content: { learningOutcomes: [{ description: 'Plan data' }] },
  alignments: [],
  stackability: { stacksInto: [], composedOf: [] },
  exports: {
    ob3Achievement: '/api/catalogue/MC-2026-0001/exports/ob3-achievement',
    ob3Endorsement: '/api/catalogue/MC-2026-0001/exports/ob3-endorsement',
    elm: '/api/catalogue/MC-2026-0001/exports/elm',
  },
  schemaOrg: { '@type': 'Course' },
  institutions: { cuni: 'Charles University' },
  countries: { cuni: 'CZ' },
};

describe('catalogue entry', () => {
  beforeEach(() => fetchMock.mockReset());
  afterEach(() => fetchMock.mockReset());

  it('says an unknown reference is not in the catalogue, leads back to the search and offers no Retry', async () => {
    fetchMock.mockImplementation(async () => notFound());
    renderAt('/catalogue/MC-2026-0099');
    expect(
      await screen.findByRole('heading', { name: 'This micro-credential is not in the catalogue' }),
    ).toBeInTheDocument();
    expect(screen.getByText(/no published micro-credential MC-2026-0099/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Search the catalogue' })).toHaveAttribute('href', '/catalogue');
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(screen.queryByText('Something went wrong')).toBeNull();
  });

  it('keeps "Something went wrong" with Retry for other failures', async () => {
    fetchMock.mockImplementation(async () =>
      json({ type: 'about:blank', title: 'Internal Server Error', status: 500 }, 500),
    );
    renderAt('/catalogue/MC-2026-0001');
    expect(await screen.findByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });

  it('offers each export as a named download with what it is for', async () => {
    fetchMock.mockImplementation(async (request) =>
      new URL(request.url).pathname.endsWith('/pathways')
        ? json({ reference: 'MC-2026-0001', nodes: [], edges: [], pathways: [], totalEcts: 0 })
        : json(entry),
    );
    renderAt('/catalogue/MC-2026-0001');
    const achievement = await screen.findByRole('link', {
      name: 'Download Open Badges 3.0 achievement (.jsonld)',
    });
    expect(achievement).toHaveAttribute('href', '/api/catalogue/MC-2026-0001/exports/ob3-achievement');
    expect(achievement).toHaveAttribute('download', 'MC-2026-0001-ob3-achievement.jsonld');
    expect(
      screen.getByRole('link', { name: 'Download Open Badges 3.0 endorsement (.jsonld)' }),
    ).toHaveAttribute('download', 'MC-2026-0001-ob3-endorsement.jsonld');
    expect(screen.getByRole('link', { name: 'Download European Learning Model (.jsonld)' })).toHaveAttribute(
      'download',
      'MC-2026-0001-elm.jsonld',
    );
    expect(screen.getByText(/for badge wallets and learning record systems/)).toBeInTheDocument();
    expect(screen.getByText(/for Europass/)).toBeInTheDocument();
    // The awarding body with its country, one of the EU standard elements.
    expect(screen.getByText(/Led by Charles University \(Czechia\)/)).toBeInTheDocument();
  });
});
