import type { AcceptedEvent } from './invariants.js';
import type { ActorName, ReviewWorld } from './review-world.js';

export type Step = [ActorName, string, Record<string, unknown>];

export interface Plan {
  name: string;
  steps: (w: ReviewWorld) => Step[];
  final: string;
}

/** Lifecycles the fault scenarios drive: each ends in a known final state. */
export const PLANS: Plan[] = [
  {
    name: 'published',
    final: 'published',
    steps: (w) => [
      ['cuniProposer', 'SUBMIT', {}],
      ['uhdReviewer', 'PARTNER_APPROVE', {}],
      ['suReviewer', 'PARTNER_APPROVE', { comment: 'ok' }],
      ['qualityOfficer', 'QUALITY_APPROVE', w.allMet()],
      ['nauLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' }],
      ['gacLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned', nqfLevel: '7' }],
      ['hceresLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned-with-conditions', conditions: 'RNCP first' }],
      ['cuniAdmin', 'PUBLISH', {}],
    ],
  },
  {
    name: 'sent back, then rejected',
    final: 'rejected',
    steps: () => [
      ['cuniProposer', 'SUBMIT', {}],
      ['uhdReviewer', 'PARTNER_REQUEST_CHANGES', { comment: 'more sources' }],
      ['cuniProposer', 'SUBMIT', {}],
      ['uhdReviewer', 'PARTNER_APPROVE', {}],
      ['suReviewer', 'PARTNER_APPROVE', {}],
      ['qualityOfficer', 'QUALITY_REJECT', { comment: 'out of scope' }],
    ],
  },
  {
    name: 'withdrawn',
    final: 'withdrawn',
    steps: () => [
      ['cuniProposer', 'SUBMIT', {}],
      ['uhdReviewer', 'PARTNER_APPROVE', {}],
      ['cuniProposer', 'WITHDRAW', { comment: 'funding ended' }],
    ],
  },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * A client that keeps going through outages the way a careful real client would: on a network error
 * or 502/503 it waits and sends the same request again, with the same expectedVersion, so a request
 * that did commit comes back as 409 stale-version and is recognised from the history, never applied
 * twice. Anything else unexpected (a 500 above all) is recorded as a failure.
 */
export class RobustDriver {
  readonly accepted: AcceptedEvent[] = [];
  readonly failures: string[] = [];
  readonly outageAnswers = new Map<number, number>();
  recoveredCommits = 0;

  constructor(
    private readonly w: ReviewWorld,
    private readonly deadlineMs = 120_000,
  ) {}

  private async request(make: () => PromiseLike<{ status: number; body: unknown }>): Promise<Answer> {
    const deadline = Date.now() + this.deadlineMs;
    for (;;) {
      try {
        const res = await make();
        if (res.status !== 502 && res.status !== 503)
          return { status: res.status, body: res.body as Record<string, unknown> };
        this.outageAnswers.set(res.status, (this.outageAnswers.get(res.status) ?? 0) + 1);
        const b = res.body as { type?: string } | undefined;
        if (res.status === 503 && !String(b?.type ?? '').includes('service-unavailable'))
          this.failures.push(`503 without problem+json: ${JSON.stringify(res.body)}`);
      } catch {
        // connection refused or reset: the process is restarting
      }
      if (Date.now() > deadline) throw new Error('gave up: the service did not come back');
      await sleep(100);
    }
  }

  async create(): Promise<{ id: string; version: number }> {
    const { revenueShares: _r, ...content } = (await import('./review-scenario.js')).VALID_CONTENT;
    const res = await this.request(() =>
      this.w.t
        .http()
        .post('/api/proposals')
        .set(this.w.auth('cuniProposer'))
        .send({ partnerInstitutionIds: ['uhd', 'su'], content })
        .timeout(20_000),
    );
    if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.id as string, version: res.body.version as number };
  }

  async current(id: string): Promise<{ state: string; version: number }> {
    const res = await this.request(() =>
      this.w.t.http().get(`/api/proposals/${id}`).set(this.w.auth('allianceAdmin')).timeout(20_000),
    );
    return { state: res.body.state as string, version: res.body.version as number };
  }

  /** Drives one plan to its end; returns the final state seen. */
  async drive(plan: Plan): Promise<{ id: string; state: string }> {
    const p = await this.create();
    let version = p.version;
    for (const [actor, type, body] of plan.steps(this.w)) {
      const res = await this.request(() =>
        this.w.t
          .http()
          .post(`/api/proposals/${p.id}/events`)
          .set(this.w.auth(actor))
          .send({ type, ...body, expectedVersion: version })
          .timeout(20_000),
      );
      if (res.status === 200) {
        version = res.body.version as number;
        this.accepted.push({ proposalId: p.id, type, version });
      } else if (res.status === 409 && String(res.body.type).includes('stale-version')) {
        // Our earlier attempt committed before the process died: the history says so.
        const history = await this.request(() =>
          this.w.t
            .http()
            .get(`/api/proposals/${p.id}/history`)
            .set(this.w.auth('allianceAdmin'))
            .timeout(20_000),
        );
        const entries = history.body as unknown as Array<{ event: string; version: number; actorId: string }>;
        const last = entries[entries.length - 1];
        if (
          last.event !== type ||
          last.version !== version + 1 ||
          last.actorId !== this.w.users.get(actor)!.id
        ) {
          this.failures.push(
            `${p.id}: stale after ${type}, but the last decision is ${JSON.stringify(last)}`,
          );
        }
        this.recoveredCommits++;
        version = last.version;
        this.accepted.push({ proposalId: p.id, type, version });
      } else {
        this.failures.push(`${p.id} ${actor} ${type}: ${res.status} ${JSON.stringify(res.body)}`);
        break;
      }
    }
    const now = await this.current(p.id);
    if (now.state !== plan.final)
      this.failures.push(`${p.id}: ended in ${now.state}, expected ${plan.final}`);
    return { id: p.id, state: now.state };
  }
}

/** Seeded pseudo-random numbers for the kill schedule (mulberry32). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
