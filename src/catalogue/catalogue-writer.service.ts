import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { WorkflowRegistry } from '../../workflows/registry.js';
import {
  ChangeParticipantRole,
  type ChangeParticipant,
  type ProposalChange,
} from '../workflow/proposal-change.js';
import { stackEntries } from './stackability.js';

/**
 * PostgreSQL text-search configuration per ISO 639-1 language (those PostgreSQL ships); any other
 * language is indexed unstemmed ('simple'). An entry is indexed in the first of its `languages`.
 */
export const SEARCH_CONFIGS: Record<string, string> = {
  en: 'english',
  de: 'german',
  fr: 'french',
  it: 'italian',
  da: 'danish',
  es: 'spanish',
  pt: 'portuguese',
  nl: 'dutch',
  sv: 'swedish',
  fi: 'finnish',
  hu: 'hungarian',
  ro: 'romanian',
  no: 'norwegian',
  nb: 'norwegian',
  el: 'greek',
  lt: 'lithuanian',
  ga: 'irish',
};
/** The configurations a query is parsed with (OR-ed), so it meets every entry in its own language. */
export const QUERY_CONFIGS = ['simple', ...new Set(Object.values(SEARCH_CONFIGS))];

/** Content fields that are public once published (revenue shares are the partners' business). */
export const PUBLIC_CONTENT_FIELDS = [
  'title',
  'summary',
  'thematicArea',
  'learningOutcomes',
  'ects',
  'workloadHours',
  'eqfLevel',
  'assessment',
  'participationForm',
  'languages',
  'targetGroups',
  'strategicAreas',
  'qualityAssurance',
  'prerequisites',
  'stackability',
] as const;

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/**
 * Joins the workflow transaction (like the audit log and the reminder schedule): PUBLISH copies the
 * published content into `catalogue_entries`, RETIRE marks the entry retired; both move
 * `catalogue_state.version`, which the public ETags are made of. The engine stays the only writer of
 * workflow state; this is a projection of it, committed with it.
 */
@Injectable()
@ChangeParticipantRole('catalogue')
export class CatalogueWriterService implements ChangeParticipant {
  constructor(private readonly registry: WorkflowRegistry) {}

  async inTransaction(em: EntityManager, change: ProposalChange): Promise<void> {
    if (change.kind !== 'event' || !change.before || change.before.state === change.after.state) return;
    const p = change.after;
    const { milestones } = change.definition.policy;
    if (p.state === milestones.published) {
      const c = p.content;
      const outcomes = Array.isArray(c.learningOutcomes)
        ? (c.learningOutcomes as Array<Record<string, unknown>>)
        : [];
      const languages = strings(c.languages);
      const entries = stackEntries(c).filter((e) => e.value !== '');
      const publicContent = Object.fromEntries(
        PUBLIC_CONTENT_FIELDS.filter((f) => c[f] !== undefined).map((f) => [f, c[f]]),
      );
      await em.query(
        `INSERT INTO catalogue_entries (proposal_id, reference, status, title, summary, outcomes_text, content, ects,
           eqf_level, languages, strategic_areas, lead_institution_id, partner_institution_ids, institution_ids,
           esco_skill_uris, stacks_into, composed_of, alignments, search_config, published_at)
         VALUES ($1, $2, 'published', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
           coalesce((SELECT jsonb_agg(jsonb_build_object('country', i.country, 'agencyId', d.actor_institution_id,
                       'outcome', d.payload->'outcome', 'nqfLevel', d.payload->'nqfLevel',
                       -- Conditions only as the outcome states them (as the endorsement does): a remark sent
                       -- with a plain "aligned" was never public.
                       'conditions', CASE WHEN d.payload->>'outcome' = 'aligned-with-conditions'
                                          THEN d.payload->'conditions' END) ORDER BY i.country, d.id)
                     FROM decisions d JOIN institutions i ON i.id = d.actor_institution_id
                     WHERE d.proposal_id = $1 AND d.revision = $18 AND d.event = ANY ($19::text[])), '[]'::jsonb),
           $17::regconfig, now())
         ON CONFLICT (proposal_id) DO UPDATE SET status = 'published', retired_at = NULL`,
        [
          p.id,
          p.reference,
          String(c.title ?? ''),
          String(c.summary ?? ''),
          outcomes.map((o) => (typeof o.description === 'string' ? o.description : '')).join('\n'),
          publicContent,
          c.ects,
          c.eqfLevel,
          languages,
          strings(c.strategicAreas),
          p.leadInstitutionId,
          p.partnerInstitutionIds,
          [p.leadInstitutionId, ...p.partnerInstitutionIds],
          [...new Set(outcomes.map((o) => o.escoSkillUri).filter((u): u is string => typeof u === 'string'))],
          entries.filter((e) => e.list === 'stacksInto').map((e) => e.value),
          entries.filter((e) => e.list === 'composedOf').map((e) => e.value),
          SEARCH_CONFIGS[languages[0] ?? ''] ?? 'simple',
          p.revision,
          this.registry.eventsRecordedAs('agency-alignment'),
        ],
      );
    } else if (p.state === milestones.retired) {
      await em.query(
        `UPDATE catalogue_entries SET status = 'retired', retired_at = now() WHERE proposal_id = $1`,
        [p.id],
      );
    } else return;
    await em.query(`UPDATE catalogue_state SET version = version + 1 WHERE id = 1`);
  }
}
