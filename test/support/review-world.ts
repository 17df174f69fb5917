import { expect } from '@jest/globals';
import type { Role } from '../../workflows/types.js';
import { LEAD, PARTNERS, SAMPLE_ACTORS, VALID_CONTENT, type SampleActorName } from './review-scenario.js';
import { bearer, retryUnavailable, type TestServer, type TestUser } from './server.js';

/** Extra relations to a cuni-led proposal with partners uhd and su, beyond the scenario's sample actors. */
export const EXTRA_ACTORS = {
  cuniReviewer: { institutionId: 'cuni', roles: ['reviewer'] },
  cuniQualityOfficer: { institutionId: 'cuni', roles: ['quality_officer'] },
  uhdProposer: { institutionId: 'uhd', roles: ['proposer'] },
  uhdAdmin: { institutionId: 'uhd', roles: ['admin'] },
  uhdQualityOfficer: { institutionId: 'uhd', roles: ['quality_officer'] },
  unimiReviewer: { institutionId: 'unimi', roles: ['reviewer'] },
  unimiProposer: { institutionId: 'unimi', roles: ['proposer'] },
  unimiAdmin: { institutionId: 'unimi', roles: ['admin'] },
  unimiQualityOfficer: { institutionId: 'unimi', roles: ['quality_officer'] },
  anvurLiaison: { institutionId: 'anvur', roles: ['agency_liaison'] },
  nauAdmin: { institutionId: 'nau', roles: ['admin'] },
} as const satisfies Record<string, { institutionId: string; roles: Role[] }>;

export type ActorName = SampleActorName | keyof typeof EXTRA_ACTORS;
export const ALL_ACTORS = [...Object.keys(SAMPLE_ACTORS), ...Object.keys(EXTRA_ACTORS)] as ActorName[];

export function actorSpec(name: ActorName): { institutionId: string; roles: readonly Role[] } {
  return name in SAMPLE_ACTORS
    ? SAMPLE_ACTORS[name as SampleActorName]
    : EXTRA_ACTORS[name as keyof typeof EXTRA_ACTORS];
}

export interface ProposalView {
  id: string;
  reference: string;
  state: string;
  version: number;
  revision: number;
  availableEvents: string[];
  pending: Array<{ key: string; kind: string; nextReminderAt?: string | null; escalationAt?: string | null }>;
  partnerInstitutionIds: string[];
  content: Record<string, unknown>;
  workflow: { id: string; version: number };
}

/** Users for every sample actor, logged in once, and helpers to drive proposals through HTTP. */
export class ReviewWorld {
  readonly users = new Map<ActorName, TestUser>();
  criteria: string[] = [];

  constructor(readonly t: TestServer) {}

  async setUp(names: readonly ActorName[] = ALL_ACTORS): Promise<this> {
    for (const name of names) {
      if (name === 'allianceAdmin') {
        this.users.set(name, {
          id: '',
          email: '',
          institutionId: '4euplus',
          roles: ['admin'],
          token: await this.t.admin(),
        });
        continue;
      }
      const spec = actorSpec(name);
      this.users.set(name, await this.t.user(spec.institutionId, [...spec.roles], name));
    }
    const token = await this.t.admin();
    const res = await retryUnavailable(() => this.t.http().get('/api/quality-criteria').set(bearer(token)));
    expect(res.status).toBe(200);
    this.criteria = (res.body as Array<{ id: string }>).map((c) => c.id);
    return this;
  }

  auth(name: ActorName) {
    const u = this.users.get(name);
    if (!u) throw new Error(`no user ${name}`);
    return bearer(u.token);
  }

  async create(
    content: Record<string, unknown> = VALID_CONTENT,
    partners: string[] = PARTNERS,
    as: ActorName = 'cuniProposer',
  ): Promise<ProposalView> {
    const res = await this.t
      .http()
      .post('/api/proposals')
      .set(this.auth(as))
      .send({ partnerInstitutionIds: partners, content });
    expect([res.status, res.body]).toEqual([201, expect.anything()]);
    return res.body as ProposalView;
  }

  get(id: string, as: ActorName = 'cuniProposer') {
    return this.t.http().get(`/api/proposals/${id}`).set(this.auth(as));
  }

  send(id: string, as: ActorName, type: string, body: Record<string, unknown> = {}) {
    return this.t
      .http()
      .post(`/api/proposals/${id}/events`)
      .set(this.auth(as))
      .send({ type, ...body });
  }

  /** Sends and insists on 200. */
  async ok(
    id: string,
    as: ActorName,
    type: string,
    body: Record<string, unknown> = {},
  ): Promise<ProposalView> {
    const res = await this.send(id, as, type, body);
    if (res.status !== 200)
      throw new Error(`${as} ${type} on ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as ProposalView;
  }

  allMet() {
    return { criteria: this.criteria.map((criterion) => ({ criterion, result: 'met' })) };
  }

  /** A cuni-led proposal (partners uhd, su) brought to the given state by the happy path. */
  async proposalIn(state: string): Promise<ProposalView> {
    let p = await this.create();
    const steps: Array<[ActorName, string, Record<string, unknown>]> = [];
    const toQuality: Array<[ActorName, string, Record<string, unknown>]> = [
      ['cuniProposer', 'SUBMIT', {}],
      ['uhdReviewer', 'PARTNER_APPROVE', {}],
      ['suReviewer', 'PARTNER_APPROVE', {}],
    ];
    const toApproved: Array<[ActorName, string, Record<string, unknown>]> = [
      ...toQuality,
      ['qualityOfficer', 'QUALITY_APPROVE', this.allMet()],
      ['nauLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' }],
      ['gacLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' }],
      ['hceresLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' }],
    ];
    switch (state) {
      case 'draft':
        break;
      case 'partnerReview':
        steps.push(toQuality[0]);
        break;
      case 'qualityReview':
        steps.push(...toQuality);
        break;
      case 'agencyAlignment':
        steps.push(...toApproved.slice(0, 4));
        break;
      case 'changesRequested':
        steps.push(toQuality[0], [
          'uhdReviewer',
          'PARTNER_REQUEST_CHANGES',
          { comment: 'Please add sources.' },
        ]);
        break;
      case 'approved':
        steps.push(...toApproved);
        break;
      case 'published':
        steps.push(...toApproved, ['cuniAdmin', 'PUBLISH', {}]);
        break;
      case 'retired':
        steps.push(
          ...toApproved,
          ['cuniAdmin', 'PUBLISH', {}],
          ['cuniAdmin', 'RETIRE', { comment: 'Superseded.' }],
        );
        break;
      case 'rejected':
        steps.push(...toQuality, ['qualityOfficer', 'QUALITY_REJECT', { comment: 'Out of scope.' }]);
        break;
      case 'withdrawn':
        steps.push(['cuniProposer', 'WITHDRAW', {}]);
        break;
      default:
        throw new Error(`no recipe for ${state}`);
    }
    for (const [as, type, body] of steps) p = await this.ok(p.id, as, type, body);
    expect(p.state).toBe(state);
    return p;
  }
}

export { LEAD, PARTNERS };
