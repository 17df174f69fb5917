import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { VALID_CONTENT, World } from './support/in-process.js';

let w: World;
beforeAll(async () => {
  w = await World.start();
  await w.sql(`CREATE OR REPLACE FUNCTION int_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'refused by the integration test (% on %)', TG_OP, TG_TABLE_NAME; END $$`);
});
afterAll(async () => {
  await w?.sql(`DROP FUNCTION IF EXISTS int_test_refuse() CASCADE`).catch(() => undefined);
  await w?.stop();
});

/**
 * Makes the table refuse this proposal's rows while `run` runs. A trigger, not a stub: the writer is
 * whichever participant writes that table, however the engine wires its participants.
 */
async function whileRefusing(table: string, column: string, proposalId: string, run: () => Promise<void>) {
  // The id is a uuid the engine generated; a trigger's WHEN clause takes no parameters.
  if (!/^[0-9a-f-]{36}$/.test(proposalId)) throw new Error('not a uuid');
  await w.sql(
    `CREATE TRIGGER int_test_refuse BEFORE INSERT ON ${table} FOR EACH ROW
     WHEN (NEW.${column} = '${proposalId}'::uuid) EXECUTE FUNCTION int_test_refuse()`,
  );
  // TypeORM logs every failed query (SQL and parameters) with console.log; these failures are wanted.
  const quiet = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await run();
  } finally {
    quiet.mockRestore();
    await w.sql(`DROP TRIGGER int_test_refuse ON ${table}`);
  }
}

describe('a participant that fails rolls the whole change back', () => {
  it.each([
    ['the audit log (the last participant)', 'audit_entries'],
    ['the reminder schedule', 'reminder_schedule'],
  ])(
    'SUBMIT failing in %s leaves the draft, its version, decisions, reminders and audit chains as they were',
    async (_what, table) => {
      const p = await w.create();
      const before = await w.everything();
      const proposal = await w.footprint(p.id);
      await whileRefusing(table, 'proposal_id', p.id, async () => {
        await expect(w.send(p.id, 'cuniProposer', 'SUBMIT')).rejects.toThrow(
          /refused by the integration test/,
        );
      });
      expect(await w.footprint(p.id)).toEqual(proposal);
      expect(await w.everything()).toEqual(before);
      for (const institutionId of ['cuni', 'uhd', 'su'])
        expect(await w.audit.verify(institutionId)).toMatchObject({ valid: true });

      // The same event goes through once the table accepts it again: the failure was the participant's.
      const submitted = await w.send(p.id, 'cuniProposer', 'SUBMIT');
      expect(submitted).toMatchObject({ state: 'partnerReview', version: 2 });
      expect(await w.auditLogsOf(p.id, 'SUBMIT')).toEqual(['cuni', 'su', 'uhd']);
      expect((await w.reminders(p.id)).length).toBe(4);
    },
  );

  it('the approving AGENCY_CONFIRM failing in the credentials outbox leaves the proposal in agencyAlignment, its reminders owed', async () => {
    const p = await w.create();
    await w.drive(p.id, 'agencyAlignment');
    await w.send(p.id, 'nauLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' });
    await w.send(p.id, 'gacLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' });
    const before = await w.everything();
    const proposal = await w.footprint(p.id);
    await whileRefusing('outbox', 'aggregate_id', p.id, async () => {
      await expect(w.send(p.id, 'hceresLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' })).rejects.toThrow(
        /refused by the integration test/,
      );
    });
    expect(await w.footprint(p.id)).toEqual(proposal);
    expect(await w.everything()).toEqual(before);
    expect(await w.reminders(p.id)).toEqual(
      expect.arrayContaining([
        { partyKey: 'agency-fr', kind: 'reminder', state: 'agencyAlignment', status: 'pending' },
        { partyKey: 'agency-fr', kind: 'escalation', state: 'agencyAlignment', status: 'pending' },
      ]),
    );

    expect((await w.send(p.id, 'hceresLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' })).state).toBe(
      'approved',
    );
  });

  it('PUBLISH failing in the catalogue leaves the proposal approved and the catalogue version where it was', async () => {
    const p = await w.create({ ...VALID_CONTENT, title: 'Not in the catalogue while its writer fails' });
    await w.drive(p.id, 'approved');
    const before = await w.everything();
    const proposal = await w.footprint(p.id);
    await whileRefusing('catalogue_entries', 'proposal_id', p.id, async () => {
      await expect(w.send(p.id, 'cuniAdmin', 'PUBLISH')).rejects.toThrow(/refused by the integration test/);
    });
    expect(await w.footprint(p.id)).toEqual(proposal);
    expect(await w.everything()).toEqual(before);
  });
});
