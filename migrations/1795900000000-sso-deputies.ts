import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * University sign-in (OpenID Connect) and deputies (DESIGN.md section 10.5):
 * - `user_identities`: the (issuer, sub) pairs linked to a user;
 * - `institution_domains`: the home-organisation domains (`schac_home_organization`) of each institution,
 *   one row per domain so that a domain belongs to at most one institution (primary key);
 * - `institutions.password_login_disabled`;
 * - users created at their first sign-in have no roles and no password until an admin grants roles;
 * - notifications may concern a user waiting for roles instead of a proposal;
 * - `deputies`: a principal lets a colleague act with the principal's review roles for a period.
 */
export class SsoDeputies1795900000000 implements MigrationInterface {
  name = 'SsoDeputies1795900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_identities (
        issuer     text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 500),
        subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
        user_id    uuid NOT NULL REFERENCES users(id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (issuer, subject)
      )`);
    await q.query(`CREATE INDEX user_identities_user_idx ON user_identities (user_id)`);

    await q.query(`
      CREATE TABLE institution_domains (
        domain         text PRIMARY KEY CHECK (domain = lower(domain) AND length(domain) BETWEEN 3 AND 253),
        institution_id text NOT NULL REFERENCES institutions(id),
        created_at     timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX institution_domains_institution_idx ON institution_domains (institution_id)`);
    await q.query(
      `ALTER TABLE institutions ADD COLUMN password_login_disabled boolean NOT NULL DEFAULT false`,
    );

    // A first sign-in creates a user without roles (waiting for an administrator) and without a password.
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_roles_check`);
    await q.query(`
      ALTER TABLE users ADD CONSTRAINT users_roles_check CHECK (
        roles <@ ARRAY['proposer', 'reviewer', 'quality_officer', 'agency_liaison', 'admin']::text[])`);
    await q.query(`ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL`);

    // Notifications about a user waiting for roles carry no proposal or schedule row.
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
    await q.query(
      `ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('reminder', 'escalation', 'user-waiting'))`,
    );
    for (const column of ['schedule_id', 'proposal_id', 'proposal_reference', 'state', 'party_key'])
      await q.query(`ALTER TABLE notifications ALTER COLUMN ${column} DROP NOT NULL`);
    await q.query(`ALTER TABLE notifications ADD COLUMN subject_user_id uuid REFERENCES users(id)`);
    await q.query(`
      ALTER TABLE notifications ADD CONSTRAINT notifications_shape_check CHECK (
        (kind = 'user-waiting' AND subject_user_id IS NOT NULL)
        OR (kind <> 'user-waiting' AND schedule_id IS NOT NULL AND proposal_id IS NOT NULL
            AND proposal_reference IS NOT NULL AND state IS NOT NULL AND party_key IS NOT NULL))`);

    await q.query(`
      CREATE TABLE deputies (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        principal_id uuid NOT NULL REFERENCES users(id),
        deputy_id    uuid NOT NULL REFERENCES users(id),
        starts_at    timestamptz(3) NOT NULL,
        ends_at      timestamptz(3) NOT NULL,
        created_at   timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (principal_id <> deputy_id),
        CHECK (ends_at > starts_at)
      )`);
    // The per-request lookup ("whom do I stand in for now?") and the reminder lookup ("who stands in for them?").
    await q.query(`CREATE INDEX deputies_deputy_idx ON deputies (deputy_id, ends_at)`);
    await q.query(`CREATE INDEX deputies_principal_idx ON deputies (principal_id, ends_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE deputies`);
    await q.query(`DELETE FROM notifications WHERE kind = 'user-waiting'`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_shape_check`);
    await q.query(`ALTER TABLE notifications DROP COLUMN subject_user_id`);
    for (const column of ['schedule_id', 'proposal_id', 'proposal_reference', 'state', 'party_key'])
      await q.query(`ALTER TABLE notifications ALTER COLUMN ${column} SET NOT NULL`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
    await q.query(
      `ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('reminder', 'escalation'))`,
    );
    // Going back needs every user to have a role and a password hash again: users created by a sign-in
    // that never got roles (or a password) cannot be represented and make the revert fail, on purpose.
    await q.query(`ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_roles_check`);
    await q.query(`
      ALTER TABLE users ADD CONSTRAINT users_roles_check CHECK (
        cardinality(roles) >= 1
        AND roles <@ ARRAY['proposer', 'reviewer', 'quality_officer', 'agency_liaison', 'admin']::text[])`);
    await q.query(`ALTER TABLE institutions DROP COLUMN password_login_disabled`);
    await q.query(`DROP TABLE institution_domains`);
    await q.query(`DROP TABLE user_identities`);
  }
}
