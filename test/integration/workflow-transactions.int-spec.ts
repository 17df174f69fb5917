import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/workflow/workflow-engine.service.js';
import { VALID_CONTENT, World, type CastName } from './support/in-process.js';

let w: World;
beforeAll(async () => {
  w = await World.start();
});
afterAll(async () => {
  await w?.stop();
});

describe('a change through the workflow engine commits together with what its participants write', () => {
  it('creating a proposal writes it in draft at version 1, no decision, and a CREATE entry in the lead’s and each partner’s log', async () => {
    const p = await w.create();
    expect(p).toMatchObject({
      state: 'draft',
      version: 1,
      revision: 1,
      leadInstitutionId: 'cuni',
      partnerInstitutionIds: ['uhd', 'su'],
    });
    expect(await w.decisions(p.id)).toEqual([]);
    expect(await w.auditLogsOf(p.id, 'CREATE')).toEqual(['cuni', 'su', 'uhd']);
    expect(await w.reminders(p.id)).toEqual([]);
  });

  it('an edit moves the version on and logs the changed fields in the lead’s and every partner’s log, before and after', async () => {
    const p = await w.create();
    const edited = await w.engine.edit(
      w.user('cuniProposer'),
      p.id,
      {
        content: { summary: 'A shorter summary.' },
        partnerInstitutionIds: ['uhd', 'ucph'],
        expectedVersion: 1,
      },
      { requestId: 'edit-1', ip: '127.0.0.1' },
    );
    expect(edited).toMatchObject({ state: 'draft', version: 2, partnerInstitutionIds: ['uhd', 'ucph'] });
    expect(edited.content.summary).toBe('A shorter summary.');
    expect(edited.content.title).toBe(VALID_CONTENT.title);
    expect(await w.decisions(p.id)).toEqual([]);
    // su left and ucph joined: both hear of it, with the lead and uhd.
    expect(await w.auditLogsOf(p.id, 'EDIT')).toEqual(['cuni', 'su', 'ucph', 'uhd']);
    const [entry] = await w.sql<{ data: { changes: unknown[] }; requestId: string; actorRole: string }>(
      `SELECT data, request_id AS "requestId", actor_role AS "actorRole" FROM audit_entries
       WHERE proposal_id = $1 AND action = 'EDIT' AND institution_id = 'cuni'`,
      [p.id],
    );
    expect(entry.requestId).toBe('edit-1');
    expect(entry.actorRole).toBe('proposer');
    expect(entry.data.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: expect.stringContaining('summary'), after: 'A shorter summary.' }),
      ]),
    );
  });

  it('each event writes one decision row and one entry in the log of the lead, each partner and the acting institution; every chain verifies', async () => {
    const p = await w.create();
    const met = { criteria: w.criteria.map((criterion) => ({ criterion, result: 'met' })) };
    const path: Array<[CastName, string, Omit<EventInput, 'type'>, string, string[]]> = [
      ['cuniProposer', 'SUBMIT', {}, 'partnerReview', ['cuni', 'su', 'uhd']],
      ['uhdReviewer', 'PARTNER_APPROVE', { comment: 'Fits our master programme.' }, 'partnerReview', ['cuni', 'su', 'uhd']],
      ['suReviewer', 'PARTNER_APPROVE', {}, 'qualityReview', ['cuni', 'su', 'uhd']],
      ['qualityOfficer', 'QUALITY_APPROVE', met, 'agencyAlignment', ['4euplus', 'cuni', 'su', 'uhd']],
      ['nauLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned', nqfLevel: '7', reference: 'NAU-1' }, 'agencyAlignment', ['cuni', 'nau', 'su', 'uhd']],
      ['gacLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' }, 'agencyAlignment', ['cuni', 'gac', 'su', 'uhd']],
      ['hceresLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' }, 'approved', ['cuni', 'hceres', 'su', 'uhd']],
      ['cuniAdmin', 'PUBLISH', {}, 'published', ['cuni', 'su', 'uhd']],
    ]; // prettier-ignore
    let state = 'draft';
    for (const [as, type, body, to, logs] of path) {
      const row = await w.send(p.id, as, type, body);
      expect([type, row.state]).toEqual([type, to]);
      expect([type, await w.auditLogsOf(p.id, type, as)]).toEqual([type, logs]);
      const [entry] = await w.sql(
        `SELECT from_state AS "fromState", to_state AS "toState", actor_institution_id AS inst
         FROM audit_entries WHERE proposal_id = $1 AND action = $2 AND actor_id = $3 LIMIT 1`,
        [p.id, type, w.user(as).id],
      );
      expect(entry).toEqual({ fromState: state, toState: to, inst: w.user(as).institutionId });
      state = to;
    }

    const decisions = await w.decisions(p.id);
    expect(decisions.map((d) => [d.event, d.fromState, d.toState, d.actorId, d.actorInstitutionId])).toEqual(
      path.reduce<Array<[string, string, string, string, string]>>((acc, [as, type, , to]) => {
        const from = acc.length ? acc[acc.length - 1][2] : 'draft';
        return [...acc, [type, from, to, w.user(as).id, w.user(as).institutionId]];
      }, []),
    );
    // One decision a version: versions 2..9, consecutive, all of revision 1.
    expect(decisions.map((d) => d.version)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(decisions.map((d) => d.revision))).toEqual(new Set([1]));
    expect(decisions.map((d) => d.actorRole)).toEqual([
      'proposer', 'reviewer', 'reviewer', 'quality_officer',
      'agency_liaison', 'agency_liaison', 'agency_liaison', 'admin',
    ]); // prettier-ignore
    // CREATE and the eight events, nothing else, in the lead's log, each under the role it was decided in.
    const lead = await w.sql<{ action: string; actorRole: string }>(
      `SELECT action, actor_role AS "actorRole" FROM audit_entries
       WHERE proposal_id = $1 AND institution_id = 'cuni' ORDER BY seq`,
      [p.id],
    );
    expect(lead).toEqual([
      { action: 'CREATE', actorRole: 'proposer' },
      ...decisions.map((d) => ({ action: d.event, actorRole: d.actorRole })),
    ]);

    for (const institutionId of ['cuni', 'uhd', 'su', '4euplus', 'nau', 'gac', 'hceres']) {
      const verdict = await w.audit.verify(institutionId);
      expect(verdict).toMatchObject({ institutionId, valid: true, firstInvalidSeq: null });
      const [head] = await w.sql<{ seq: number; hash: string }>(
        `SELECT seq::int AS seq, hash FROM audit_heads WHERE institution_id = $1`,
        [institutionId],
      );
      expect(verdict).toMatchObject({ entries: head.seq, headHash: head.hash });
    }
  });

  it('entering a reminded stage schedules a reminder and an escalation per pending party; a party that decides has its own cancelled', async () => {
    const p = await w.create();
    const pending = (state: string, ...parties: string[]) =>
      parties.flatMap((partyKey) =>
        ['escalation', 'reminder'].map((kind) => ({ partyKey, kind, state, status: 'pending' })),
      );
    const cancelled = (rows: ReturnType<typeof pending>) => rows.map((r) => ({ ...r, status: 'cancelled' }));

    await w.send(p.id, 'cuniProposer', 'SUBMIT');
    expect(await w.reminders(p.id)).toEqual(pending('partnerReview', 'partner-su', 'partner-uhd'));

    await w.send(p.id, 'uhdReviewer', 'PARTNER_APPROVE');
    expect(await w.reminders(p.id)).toEqual([
      ...pending('partnerReview', 'partner-su'),
      ...cancelled(pending('partnerReview', 'partner-uhd')),
    ]);

    await w.send(p.id, 'suReviewer', 'PARTNER_APPROVE');
    expect(await w.reminders(p.id)).toEqual([
      ...cancelled(pending('partnerReview', 'partner-su', 'partner-uhd')),
      ...pending('qualityReview', 'quality'),
    ]);

    // Sent back: the quality officers' rows end and the lead's proposers are owed reminders.
    await w.send(p.id, 'qualityOfficer', 'QUALITY_REQUEST_CHANGES', { comment: 'Assessment is unclear.' });
    expect(await w.reminders(p.id)).toEqual([
      ...pending('changesRequested', 'lead-cuni'),
      ...cancelled(pending('partnerReview', 'partner-su', 'partner-uhd')),
      ...cancelled(pending('qualityReview', 'quality')),
    ]);

    // Due times come from the configured delays (defaults: 5 days to the reminder, 14 to the escalation).
    const due = await w.sql<{ kind: string; days: number }>(
      `SELECT kind, round(extract(epoch FROM due_at - created_at) / 86400)::int AS days
       FROM reminder_schedule WHERE proposal_id = $1 AND state = 'changesRequested' ORDER BY kind`,
      [p.id],
    );
    expect(due).toEqual([
      { kind: 'escalation', days: 14 },
      { kind: 'reminder', days: 5 },
    ]);
  });

  it('the transition that approves writes one endorsement outbox row; publishing writes the catalogue entry', async () => {
    const p = await w.create({
      ...VALID_CONTENT,
      title: 'Outbox and catalogue, committed with the decision',
    });
    await w.drive(p.id, 'agencyAlignment');
    await w.send(p.id, 'nauLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' });
    await w.send(p.id, 'gacLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' });
    const outbox = () =>
      w.sql(`SELECT kind, dedupe_key AS "dedupeKey", status, payload FROM outbox WHERE aggregate_id = $1`, [
        p.id,
      ]);
    expect(await outbox()).toEqual([]);

    const approved = await w.send(p.id, 'hceresLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' });
    expect(approved.state).toBe('approved');
    expect(await outbox()).toEqual([
      {
        kind: 'issue-endorsement',
        dedupeKey: `issue-endorsement:${p.id}:1`,
        status: 'pending',
        payload: { proposalId: p.id, revision: 1 },
      },
    ]);

    const [{ version: before }] = await w.sql<{ version: number }>(`SELECT version FROM catalogue_state`);
    await w.send(p.id, 'cuniAdmin', 'PUBLISH');
    expect(
      await w.sql(
        `SELECT status, title, lead_institution_id AS lead, institution_ids AS institutions,
                jsonb_array_length(alignments) AS alignments FROM catalogue_entries WHERE proposal_id = $1`,
        [p.id],
      ),
    ).toEqual([
      {
        status: 'published',
        title: 'Outbox and catalogue, committed with the decision',
        lead: 'cuni',
        institutions: ['cuni', 'uhd', 'su'],
        alignments: 3,
      },
    ]);
    const [{ version: after }] = await w.sql<{ version: number }>(`SELECT version FROM catalogue_state`);
    expect(Number(after)).toBe(Number(before) + 1);
    // Publishing is not an approval: still the one outbox row.
    expect(await outbox()).toHaveLength(1);
  });
});
