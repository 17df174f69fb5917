import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Quality officers of any university but the lead may decide in qualityReview (DESIGN section 5), so
 * they must see the proposals that reach it, and keep seeing the ones they decided on, like agency
 * users from agencyAlignment on. `quality_visible` is set by the transition that enters qualityReview.
 */
export class QualityVisibility1795840000000 implements MigrationInterface {
  name = 'QualityVisibility1795840000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE proposals ADD COLUMN quality_visible boolean NOT NULL DEFAULT false`);
    await q.query(`
      UPDATE proposals p SET quality_visible = true
      WHERE p.state = 'qualityReview'
         OR EXISTS (SELECT 1 FROM decisions d WHERE d.proposal_id = p.id AND d.to_state = 'qualityReview')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE proposals DROP COLUMN quality_visible`);
  }
}
