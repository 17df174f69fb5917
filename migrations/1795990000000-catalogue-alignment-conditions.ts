import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The catalogue's agency alignments carry the agency's `conditions` (text, or null), so a published
 * micro-credential aligned with conditions says which; the signed endorsement already stated them.
 * Only an `aligned-with-conditions` outcome's conditions: text sent with a plain `aligned` was never
 * public (the endorsement leaves it out too).
 * Entries published before get them from the agency confirmations of their published revision (a
 * published proposal's revision no longer changes), in the same order; the catalogue version moves on
 * so that cached answers revalidate.
 */
export class CatalogueAlignmentConditions1795990000000 implements MigrationInterface {
  name = 'CatalogueAlignmentConditions1795990000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE catalogue_entries e
          SET alignments = coalesce((
            SELECT jsonb_agg(a || jsonb_build_object('conditions', (
                     SELECT CASE WHEN d.payload ->> 'outcome' = 'aligned-with-conditions'
                                 THEN d.payload -> 'conditions' END
                       FROM decisions d JOIN proposals p ON p.id = d.proposal_id
                      WHERE d.proposal_id = e.proposal_id AND d.revision = p.revision
                        AND d.event = 'AGENCY_CONFIRM' AND d.actor_institution_id = a ->> 'agencyId'
                      ORDER BY d.id DESC LIMIT 1)) ORDER BY n)
              FROM jsonb_array_elements(e.alignments) WITH ORDINALITY AS t(a, n)), '[]'::jsonb)`,
    );
    await q.query(`UPDATE catalogue_state SET version = version + 1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE catalogue_entries e
          SET alignments = coalesce((
            SELECT jsonb_agg(a - 'conditions' ORDER BY n)
              FROM jsonb_array_elements(e.alignments) WITH ORDINALITY AS t(a, n)), '[]'::jsonb)`,
    );
    await q.query(`UPDATE catalogue_state SET version = version + 1`);
  }
}
