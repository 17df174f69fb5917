import { jest, afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { VALID_CONTENT } from '../support/review-scenario.js';
import {
  COUNTRY_OF,
  EVENT_TYPES,
  eventBody,
  INVOLVED_COUNTRIES,
  mayAct,
  sees,
  STATE_EVENTS,
} from '../support/design-rules.js';
import { actorSpec, ReviewWorld, type ActorName } from '../support/review-world.js';
import { startServer, type TestServer } from '../support/server.js';

// Long scenarios; SOAK=1 (npm run test:soak) runs them longer still.
jest.setTimeout(process.env.SOAK === '1' ? 1_800_000 : 240_000);

// Model-based lifecycles: fast-check generates random sequences of users sending random events
// (valid and invalid) and content edits; a small model of DESIGN.md's rules, written without the
// machine, predicts each answer. Any divergence fails with the shrunk sequence.
const SOAK = process.env.SOAK === '1';
const { revenueShares: _unused, ...CONTENT } = VALID_CONTENT;

const ACTORS: ActorName[] = [
  'cuniProposer', 'cuniAdmin', 'cuniReviewer', 'cuniQualityOfficer', 'uhdReviewer', 'suReviewer', 'uhdAdmin',
  'qualityOfficer', 'nauLiaison', 'gacLiaison', 'hceresLiaison', 'anvurLiaison', 'allianceAdmin', 'unimiReviewer',
  'unimiQualityOfficer',
]; // prettier-ignore

interface Model {
  state: string;
  version: number;
  revision: number;
  approvals: Set<string>;
  confirmations: Set<string>;
  contentValid: boolean;
  reachedAgency: boolean;
  reachedQuality: boolean;
}

interface Real {
  w: ReviewWorld;
  id: string;
}

/** Expected status and, for 200, the model after the event. */
function predict(
  m: Model,
  actor: ActorName,
  type: string,
  notMet: boolean,
): { status: number; next?: Model } {
  if (!sees(actor, m.reachedAgency, m.reachedQuality)) return { status: 404 };
  if (!(STATE_EVENTS[m.state] ?? []).includes(type)) return { status: 409 };
  if (!mayAct(type, actor)) return { status: 403 };
  const inst = actorSpec(actor).institutionId;
  if (type.startsWith('PARTNER_') && m.approvals.has(inst)) return { status: 409 };
  if (type.startsWith('AGENCY_') && m.confirmations.has(COUNTRY_OF[inst])) return { status: 409 };
  if (type === 'SUBMIT' && !m.contentValid) return { status: 422 };
  if (type === 'QUALITY_APPROVE' && notMet) return { status: 422 };
  const n: Model = {
    ...m,
    version: m.version + 1,
    approvals: new Set(m.approvals),
    confirmations: new Set(m.confirmations),
  };
  switch (type) {
    case 'SUBMIT':
      if (m.state === 'changesRequested') n.revision++;
      n.state = 'partnerReview';
      n.approvals.clear();
      n.confirmations.clear();
      break;
    case 'PARTNER_APPROVE':
      n.approvals.add(inst);
      if (n.approvals.size === 2) {
        n.state = 'qualityReview';
        n.reachedQuality = true;
      }
      break;
    case 'QUALITY_APPROVE':
      n.state = 'agencyAlignment';
      n.reachedAgency = true;
      break;
    case 'AGENCY_CONFIRM':
      n.confirmations.add(COUNTRY_OF[inst]);
      if (n.confirmations.size === INVOLVED_COUNTRIES.length) n.state = 'approved';
      break;
    case 'PARTNER_REQUEST_CHANGES':
    case 'QUALITY_REQUEST_CHANGES':
    case 'AGENCY_FLAG':
      n.state = 'changesRequested';
      break;
    case 'QUALITY_REJECT':
      n.state = 'rejected';
      break;
    case 'PUBLISH':
      n.state = 'published';
      break;
    case 'RETIRE':
      n.state = 'retired';
      break;
    case 'WITHDRAW':
      n.state = 'withdrawn';
      break;
  }
  return { status: 200, next: n };
}

function body(w: ReviewWorld, type: string, notMet: boolean): Record<string, unknown> {
  const b = eventBody(type, w.criteria);
  if (notMet && type === 'QUALITY_APPROVE') (b.criteria as Array<{ result: string }>)[0].result = 'not-met';
  return b;
}

class SendEvent implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly actor: ActorName,
    readonly type: string,
    readonly notMet: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const expected = predict(m, this.actor, this.type, this.notMet);
    const res = await r.w.send(r.id, this.actor, this.type, body(r.w, this.type, this.notMet));
    expect([this.toString(), res.status]).toEqual([this.toString(), expected.status]);
    if (expected.next) {
      expect({ state: res.body.state, version: res.body.version, revision: res.body.revision }).toEqual({
        state: expected.next.state,
        version: expected.next.version,
        revision: expected.next.revision,
      });
      Object.assign(m, expected.next);
    }
  }
  toString = () => `${this.actor} ${this.type}${this.notMet ? ' (not-met)' : ''}`;
}

/** Sends whatever the lifecycle needs next (by the model), so random runs get deep into the workflow. */
class Advance implements fc.AsyncCommand<Model, Real> {
  private chosen = '';
  check = (m: Readonly<Model>) => !['rejected', 'retired', 'withdrawn'].includes(m.state);
  async run(m: Model, r: Real): Promise<void> {
    const nextPartner = ['uhd', 'su'].find((p) => !m.approvals.has(p));
    const nextAgency = (['nauLiaison', 'gacLiaison', 'hceresLiaison'] as ActorName[]).find(
      (a) => !m.confirmations.has(COUNTRY_OF[actorSpec(a).institutionId]),
    );
    const [actor, type]: [ActorName, string] =
      m.state === 'draft' || m.state === 'changesRequested'
        ? ['cuniProposer', 'SUBMIT']
        : m.state === 'partnerReview'
          ? [nextPartner === 'uhd' ? 'uhdReviewer' : 'suReviewer', 'PARTNER_APPROVE']
          : m.state === 'qualityReview'
            ? ['qualityOfficer', 'QUALITY_APPROVE']
            : m.state === 'agencyAlignment'
              ? [nextAgency ?? 'nauLiaison', 'AGENCY_CONFIRM']
              : m.state === 'approved'
                ? ['cuniAdmin', 'PUBLISH']
                : ['allianceAdmin', 'RETIRE'];
    const send = new SendEvent(actor, type, false);
    this.chosen = send.toString();
    await send.run(m, r);
  }
  toString = () => `advance(${this.chosen})`;
}

class EditContent implements fc.AsyncCommand<Model, Real> {
  constructor(readonly valid: boolean) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const res = await r.w.t
      .http()
      .patch(`/api/proposals/${r.id}`)
      .set(r.w.auth('cuniProposer'))
      .send({ content: { ects: this.valid ? 5 : 40 } });
    const editable = m.state === 'draft' || m.state === 'changesRequested';
    expect([this.toString(), res.status]).toEqual([this.toString(), editable ? 200 : 409]);
    if (editable) {
      m.version++;
      m.contentValid = this.valid;
      expect(res.body.version).toBe(m.version);
    }
  }
  toString = () => `cuniProposer PATCH ects=${this.valid ? 5 : 40}`;
}

let t: TestServer;
let w: ReviewWorld;
beforeAll(async () => {
  t = await startServer({ REMINDER_FIRST_AFTER_MS: '600000', ESCALATION_AFTER_MS: '600000' });
  w = await new ReviewWorld(t).setUp(ACTORS);
});
afterAll(async () => {
  await t?.stop();
});

describe('model-based lifecycles', () => {
  it('answers every random sequence of events exactly as the model of the rules predicts', async () => {
    // Events a lifecycle needs, weighted up so random runs get deep into the workflow.
    const progress = fc.constantFrom<[ActorName, string]>(
      ['cuniProposer', 'SUBMIT'],
      ['uhdReviewer', 'PARTNER_APPROVE'],
      ['suReviewer', 'PARTNER_APPROVE'],
      ['qualityOfficer', 'QUALITY_APPROVE'],
      ['nauLiaison', 'AGENCY_CONFIRM'],
      ['gacLiaison', 'AGENCY_CONFIRM'],
      ['hceresLiaison', 'AGENCY_CONFIRM'],
      ['cuniAdmin', 'PUBLISH'],
    );
    const reached = new Map<string, number>();
    const commands = [
      fc.constant(null).map(() => new Advance()),
      fc.constant(null).map(() => new Advance()),
      fc.constant(null).map(() => new Advance()),
      progress.map(([a, e]) => new SendEvent(a, e, false)),
      fc
        .tuple(fc.constantFrom(...ACTORS), fc.constantFrom(...EVENT_TYPES), fc.boolean())
        .map(([a, e, n]) => new SendEvent(a, e, n)),
      fc.boolean().map((v) => new EditContent(v)),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: SOAK ? 60 : 30, size: 'max' }), async (cmds) => {
        const created = await w.create(CONTENT, ['uhd', 'su']);
        const model: Model = {
          state: 'draft',
          version: created.version,
          revision: 1,
          approvals: new Set(),
          confirmations: new Set(),
          contentValid: true,
          reachedAgency: false,
          reachedQuality: false,
        };
        await fc.asyncModelRun(() => ({ model, real: { w, id: created.id } }), cmds);
        reached.set(model.state, (reached.get(model.state) ?? 0) + 1);
      }),
      {
        numRuns: SOAK ? 300 : 30,
        seed: Number(process.env.FAULT_SEED ?? (SOAK ? Date.now() % 2 ** 31 : 20261128)),
        endOnFailure: false,
      },
    );
    // The runs went deep: beyond partner review, through agency alignment, to an end.
    const deep = ['qualityReview', 'agencyAlignment', 'approved', 'published', 'retired', 'rejected'].reduce(
      (n, s) => n + (reached.get(s) ?? 0),
      0,
    );
    expect(deep).toBeGreaterThan(0);
  });
});
