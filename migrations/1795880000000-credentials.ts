import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Credential exports (DESIGN.md section 10.3): the signing keys of the alliance's did:web, a generic
 * transactional outbox (effects that run after a commit, drained by the worker), and the issued
 * endorsements, kept byte for byte so every export of one serves the same document.
 */
export class Credentials1795880000000 implements MigrationInterface {
  name = 'Credentials1795880000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE signing_keys (
        public_key_multibase text PRIMARY KEY CHECK (public_key_multibase ~ '^z[1-9A-HJ-NP-Za-km-z]+$'),
        -- only for keys generated here (development); a SIGNING_KEY from the environment is never stored
        secret_key_multibase text,
        source               text NOT NULL CHECK (source IN ('generated', 'configured')),
        created_at           timestamptz(3) NOT NULL DEFAULT now(),
        -- a rotated key stays listed in the DID document, so what it signed still verifies
        retired_at           timestamptz(3),
        CHECK (source = 'configured' OR secret_key_multibase IS NOT NULL)
      )`);
    // At most one current key: concurrent first starts insert-if-absent and converge on one.
    await q.query(
      `CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((true)) WHERE retired_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE outbox (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind          text NOT NULL,
        aggregate_id  uuid NOT NULL,
        -- one row per effect: a retried transaction or a second trigger finds the first row
        dedupe_key    text NOT NULL UNIQUE,
        payload       jsonb NOT NULL DEFAULT '{}'::jsonb,
        status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
        attempts      int NOT NULL DEFAULT 0,
        last_error    text,
        created_at    timestamptz(3) NOT NULL DEFAULT now(),
        updated_at    timestamptz(3) NOT NULL DEFAULT now(),
        processed_at  timestamptz(3)
      )`);
    await q.query(`CREATE INDEX outbox_pending_idx ON outbox (created_at) WHERE status = 'pending'`);

    await q.query(`
      CREATE TABLE issued_credentials (
        proposal_id          uuid NOT NULL REFERENCES proposals(id),
        revision             int NOT NULL,
        kind                 text NOT NULL CHECK (kind IN ('ob3-endorsement')),
        -- the exact JSON text served (text, not jsonb: jsonb would reorder keys and change the bytes)
        document             text NOT NULL,
        verification_method  text NOT NULL,
        issued_at            timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (proposal_id, revision, kind)
      )`);
    // An issued credential is evidence: the same bytes forever (refuse_change comes with the proposals).
    await q.query(`
      CREATE TRIGGER issued_credentials_immutable BEFORE UPDATE OR DELETE ON issued_credentials
      FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE issued_credentials`);
    await q.query(`DROP TABLE outbox`);
    await q.query(`DROP TABLE signing_keys`);
  }
}
