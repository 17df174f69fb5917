import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The legal review's new role may be held (the users table checks role names). */
export class LegalRole1799000000000 implements MigrationInterface {
  name = 'LegalRole1799000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_roles_check`);
    await q.query(`
      ALTER TABLE users ADD CONSTRAINT users_roles_check CHECK (
        roles <@ ARRAY['proposer', 'reviewer', 'quality_officer', 'agency_liaison', 'admin', 'legal_officer']::text[])`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_roles_check`);
    await q.query(`
      ALTER TABLE users ADD CONSTRAINT users_roles_check CHECK (
        roles <@ ARRAY['proposer', 'reviewer', 'quality_officer', 'agency_liaison', 'admin']::text[])`);
  }
}
