// The in-process tier's harness: the application's real module graph (AppModule, as src/worker.ts
// boots it, but in the API role with WORKER=false: no HTTP, no queue workers or reconcilers), against
// the run's fresh database and Redis prefix (test/integration/global-setup.mjs). Tests drive the
// public services (WorkflowEngineService, ProposalsRepository, AuditQueryService) and read the tables
// with SQL of their own.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import pg from 'pg';
import type { InstitutionKind, Role } from '../../../workflows/types.js';
import { AppModule } from '../../../src/app/app.module.js';
import { AuditQueryService } from '../../../src/audit/audit-query.service.js';
import type { AuthUser } from '../../../src/auth/auth-user.js';
import type { RequestMeta } from '../../../src/common/request-meta.js';
import { requestFingerprint } from '../../../src/idempotency/idempotency-key.js';
import { ProposalsService } from '../../../src/proposals/proposals.service.js';
import { ProposalsRepository, type ProposalRow } from '../../../src/workflow/proposals.repository.js';
import {
  WorkflowEngineService,
  type EventInput,
  type IdempotentCall,
} from '../../../src/workflow/workflow-engine.service.js';
import { PARTNERS, VALID_CONTENT } from '../../support/review-scenario.js';

export { PARTNERS, VALID_CONTENT };

/**
 * Boots the application context as src/worker.ts does, in the API role (workers follow WORKER, which the
 * config sets to false). Migrations run at boot, as in production.
 */
export async function bootApp(): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot('api'), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  await app.init();
  return app;
}

/** Where a change came from, as the controllers' @ReqMeta() hands it to the engine. */
export const meta = (): RequestMeta => ({ requestId: `int-${randomUUID()}`, ip: '127.0.0.1' });

/** The cast of a cuni-led review with partners uhd and su (DESIGN.md section 4's seeded institutions). */
export const CAST = {
  cuniProposer: ['cuni', ['proposer']],
  cuniAdmin: ['cuni', ['admin']],
  uhdReviewer: ['uhd', ['reviewer']],
  suReviewer: ['su', ['reviewer']],
  qualityOfficer: ['4euplus', ['quality_officer']],
  nauLiaison: ['nau', ['agency_liaison']],
  gacLiaison: ['gac', ['agency_liaison']],
  hceresLiaison: ['hceres', ['agency_liaison']],
  allianceAdmin: ['4euplus', ['admin']],
  suProposer: ['su', ['proposer']],
  ucphReviewer: ['ucph', ['reviewer']],
  unimiReviewer: ['unimi', ['reviewer']],
  unimiQualityOfficer: ['unimi', ['quality_officer']],
  anvurLiaison: ['anvur', ['agency_liaison']],
} as const satisfies Record<string, readonly [string, readonly Role[]]>;
export type CastName = keyof typeof CAST;

/** Everything a test file needs: the booted app, its services, and a pool of its own for reading tables. */
export class World {
  readonly engine: WorkflowEngineService;
  readonly proposals: ProposalsService;
  readonly repo: ProposalsRepository;
  readonly audit: AuditQueryService;
  readonly db: pg.Pool;
  readonly users = new Map<CastName, AuthUser>();
  criteria: string[] = [];

  private constructor(readonly app: INestApplicationContext) {
    this.engine = app.get(WorkflowEngineService);
    this.proposals = app.get(ProposalsService);
    this.repo = app.get(ProposalsRepository);
    // Not exported by AuditModule (only its controller uses it): looked up across the module graph.
    this.audit = app.get(AuditQueryService, { strict: false });
    this.db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  }

  static async start(): Promise<World> {
    const w = new World(await bootApp());
    for (const [name, [institutionId, roles]] of Object.entries(CAST))
      w.users.set(name as CastName, await w.newUser(institutionId, roles));
    w.criteria = (
      await w.sql<{ id: string }>(`SELECT id FROM quality_criteria WHERE active ORDER BY position, id`)
    ).map((r) => r.id);
    return w;
  }

  async stop(): Promise<void> {
    await this.db.end();
    await this.app.close();
  }

  async sql<T extends object = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await this.db.query(text, values)).rows as T[];
  }

  /** A user as the access guard hands it to a controller, inserted with SQL (no password: no argon2 cost). */
  async newUser(institutionId: string, roles: readonly Role[]): Promise<AuthUser> {
    const [inst] = await this.sql<{ kind: InstitutionKind; country: string | null }>(
      `SELECT kind, country FROM institutions WHERE id = $1`,
      [institutionId],
    );
    if (!inst) throw new Error(`no institution ${institutionId}`);
    const label = roles.join('-').replace(/_/g, '-');
    const [{ id }] = await this.sql<{ id: string }>(
      `INSERT INTO users (email, display_name, institution_id, roles) VALUES ($1, $2, $3, $4) RETURNING id`,
      [
        `${label}.${randomUUID().slice(0, 8)}@${institutionId}.test`,
        `${label} at ${institutionId}`,
        institutionId,
        roles,
      ],
    );
    return { id, institutionId, institutionKind: inst.kind, country: inst.country, roles: [...roles] };
  }

  user(name: CastName): AuthUser {
    const u = this.users.get(name);
    if (!u) throw new Error(`no user ${name}`);
    return u;
  }

  create(
    content: Record<string, unknown> = VALID_CONTENT,
    partners: string[] = PARTNERS,
    as: CastName = 'cuniProposer',
  ): Promise<ProposalRow> {
    return this.engine.create(this.user(as), { content, partnerInstitutionIds: partners }, meta());
  }

  send(id: string, as: CastName, type: string, body: Omit<EventInput, 'type'> = {}): Promise<ProposalRow> {
    return this.engine.send(this.user(as), id, { type, ...body }, meta());
  }

  /** What an HTTP request with an Idempotency-Key hands the engine (as the proposals controller builds it). */
  idempotent(
    as: CastName,
    key: string,
    method: string,
    path: string,
    body: unknown,
    status = 200,
  ): IdempotentCall {
    const user = this.user(as);
    return {
      userId: user.id,
      key,
      fingerprint: requestFingerprint(method, path, body),
      status,
      render: (em, row) => this.proposals.toDto(user, row, em),
    };
  }

  /** The happy path of a cuni-led proposal with partners uhd and su, from draft until it is in `target`. */
  async drive(id: string, target: string): Promise<ProposalRow> {
    const met = { criteria: this.criteria.map((criterion) => ({ criterion, result: 'met' })) };
    const steps: Array<[CastName, string, Omit<EventInput, 'type'>]> = [
      ['cuniProposer', 'SUBMIT', {}],
      ['uhdReviewer', 'PARTNER_APPROVE', {}],
      ['suReviewer', 'PARTNER_APPROVE', {}],
      ['qualityOfficer', 'QUALITY_APPROVE', met],
      ['nauLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' }],
      ['gacLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' }],
      ['hceresLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' }],
      ['cuniAdmin', 'PUBLISH', {}],
    ];
    let row = (await this.repo.find(id))!;
    if (row.state !== 'draft') throw new Error(`drive() starts from draft, not ${row.state}`);
    for (const [as, type, body] of steps) {
      if (row.state === target) break;
      row = await this.send(id, as, type, body);
    }
    if (row.state !== target) throw new Error(`the happy path does not reach ${target}`);
    return row;
  }

  /** Everything a change to this proposal could have written, for "changed nothing" comparisons. */
  async footprint(id: string) {
    const q = (text: string) => this.sql(text, [id]);
    return {
      proposal: await q(
        `SELECT state, version, revision, snapshot, content, partner_institution_ids, updated_at FROM proposals WHERE id = $1`,
      ),
      decisions: await q(`SELECT id FROM decisions WHERE proposal_id = $1 ORDER BY id`),
      revisions: await q(`SELECT revision FROM proposal_revisions WHERE proposal_id = $1 ORDER BY revision`),
      audit: await q(`SELECT institution_id, seq FROM audit_entries WHERE proposal_id = $1 ORDER BY 1, 2`),
      reminders: await q(`SELECT id, status FROM reminder_schedule WHERE proposal_id = $1 ORDER BY id`),
      outbox: await q(`SELECT id, status FROM outbox WHERE aggregate_id = $1 ORDER BY id`),
      catalogue: await q(`SELECT status FROM catalogue_entries WHERE proposal_id = $1`),
    };
  }

  /**
   * Every table a change can write, as counts and chain heads: equal before and after means nothing was
   * written anywhere. (The run's test files go one at a time and no worker runs, so nothing else writes.)
   */
  async everything() {
    const [counts] = await this.sql(
      `SELECT (SELECT count(*)::int FROM proposals) AS proposals, (SELECT count(*)::int FROM decisions) AS decisions,
              (SELECT count(*)::int FROM proposal_revisions) AS revisions,
              (SELECT count(*)::int FROM audit_entries) AS audit, (SELECT count(*)::int FROM reminder_schedule) AS reminders,
              (SELECT count(*)::int FROM outbox) AS outbox, (SELECT count(*)::int FROM idempotency_keys) AS keys,
              (SELECT count(*)::int FROM catalogue_entries) AS catalogue,
              (SELECT version FROM catalogue_state) AS "catalogueVersion",
              (SELECT coalesce(max(last), 0) FROM reference_counters) AS "lastReference"`,
    );
    const heads = await this.sql(`SELECT institution_id, seq, hash FROM audit_heads ORDER BY institution_id`);
    return { counts, heads };
  }

  decisions(id: string) {
    return this.sql<{
      event: string;
      fromState: string;
      toState: string;
      actorId: string;
      actorInstitutionId: string;
      actorRole: string;
      version: number;
      revision: number;
    }>(
      `SELECT event, from_state AS "fromState", to_state AS "toState", actor_id AS "actorId",
              actor_institution_id AS "actorInstitutionId", actor_role AS "actorRole",
              proposal_version AS version, revision
       FROM decisions WHERE proposal_id = $1 ORDER BY proposal_version`,
      [id],
    );
  }

  /** The logs an action on this proposal (by this actor, when given) went into, sorted. */
  async auditLogsOf(id: string, action: string, actor?: CastName): Promise<string[]> {
    const rows = await this.sql<{ institutionId: string }>(
      `SELECT institution_id AS "institutionId" FROM audit_entries
       WHERE proposal_id = $1 AND action = $2 AND ($3::uuid IS NULL OR actor_id = $3)
       ORDER BY institution_id`,
      [id, action, actor ? this.user(actor).id : null],
    );
    return rows.map((r) => r.institutionId);
  }

  reminders(id: string) {
    return this.sql<{ partyKey: string; kind: string; state: string; status: string }>(
      `SELECT party_key AS "partyKey", kind, state, status FROM reminder_schedule WHERE proposal_id = $1
       ORDER BY state, party_key, kind`,
      [id],
    );
  }
}
