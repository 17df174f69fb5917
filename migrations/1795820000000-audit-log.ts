import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One hash-chained audit log per institution. `audit_heads` holds each chain's last seq and hash and
 * is the row appenders lock (in institution-id order) to serialize appends to one chain; every
 * institution gets its head when it is created. The database itself refuses UPDATE, DELETE and
 * TRUNCATE on the entries.
 */
export class AuditLog1795820000000 implements MigrationInterface {
  name = 'AuditLog1795820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_entries (
        institution_id       text NOT NULL REFERENCES institutions(id),
        seq                  bigint NOT NULL CHECK (seq >= 1),
        at                   timestamptz(3) NOT NULL,
        proposal_id          uuid,
        proposal_reference   text,
        actor_id             uuid,
        actor_institution_id text,
        actor_role           text,
        action               text NOT NULL,
        from_state           text,
        to_state             text,
        revision             int,
        data                 jsonb NOT NULL DEFAULT '{}'::jsonb,
        request_id           text,
        client_ip            text,
        -- the exact text hashed after prev_hash (RFC 8785 of the content fields above); verification
        -- checks both the hash over it and that it says what the columns say
        canonical            text NOT NULL,
        prev_hash            char(64) NOT NULL,
        hash                 char(64) NOT NULL,
        PRIMARY KEY (institution_id, seq)
      )`);
    await q.query(
      `CREATE INDEX audit_entries_proposal_idx ON audit_entries (institution_id, proposal_id, seq) WHERE proposal_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX audit_entries_action_idx ON audit_entries (institution_id, action, seq)`);
    await q.query(
      `CREATE INDEX audit_entries_actor_idx ON audit_entries (institution_id, actor_id, seq) WHERE actor_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX audit_entries_at_idx ON audit_entries (institution_id, at)`);

    await q.query(`
      CREATE TABLE audit_heads (
        institution_id text PRIMARY KEY REFERENCES institutions(id),
        seq            bigint NOT NULL,
        hash           char(64) NOT NULL
      )`);

    // Every institution has a chain head from its creation on, so an append never has to create one.
    await q.query(
      `INSERT INTO audit_heads (institution_id, seq, hash) SELECT id, 0, repeat('0', 64) FROM institutions`,
    );
    await q.query(`
      CREATE FUNCTION audit_head_for_new_institution() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO audit_heads (institution_id, seq, hash) VALUES (NEW.id, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER institutions_audit_head AFTER INSERT ON institutions
      FOR EACH ROW EXECUTE FUNCTION audit_head_for_new_institution()`);

    await q.query(`
      CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_entries_no_update_delete BEFORE UPDATE OR DELETE ON audit_entries
      FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
      FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER institutions_audit_head ON institutions`);
    await q.query(`DROP FUNCTION audit_head_for_new_institution()`);
    await q.query(`DROP TABLE audit_heads`);
    // DROP is a schema change by whoever runs migrations, not an edit of entries; the triggers go with the table.
    await q.query(`DROP TABLE audit_entries`);
    await q.query(`DROP FUNCTION audit_entries_append_only()`);
  }
}
