import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DataSource } from 'typeorm';
import { isRealInstant } from '../common/cursor.js';
import { DEFAULT_PAGE_SIZE } from '../common/pagination.dto.js';
import { DomainError, notFound } from '../common/domain-error.js';
import { queryPrepared } from '../database/prepared-query.js';
import { QUERY_CONFIGS } from './catalogue-writer.service.js';
import type {
  CatalogueEntryDto,
  CatalogueFacetsDto,
  CatalogueItemDto,
  CataloguePageDto,
  CatalogueQueryDto,
  PathwayDto,
  PathwaysDto,
  StackLinkDto,
} from './catalogue.dto.js';
import { MC_REFERENCE, kindOf } from './stackability.js';

const ITEM_FIELDS = [
  'e.reference',
  'e.title',
  'e.summary',
  'e.ects::float8 AS ects',
  'e.eqf_level AS "eqfLevel"',
  'e.languages',
  'e.strategic_areas AS "strategicAreas"',
  'e.lead_institution_id AS "leadInstitutionId"',
  'e.partner_institution_ids AS "partnerInstitutionIds"',
  'e.published_at AS "publishedAt"',
];
const ITEM_COLUMNS = ITEM_FIELDS.join(', ');
/** What the public catalogue shows: published entries only. */
const PUBLISHED = `e.status = 'published'`;

type Row = Omit<CatalogueItemDto, 'publishedAt'> & { publishedAt: Date; rank?: number };

/** A cursor: rank + reference when searching, publication time + reference otherwise. */
type Cursor = { r: number; ref: string } | { p: string; ref: string };

function badCursor(): DomainError {
  return new DomainError('validation-failed', 'cursor: not a cursor this endpoint issued', [
    { field: 'cursor', message: 'not a cursor this endpoint issued' },
  ]);
}

function decode(cursor: string | undefined, searching: boolean): Cursor | undefined {
  if (!cursor) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const o = v as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null || typeof o.ref !== 'string' || !MC_REFERENCE.test(o.ref))
    throw badCursor();
  if (searching && typeof o.r === 'number' && Number.isFinite(o.r) && o.r >= 0 && o.r < 1e6)
    return { r: o.r, ref: o.ref };
  if (
    !searching &&
    typeof o.p === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(o.p) &&
    isRealInstant(o.p)
  )
    return { p: o.p, ref: o.ref };
  throw badCursor();
}

const encode = (c: Cursor) => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');

/** A statement's values, and `add`, which appends one and answers its placeholder. */
function placeholders(): { params: unknown[]; add: (v: unknown) => string } {
  const params: unknown[] = [];
  return {
    params,
    add: (v) => {
      params.push(v);
      return `$${params.length}`;
    },
  };
}

const FACETS = ['strategicArea', 'eqfLevel', 'ects', 'language', 'institutionId', 'escoSkillUri'] as const;
type Facet = (typeof FACETS)[number];
/** One SQL predicate per facet's filter (see `filters`). */
type Filters = Record<Facet, string>;
type Facets = { facets: CatalogueFacetsDto; matched: number };
type FacetRow = { facet: Facet | 'matched' | 'item'; value: string; count: number };

/** Facet rows → the response's facets (numeric facets in value order, others by count) and `matched`. */
function facetsOf(rows: FacetRow[]): Facets {
  const out = Object.fromEntries(FACETS.map((f) => [f, []])) as unknown as CatalogueFacetsDto;
  let matched = 0;
  for (const r of rows) {
    if (r.facet === 'matched') matched = r.count;
    else if (r.facet !== 'item') out[r.facet].push({ value: r.value, count: r.count });
  }
  const numeric = new Set<Facet>(['eqfLevel', 'ects']);
  for (const f of FACETS)
    out[f].sort((a, b) =>
      numeric.has(f)
        ? Number(a.value) - Number(b.value)
        : b.count - a.count || a.value.localeCompare(b.value),
    );
  return { facets: out, matched };
}

/**
 * The public catalogue, read from `catalogue_entries` only (never from proposals or users): search
 * with facets, the detail of one entry, and the stackability graph around it.
 */
@Injectable()
export class CatalogueService {
  /**
   * Query text → its tsquery in every configuration. Parsing depends only on the text and the
   * server's dictionaries, so it is done once per text (it was a round trip and 17 parses per search).
   */
  private readonly parsed = new LRUCache<string, string>({ max: 10_000 });

  /**
   * Facet counts of browsing without search words (the catalogue's front page and its filter
   * clicks), per catalogue version and filters. They count every published entry (about 135 ms of
   * database time at 20,000 entries), and they change only with the version, which moves in the
   * transaction of every publish and retire: a new version is a new key, so an answer is never stale.
   */
  private readonly browseFacets = new LRUCache<string, Promise<Facets>>({ max: 500 });

  /**
   * Institution names and countries by id. Neither changes once the institution exists (the API
   * changes only its domains and sign-in options), so nothing goes stale.
   */
  private readonly institutionFacts = new LRUCache<string, { name: string; country: string | null }>({
    max: 10_000,
  });

  constructor(private readonly dataSource: DataSource) {}

  /** The names and countries of these institutions (public: the alliance's members and agencies). */
  private async institutionsOf(
    ids: Iterable<string>,
  ): Promise<{ names: Record<string, string>; countries: Record<string, string> }> {
    const wanted = [...new Set(ids)].sort();
    const missing = wanted.filter((id) => !this.institutionFacts.has(id));
    if (missing.length) {
      const rows: Array<{ id: string; name: string; country: string | null }> = await this.dataSource.query(
        `SELECT id, name, country FROM institutions WHERE id = ANY ($1::text[])`,
        [missing],
      );
      for (const r of rows) this.institutionFacts.set(r.id, { name: r.name, country: r.country });
    }
    const names: Record<string, string> = {};
    const countries: Record<string, string> = {};
    for (const id of wanted) {
      const facts = this.institutionFacts.get(id);
      if (facts) names[id] = facts.name;
      if (facts?.country) countries[id] = facts.country;
    }
    return { names, countries };
  }

  /** The names of these institutions, id-sorted. */
  private async namesOf(ids: Iterable<string>): Promise<Record<string, string>> {
    return (await this.institutionsOf(ids)).names;
  }

  /** Moves with every publish and retire (same transaction); the ETags are made of it. */
  async version(): Promise<string> {
    const rows: Array<{ version: string }> = await this.dataSource.query(
      `SELECT version::text AS version FROM catalogue_state WHERE id = 1`,
    );
    return rows[0]?.version ?? '0';
  }

  /** A strong ETag for what this request answers: the catalogue version and the request itself. */
  static etag(version: string, request: string): string {
    return `"c${version}-${createHash('sha256').update(request).digest('base64url').slice(0, 22)}"`;
  }

  /**
   * `version` is the catalogue version the caller read for its ETag; with it, facet counts of
   * browsing without search words come from memory while the version holds.
   */
  async search(q: CatalogueQueryDto, version?: string): Promise<CataloguePageDto> {
    const text = q.q?.trim() ? q.q.trim() : undefined;
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const after = decode(q.cursor, text !== undefined);
    if (q.ectsMin !== undefined && q.ectsMax !== undefined && q.ectsMin > q.ectsMax)
      throw new DomainError('validation-failed', 'ectsMax: must not be below ectsMin', [
        { field: 'ectsMax', message: 'must not be below ectsMin' },
      ]);

    let found: [Row[], Facets] | undefined;
    if (text === undefined) {
      // Browsing: the page comes from the list index; the facet counts (every published entry) from
      // memory while the catalogue version holds.
      const { params, add } = placeholders();
      const filters = this.filters(q, add);
      const key = version === undefined ? undefined : JSON.stringify([version, params]);
      found = await Promise.all([
        this.browsePage(filters, after, limit, [...params]),
        key === undefined
          ? this.facets([PUBLISHED], filters, [...params])
          : this.cachedBrowseFacets(key, [PUBLISHED], filters, params),
      ]);
    } else if (MC_REFERENCE.test(text.trim().toUpperCase())) {
      // A reference typed into the search box (from a link, a certificate) finds that entry.
      found = await this.matches(
        q,
        (v) => ({ where: `e.reference = ${v}`, rank: '1::float8' }),
        text.trim().toUpperCase(),
        after,
        limit,
      );
    } else {
      const tsquery = await this.tsquery(text);
      if (tsquery !== '') {
        // Full-text matches: the GIN index, ranked by cover density with title > summary > outcomes.
        const answer = await this.matches(
          q,
          (v) => ({
            where: `e.search @@ ${v}::tsquery`,
            rank: `ts_rank_cd(e.search, ${v}::tsquery)::float8`,
          }),
          tsquery,
          after,
          limit,
        );
        if (answer[1].matched > 0) found = answer;
      }
      if (!found) {
        // No word matched anywhere: a typo, perhaps. Titles that look like the query (pg_trgm).
        found = await this.matches(
          q,
          (v) => ({ where: `${v}::text <% e.title`, rank: `word_similarity(${v}::text, e.title)::float8` }),
          text,
          after,
          limit,
        );
      }
    }
    const [items, { facets }] = found;
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor =
      items.length > limit && last
        ? encode(
            text !== undefined
              ? { r: last.rank ?? 0, ref: last.reference }
              : { p: last.publishedAt.toISOString(), ref: last.reference },
          )
        : null;
    const institutions = await this.namesOf([
      ...page.flatMap((i) => [i.leadInstitutionId, ...i.partnerInstitutionIds]),
      ...facets.institutionId.map((f) => f.value),
    ]);
    return {
      items: page.map(({ rank: _r, publishedAt, ...rest }) => ({
        ...rest,
        publishedAt: publishedAt.toISOString(),
      })),
      nextCursor,
      facets,
      institutions,
    };
  }

  private cachedBrowseFacets(
    key: string,
    where: string[],
    filters: Filters,
    params: unknown[],
  ): Promise<Facets> {
    let facets = this.browseFacets.get(key);
    if (!facets) {
      facets = this.facets(where, filters, [...params]);
      this.browseFacets.set(key, facets);
      facets.catch(() => this.browseFacets.delete(key));
    }
    return facets;
  }

  /**
   * The query parsed in every configuration, duplicates dropped (most words stem alike in several
   * languages), as one tsquery; '' when no configuration finds a word in it. The search's prepared
   * statement takes it as a value; its generic plan reads the GIN index whatever the words (measured
   * with a word in a fifth of the entries: 30 ms against 42 ms with a plan for the actual words).
   */
  private async tsquery(text: string): Promise<string> {
    const cached = this.parsed.get(text);
    if (cached !== undefined) return cached;
    const parsed = QUERY_CONFIGS.map((c) => `websearch_to_tsquery('${c}', $1)`).join(', ');
    const rows: Array<{ tsquery: string | null }> = await this.dataSource.query(
      `SELECT string_agg(DISTINCT '(' || x::text || ')', ' | ') AS tsquery
       FROM unnest(ARRAY[${parsed}]) x WHERE numnode(x) > 0`,
      [text],
    );
    const tsquery = rows[0]?.tsquery ?? '';
    this.parsed.set(text, tsquery);
    return tsquery;
  }

  /**
   * One SQL predicate per filter; a facet applies all but its own. Every filter is in the text, with
   * NULL for one not asked for, so the text is the same for every request (the search's prepared
   * statement). A statement planned for its values (browsing) folds the NULL ones away.
   */
  private filters(q: CatalogueQueryDto, add: (v: unknown) => string): Filters {
    const unless = (v: unknown, type: string, sql: (p: string) => string): string => {
      const p = `${add(v)}::${type}`;
      return `(${p} IS NULL OR ${sql(p)})`;
    };
    const list = (v: unknown[] | undefined) => (v?.length ? v : null);
    return {
      strategicArea: unless(list(q.strategicArea), 'text[]', (p) => `e.strategic_areas && ${p}`),
      eqfLevel: unless(list(q.eqfLevel), 'int[]', (p) => `e.eqf_level = ANY (${p})`),
      ects: [
        unless(q.ectsMin ?? null, 'numeric', (p) => `e.ects >= ${p}`),
        unless(q.ectsMax ?? null, 'numeric', (p) => `e.ects <= ${p}`),
      ].join(' AND '),
      language: unless(list(q.language), 'text[]', (p) => `e.languages && ${p}`),
      institutionId: unless(list(q.institutionId), 'text[]', (p) => `e.institution_ids && ${p}`),
      escoSkillUri: unless(list(q.escoSkillUri), 'text[]', (p) => `e.esco_skill_uris && ${p}`),
    };
  }

  /** A page of browsing (no search words): newest first, from the list index. */
  private async browsePage(
    filters: Filters,
    after: Cursor | undefined,
    limit: number,
    params: unknown[],
  ): Promise<Row[]> {
    const conds = [PUBLISHED, ...Object.values(filters)];
    if (after && 'p' in after) {
      params.push(after.p, after.ref);
      const [p, ref] = [`$${params.length - 1}::timestamptz`, `$${params.length}`];
      conds.push(`(e.published_at < ${p} OR (e.published_at = ${p} AND e.reference > ${ref}))`);
    }
    params.push(limit + 1);
    return this.dataSource.query(
      `SELECT ${ITEM_COLUMNS}, 0::float8 AS rank FROM catalogue_entries e WHERE ${conds.join(' AND ')}
       ORDER BY e.published_at DESC, e.reference LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * A search in one statement: the matches are read from the heap once (`base`), then both the page
   * (the best-ranked rows that pass every filter, their columns fetched by reference) and the facet
   * counts come from them. Two statements read the same matches twice: at 20,000 entries that was
   * about a fifth more database time per search (measured in README, "Catalogue and analytics").
   * `match` gives the condition and the rank for the placeholder of `value`. The text does not vary
   * with the request (filters and cursor as values, NULL when absent), so it runs as a prepared
   * statement: parsing it took PostgreSQL longer than running it.
   */
  private async matches(
    q: CatalogueQueryDto,
    match: (placeholder: string) => { where: string; rank: string },
    value: unknown,
    after: Cursor | undefined,
    limit: number,
  ): Promise<[Row[], Facets]> {
    const { params, add } = placeholders();
    const filters = this.filters(q, add);
    const { where, rank } = match(add(value));
    const cursor = after && 'r' in after ? after : undefined;
    const [r, ref] = [`${add(cursor?.r ?? null)}::float8`, `${add(cursor?.ref ?? null)}::text`];
    const lim = add(limit + 1);
    const all = Object.values(filters).join(' AND ');
    // The page's branch comes first: it gives the columns their types; facet rows leave them NULL.
    const rows = await queryPrepared<Row & FacetRow & { ord: number | null }>(
      this.dataSource,
      `WITH base AS MATERIALIZED (${this.base([PUBLISHED, where], filters, `e.reference, CASE WHEN ${all} THEN ${rank} END AS rank`)})
       (SELECT 'item' AS facet, NULL::text AS value, NULL::int AS count, ${ITEM_COLUMNS}, t.rank,
          row_number() OVER (ORDER BY t.rank DESC, t.reference) AS ord
        FROM (SELECT reference, rank FROM base
              WHERE rank IS NOT NULL AND (${r} IS NULL OR rank < ${r} OR (rank = ${r} AND reference > ${ref}))
              ORDER BY rank DESC, reference LIMIT ${lim}) t
        JOIN catalogue_entries e ON e.reference = t.reference)
       ${this.facetBranches(`, ${[...ITEM_FIELDS, 'rank', 'ord'].map(() => 'NULL').join(', ')}`)
         .map((b) => `UNION ALL ${b}`)
         .join('\n')}`,
      params,
    );
    const items = rows
      .filter((r) => r.facet === 'item')
      .sort((a, b) => Number(a.ord) - Number(b.ord))
      .map(({ facet: _f, value: _v, count: _c, ord: _o, ...item }) => item);
    return [items, facetsOf(rows.filter((r) => r.facet !== 'item'))];
  }

  /** The matches of `where` with their facet columns and a flag per filter (f_<facet>). */
  private base(where: string[], filters: Filters, extra?: string): string {
    return `SELECT ${extra ? `${extra}, ` : ''}e.strategic_areas, e.eqf_level, e.ects, e.languages,
        e.institution_ids, e.esco_skill_uris, ${FACETS.map((f) => `${filters[f]} AS f_${f}`).join(', ')}
      FROM catalogue_entries e WHERE ${where.join(' AND ')}`;
  }

  /**
   * Disjunctive facets over `base`: each facet counts its values among the rows that pass every
   * other filter; `matched` counts them all. `pad` adds columns to every branch.
   */
  private facetBranches(pad = ''): string[] {
    const others = (f: Facet) =>
      FACETS.filter((g) => g !== f)
        .map((g) => `f_${g}`)
        .join(' AND ');
    return [
      `SELECT 'strategicArea' AS facet, v AS value, count(*)::int AS count${pad}
         FROM base, unnest(strategic_areas) v WHERE ${others('strategicArea')} GROUP BY v`,
      `SELECT 'eqfLevel', eqf_level::text, count(*)::int${pad} FROM base WHERE ${others('eqfLevel')} GROUP BY eqf_level`,
      `SELECT 'ects', (ects::float8)::text, count(*)::int${pad} FROM base WHERE ${others('ects')} GROUP BY ects`,
      `SELECT 'language', v, count(*)::int${pad} FROM base, unnest(languages) v WHERE ${others('language')} GROUP BY v`,
      `SELECT 'institutionId', v, count(*)::int${pad} FROM base, unnest(institution_ids) v
         WHERE ${others('institutionId')} GROUP BY v`,
      `(SELECT 'escoSkillUri', v, count(*)::int${pad} FROM base, unnest(esco_skill_uris) v
         WHERE ${others('escoSkillUri')} GROUP BY v ORDER BY count(*) DESC, v LIMIT 20)`,
      `SELECT 'matched', NULL, count(*)::int${pad} FROM base`,
    ];
  }

  /** Facet counts alone (browsing: every published entry that passes the filters). */
  private async facets(where: string[], filters: Filters, params: unknown[]): Promise<Facets> {
    const rows: FacetRow[] = await this.dataSource.query(
      `WITH base AS MATERIALIZED (${this.base(where, filters)})
       ${this.facetBranches().join('\nUNION ALL ')}`,
      params,
    );
    return facetsOf(rows);
  }

  async detail(reference: string, origin: string): Promise<CatalogueEntryDto> {
    const rows: Array<
      Row & {
        status: string;
        retiredAt: Date | null;
        content: Record<string, unknown>;
        alignments: CatalogueEntryDto['alignments'];
        stacksInto: string[];
        composedOf: string[];
        leadName: string;
      }
    > = await this.dataSource.query(
      `SELECT ${ITEM_COLUMNS}, e.status, e.retired_at AS "retiredAt", e.content, e.alignments,
         e.stacks_into AS "stacksInto", e.composed_of AS "composedOf", i.name AS "leadName"
       FROM catalogue_entries e JOIN institutions i ON i.id = e.lead_institution_id WHERE e.reference = $1`,
      [reference],
    );
    const e = rows[0];
    if (!e) throw notFound('Micro-credential');
    // A link is declared by one side only (the part names what it stacks into, or the whole names its
    // parts); the page shows it from both, as the pathway graph does.
    const inverse: Array<{ reference: string; intoThis: boolean; partOfThis: boolean }> =
      await this.dataSource.query(
        `SELECT reference, stacks_into @> ARRAY[$1]::text[] AS "intoThis", composed_of @> ARRAY[$1]::text[] AS "partOfThis"
         FROM catalogue_entries WHERE stacks_into @> ARRAY[$1]::text[] OR composed_of @> ARRAY[$1]::text[]
         ORDER BY reference`,
        [reference],
      );
    const union = (own: string[], more: string[]) => [...own, ...more.filter((r) => !own.includes(r))];
    e.composedOf = union(
      e.composedOf,
      inverse.filter((i) => i.intoThis).map((i) => i.reference),
    );
    e.stacksInto = union(
      e.stacksInto,
      inverse.filter((i) => i.partOfThis).map((i) => i.reference),
    );
    const known = await this.lookup([...e.stacksInto, ...e.composedOf]);
    const link = (value: string): StackLinkDto => {
      if (kindOf(value) === 'programme')
        return {
          kind: 'programme',
          reference: null,
          url: value,
          title: null,
          status: 'not-in-catalogue',
          href: null,
        };
      const k = known.get(value);
      return {
        kind: 'micro-credential',
        reference: value,
        url: null,
        title: k?.title ?? null,
        status: k?.status ?? 'not-in-catalogue',
        href: k ? `/api/catalogue/${value}` : null,
      };
    };
    const { names: institutions, countries } = await this.institutionsOf([
      e.leadInstitutionId,
      ...e.partnerInstitutionIds,
      ...e.alignments.map((a) => a.agencyId),
    ]);
    const base = `/api/catalogue/${e.reference}`;
    const publishedAt = e.publishedAt.toISOString();
    const content = e.content;
    return {
      reference: e.reference,
      title: e.title,
      summary: e.summary,
      ects: e.ects,
      eqfLevel: e.eqfLevel,
      languages: e.languages,
      strategicAreas: e.strategicAreas,
      leadInstitutionId: e.leadInstitutionId,
      partnerInstitutionIds: e.partnerInstitutionIds,
      publishedAt,
      status: e.status,
      retiredAt: e.retiredAt ? e.retiredAt.toISOString() : null,
      content,
      alignments: e.alignments,
      stackability: { stacksInto: e.stacksInto.map(link), composedOf: e.composedOf.map(link) },
      exports: {
        ob3Achievement: `${base}/exports/ob3-achievement`,
        ob3Endorsement: `${base}/exports/ob3-endorsement`,
        elm: `${base}/exports/elm`,
      },
      schemaOrg: {
        '@context': 'https://schema.org',
        '@type': 'Course',
        '@id': `${origin}/catalogue/${e.reference}`,
        url: `${origin}/catalogue/${e.reference}`,
        courseCode: e.reference,
        name: e.title,
        description: e.summary,
        inLanguage: e.languages,
        educationalLevel: `EQF level ${e.eqfLevel}`,
        numberOfCredits: { '@type': 'StructuredValue', value: e.ects, unitText: 'ECTS' },
        teaches: Array.isArray(content.learningOutcomes)
          ? (content.learningOutcomes as Array<{ description?: unknown }>)
              .map((o) => o.description)
              .filter((d): d is string => typeof d === 'string')
          : [],
        provider: {
          '@type': 'CollegeOrUniversity',
          identifier: e.leadInstitutionId,
          name: e.leadName,
          ...(countries[e.leadInstitutionId]
            ? { address: { '@type': 'PostalAddress', addressCountry: countries[e.leadInstitutionId] } }
            : {}),
        },
        ...(typeof content.prerequisites === 'string' ? { coursePrerequisites: content.prerequisites } : {}),
        ...(typeof content.participationForm === 'string'
          ? {
              hasCourseInstance: {
                '@type': 'CourseInstance',
                courseMode: content.participationForm,
              },
            }
          : {}),
        datePublished: publishedAt,
      },
      institutions,
      countries,
    };
  }

  private async lookup(
    values: string[],
  ): Promise<Map<string, { title: string; status: string; ects: number }>> {
    const refs = [...new Set(values.filter((v) => kindOf(v) === 'reference'))];
    if (!refs.length) return new Map();
    const rows: Array<{ reference: string; title: string; status: string; ects: number }> =
      await this.dataSource.query(
        `SELECT reference, title, status, ects::float8 AS ects FROM catalogue_entries WHERE reference = ANY ($1::text[])`,
        [refs],
      );
    return new Map(rows.map((r) => [r.reference, r]));
  }

  /**
   * The graph around one entry: everything it counts towards (transitively) and everything that
   * counts towards it, as the catalogue's published entries declare it (an unpublished proposal's
   * declarations are not public). Bounded: 200 nodes, 100 pathways.
   */
  async pathways(reference: string): Promise<PathwaysDto> {
    const exists: Array<{ reference: string }> = await this.dataSource.query(
      `SELECT reference FROM catalogue_entries WHERE reference = $1`,
      [reference],
    );
    if (!exists.length) throw notFound('Micro-credential');
    const edges = new Map<string, { from: string; to: string }>();
    const addEdge = (from: string, to: string) => edges.set(`${from}\n${to}`, { from, to });
    const ups = new Set([reference]);
    const downs = new Set([reference]);
    let upFrontier = [reference];
    let downFrontier = [reference];
    const MAX_NODES = 200;
    for (let depth = 0; depth < 20 && (upFrontier.length || downFrontier.length); depth++) {
      const rows: Array<{ reference: string; stacksInto: string[]; composedOf: string[] }> =
        await this.dataSource.query(
          `SELECT reference, stacks_into AS "stacksInto", composed_of AS "composedOf" FROM catalogue_entries
           WHERE reference = ANY ($1::text[]) OR composed_of && $2::text[] OR stacks_into && $3::text[]`,
          [[...upFrontier, ...downFrontier], upFrontier, downFrontier],
        );
      const nextUp: string[] = [];
      const nextDown: string[] = [];
      const up = new Set(upFrontier);
      const down = new Set(downFrontier);
      const upEdge = (part: string, whole: string) => {
        addEdge(part, whole);
        nextUp.push(whole);
      };
      const downEdge = (part: string, whole: string) => {
        addEdge(part, whole);
        nextDown.push(part);
      };
      for (const r of rows) {
        // Wholes of an upward node: what it stacks into, and entries composed of it.
        if (up.has(r.reference)) for (const w of r.stacksInto) upEdge(r.reference, w);
        for (const part of r.composedOf) if (up.has(part)) upEdge(part, r.reference);
        // Parts of a downward node: what it is composed of, and entries that stack into it.
        if (down.has(r.reference)) for (const p of r.composedOf) downEdge(p, r.reference);
        for (const whole of r.stacksInto) if (down.has(whole)) downEdge(r.reference, whole);
      }
      upFrontier = [...new Set(nextUp)].filter((n) => !ups.has(n) && kindOf(n) === 'reference');
      downFrontier = [...new Set(nextDown)].filter((n) => !downs.has(n) && kindOf(n) === 'reference');
      for (const n of nextUp) ups.add(n);
      for (const n of nextDown) downs.add(n);
      if (ups.size + downs.size > MAX_NODES) break;
    }
    const ids = [...new Set([...ups, ...downs])];
    const known = await this.lookup(ids);
    const nodeOf = (id: string) => {
      const k = known.get(id);
      const programme = kindOf(id) === 'programme';
      return {
        id,
        kind: programme ? 'programme' : 'micro-credential',
        title: k?.title ?? null,
        ects: k?.ects ?? null,
        status: k?.status ?? 'not-in-catalogue',
        retired: k?.status === 'retired',
      };
    };
    const nodes = ids.map(nodeOf);
    const retired = new Set(nodes.filter((n) => n.retired).map((n) => n.id));
    const edgeList = [...edges.values()]
      .filter((e) => (ups.has(e.from) && ups.has(e.to)) || (downs.has(e.from) && downs.has(e.to)))
      .map((e) => ({ ...e, retired: retired.has(e.from) || retired.has(e.to) }));
    // Chains through the entry: every downward path reversed, joined to every upward path.
    const succ = new Map<string, string[]>();
    const pred = new Map<string, string[]>();
    for (const e of edgeList) {
      if (ups.has(e.from) && ups.has(e.to)) succ.set(e.from, [...(succ.get(e.from) ?? []), e.to]);
      if (downs.has(e.from) && downs.has(e.to)) pred.set(e.to, [...(pred.get(e.to) ?? []), e.from]);
    }
    const walk = (start: string, next: Map<string, string[]>): string[][] => {
      const out: string[][] = [];
      const go = (path: string[]) => {
        if (out.length >= 100) return;
        const more = (next.get(path[path.length - 1]) ?? []).filter((n) => !path.includes(n));
        if (!more.length) out.push(path);
        for (const n of more) go([...path, n]);
      };
      go([start]);
      return out;
    };
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const pathways: PathwayDto[] = [];
    for (const down of walk(reference, pred))
      for (const up of walk(reference, succ)) {
        if (pathways.length >= 100) break;
        const chain = [...down.slice(1).reverse(), ...up];
        if (chain.length < 2) continue;
        pathways.push({
          nodes: chain,
          totalEcts: chain.reduce((s, id) => s + (byId.get(id)?.ects ?? 0), 0),
          retired: chain.some((id) => retired.has(id)),
        });
      }
    const standing = pathways.filter((p) => !p.retired).map((p) => p.totalEcts);
    return {
      reference,
      nodes,
      edges: edgeList,
      pathways,
      totalEcts: standing.length ? Math.max(...standing) : (byId.get(reference)?.ects ?? 0),
    };
  }

  /** Every published entry, for the sitemap. */
  async sitemapEntries(): Promise<Array<{ reference: string; publishedAt: Date }>> {
    return this.dataSource.query(
      `SELECT reference, published_at AS "publishedAt" FROM catalogue_entries e
       WHERE e.status = 'published' ORDER BY published_at DESC, reference LIMIT 50000`,
    );
  }
}
