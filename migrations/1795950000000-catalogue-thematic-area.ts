import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The catalogue shows the field of education (`thematicArea`, ISCED-F), which SUBMIT requires but the
 * first catalogue writer left out of the published content. Entries published before this fix get it
 * from their proposal's content (content cannot change after publication), and the catalogue version
 * moves on so that cached answers revalidate.
 */
export class CatalogueThematicArea1795950000000 implements MigrationInterface {
  name = 'CatalogueThematicArea1795950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE catalogue_entries e
          SET content = e.content || jsonb_build_object('thematicArea', p.content -> 'thematicArea')
         FROM proposals p
        WHERE p.id = e.proposal_id AND p.content ? 'thematicArea' AND NOT e.content ? 'thematicArea'`,
    );
    await q.query(`UPDATE catalogue_state SET version = version + 1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE catalogue_entries SET content = content - 'thematicArea'`);
    await q.query(`UPDATE catalogue_state SET version = version + 1`);
  }
}
