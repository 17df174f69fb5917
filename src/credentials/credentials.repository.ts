import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { WorkflowRegistry } from '../../workflows/registry.js';
import { returnedRows } from '../database/returned-rows.js';
import type { AgencyAlignment, CriterionResult, InstitutionInfo } from './credential-documents.js';

export interface DecisionFacts {
  approvedAt: Date | null;
  criteria: CriterionResult[];
  alignments: AgencyAlignment[];
}

export interface OutboxRow {
  id: string;
  kind: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  status: string;
  attempts: number;
}

export const ENDORSEMENT_OUTBOX_KIND = 'issue-endorsement';

/** The SQL of credential exports: decision facts, issued credentials and the outbox. */
@Injectable()
export class CredentialsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: WorkflowRegistry,
  ) {}

  async institutions(ids: string[]): Promise<InstitutionInfo[]> {
    return this.dataSource.query(`SELECT id, name, country FROM institutions WHERE id = ANY ($1::text[])`, [
      ids,
    ]);
  }

  async criteriaTitles(): Promise<Record<string, string>> {
    const rows: Array<{ id: string; title: string }> = await this.dataSource.query(
      `SELECT id, title FROM quality_criteria`,
    );
    return Object.fromEntries(rows.map((r) => [r.id, r.title]));
  }

  /** The quality decision and the agencies' confirmations of one revision, and when it was approved. */
  async decisionFacts(proposalId: string, revision: number): Promise<DecisionFacts> {
    const quality = this.registry.eventsRecordedAs('quality-decision');
    const agency = this.registry.eventsRecordedAs('agency-alignment');
    const approvedStates = this.registry.milestone('approved');
    const rows: Array<{
      event: string;
      toState: string;
      payload: {
        criteria?: CriterionResult[];
        outcome?: string;
        conditions?: string;
        nqfLevel?: string;
        reference?: string;
      };
      createdAt: Date;
      agencyId: string;
      agencyName: string;
      country: string | null;
    }> = await this.dataSource.query(
      `SELECT d.event, d.to_state AS "toState", d.payload, d.created_at AS "createdAt",
              i.id AS "agencyId", i.name AS "agencyName", i.country
         FROM decisions d JOIN institutions i ON i.id = d.actor_institution_id
        WHERE d.proposal_id = $1 AND d.revision = $2
          AND (d.event = ANY ($3::text[]) OR d.to_state = ANY ($4::text[]))
        ORDER BY d.id`,
      [proposalId, revision, [...quality, ...agency], approvedStates],
    );
    const qualityDecision = rows.filter((r) => quality.includes(r.event)).pop();
    const alignments = rows
      .filter((r) => agency.includes(r.event) && r.country)
      .map((r) => ({
        country: r.country as string,
        agency: { id: r.agencyId, name: r.agencyName, country: r.country },
        outcome: r.payload.outcome ?? 'aligned',
        conditions: r.payload.conditions ?? null,
        nqfLevel: r.payload.nqfLevel ?? null,
        reference: r.payload.reference ?? null,
      }))
      .sort((a, b) => a.country.localeCompare(b.country));
    const approved = rows.find((r) => approvedStates.includes(r.toState));
    return {
      approvedAt: approved ? new Date(approved.createdAt) : null,
      criteria: Array.isArray(qualityDecision?.payload.criteria) ? qualityDecision.payload.criteria : [],
      alignments,
    };
  }

  /** The proposal behind a catalogue reference (published or retired), if the catalogue has it. */
  async catalogueProposalId(reference: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT proposal_id AS id FROM catalogue_entries WHERE reference = $1`,
      [reference],
    );
    return rows[0]?.id ?? null;
  }

  async isInCatalogue(proposalId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM catalogue_entries WHERE proposal_id = $1`,
      [proposalId],
    );
    return rows.length > 0;
  }

  async issued(proposalId: string, revision: number, kind: string): Promise<string | null> {
    const rows: Array<{ document: string }> = await this.dataSource.query(
      `SELECT document FROM issued_credentials WHERE proposal_id = $1 AND revision = $2 AND kind = $3`,
      [proposalId, revision, kind],
    );
    return rows[0]?.document ?? null;
  }

  /** Keeps the first document issued for (proposal, revision, kind); returns what is stored. */
  async storeIssued(
    proposalId: string,
    revision: number,
    kind: string,
    document: string,
    verificationMethod: string,
  ): Promise<string> {
    await this.dataSource.query(
      `INSERT INTO issued_credentials (proposal_id, revision, kind, document, verification_method)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [proposalId, revision, kind, document, verificationMethod],
    );
    return (await this.issued(proposalId, revision, kind)) as string;
  }

  async proposalState(proposalId: string): Promise<{ state: string; reference: string } | null> {
    const rows: Array<{ state: string; reference: string }> = await this.dataSource.query(
      `SELECT state, reference FROM proposals WHERE id = $1`,
      [proposalId],
    );
    return rows[0] ?? null;
  }

  // --- outbox ------------------------------------------------------------------------------------

  /** Inside the caller's transaction; a second row for the same effect is not written. */
  async enqueue(
    em: EntityManager,
    kind: string,
    aggregateId: string,
    dedupeKey: string,
    payload: Record<string, unknown>,
  ): Promise<string | null> {
    const rows = returnedRows<{ id: string }>(
      await em.query(
        `INSERT INTO outbox (kind, aggregate_id, dedupe_key, payload) VALUES ($1, $2, $3, $4)
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
        [kind, aggregateId, dedupeKey, JSON.stringify(payload)],
      ),
    );
    return rows[0]?.id ?? null;
  }

  async outboxRow(id: string): Promise<OutboxRow | null> {
    const rows: OutboxRow[] = await this.dataSource.query(
      `SELECT id, kind, aggregate_id AS "aggregateId", payload, status, attempts FROM outbox WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async outboxDone(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox SET status = 'done', attempts = attempts + 1, processed_at = now(), updated_at = now(), last_error = NULL
       WHERE id = $1 AND status = 'pending'`,
      [id],
    );
  }

  async outboxFailed(id: string, error: string, final: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox SET attempts = attempts + 1, last_error = $2, updated_at = now(),
              status = CASE WHEN $3 THEN 'failed' ELSE status END
       WHERE id = $1 AND status = 'pending'`,
      [id, error.slice(0, 500), final],
    );
  }

  async pendingOutbox(after: string | null, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM outbox WHERE status = 'pending' AND ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => r.id);
  }
}
