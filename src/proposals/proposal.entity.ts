import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A proposal row. Written only by WorkflowEngineService (state, snapshot, version, revision, content
 * all change together under a compare-and-set on `version`); everything else reads it.
 */
@Entity({ name: 'proposals' })
export class Proposal {
  @PrimaryColumn('uuid') id!: string;
  @Column({ type: 'text' }) reference!: string;
  @Column({ name: 'lead_institution_id', type: 'text' }) leadInstitutionId!: string;
  @Column({ name: 'partner_institution_ids', type: 'text', array: true }) partnerInstitutionIds!: string[];
  @Column({ name: 'involved_countries', type: 'text', array: true }) involvedCountries!: string[];
  @Column({ name: 'agency_visible', type: 'boolean' }) agencyVisible!: boolean;
  @Column({ name: 'quality_visible', type: 'boolean' }) qualityVisible!: boolean;
  @Column({ type: 'text' }) state!: string;
  @Column({ name: 'workflow_id', type: 'text' }) workflowId!: string;
  @Column({ name: 'workflow_version', type: 'int' }) workflowVersion!: number;
  @Column({ type: 'jsonb' }) snapshot!: Record<string, unknown>;
  @Column({ type: 'int' }) version!: number;
  @Column({ type: 'int' }) revision!: number;
  @Column({ type: 'jsonb' }) content!: Record<string, unknown>;
  @Column({ name: 'created_by', type: 'uuid' }) createdBy!: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

@Entity({ name: 'proposal_revisions' })
export class ProposalRevision {
  @PrimaryColumn({ name: 'proposal_id', type: 'uuid' }) proposalId!: string;
  @PrimaryColumn({ type: 'int' }) revision!: number;
  @Column({ type: 'jsonb' }) content!: Record<string, unknown>;
  @Column({ name: 'partner_institution_ids', type: 'text', array: true }) partnerInstitutionIds!: string[];
  @Column({ name: 'submitted_by', type: 'uuid' }) submittedBy!: string;
  @Column({ name: 'submitted_at', type: 'timestamptz' }) submittedAt!: Date;
}

@Entity({ name: 'decisions' })
export class Decision {
  @PrimaryColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'proposal_id', type: 'uuid' }) proposalId!: string;
  @Column({ name: 'proposal_version', type: 'int' }) proposalVersion!: number;
  @Column({ type: 'int' }) revision!: number;
  @Column({ type: 'text' }) event!: string;
  @Column({ name: 'from_state', type: 'text', nullable: true }) fromState!: string | null;
  @Column({ name: 'to_state', type: 'text' }) toState!: string;
  @Column({ name: 'actor_id', type: 'uuid' }) actorId!: string;
  @Column({ name: 'actor_institution_id', type: 'text' }) actorInstitutionId!: string;
  @Column({ name: 'actor_role', type: 'text' }) actorRole!: string;
  @Column({ type: 'text', nullable: true }) comment!: string | null;
  @Column({ type: 'jsonb', nullable: true }) criteria!: unknown;
  @Column({ type: 'text', nullable: true }) outcome!: string | null;
  @Column({ type: 'text', nullable: true }) conditions!: string | null;
  @Column({ name: 'nqf_level', type: 'text', nullable: true }) nqfLevel!: string | null;
  @Column({ name: 'external_reference', type: 'text', nullable: true }) externalReference!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
