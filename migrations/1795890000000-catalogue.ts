import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The public catalogue: one row per micro-credential that was published (kept, marked retired, when it
 * is retired), written by the workflow transaction that publishes or retires it. Only published
 * content and institution ids are copied here, so the public side never reads the proposals table.
 * `search` is a generated tsvector: the entry's own language configuration (title A, summary B,
 * learning outcomes C) plus an unstemmed `simple` copy (D), so a query in any language finds it.
 * `catalogue_state.version` moves in the same transaction as every change, for cheap ETags.
 */
export class Catalogue1795890000000 implements MigrationInterface {
  name = 'Catalogue1795890000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`
      CREATE TABLE catalogue_entries (
        proposal_id             uuid PRIMARY KEY REFERENCES proposals(id),
        reference               text NOT NULL UNIQUE,
        status                  text NOT NULL CHECK (status IN ('published', 'retired')),
        title                   text NOT NULL,
        summary                 text NOT NULL,
        outcomes_text           text NOT NULL,
        content                 jsonb NOT NULL,
        ects                    numeric(5, 1) NOT NULL,
        eqf_level               int NOT NULL,
        languages               text[] NOT NULL,
        strategic_areas         text[] NOT NULL,
        lead_institution_id     text NOT NULL REFERENCES institutions(id),
        partner_institution_ids text[] NOT NULL,
        institution_ids         text[] NOT NULL,
        esco_skill_uris         text[] NOT NULL,
        stacks_into             text[] NOT NULL,
        composed_of             text[] NOT NULL,
        alignments              jsonb NOT NULL,
        search_config           regconfig NOT NULL,
        search                  tsvector GENERATED ALWAYS AS (
                                  setweight(to_tsvector(search_config, title), 'A')
                                  || setweight(to_tsvector(search_config, summary), 'B')
                                  || setweight(to_tsvector(search_config, outcomes_text), 'C')
                                  || setweight(to_tsvector('simple'::regconfig, title || ' ' || summary || ' ' || outcomes_text), 'D')
                                ) STORED,
        published_at            timestamptz(3) NOT NULL,
        retired_at              timestamptz(3)
      )`);
    // Read far more often than written (a publish is rare): no pending list for searches to scan.
    await q.query(
      `CREATE INDEX catalogue_search_idx ON catalogue_entries USING gin (search) WITH (fastupdate = off)
       WHERE status = 'published'`,
    );
    await q.query(
      `CREATE INDEX catalogue_title_trgm_idx ON catalogue_entries USING gin (title gin_trgm_ops) WHERE status = 'published'`,
    );
    await q.query(
      `CREATE INDEX catalogue_list_idx ON catalogue_entries (published_at DESC, reference) WHERE status = 'published'`,
    );
    // Strategic areas, languages and institutions have a handful of values each: an index on them
    // would select a fifth of the rows, so they filter what the text search or the list order found.
    await q.query(`CREATE INDEX catalogue_esco_idx ON catalogue_entries USING gin (esco_skill_uris)`);
    // Pathway look-ups: who names this reference as a whole or as a part.
    await q.query(`CREATE INDEX catalogue_stacks_into_idx ON catalogue_entries USING gin (stacks_into)`);
    await q.query(`CREATE INDEX catalogue_composed_of_idx ON catalogue_entries USING gin (composed_of)`);

    await q.query(`
      CREATE TABLE catalogue_state (
        id      int PRIMARY KEY CHECK (id = 1),
        version bigint NOT NULL
      )`);
    await q.query(`INSERT INTO catalogue_state (id, version) VALUES (1, 1)`);

    // Monthly throughput reads decisions by time (per proposal they come in order from the unique key).
    await q.query(`CREATE INDEX decisions_created_idx ON decisions (created_at)`);
    // Stage analytics skip proposals that last changed before the window and wait nowhere.
    await q.query(`CREATE INDEX proposals_updated_idx ON proposals (updated_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX proposals_updated_idx`);
    await q.query(`DROP INDEX decisions_created_idx`);
    await q.query(`DROP TABLE catalogue_state`);
    await q.query(`DROP TABLE catalogue_entries`);
    // pg_trgm stays: other objects may use it by now, and it is harmless.
  }
}
