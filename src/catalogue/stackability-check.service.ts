import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { FieldProblem } from '../common/domain-error.js';
import { ProposalsRepository, type ProposalRow } from '../workflow/proposals.repository.js';
import { workflowRegistry } from '../../workflows/registry.js';
import { ChangeParticipantRole, type ChangeParticipant } from '../workflow/proposal-change.js';
import { cycleProblems, declaredEdges, kindOf, stackEntries } from './stackability.js';

/**
 * States whose micro-credential can no longer be stacked with (it will never be offered, or no longer
 * is): the workflows' final states.
 */
const UNAVAILABLE = workflowRegistry().finalStates();
/** What never declares stackability edges: drafts (nothing submitted yet) and what ended without approval. */
const DECLARES_NOTHING = [
  ...workflowRegistry().milestone('created'),
  ...UNAVAILABLE.filter((s) => !workflowRegistry().milestone('retired').includes(s)),
];

/**
 * SQL: the proposal `p` is one the lead institution (the parameter named by `lead`) can see: one it
 * leads or partners in, or a published one.
 */
function visibleToLead(lead: string): string {
  const [leads, partners] = ProposalsRepository.involvementBranches(lead);
  return `(${leads} OR ${partners}
    OR EXISTS (SELECT 1 FROM catalogue_entries c WHERE c.proposal_id = p.id AND c.status = 'published'))`;
}

/**
 * The database half of the stackability rule at SUBMIT: every `MC-…` entry names a micro-credential
 * that exists, is visible to the lead institution (published, or one it leads or partners in) and
 * is still available, and no entry closes a cycle with what the other submitted micro-credentials
 * the lead institution can see declare. Runs in the engine's transaction; the machine stays pure.
 */
@Injectable()
@ChangeParticipantRole('stackability')
export class StackabilityCheckService implements ChangeParticipant {
  async submissionProblems(em: EntityManager, row: ProposalRow): Promise<FieldProblem[]> {
    // Blank entries are the machine's own "must not be blank" problem.
    const entries = stackEntries(row.content).filter((e) => e.value !== '');
    const problems: FieldProblem[] = [];
    const refs = [];
    for (const e of entries) {
      const kind = kindOf(e.value);
      if (kind === 'invalid')
        problems.push({
          field: e.field,
          message:
            'must be a micro-credential reference such as MC-2026-0007, or the https URL of a programme',
        });
      else if (kind === 'reference') refs.push(e);
    }
    if (refs.length === 0) return problems;
    // One such submission at a time: two concurrent ones could each close half of a cycle.
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('stackability-graph', 0))`);
    // Only what the lead institution's proposers can know of counts as existing: a micro-credential
    // in the public catalogue, or a proposal their institution leads or partners in. Anything else
    // gets the same answer as a reference that does not exist, so a submission cannot be used to
    // learn which of another institution's proposals exist (a hidden proposal is 404 everywhere).
    const found: Array<{ reference: string; state: string }> = await em.query(
      `SELECT p.reference, p.state FROM proposals p WHERE p.reference = ANY ($1::text[]) AND ${visibleToLead('$2')}`,
      [refs.map((r) => r.value), row.leadInstitutionId],
    );
    const stateOf = new Map(found.map((f) => [f.reference, f.state]));
    const existing = refs.filter((r) => {
      if (r.value === row.reference) return true; // a self-reference is reported as a cycle below
      const state = stateOf.get(r.value);
      if (state !== undefined && !UNAVAILABLE.includes(state)) return true;
      // One message for "no such reference", "not yours to see" and "not available".
      problems.push({
        field: r.field,
        message: `no available micro-credential ${r.value}: it does not exist, is not visible to your institution, or was withdrawn, rejected or retired`,
      });
      return false;
    });
    // What every other submitted micro-credential the lead institution can see declares (drafts
    // declare nothing yet). A cycle through a proposal it cannot see is not judged here: refusing it
    // would reveal a link that proposal declares. The pathways walk stays finite on any graph.
    const others: Array<{ reference: string; stackability: unknown }> = await em.query(
      `SELECT p.reference, p.content -> 'stackability' AS stackability FROM proposals p
       WHERE p.id <> $1 AND p.state <> ALL ($2::text[])
         AND jsonb_typeof(p.content -> 'stackability') = 'object'
         AND ${visibleToLead('$3')}`,
      [row.id, DECLARES_NOTHING, row.leadInstitutionId],
    );
    const edges = others.flatMap((o) => declaredEdges(o.reference, { stackability: o.stackability }));
    problems.push(...cycleProblems(row.reference, existing, edges));
    return problems;
  }
}
