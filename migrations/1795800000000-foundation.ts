import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Institutions (seeded with the alliance, its members and their national agencies), users, settings. */
export class Foundation1795800000000 implements MigrationInterface {
  name = 'Foundation1795800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE institutions (
        id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
        name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        kind       text NOT NULL CHECK (kind IN ('university', 'alliance', 'agency')),
        country    char(2) CHECK (country ~ '^[A-Z]{2}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (kind = 'alliance' OR country IS NOT NULL)
      )`);
    await q.query(`
      INSERT INTO institutions (id, name, kind, country) VALUES
        ('cuni', 'Charles University', 'university', 'CZ'),
        ('uhd', 'Heidelberg University', 'university', 'DE'),
        ('su', 'Sorbonne University', 'university', 'FR'),
        ('ucph', 'University of Copenhagen', 'university', 'DK'),
        ('unimi', 'University of Milan', 'university', 'IT'),
        ('uw', 'University of Warsaw', 'university', 'PL'),
        ('unige', 'University of Geneva', 'university', 'CH'),
        ('assas', 'Paris-Panthéon-Assas University', 'university', 'FR'),
        ('4euplus', '4EU+ Alliance (4EU+QUALITY)', 'alliance', NULL),
        ('hceres', 'Hcéres', 'agency', 'FR'),
        ('nau', 'National Accreditation Bureau for Higher Education (NAÚ)', 'agency', 'CZ'),
        ('gac', 'German Accreditation Council (Akkreditierungsrat)', 'agency', 'DE'),
        ('ai-dk', 'Danish Accreditation Institution (Akkreditationsinstitutionen)', 'agency', 'DK'),
        ('anvur', 'ANVUR', 'agency', 'IT'),
        ('pka', 'Polish Accreditation Committee', 'agency', 'PL'),
        ('aaq', 'Swiss Agency of Accreditation and Quality Assurance (AAQ)', 'agency', 'CH')`);

    await q.query(`
      CREATE TABLE users (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email          text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
        display_name   text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
        institution_id text NOT NULL REFERENCES institutions(id),
        roles          text[] NOT NULL CHECK (
                         cardinality(roles) >= 1
                         AND roles <@ ARRAY['proposer', 'reviewer', 'quality_officer', 'agency_liaison', 'admin']::text[]),
        password_hash  text NOT NULL,
        -- millisecond precision so keyset cursors round-trip through JavaScript dates exactly
        created_at     timestamptz(3) NOT NULL DEFAULT now(),
        updated_at     timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // Case-insensitive uniqueness even if a future writer forgets to lower-case.
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);
    await q.query(`CREATE INDEX users_institution_idx ON users (institution_id, created_at, id)`);
    await q.query(`CREATE INDEX users_roles_idx ON users USING gin (roles)`);

    // Process-wide settings that every API and worker process must agree on (the generated development JWT secret).
    await q.query(`
      CREATE TABLE app_settings (
        key        text PRIMARY KEY,
        value      text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE app_settings`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP TABLE institutions`);
  }
}
