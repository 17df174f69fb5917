import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Proposals with their persisted review-machine snapshot, immutable submitted revisions, one row per
 * decision, per-year reference counters, and the quality checklist (reference data).
 */
export class Proposals1795810000000 implements MigrationInterface {
  name = 'Proposals1795810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reference_counters (
        year int PRIMARY KEY,
        last int NOT NULL
      )`);

    await q.query(`
      CREATE TABLE proposals (
        id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        reference               text NOT NULL UNIQUE CHECK (reference ~ '^MC-[0-9]{4}-[0-9]{4,}$'),
        lead_institution_id     text NOT NULL REFERENCES institutions(id),
        partner_institution_ids text[] NOT NULL DEFAULT '{}',
        -- countries of lead and partners as of the last submission (agency visibility)
        involved_countries      text[] NOT NULL DEFAULT '{}',
        -- once true stays true: agency liaisons see a proposal from agencyAlignment on
        agency_visible          boolean NOT NULL DEFAULT false,
        state                   text NOT NULL,
        workflow_id             text NOT NULL,
        workflow_version        int NOT NULL CHECK (workflow_version >= 1),
        snapshot                jsonb NOT NULL,
        version                 int NOT NULL DEFAULT 1 CHECK (version >= 1),
        revision                int NOT NULL DEFAULT 1 CHECK (revision >= 1),
        content                 jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_by              uuid NOT NULL REFERENCES users(id),
        created_at              timestamptz(3) NOT NULL DEFAULT now(),
        updated_at              timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (NOT (lead_institution_id = ANY (partner_institution_ids)))
      )`);
    await q.query(`CREATE INDEX proposals_state_idx ON proposals (state)`);
    await q.query(`CREATE INDEX proposals_list_idx ON proposals (created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX proposals_lead_idx ON proposals (lead_institution_id, created_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX proposals_partners_idx ON proposals USING gin (partner_institution_ids)`);
    await q.query(
      `CREATE INDEX proposals_countries_idx ON proposals USING gin (involved_countries) WHERE agency_visible`,
    );

    await q.query(`
      CREATE TABLE proposal_revisions (
        proposal_id             uuid NOT NULL REFERENCES proposals(id),
        revision                int NOT NULL,
        content                 jsonb NOT NULL,
        partner_institution_ids text[] NOT NULL,
        submitted_by            uuid NOT NULL REFERENCES users(id),
        submitted_at            timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (proposal_id, revision)
      )`);
    // A submitted revision is evidence: nobody edits or removes it.
    await q.query(`
      CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % is not allowed: rows are immutable', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER proposal_revisions_immutable BEFORE UPDATE OR DELETE ON proposal_revisions
      FOR EACH ROW EXECUTE FUNCTION refuse_change()`);

    await q.query(`
      CREATE TABLE decisions (
        id                   bigserial PRIMARY KEY,
        proposal_id          uuid NOT NULL REFERENCES proposals(id),
        -- the proposal's version after this event; unique, so a decision is never recorded twice
        proposal_version     int NOT NULL,
        revision             int NOT NULL,
        event                text NOT NULL,
        from_state           text,
        to_state             text NOT NULL,
        actor_id             uuid NOT NULL REFERENCES users(id),
        actor_institution_id text NOT NULL REFERENCES institutions(id),
        actor_role           text NOT NULL,
        comment              text,
        criteria             jsonb,
        outcome              text,
        conditions           text,
        nqf_level            text,
        external_reference   text,
        created_at           timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (proposal_id, proposal_version)
      )`);
    await q.query(`
      CREATE TRIGGER decisions_immutable BEFORE UPDATE OR DELETE ON decisions
      FOR EACH ROW EXECUTE FUNCTION refuse_change()`);

    await q.query(`
      CREATE TABLE quality_criteria (
        id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,79}$'),
        group_name  text NOT NULL,
        source      text NOT NULL,
        title       text NOT NULL,
        question    text NOT NULL,
        position    int NOT NULL,
        active      boolean NOT NULL DEFAULT true
      )`);
    await q.query(
      `INSERT INTO quality_criteria (id, group_name, source, title, question, position)
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS x(id text, group_name text, source text, title text, question text, position int)`,
      [
        JSON.stringify(
          CRITERIA.map(([id, group_name, source, title, question], i) => ({
            id,
            group_name,
            source,
            title,
            question,
            position: i + 1,
          })),
        ),
      ],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE quality_criteria`);
    await q.query(`DROP TABLE decisions`);
    await q.query(`DROP TABLE proposal_revisions`);
    await q.query(`DROP FUNCTION refuse_change()`);
    await q.query(`DROP TABLE proposals`);
    await q.query(`DROP TABLE reference_counters`);
  }
}

// The seeded 4EU+QUALITY checklist (DESIGN.md section 5; DOMAIN.md sections 1.4, 2 and 6.2).
// The alliance edits it in the table, without a release; this list is only the starting point.
const CRITERIA: Array<[string, string, string, string, string]> = [
  [
    'eu-quality',
    'EU principles',
    'Council Recommendation 2022/C 243/02, Annex II-1',
    'Quality',
    "Covered by documented internal QA (which procedure approved it), within the institution's quality-assured scope, with learner and stakeholder feedback and a review cycle.",
  ],
  [
    'eu-transparency',
    'EU principles',
    'Annex II-2',
    'Transparency',
    'All Annex I standard elements present; credit, level and outcomes consistent; catalogue entry planned.',
  ],
  [
    'eu-relevance',
    'EU principles',
    'Annex II-3',
    'Relevance',
    'Evidence of a learning or skills need (labour market, stakeholders); target group defined; update date set.',
  ],
  [
    'eu-valid-assessment',
    'EU principles',
    'Annex II-4',
    'Valid assessment',
    'Each learning outcome mapped to an assessment method; pass criteria and grading stated.',
  ],
  [
    'eu-learning-pathways',
    'EU principles',
    'Annex II-5',
    'Learning pathways',
    'Stand-alone or stackable declared; target qualification named if stackable; recognition of prior learning route stated.',
  ],
  [
    'eu-recognition',
    'EU principles',
    'Annex II-6',
    'Recognition',
    'Level, credits and QA information sufficient for recognition; mutual recognition among partners recorded.',
  ],
  [
    'eu-portable',
    'EU principles',
    'Annex II-7',
    'Portable',
    'Issued in an open, interoperable format (EDC/ELM, Open Badges 3.0) that the holder can store and share.',
  ],
  [
    'eu-learner-centred',
    'EU principles',
    'Annex II-8',
    'Learner-centred',
    'Designed for the target learners; learners take part in QA and their feedback is used.',
  ],
  [
    'eu-authentic',
    'EU principles',
    'Annex II-9',
    'Authentic',
    'Credential identifies holder, issuer (legal identity), date and place of issue; signing or sealing set.',
  ],
  [
    'eu-information-guidance',
    'EU principles',
    'Annex II-10',
    'Information and guidance',
    'Public description, guidance and contact point ready; accessible to a broad audience.',
  ],
  [
    'esg-1-2-design-approval',
    'ESG 2015 part 1',
    'ESG 1.2',
    'Design and approval of programmes',
    'Formal design and approval; intended outcomes achievable; qualification placed at the right EQF/NQF level.',
  ],
  [
    'esg-1-3-student-centred-assessment',
    'ESG 2015 part 1',
    'ESG 1.3',
    'Student-centred learning, teaching and assessment',
    'Fair, consistent assessment with published criteria, reflecting student-centred delivery.',
  ],
  [
    'esg-1-8-public-information',
    'ESG 2015 part 1',
    'ESG 1.8',
    'Public information',
    'Clear, accurate, up-to-date public information on the offer.',
  ],
  [
    'esg-1-9-monitoring-review',
    'ESG 2015 part 1',
    'ESG 1.9',
    'On-going monitoring and periodic review',
    'Monitoring and periodic (at least annual) review planned after launch.',
  ],
  [
    'alliance-ects-range',
    '4EU+ rules',
    '4EU+ policy (ECTS_MIN..ECTS_MAX)',
    'ECTS within the alliance range',
    'ECTS within the alliance bounds and a multiple of 0.5.',
  ],
  [
    'alliance-hours-per-ects',
    '4EU+ rules',
    "ECTS Users' Guide",
    'Workload of 25 to 30 hours per ECTS',
    'Declared workload consistent with 25–30 hours per ECTS credit.',
  ],
  [
    'alliance-esco-outcomes',
    '4EU+ rules',
    'ESCO',
    'ESCO-aligned learning outcomes',
    'Learning outcomes reference ESCO skills where applicable, with resolvable URIs.',
  ],
  [
    'alliance-stackability',
    '4EU+ rules',
    'Annex II-5',
    'Stackability',
    'How the micro-credential stacks into larger programmes (or why it stands alone) is stated.',
  ],
  [
    'alliance-partner-internal-approval',
    '4EU+ rules',
    'Internal approvals',
    "Each partner's internal approval",
    "Each co-developing university's internal approval (e.g. faculty council, quality board) obtained.",
  ],
];
