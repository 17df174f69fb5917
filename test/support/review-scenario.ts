// A reusable review scenario: three universities in three countries, their agencies, the alliance.
// Unit tests drive the machine with it; e2e tests drive the same paths through HTTP, which is why
// `reviewPaths()` returns plain data (who sends which event, with which body, and where it lands).
import type { AnyMachineSnapshot, SnapshotFrom } from 'xstate';
import { getShortestPaths, type StatePath, type TraversalOptions } from 'xstate/graph';
import { machineEdges, type MachineEdge } from '../../workflows/machine-graph.js';
import {
  microCredentialReviewMachine,
  type ReviewEvent,
  type ReviewEventType,
  type ReviewInput,
  type ReviewState,
  type Submission,
} from '../../workflows/micro-credential-review/index.js';
import type { Actor, InstitutionRef, Role } from '../../workflows/types.js';

/** The seeded institutions of DESIGN.md section 4. */
export const INSTITUTIONS: InstitutionRef[] = [
  { id: 'cuni', kind: 'university', country: 'CZ' },
  { id: 'uhd', kind: 'university', country: 'DE' },
  { id: 'su', kind: 'university', country: 'FR' },
  { id: 'ucph', kind: 'university', country: 'DK' },
  { id: 'unimi', kind: 'university', country: 'IT' },
  { id: 'uw', kind: 'university', country: 'PL' },
  { id: 'unige', kind: 'university', country: 'CH' },
  { id: 'assas', kind: 'university', country: 'FR' },
  { id: '4euplus', kind: 'alliance', country: null },
  { id: 'hceres', kind: 'agency', country: 'FR' },
  { id: 'nau', kind: 'agency', country: 'CZ' },
  { id: 'gac', kind: 'agency', country: 'DE' },
  { id: 'ai-dk', kind: 'agency', country: 'DK' },
  { id: 'anvur', kind: 'agency', country: 'IT' },
  { id: 'pka', kind: 'agency', country: 'PL' },
  { id: 'aaq', kind: 'agency', country: 'CH' },
];

export const LEAD = 'cuni';
export const PARTNERS = ['uhd', 'su'];
/** Lead CZ, partners DE and FR. */
export const INVOLVED_COUNTRIES = ['CZ', 'DE', 'FR'];
export const ECTS_MIN = 1;
export const ECTS_MAX = 15;
export const CREATED_AT = '2026-03-02T09:00:00.000Z';
export const REVIEW_INPUT: ReviewInput = { leadInstitutionId: LEAD, createdAt: CREATED_AT };

export function institution(id: string): InstitutionRef {
  const found = INSTITUTIONS.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`No institution ${id} in the scenario`);
  return found;
}

export function actorOf(
  institutionId: string,
  roles: Role[],
  userId = `${institutionId}-${roles.join('+')}`,
): Actor {
  const { kind, country } = institution(institutionId);
  return { userId, institutionId, institutionKind: kind, country, roles };
}

/** The sample users who act in the scenario, by a name e2e tests can map to seeded accounts. */
export const SAMPLE_ACTORS = {
  cuniProposer: actorOf('cuni', ['proposer']),
  cuniAdmin: actorOf('cuni', ['admin']),
  uhdReviewer: actorOf('uhd', ['reviewer']),
  suReviewer: actorOf('su', ['reviewer']),
  qualityOfficer: actorOf('4euplus', ['quality_officer']),
  nauLiaison: actorOf('nau', ['agency_liaison']),
  gacLiaison: actorOf('gac', ['agency_liaison']),
  hceresLiaison: actorOf('hceres', ['agency_liaison']),
  allianceAdmin: actorOf('4euplus', ['admin']),
} as const satisfies Record<string, Actor>;
export type SampleActorName = keyof typeof SAMPLE_ACTORS;

/** A complete content that passes every submission rule. */
export const VALID_CONTENT: Record<string, unknown> = {
  title: 'Data Literacy for Multilingual Research Teams',
  summary: 'A short, assessed course on handling research data across languages and disciplines.',
  learningOutcomes: [
    {
      description: 'Plan the management of a multilingual research data set.',
      escoSkillUri: 'http://data.europa.eu/esco/skill/0f2d2b8a-3b1a-4d7e-9c1e-2a3b4c5d6e7f',
    },
    { description: 'Assess the quality of a data set against FAIR principles.' },
  ],
  ects: 5,
  workloadHours: 140,
  eqfLevel: 7,
  assessment: { type: 'project', description: 'A data management plan, peer reviewed and graded.' },
  participationForm: 'blended',
  languages: ['en', 'cs', 'de', 'fr'],
  targetGroups: ['master', 'doctoral'],
  strategicAreas: ['data-literacy', 'multilingualism'],
  qualityAssurance: 'Internal QA of Charles University (institutional accreditation by NAU).',
  // ISCED-F 0542 Statistics
  thematicArea: '0542',
  prerequisites: 'A completed bachelor degree.',
  // An external programme: MC-… references must name an existing micro-credential at SUBMIT.
  stackability: { stacksInto: ['https://www.cuni.cz/en/programmes/data-science-msc'], composedOf: [] },
  revenueShares: [
    { institutionId: 'cuni', percent: 33.34 },
    { institutionId: 'uhd', percent: 33.33 },
    { institutionId: 'su', percent: 33.33 },
  ],
};

export const CRITERIA_CATALOGUE = [
  'eu-quality',
  'eu-transparency',
  'eu-relevance',
  'eu-valid-assessment',
  'esg-1.2-design-and-approval',
  'alliance-ects-range',
];

export function submissionOf(
  content: Record<string, unknown> = VALID_CONTENT,
  partnerInstitutionIds: string[] = PARTNERS,
): Submission {
  return { content, partnerInstitutionIds, institutions: INSTITUTIONS, ectsMin: ECTS_MIN, ectsMax: ECTS_MAX };
}

/** One step of a path: what an HTTP client posts (`type` + `body`), as whom, and the state after it. */
export interface ScenarioStep {
  type: ReviewEventType;
  actor: SampleActorName;
  /** The fields of `POST /api/proposals/:id/events` besides `type` (content comes from the proposal). */
  body: Record<string, unknown>;
  expectedState: ReviewState;
}

export interface ScenarioPath {
  /** The machine edge this path ends with; together the paths cover every edge. */
  edge: MachineEdge;
  description: string;
  steps: ScenarioStep[];
}

interface Attempt {
  type: ReviewEventType;
  actor: SampleActorName;
  body: Record<string, unknown>;
}

/** Every event the scenario tries, in every state (the machine decides which ones are taken). */
export function scenarioAttempts(criteriaCatalogue: readonly string[] = CRITERIA_CATALOGUE): Attempt[] {
  return [
    { type: 'SUBMIT', actor: 'cuniProposer', body: {} },
    { type: 'PARTNER_APPROVE', actor: 'uhdReviewer', body: { comment: 'Fits our master programme.' } },
    { type: 'PARTNER_APPROVE', actor: 'suReviewer', body: {} },
    {
      type: 'PARTNER_REQUEST_CHANGES',
      actor: 'uhdReviewer',
      body: { comment: 'Please add German sources.' },
    },
    {
      type: 'QUALITY_APPROVE',
      actor: 'qualityOfficer',
      body: { criteria: criteriaCatalogue.map((criterion) => ({ criterion, result: 'met' })) },
    },
    { type: 'QUALITY_REQUEST_CHANGES', actor: 'qualityOfficer', body: { comment: 'Assessment is unclear.' } },
    { type: 'QUALITY_REJECT', actor: 'qualityOfficer', body: { comment: 'Not a micro-credential.' } },
    {
      type: 'AGENCY_CONFIRM',
      actor: 'nauLiaison',
      body: { outcome: 'aligned', nqfLevel: '7', reference: 'NAU-1' },
    },
    { type: 'AGENCY_CONFIRM', actor: 'gacLiaison', body: { outcome: 'aligned' } },
    {
      type: 'AGENCY_CONFIRM',
      actor: 'hceresLiaison',
      body: { outcome: 'aligned-with-conditions', conditions: 'Register in RNCP before offering.' },
    },
    { type: 'AGENCY_FLAG', actor: 'gacLiaison', body: { comment: 'Workload exceeds the national cap.' } },
    { type: 'PUBLISH', actor: 'cuniAdmin', body: {} },
    { type: 'RETIRE', actor: 'allianceAdmin', body: { comment: 'Replaced by a larger programme.' } },
    { type: 'WITHDRAW', actor: 'cuniProposer', body: { comment: 'Funding ended.' } },
  ];
}

/** The machine event for an HTTP-like step: what the runtime would build from the request. */
export function toMachineEvent(
  step: Pick<ScenarioStep, 'type' | 'actor' | 'body'>,
  at: string,
  criteriaCatalogue: readonly string[] = CRITERIA_CATALOGUE,
): ReviewEvent {
  const base = { ...step.body, type: step.type, actor: SAMPLE_ACTORS[step.actor], at };
  if (step.type === 'SUBMIT') return { ...base, submission: submissionOf() } as ReviewEvent;
  if (step.type === 'QUALITY_APPROVE')
    return { ...base, criteriaCatalogue: [...criteriaCatalogue] } as ReviewEvent;
  return base as ReviewEvent;
}

export const SCENARIO_AT = '2026-03-03T10:00:00.000Z';

type ReviewSnapshot = SnapshotFrom<typeof microCredentialReviewMachine>;
export type ReviewPath = StatePath<ReviewSnapshot, ReviewEvent>;

/** Remembers which attempt produced a traversal event, to turn graph paths back into plain data. */
const attemptOf = new WeakMap<object, Attempt>();

/**
 * What a state means for the paths: the state and the decisions taken, not the clock, stage counter
 * or revision (which would make the graph infinite), plus the edge that led there so that shortest
 * paths are computed per incoming transition and every edge ends some path.
 */
export function abstractState(snapshot: AnyMachineSnapshot): string {
  const { partnerApprovals, agencyConfirmations } = snapshot.context as {
    partnerApprovals: string[];
    agencyConfirmations: string[];
  };
  return `${String(snapshot.value)}[${[...partnerApprovals].sort().join(',')}|${[...agencyConfirmations].sort().join(',')}]`;
}

function serializeForTraversal(
  snapshot: ReviewSnapshot,
  event: ReviewEvent | undefined,
  previous?: ReviewSnapshot,
): string {
  const via = event && previous ? ` via ${String(previous.value)}|${event.type}` : '';
  return abstractState(snapshot) + via;
}

/** Options for xstate/graph traversals of the review machine with the scenario's events. */
export function traversalOptions(
  criteriaCatalogue: readonly string[] = CRITERIA_CATALOGUE,
): TraversalOptions<ReviewSnapshot, ReviewEvent, ReviewInput> {
  const events = scenarioAttempts(criteriaCatalogue).map((attempt) => {
    const event = toMachineEvent(attempt, SCENARIO_AT, criteriaCatalogue);
    attemptOf.set(event, attempt);
    return event;
  });
  return {
    input: REVIEW_INPUT,
    events,
    // Only events the machine takes are edges; refused attempts are the unit tests' business.
    filterEvents: (snapshot, event) => snapshot.can(event),
    serializeState: serializeForTraversal,
  };
}

/** Plain data of a path found by xstate/graph (its first step is the machine's init). */
export function toScenarioSteps(path: ReviewPath): ScenarioStep[] {
  return path.steps
    .filter((step) => (step.event.type as string) !== 'xstate.init')
    .map((step): ScenarioStep => {
      const attempt = attemptOf.get(step.event);
      if (!attempt) throw new Error(`Event ${step.event.type} is not a scenario attempt`);
      return { ...attempt, expectedState: step.state.value as ReviewState };
    });
}

function edgeOfLastStep(steps: ScenarioStep[]): MachineEdge | null {
  if (steps.length === 0) return null;
  const last = steps[steps.length - 1];
  const source = steps.length > 1 ? steps[steps.length - 2].expectedState : 'draft';
  return { source, event: last.type, target: last.expectedState };
}

const edgeKey = (edge: MachineEdge) => `${edge.source} --${edge.event}--> ${edge.target}`;

/**
 * Shortest paths from a fresh draft that together reach every state and take every transition of
 * the machine: for each edge, the shortest path ending with it. Plain data, ready for HTTP.
 */
export function reviewPaths(options: { criteriaCatalogue?: readonly string[] } = {}): ScenarioPath[] {
  const machine = microCredentialReviewMachine;
  const paths = getShortestPaths(machine, traversalOptions(options.criteriaCatalogue));
  const best = new Map<string, ScenarioStep[]>();
  for (const path of paths) {
    const steps = toScenarioSteps(path);
    const edge = edgeOfLastStep(steps);
    if (!edge) continue;
    const key = edgeKey(edge);
    const current = best.get(key);
    if (!current || steps.length < current.length) best.set(key, steps);
  }
  return machineEdges(machine)
    .filter((edge) => best.has(edgeKey(edge)))
    .map((edge) => ({
      edge,
      description: `${edgeKey(edge)} in ${best.get(edgeKey(edge))!.length} steps`,
      steps: best.get(edgeKey(edge))!,
    }));
}
