import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What is owed, durably: every reminder and escalation due for a pending party of a stage entry
 * (BullMQ only carries the timers), the in-app notifications they produce (unique per schedule row and
 * user: at most one per party per due time, whatever the queue delivers), and the e-mail outbox.
 */
export class Reminders1795830000000 implements MigrationInterface {
  name = 'Reminders1795830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reminder_schedule (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        proposal_id   uuid NOT NULL REFERENCES proposals(id),
        stage_entry   int NOT NULL,
        state         text NOT NULL,
        party_key     text NOT NULL,
        kind          text NOT NULL CHECK (kind IN ('reminder', 'escalation')),
        -- 1 for the first reminder of a party in a stage entry, 2 for the next, ...
        attempt       int NOT NULL CHECK (attempt >= 1),
        due_at        timestamptz(3) NOT NULL,
        status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'cancelled')),
        delivered_at  timestamptz(3),
        created_at    timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (proposal_id, stage_entry, party_key, kind, attempt)
      )`);
    await q.query(
      `CREATE INDEX reminder_schedule_pending_idx ON reminder_schedule (due_at) WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX reminder_schedule_proposal_idx ON reminder_schedule (proposal_id) WHERE status = 'pending'`,
    );

    await q.query(`
      CREATE TABLE notifications (
        id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id            uuid NOT NULL REFERENCES users(id),
        schedule_id        uuid NOT NULL REFERENCES reminder_schedule(id),
        kind               text NOT NULL CHECK (kind IN ('reminder', 'escalation')),
        proposal_id        uuid NOT NULL REFERENCES proposals(id),
        proposal_reference text NOT NULL,
        state              text NOT NULL,
        party_key          text NOT NULL,
        title              text NOT NULL,
        body               text NOT NULL,
        created_at         timestamptz(3) NOT NULL DEFAULT now(),
        read_at            timestamptz(3),
        UNIQUE (schedule_id, user_id)
      )`);
    await q.query(`CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX notifications_unread_idx ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE email_outbox (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        notification_id uuid NOT NULL UNIQUE REFERENCES notifications(id),
        to_address      text NOT NULL,
        subject         text NOT NULL,
        body            text NOT NULL,
        status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
        attempts        int NOT NULL DEFAULT 0,
        -- a worker sending this row holds it until then; no transaction stays open during SMTP
        claimed_until   timestamptz(3),
        last_error      text,
        created_at      timestamptz(3) NOT NULL DEFAULT now(),
        sent_at         timestamptz(3)
      )`);
    await q.query(
      `CREATE INDEX email_outbox_pending_idx ON email_outbox (created_at) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE email_outbox`);
    await q.query(`DROP TABLE notifications`);
    await q.query(`DROP TABLE reminder_schedule`);
  }
}
