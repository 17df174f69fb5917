import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredResponse } from '../../src/idempotency/idempotency.repository.js';
import { meta, PARTNERS, VALID_CONTENT, World } from './support/in-process.js';

let w: World;
beforeAll(async () => {
  w = await World.start();
});
afterAll(async () => {
  await w?.stop();
});

const keysOf = (key: string) =>
  w.sql(`SELECT status FROM idempotency_keys WHERE key = $1 ORDER BY created_at`, [key]);

describe('a change sent again with its Idempotency-Key', () => {
  it('an event replayed answers the first response byte for byte and is applied once', async () => {
    const p = await w.create();
    const key = randomUUID();
    const body = { type: 'SUBMIT' };
    const submit = () =>
      w.engine.send(
        w.user('cuniProposer'),
        p.id,
        body,
        meta(),
        w.idempotent('cuniProposer', key, 'POST', `/api/proposals/${p.id}/events`, body),
      );
    const first = await submit();
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ id: p.id, state: 'partnerReview', version: 2 });
    const after = await w.everything();

    // Even after the proposal moved on, the replay is the first answer.
    const replay = await submit();
    expect(replay).toEqual<StoredResponse>(first);
    expect(await w.everything()).toEqual(after);
    expect((await w.decisions(p.id)).map((d) => d.event)).toEqual(['SUBMIT']);
    expect(await w.auditLogsOf(p.id, 'SUBMIT')).toEqual(['cuni', 'su', 'uhd']);
    expect(await keysOf(key)).toEqual([{ status: 200 }]);

    await w.send(p.id, 'uhdReviewer', 'PARTNER_APPROVE');
    expect(await submit()).toEqual(first);
  });

  it('a creation replayed returns the same proposal, created once', async () => {
    const key = randomUUID();
    const body = {
      content: { ...VALID_CONTENT, title: `Created once ${key}` },
      partnerInstitutionIds: PARTNERS,
    };
    const create = () =>
      w.engine.create(
        w.user('cuniProposer'),
        body,
        meta(),
        w.idempotent('cuniProposer', key, 'POST', '/api/proposals', body, 201),
      );
    const first = await create();
    expect(first.status).toBe(201);
    const { id } = JSON.parse(first.body) as { id: string };
    expect(await create()).toEqual(first);
    expect(await w.sql(`SELECT id FROM proposals WHERE title = $1`, [body.content.title])).toEqual([{ id }]);
    expect(await w.auditLogsOf(id, 'CREATE')).toEqual(['cuni', 'su', 'uhd']);
  });

  it('the key reused for another request is refused (422) and changes nothing', async () => {
    const p = await w.create();
    const key = randomUUID();
    const path = `/api/proposals/${p.id}/events`;
    await w.engine.send(
      w.user('cuniProposer'),
      p.id,
      { type: 'SUBMIT' },
      meta(),
      w.idempotent('cuniProposer', key, 'POST', path, { type: 'SUBMIT' }),
    );
    const before = await w.everything();
    const withdraw = { type: 'WITHDRAW', comment: 'Funding ended.' };
    await expect(
      w.engine.send(
        w.user('cuniProposer'),
        p.id,
        withdraw,
        meta(),
        w.idempotent('cuniProposer', key, 'POST', path, withdraw),
      ),
    ).rejects.toMatchObject({ code: 'idempotency-key-reused' });
    expect(await w.everything()).toEqual(before);
    expect((await w.repo.find(p.id))?.state).toBe('partnerReview');
  });

  it('a refused change stores no answer: the key stays free for the corrected request', async () => {
    const p = await w.create();
    const key = randomUUID();
    const path = `/api/proposals/${p.id}/events`;
    const send = (body: { type: string; comment?: string }) =>
      w.engine.send(
        w.user('cuniProposer'),
        p.id,
        body,
        meta(),
        w.idempotent('cuniProposer', key, 'POST', path, body),
      );
    const before = await w.everything();
    await expect(send({ type: 'PUBLISH' })).rejects.toMatchObject({ code: 'event-not-allowed' });
    expect(await w.everything()).toEqual(before);
    expect(await keysOf(key)).toEqual([]);
    // The key was never stored, so another request may use it.
    expect((await send({ type: 'SUBMIT' })).status).toBe(200);
    expect(await keysOf(key)).toEqual([{ status: 200 }]);
  });

  it('another user’s key of the same text is another key', async () => {
    const p = await w.create();
    const key = randomUUID();
    const path = `/api/proposals/${p.id}/events`;
    await w.engine.send(
      w.user('cuniProposer'),
      p.id,
      { type: 'SUBMIT' },
      meta(),
      w.idempotent('cuniProposer', key, 'POST', path, { type: 'SUBMIT' }),
    );
    const approve = { type: 'PARTNER_APPROVE' };
    const answer = await w.engine.send(
      w.user('uhdReviewer'),
      p.id,
      approve,
      meta(),
      w.idempotent('uhdReviewer', key, 'POST', path, approve),
    );
    expect(JSON.parse(answer.body)).toMatchObject({ version: 3 });
    expect(await keysOf(key)).toEqual([{ status: 200 }, { status: 200 }]);
  });
});
