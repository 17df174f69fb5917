import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type pg from 'pg';
import { CatalogueService } from '../../src/catalogue/catalogue.service.js';
import { VALID_CONTENT } from '../support/review-scenario.js';
import { ReviewWorld, type ActorName, type ProposalView } from '../support/review-world.js';
import { startServer, testPool, type TestServer } from '../support/server.js';

jest.setTimeout(240_000);

let t: TestServer;
let w: ReviewWorld;
let db: pg.Pool;

// Every entry of this suite carries TOKEN in its summary and random ESCO skills, so the assertions
// hold whatever other suites publish into the same database.
const TOKEN = `zq${randomUUID().slice(0, 8)}`;
const SKILL_A = `http://data.europa.eu/esco/skill/${randomUUID()}`;
const SKILL_B = `http://data.europa.eu/esco/skill/${randomUUID()}`;
const { revenueShares: _shares, ...BASE } = VALID_CONTENT;

const AGENCY_OF: Record<string, ActorName> = { uhd: 'gacLiaison', su: 'hceresLiaison' };
const REVIEWER_OF: Record<string, ActorName> = { uhd: 'uhdReviewer', su: 'suReviewer' };

function content(over: Record<string, unknown>): Record<string, unknown> {
  return { ...BASE, stackability: { stacksInto: [], composedOf: [] }, ...over };
}

/** Drives a cuni-led proposal with these partners to `until` (approved, published or retired). */
async function drive(c: Record<string, unknown>, partners: string[], until: string): Promise<ProposalView> {
  const p = await w.create(c, partners);
  await w.ok(p.id, 'cuniProposer', 'SUBMIT');
  for (const partner of partners) await w.ok(p.id, REVIEWER_OF[partner], 'PARTNER_APPROVE');
  await w.ok(p.id, 'qualityOfficer', 'QUALITY_APPROVE', w.allMet());
  // A remark sent with a plain "aligned" is not a condition: it never becomes public.
  await w.ok(p.id, 'nauLiaison', 'AGENCY_CONFIRM', {
    outcome: 'aligned',
    nqfLevel: '7',
    conditions: 'An internal remark.',
  });
  let last: ProposalView | undefined;
  for (const partner of partners)
    last = await w.ok(p.id, AGENCY_OF[partner], 'AGENCY_CONFIRM', {
      outcome: 'aligned-with-conditions',
      conditions: 'Register first.',
    });
  if (until === 'approved') return last!;
  last = await w.ok(p.id, 'cuniAdmin', 'PUBLISH');
  if (until === 'published') return last;
  return w.ok(p.id, 'cuniAdmin', 'RETIRE', { comment: 'Superseded.' });
}

let e1: ProposalView;
let e2: ProposalView;
let e3: ProposalView;
let retired: ProposalView;
let approved: ProposalView;
let draft: ProposalView;

const pub = () => t.http();
/** The public pages' origin: links in public answers come from it, never from the request's Host. */
const PUBLIC_URL = 'https://catalogue.4euplus.test';
const search = (query: string) => pub().get(`/api/catalogue?q=${TOKEN}${query ? `&${query}` : ''}`);
const refs = (body: { items: Array<{ reference: string }> }) => body.items.map((i) => i.reference).sort();
const counts = (list: Array<{ value: string; count: number }>) =>
  Object.fromEntries(list.map((f) => [f.value, f.count]));

beforeAll(async () => {
  t = await startServer({ PUBLIC_URL });
  w = await new ReviewWorld(t).setUp([
    'cuniProposer',
    'unimiProposer',
    'cuniAdmin',
    'uhdReviewer',
    'suReviewer',
    'qualityOfficer',
    'nauLiaison',
    'gacLiaison',
    'hceresLiaison',
    'allianceAdmin',
  ]);
  db = testPool();
  e1 = await drive(
    content({
      title: `Basics of Quokkatronics for research teams`,
      summary: `${TOKEN} An introduction to stewardship of research data.`,
      learningOutcomes: [{ description: 'Describe a data set.', escoSkillUri: SKILL_A }],
      languages: ['en'],
      strategicAreas: ['data-literacy'],
      eqfLevel: 6,
      ects: 3,
      workloadHours: 80,
    }),
    ['uhd'],
    'published',
  );
  e2 = await drive(
    content({
      title: 'Forschungsdaten mehrsprachig verwalten',
      summary: `${TOKEN} Wie man Forschungsdatenbanken in mehreren Sprachen pflegt.`,
      learningOutcomes: [
        { description: 'Einen Datenmanagementplan schreiben.', escoSkillUri: SKILL_A },
        { description: 'Metadaten pflegen.', escoSkillUri: SKILL_B },
      ],
      languages: ['de', 'en'],
      strategicAreas: ['data-literacy', 'multilingualism'],
      eqfLevel: 7,
      ects: 5,
      workloadHours: 140,
      stackability: { stacksInto: [], composedOf: [e1.reference] },
    }),
    ['uhd', 'su'],
    'published',
  );
  e3 = await drive(
    content({
      title: 'Pensée critique et données publiques',
      summary: `${TOKEN} Analyser les données publiques avec esprit critique.`,
      learningOutcomes: [{ description: 'Évaluer une source.', escoSkillUri: SKILL_B }],
      languages: ['fr'],
      strategicAreas: ['critical-thinking'],
      eqfLevel: 7,
      ects: 6,
      workloadHours: 160,
      stackability: {
        stacksInto: ['https://www.sorbonne-universite.fr/programmes/master-data'],
        composedOf: [e2.reference],
      },
    }),
    ['su'],
    'published',
  );
  retired = await drive(
    content({
      title: 'Retired module on data',
      summary: `${TOKEN} Retired.`,
      ects: 2,
      workloadHours: 55,
      stackability: { stacksInto: [e3.reference], composedOf: [] },
    }),
    ['uhd'],
    'retired',
  );
  approved = await drive(
    content({ title: 'Approved only', summary: `${TOKEN} approved` }),
    ['uhd'],
    'approved',
  );
  draft = await w.create(content({ title: 'Draft only', summary: `${TOKEN} draft` }), ['uhd']);
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

describe('the public catalogue', () => {
  it('finds an entry by its reference typed into the search, in any case, and only a published one', async () => {
    const res = await pub().get(`/api/catalogue?q=${e2.reference.toLowerCase()}`);
    expect(res.status).toBe(200);
    expect(refs(res.body)).toEqual([e2.reference]);
    for (const hidden of [approved, draft]) {
      const none = await pub().get(`/api/catalogue?q=${hidden.reference}`);
      expect([none.status, none.body.items]).toEqual([200, []]);
    }
  });

  it('lists published micro-credentials only, without a token: never drafts, unpublished approvals or retired ones', async () => {
    const res = await search('');
    expect(res.status).toBe(200);
    expect(refs(res.body)).toEqual([e1.reference, e2.reference, e3.reference].sort());
    for (const hidden of [draft, approved]) {
      expect((await pub().get(`/api/catalogue/${hidden.reference}`)).status).toBe(404);
      expect((await pub().get(`/api/catalogue/${hidden.reference}/pathways`)).status).toBe(404);
    }
    const gone = await pub().get(`/api/catalogue/${retired.reference}`);
    expect([gone.status, gone.body.status]).toEqual([200, 'retired']);
    const item = res.body.items.find((i: { reference: string }) => i.reference === e2.reference);
    expect(Object.keys(item).sort()).toEqual(
      [
        'reference', 'title', 'summary', 'ects', 'eqfLevel', 'languages', 'strategicAreas',
        'leadInstitutionId', 'partnerInstitutionIds', 'publishedAt',
      ].sort(),
    ); // prettier-ignore
    expect(item).toMatchObject({
      ects: 5,
      eqfLevel: 7,
      leadInstitutionId: 'cuni',
      partnerInstitutionIds: ['uhd', 'su'],
    });
  });

  it('counts every facet among the matches, each facet with the other filters applied', async () => {
    const all = (await search('')).body;
    expect(counts(all.facets.strategicArea)).toEqual({
      'data-literacy': 2,
      multilingualism: 1,
      'critical-thinking': 1,
    });
    expect(counts(all.facets.eqfLevel)).toEqual({ '6': 1, '7': 2 });
    expect(counts(all.facets.ects)).toEqual({ '3': 1, '5': 1, '6': 1 });
    expect(counts(all.facets.language)).toEqual({ en: 2, de: 1, fr: 1 });
    expect(counts(all.facets.institutionId)).toEqual({ cuni: 3, uhd: 2, su: 2 });
    // The page names each institution it mentions (items and the institution facet).
    expect(Object.keys(all.institutions).sort()).toEqual(['cuni', 'su', 'uhd']);
    expect(all.institutions.uhd).toBe('Heidelberg University');
    expect(counts(all.facets.escoSkillUri)).toEqual({ [SKILL_A]: 2, [SKILL_B]: 2 });

    const both = (await search('strategicArea=data-literacy&eqfLevel=7')).body;
    expect(refs(both)).toEqual([e2.reference]);
    // Its own filter does not narrow a facet: the area facet counts under eqfLevel=7 only, and back.
    expect(counts(both.facets.strategicArea)).toEqual({
      'data-literacy': 1,
      multilingualism: 1,
      'critical-thinking': 1,
    });
    expect(counts(both.facets.eqfLevel)).toEqual({ '6': 1, '7': 1 });
    expect(counts(both.facets.language)).toEqual({ en: 1, de: 1 });
    expect(counts(both.facets.institutionId)).toEqual({ cuni: 1, uhd: 1, su: 1 });
  });

  it.each([
    ['strategicArea=data-literacy', () => [e1, e2]],
    ['strategicArea=critical-thinking&strategicArea=multilingualism', () => [e2, e3]],
    ['eqfLevel=7', () => [e2, e3]],
    ['eqfLevel=6', () => [e1]],
    ['ectsMin=4&ectsMax=5.5', () => [e2]],
    ['ectsMin=5', () => [e2, e3]],
    ['ectsMax=3', () => [e1]],
    ['language=fr', () => [e3]],
    ['language=fr&language=de', () => [e2, e3]],
    ['institutionId=uhd', () => [e1, e2]],
    ['institutionId=su', () => [e2, e3]],
    ['escoSkillUri=SKILL_B', () => [e2, e3]],
  ])('filters by %s', async (query, expected) => {
    const res = await search(query.replace('SKILL_B', encodeURIComponent(SKILL_B)));
    expect(res.status).toBe(200);
    expect(refs(res.body)).toEqual(
      expected()
        .map((p) => p.reference)
        .sort(),
    );
  });

  it('pages a search with a filter in its ranked order, and counts facets when the filters leave nothing', async () => {
    const whole = await search('eqfLevel=7');
    expect(refs(whole.body)).toEqual([e2.reference, e3.reference].sort());
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ reference: string }>; nextCursor: string | null } } = await search(
        `eqfLevel=7&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      paged.push(...page.body.items.map((i) => i.reference));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(whole.body.items.map((i: { reference: string }) => i.reference));
    // Every match fails the filter: no items, no typo fallback, and the facets still say what
    // another choice would give (the filter does not narrow its own facet).
    const none = await search('eqfLevel=3');
    expect([none.status, none.body.items, none.body.nextCursor]).toEqual([200, [], null]);
    expect(counts(none.body.facets.eqfLevel)).toEqual({ '6': 1, '7': 2 });
    expect(none.body.facets.language).toEqual([]);
  });

  it('finds words in their own language, ranks, tolerates typos in titles, and pages with a stable cursor', async () => {
    const german = await pub().get('/api/catalogue?q=Forschungsdatenbank');
    expect(refs(german.body)).toContain(e2.reference);
    const typo = await pub().get('/api/catalogue?q=Quokatronics');
    expect(refs(typo.body)).toEqual([e1.reference]);
    const ranked = await search('');
    expect(ranked.body.items.length).toBe(3);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        body: { items: Array<{ reference: string }>; nextCursor: string | null };
      } = await search(`limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.body.items.map((i) => i.reference));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ranked.body.items.map((i: { reference: string }) => i.reference));
    // Without a query: newest first, paged the same way.
    const byTime: string[] = [];
    cursor = null;
    do {
      const page: { body: { items: Array<{ reference: string }>; nextCursor: string | null } } =
        await pub().get(
          `/api/catalogue?escoSkillUri=${encodeURIComponent(SKILL_A)}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        );
      byTime.push(...page.body.items.map((i) => i.reference));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(byTime).toEqual([e2.reference, e1.reference]);
    const bad = await pub().get(`/api/catalogue?cursor=${Buffer.from('{"r":"x"}').toString('base64url')}`);
    expect([bad.status, bad.body.errors?.[0]?.field]).toEqual([400, 'cursor']);
    const inverted = await pub().get('/api/catalogue?ectsMin=6&ectsMax=2');
    expect([inverted.status, inverted.body.errors?.[0]?.field]).toEqual([400, 'ectsMax']);
    const wrong = await pub().get('/api/catalogue?eqfLevel=9&strategicArea=cooking');
    expect(wrong.status).toBe(400);
    // Each message says what is wrong: a negative number is below the bound, a word is not a number.
    const messages = async (query: string) =>
      ((await pub().get(`/api/catalogue?${query}`)).body.errors as Array<{ message: string }>).map(
        (e) => e.message,
      );
    expect(await messages('ectsMin=-1')).toEqual(['ectsMin must not be less than 0']);
    expect(await messages('ectsMin=abc')).toEqual(['ectsMin must be a number']);
    expect(await messages('eqfLevel=abc')).toEqual(['eqfLevel must be an EQF level from 1 to 8']);
  });

  it("answers a search the same under PostgreSQL's generic plan of its prepared statement as under a plan for each request", async () => {
    // The search runs as one prepared statement whatever the filters (absent ones are NULL), and
    // PostgreSQL may switch to a generic plan after a few runs on a connection. Here the same service
    // runs on two connections, one held to the generic plan and one to a plan for each run, and both
    // answer as the server does.
    const generic = await db.connect();
    const custom = await db.connect();
    const serviceOn = async (client: pg.PoolClient, mode: string) => {
      await client.query(`SET plan_cache_mode = ${mode}`);
      return new CatalogueService({
        query: async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows,
        driver: { master: client },
      } as never);
    };
    try {
      const services = {
        generic: await serviceOn(generic, 'force_generic_plan'),
        custom: await serviceOn(custom, 'force_custom_plan'),
      };
      const queries: Array<Record<string, unknown>> = [
        { q: TOKEN },
        { q: TOKEN, eqfLevel: [7] },
        { q: TOKEN, eqfLevel: [3] },
        { q: TOKEN, strategicArea: ['data-literacy'], language: ['fr', 'de'] },
        { q: TOKEN, ectsMin: 4, ectsMax: 5.5 },
        { q: TOKEN, institutionId: ['uhd'], escoSkillUri: [SKILL_B] },
        { q: TOKEN, limit: 1 },
        { q: e1.reference.toLowerCase() },
        { q: 'Quokatronics' },
      ];
      const asQuery = (o: Record<string, unknown>) =>
        Object.entries(o)
          .flatMap(([k, v]) =>
            (Array.isArray(v) ? v : [v]).map((x) => `${k}=${encodeURIComponent(String(x))}`),
          )
          .join('&');
      const answers = async (query: Record<string, unknown>) => {
        const served = await pub().get(`/api/catalogue?${asQuery(query)}`);
        expect(served.status).toBe(200);
        for (const [mode, service] of Object.entries(services))
          expect([mode, query, JSON.parse(JSON.stringify(await service.search(query as never)))]).toEqual([
            mode,
            query,
            served.body,
          ]);
        return served.body as { items: unknown[]; nextCursor: string | null };
      };
      let checked = 0;
      // Twice over, so that the second round runs on statements prepared by the first.
      for (const _round of [1, 2])
        for (const query of queries) {
          const first = await answers(query);
          checked += first.items.length;
          // The next page by the cursor of the first.
          if (first.nextCursor)
            expect((await answers({ ...query, cursor: first.nextCursor })).items.length).toBe(1);
        }
      expect(checked).toBeGreaterThan(10);
      // The search, the reference and the typo statements, prepared on each connection and run there
      // with the plan it was held to.
      const plans = async (client: pg.PoolClient) =>
        (
          await client.query(
            `SELECT generic_plans > 0 AS generic, custom_plans > 0 AS custom
             FROM pg_prepared_statements WHERE name LIKE 'mc\\_%'`,
          )
        ).rows;
      expect(await plans(generic)).toEqual(Array(3).fill({ generic: true, custom: false }));
      expect(await plans(custom)).toEqual(Array(3).fill({ generic: false, custom: true }));
    } finally {
      generic.release(true);
      custom.release(true);
    }
  });

  it('shows the detail: published content, agency alignments, resolved stackability, export links and a schema.org Course', async () => {
    const res = await pub().get(`/api/catalogue/${e3.reference}`);
    expect(res.status).toBe(200);
    expect(res.body.content.revenueShares).toBeUndefined();
    expect(res.body.content.title).toBe('Pensée critique et données publiques');
    // The field of education (ISCED-F), which SUBMIT requires, is public.
    expect(res.body.content.thematicArea).toMatch(/^\d{2,4}$/);
    // Every institution the entry names by id comes with its name, and no other.
    const named = [
      res.body.leadInstitutionId,
      ...res.body.partnerInstitutionIds,
      ...res.body.alignments.map((a: { agencyId: string }) => a.agencyId),
    ];
    expect(Object.keys(res.body.institutions).sort()).toEqual([...new Set(named)].sort());
    expect(res.body.institutions.cuni).toBe('Charles University');
    // ...and its country: the awarding bodies' countries are an EU standard element.
    expect(Object.keys(res.body.countries).sort()).toEqual([...new Set(named)].sort());
    expect(res.body.countries).toMatchObject({ cuni: 'CZ', nau: 'CZ', hceres: 'FR' });
    expect(res.body.schemaOrg.provider.address).toEqual({ '@type': 'PostalAddress', addressCountry: 'CZ' });
    expect(res.body.alignments).toEqual([
      { country: 'CZ', agencyId: 'nau', outcome: 'aligned', nqfLevel: '7', conditions: null },
      {
        country: 'FR',
        agencyId: 'hceres',
        outcome: 'aligned-with-conditions',
        nqfLevel: null,
        conditions: 'Register first.',
      },
    ]);
    expect(res.body.stackability).toEqual({
      stacksInto: [
        {
          kind: 'programme',
          reference: null,
          url: 'https://www.sorbonne-universite.fr/programmes/master-data',
          title: null,
          status: 'not-in-catalogue',
          href: null,
        },
      ],
      composedOf: [
        {
          kind: 'micro-credential',
          reference: e2.reference,
          url: null,
          title: 'Forschungsdaten mehrsprachig verwalten',
          status: 'published',
          href: `/api/catalogue/${e2.reference}`,
        },
        // Declared by the other side (the retired module names e3 in its stacksInto): shown from here too.
        {
          kind: 'micro-credential',
          reference: retired.reference,
          url: null,
          title: 'Retired module on data',
          status: 'retired',
          href: `/api/catalogue/${retired.reference}`,
        },
      ],
    });
    // And the other way round: e1 names nothing, but e2 is composed of it.
    const part = await pub().get(`/api/catalogue/${e1.reference}`);
    expect(part.body.stackability.stacksInto.map((l: { reference: string }) => l.reference)).toEqual([
      e2.reference,
    ]);
    expect(res.body.exports).toEqual({
      ob3Achievement: `/api/catalogue/${e3.reference}/exports/ob3-achievement`,
      ob3Endorsement: `/api/catalogue/${e3.reference}/exports/ob3-endorsement`,
      elm: `/api/catalogue/${e3.reference}/exports/elm`,
    });
    expect(res.body.schemaOrg).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'Course',
      courseCode: e3.reference,
      name: 'Pensée critique et données publiques',
      numberOfCredits: { value: 6, unitText: 'ECTS' },
      educationalLevel: 'EQF level 7',
      provider: { '@type': 'CollegeOrUniversity', identifier: 'cuni', name: 'Charles University' },
    });
    for (const path of ['/api/catalogue/MC-1999-9999', '/api/catalogue/not-a-reference'])
      expect((await pub().get(path)).status).toBe(404);
  });

  it('answers 304 to a matching If-None-Match, and a new ETag once the catalogue changed', async () => {
    for (const path of [`/api/catalogue?q=${TOKEN}`, `/api/catalogue/${e1.reference}`, `/api/catalogue/${e2.reference}/pathways`, '/sitemap.xml']) {
      const first = await pub().get(path);
      expect(first.status).toBe(200);
      expect(first.headers.etag).toMatch(/^"c\d+-[A-Za-z0-9_-]+"$/);
      expect(first.headers['cache-control']).toBe('public, max-age=60, must-revalidate');
      const again = await pub().get(path).set('If-None-Match', first.headers.etag);
      expect([again.status, again.text ?? '']).toEqual([304, '']);
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(again.headers['cache-control']).toBe('public, max-age=60, must-revalidate');
      expect((await pub().get(path).set('If-None-Match', '"other"')).status).toBe(200);
    } // prettier-ignore
    // `*` means "any current copy": 304 for an entry that exists, 404 (without a catalogue tag) for one that does not.
    expect((await pub().get(`/api/catalogue/${e1.reference}`).set('If-None-Match', '*')).status).toBe(304);
    for (const path of ['/api/catalogue/MC-1999-9999', '/api/catalogue/MC-1999-9999/pathways']) {
      const missing = await pub().get(path).set('If-None-Match', '*');
      expect(missing.status).toBe(404);
      expect(missing.headers.etag ?? '').not.toMatch(/^"c\d+-/);
      expect(missing.headers['cache-control'] ?? '').not.toMatch(/public/);
    }
    const before = await pub().get(`/api/catalogue?q=${TOKEN}`);
    const extra = await drive(
      content({ title: 'One more', summary: `${TOKEN} later` }),
      ['uhd'],
      'published',
    );
    const after = await pub().get(`/api/catalogue?q=${TOKEN}`).set('If-None-Match', before.headers.etag);
    expect(after.status).toBe(200);
    expect(refs(after.body)).toContain(extra.reference);
    await w.ok(extra.id, 'cuniAdmin', 'RETIRE', { comment: 'Test over.' });
    expect(refs((await search('')).body)).not.toContain(extra.reference);
  });

  it('counts facets of browsing without search words afresh after every publish and retire', async () => {
    // Filter-only browsing (the front page and its facet clicks) keeps its facet counts per catalogue
    // version; this proves a publish and a retire show at once, on a filter only this entry matches.
    const skill = `http://data.europa.eu/esco/skill/${randomUUID()}`;
    const browse = async () => {
      const res = await pub().get(`/api/catalogue?escoSkillUri=${encodeURIComponent(skill)}&language=fr`);
      expect(res.status).toBe(200);
      return res.body as {
        items: Array<{ reference: string }>;
        facets: Record<string, Array<{ value: string; count: number }>>;
      };
    };
    const before = await browse();
    expect([before.items, before.facets.language, before.facets.eqfLevel]).toEqual([[], [], []]);
    expect(await browse()).toEqual(before);
    const extra = await drive(
      content({
        title: 'Browsing facets',
        summary: `${TOKEN} browsing`,
        learningOutcomes: [{ description: 'Browse.', escoSkillUri: skill }],
        languages: ['fr', 'de'],
        eqfLevel: 5,
      }),
      ['su'],
      'published',
    );
    const after = await browse();
    expect(refs(after)).toEqual([extra.reference]);
    // Each facet counts with the other filters: languages under the skill, levels under both.
    expect(counts(after.facets.language)).toEqual({ fr: 1, de: 1 });
    expect(counts(after.facets.eqfLevel)).toEqual({ '5': 1 });
    await w.ok(extra.id, 'cuniAdmin', 'RETIRE', { comment: 'Test over.' });
    const gone = await browse();
    expect([gone.items, gone.facets.language, gone.facets.eqfLevel]).toEqual([[], [], []]);
  });

  it('draws the pathways around a micro-credential with total ECTS, and marks the ones through a retired one', async () => {
    const res = await pub().get(`/api/catalogue/${e3.reference}/pathways`);
    expect(res.status).toBe(200);
    const programme = 'https://www.sorbonne-universite.fr/programmes/master-data';
    expect(res.body.nodes.map((n: { id: string }) => n.id).sort()).toEqual(
      [e1.reference, e2.reference, e3.reference, retired.reference, programme].sort(),
    );
    expect(res.body.nodes.find((n: { id: string }) => n.id === retired.reference)).toMatchObject({
      retired: true,
      status: 'retired',
      ects: 2,
    });
    expect(res.body.nodes.find((n: { id: string }) => n.id === programme)).toMatchObject({
      kind: 'programme',
    });
    const edges = res.body.edges.map(
      (e: { from: string; to: string; retired: boolean }) => `${e.from}>${e.to}:${e.retired}`,
    );
    expect(edges.sort()).toEqual(
      [
        `${e1.reference}>${e2.reference}:false`,
        `${e2.reference}>${e3.reference}:false`,
        `${e3.reference}>${programme}:false`,
        `${retired.reference}>${e3.reference}:true`,
      ].sort(),
    );
    const paths = Object.fromEntries(
      res.body.pathways.map((p: { nodes: string[]; totalEcts: number; retired: boolean }) => [
        p.nodes.join('>'),
        [p.totalEcts, p.retired],
      ]),
    );
    expect(paths).toEqual({
      [`${e1.reference}>${e2.reference}>${e3.reference}>${programme}`]: [14, false],
      [`${retired.reference}>${e3.reference}>${programme}`]: [8, true],
    });
    expect(res.body.totalEcts).toBe(14);
    // From the smallest part: only what it counts towards.
    const fromE1 = await pub().get(`/api/catalogue/${e1.reference}/pathways`);
    expect(fromE1.body.pathways.map((p: { nodes: string[] }) => p.nodes.join('>'))).toEqual([
      `${e1.reference}>${e2.reference}>${e3.reference}>${programme}`,
    ]);
  });

  it('serves a sitemap of the published entries, linked under PUBLIC_URL whatever Host the request names', async () => {
    const res = await pub().get('/sitemap.xml').set('Host', 'evil.example');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    const text = res.text;
    expect(text).toContain('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">');
    expect(text).toContain(`<loc>${PUBLIC_URL}/catalogue</loc>`);
    for (const p of [e1, e2, e3]) expect(text).toContain(`<loc>${PUBLIC_URL}/catalogue/${p.reference}</loc>`);
    expect(text).not.toContain('evil.example');
    const detail = await pub().get(`/api/catalogue/${e1.reference}`).set('Host', 'evil.example');
    expect(detail.body.schemaOrg.url).toBe(`${PUBLIC_URL}/catalogue/${e1.reference}`);
    for (const p of [retired, approved, draft]) expect(text).not.toContain(`/catalogue/${p.reference}<`);
  });

  it('serves the exports of a catalogue entry without a token: the same bytes as the signed-in export, an ETag and 304', async () => {
    for (const kind of ['ob3-achievement', 'ob3-endorsement', 'elm']) {
      const signedIn = await t.http().get(`/api/proposals/${e1.id}/exports/${kind}`).set(w.auth('cuniAdmin'));
      expect([kind, signedIn.status]).toEqual([kind, 200]);
      const open = await pub().get(`/api/catalogue/${e1.reference}/exports/${kind}`).buffer(true);
      expect([kind, open.status]).toEqual([kind, 200]);
      expect(open.headers['content-type']).toMatch(/^application\/ld\+json/);
      expect(open.headers['cache-control']).toMatch(/public/);
      expect(open.text).toBe(signedIn.text);
      const again = await pub()
        .get(`/api/catalogue/${e1.reference}/exports/${kind}`)
        .set('If-None-Match', open.headers.etag as string);
      expect([kind, again.status]).toEqual([kind, 304]);
    }
    // Not in the catalogue: as absent as a reference that never existed.
    for (const ref of [approved.reference, draft.reference, 'MC-1999-9999']) {
      const res = await pub().get(`/api/catalogue/${ref}/exports/ob3-achievement`);
      expect([ref, res.status]).toEqual([ref, 404]);
    }
    expect((await pub().get(`/api/catalogue/${e1.reference}/exports/pdf`)).status).toBe(404);
  });

  it("answers the documents' own ids without a token for catalogue entries, and 401 for anything else", async () => {
    const achievement = JSON.parse((await pub().get(`/api/catalogue/${e1.reference}/exports/ob3-achievement`).buffer(true)).text);
    const endorsement = JSON.parse((await pub().get(`/api/catalogue/${e1.reference}/exports/ob3-endorsement`).buffer(true)).text);
    const elm = JSON.parse((await pub().get(`/api/catalogue/${e1.reference}/exports/elm`).buffer(true)).text);
    // A verifier follows the ids it finds in the documents: each resolves, with no token, to its document.
    const ids: Array<[string, string]> = [
      [achievement.id, 'ob3-achievement'],
      [endorsement.credentialSubject.id, 'ob3-achievement'],
      [elm.id, 'elm'],
    ];
    for (const [id, kind] of ids) {
      expect(id.startsWith(`${PUBLIC_URL}/api/proposals/${e1.id}/exports/`)).toBe(true);
      const res = await pub().get(id.slice(PUBLIC_URL.length)).buffer(true);
      expect([id, res.status]).toEqual([id, 200]);
      expect(res.headers['content-type']).toMatch(/^application\/ld\+json/);
      expect(res.text).toBe((await pub().get(`/api/catalogue/${e1.reference}/exports/${kind}`).buffer(true)).text);
    }
    const endorsementById = await pub().get(`/api/proposals/${e1.id}/exports/ob3-endorsement`).buffer(true);
    expect(endorsementById.text).toBe(JSON.stringify(endorsement));
    // Retired entries are still described in the catalogue, so their ids still resolve.
    expect((await pub().get(`/api/proposals/${retired.id}/exports/ob3-achievement`)).status).toBe(200);
    // Approved but not published, a draft, an unknown id: as without a token before (nothing told).
    for (const id of [approved.id, draft.id, randomUUID()]) {
      const res = await pub().get(`/api/proposals/${id}/exports/ob3-achievement`);
      expect([id, res.status, res.headers['content-type']]).toEqual([id, 401, expect.stringMatching(/^application\/problem\+json/)]);
    }
    // Signed in, it is public all the same: a reviewer of an uninvolved university (who may not open the
    // proposal itself) gets the same bytes; for what is not public, who may see it is asked as before.
    const outsider = await t.http().get(`/api/proposals/${e1.id}/exports/elm`).set(w.auth('suReviewer')).buffer(true);
    expect([outsider.status, outsider.text]).toEqual([200, (await pub().get(`/api/catalogue/${e1.reference}/exports/elm`).buffer(true)).text]);
    expect((await t.http().get(`/api/proposals/${e1.id}`).set(w.auth('suReviewer'))).status).toBe(404);
    expect((await t.http().get(`/api/proposals/${approved.id}/exports/elm`).set(w.auth('suReviewer'))).status).toBe(404);
    expect((await t.http().get(`/api/proposals/${approved.id}/exports/elm`).set(w.auth('cuniAdmin'))).status).toBe(200);
    // A token or cookie that is sent must be valid, even where none is needed, whatever its shape.
    for (const [name, value] of [
      ['Authorization', 'Bearer a.b.c'],
      ['Authorization', 'Bearer garbage'],
      ['Authorization', 'Basic dXNlcjpwdw=='],
      ['Cookie', 'mc_session=junk'],
    ]) {
      const res = await pub().get(`/api/proposals/${e1.id}/exports/elm`).set(name, value);
      expect([value, res.status]).toEqual([value, 401]);
    }
  }); // prettier-ignore

  it('never shows a person: no e-mail address and no user id in any public answer', async () => {
    const me = await t.http().get('/api/me').set(w.auth('allianceAdmin'));
    const userIds = [...[...w.users.values()].map((u) => u.id), me.body.id].filter(Boolean);
    const { rows } = await db.query(`SELECT id::text FROM users`);
    const ids = new Set([...userIds, ...rows.map((r: { id: string }) => r.id)]);
    const bodies: string[] = [];
    for (const path of [
      `/api/catalogue?q=${TOKEN}`,
      '/api/catalogue',
      '/api/catalogue?limit=100',
      ...[e1, e2, e3, retired].flatMap((p) => [
        `/api/catalogue/${p.reference}`,
        `/api/catalogue/${p.reference}/pathways`,
        `/api/catalogue/${p.reference}/exports/ob3-achievement`,
        `/api/catalogue/${p.reference}/exports/ob3-endorsement`,
        `/api/catalogue/${p.reference}/exports/elm`,
      ]),
      '/sitemap.xml',
    ]) {
      const res = await pub().get(path);
      expect([path, res.status]).toEqual([path, 200]);
      bodies.push(res.text);
    }
    const all = bodies.join('\n');
    expect(all.match(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g)).toBeNull();
    expect([...ids].filter((id) => all.includes(id))).toEqual([]);
    expect(all).not.toMatch(/createdBy|actorId|displayName|email/);
  });
});

describe('stackability at SUBMIT', () => {
  const submit = async (stackability: Record<string, unknown>) => {
    const p = await w.create(
      content({ title: 'Stacking test', summary: `${TOKEN} stacking`, stackability }),
      ['uhd'],
    );
    return { p, res: await w.send(p.id, 'cuniProposer', 'SUBMIT') };
  };
  const fields = (res: { body: { errors?: Array<{ field: string }> } }) =>
    (res.body.errors ?? []).map((e) => e.field);

  it('refuses a reference that does not exist, or names no available micro-credential, with 422 naming the field', async () => {
    const withdrawn = await w.create(content({ title: 'Withdrawn one' }), ['uhd']);
    await w.ok(withdrawn.id, 'cuniProposer', 'WITHDRAW');
    const { p, res } = await submit({
      stacksInto: [e1.reference, 'MC-1999-9999'],
      composedOf: [withdrawn.reference, 'not a reference'],
    });
    expect(res.status).toBe(422);
    expect(fields(res).sort()).toEqual([
      'content.stackability.composedOf[0]',
      'content.stackability.composedOf[1]',
      'content.stackability.stacksInto[1]',
    ]);
    expect((await w.get(p.id)).body.state).toBe('draft');
  });

  it("treats another institution's unpublished proposal as not existing, so a submission does not reveal it", async () => {
    // unimi's draft and its submitted proposal: cuni is neither lead nor partner, and neither is published.
    const draft = await w.create(content({ title: 'Hidden draft' }), ['uw'], 'unimiProposer');
    const submitted = await w.create(content({ title: 'Hidden submitted' }), ['uw'], 'unimiProposer');
    await w.ok(submitted.id, 'unimiProposer', 'SUBMIT');
    expect((await w.get(submitted.id)).status).toBe(404);
    const { res } = await submit({ stacksInto: [submitted.reference], composedOf: [draft.reference] });
    const { res: missing } = await submit({ stacksInto: ['MC-1999-9999'], composedOf: ['MC-1999-9998'] });
    expect(res.status).toBe(422);
    const messages = (r: typeof res) =>
      (r.body.errors as Array<{ field: string; message: string }>).map((e) => [
        e.field,
        e.message.replace(/MC-\d{4}-\d{4,}/, 'REF'),
      ]);
    // Word for word what a reference that does not exist gets.
    expect(messages(res)).toEqual(messages(missing));
    // A proposal unimi leads with cuni as a partner is visible to cuni, so its reference counts.
    const shared = await w.create(content({ title: 'Shared with cuni' }), ['cuni'], 'unimiProposer');
    const { res: ok } = await submit({ stacksInto: [shared.reference], composedOf: [] });
    expect(ok.status).toBe(200);
  });

  it('judges cycles on what the lead institution can see, so a refusal never reveals a hidden link', async () => {
    const b = await drive(content({ title: 'Cycle part B' }), ['uhd'], 'published');
    const c = await drive(content({ title: 'Cycle whole C' }), ['uhd'], 'published');
    // unimi's proposal, which cuni cannot see, links them: B → hidden → C.
    const hidden = await w.create(
      content({
        title: 'Hidden link',
        stackability: { composedOf: [b.reference], stacksInto: [c.reference] },
      }),
      ['uw'],
      'unimiProposer',
    );
    await w.ok(hidden.id, 'unimiProposer', 'SUBMIT');
    // C → x → B closes a cycle only through the hidden proposal: refusing it would reveal that link.
    const { res } = await submit({ composedOf: [c.reference], stacksInto: [b.reference] });
    expect([res.status, res.body.errors]).toEqual([200, undefined]);
  });

  it('refuses a reference that would close a cycle, and a self-reference, naming the field; accepts the same without the cycle', async () => {
    // e1 → e2 → e3 already: stacking into e1 while being composed of e3 closes e3 → x → e1 → e2 → e3.
    const { p, res } = await submit({ stacksInto: [e1.reference], composedOf: [e3.reference] });
    expect(res.status).toBe(422);
    expect(res.body.type).toMatch(/workflow-rule/);
    expect(fields(res).sort()).toEqual([
      'content.stackability.composedOf[0]',
      'content.stackability.stacksInto[0]',
    ]);
    // Composed of an entry that itself counts towards e1: e2 → x → e1 → e2.
    const second = await submit({ stacksInto: [e1.reference], composedOf: [e2.reference] });
    expect([second.res.status, fields(second.res)]).toEqual([
      422,
      ['content.stackability.stacksInto[0]', 'content.stackability.composedOf[0]'],
    ]);
    const self = await t
      .http()
      .patch(`/api/proposals/${p.id}`)
      .set(w.auth('cuniProposer'))
      .send({ content: { stackability: { stacksInto: [p.reference], composedOf: [] } } });
    expect(self.status).toBe(200);
    const selfRes = await w.send(p.id, 'cuniProposer', 'SUBMIT');
    expect([selfRes.status, fields(selfRes)]).toEqual([422, ['content.stackability.stacksInto[0]']]);
    const fine = await submit({ stacksInto: [e3.reference], composedOf: [e1.reference] });
    expect(fine.res.status).toBe(200);
  });

  it('reports stackability problems together with the other problems of the content', async () => {
    const p = await w.create({ title: 'Incomplete', stackability: { stacksInto: ['MC-1999-9999'] } }, [
      'uhd',
    ]);
    const res = await w.send(p.id, 'cuniProposer', 'SUBMIT');
    expect(res.status).toBe(422);
    expect(fields(res)).toEqual(
      expect.arrayContaining(['content.summary', 'content.stackability.stacksInto[0]']),
    );
  });
});
