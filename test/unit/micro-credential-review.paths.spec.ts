// Model-based tests: xstate/graph walks the machine with the scenario's events, and the paths it
// finds must reach every state and take every transition the machine declares.
import { describe, expect, it } from '@jest/globals';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { machineEdges, type MachineEdge } from '../../workflows/machine-graph.js';
import {
  microCredentialReviewMachine as machine,
  microCredentialReviewV1 as definition,
  REVIEW_STATES,
  type ReviewContext,
} from '../../workflows/micro-credential-review/index.js';
import {
  INVOLVED_COUNTRIES,
  PARTNERS,
  REVIEW_INPUT,
  reviewPaths,
  SAMPLE_ACTORS,
  toMachineEvent,
  toScenarioSteps,
  traversalOptions,
  type ReviewPath,
  type ScenarioStep,
} from '../support/review-scenario.js';

type Snap = SnapshotFrom<typeof machine>;

const edgeKey = ({ source, event, target }: MachineEdge) => `${source} --${event}--> ${target}`;
const allEdges = new Set(machineEdges(machine).map(edgeKey));

function edgesOf(steps: ScenarioStep[]): string[] {
  return steps.map((step, i) =>
    edgeKey({
      source: i === 0 ? 'draft' : steps[i - 1].expectedState,
      event: step.type,
      target: step.expectedState,
    }),
  );
}

function coveredEdges(paths: ReviewPath[]): Set<string> {
  return new Set(paths.flatMap((path) => edgesOf(toScenarioSteps(path))));
}

/** Replays plain-data steps the way the runtime does: restore, transition, persist, at every step. */
function replay(steps: ScenarioStep[]): Snap[] {
  let persisted = definition.persist(initialTransition(machine, REVIEW_INPUT)[0]);
  const seen: Snap[] = [];
  steps.forEach((step, i) => {
    const snapshot = definition.restore(JSON.parse(JSON.stringify(persisted))) as Snap;
    const event = toMachineEvent(step, new Date(Date.UTC(2026, 3, 1, i)).toISOString());
    expect(definition.explainRefusal(snapshot, event as unknown as Record<string, unknown>)).toBeNull();
    expect(definition.availableEvents(snapshot, SAMPLE_ACTORS[step.actor])).toContain(step.type);
    const [next] = transition(machine, snapshot, event);
    expect(definition.stateOf(next)).toBe(step.expectedState);
    seen.push(next);
    persisted = definition.persist(next);
  });
  return seen;
}

describe('shortest paths (xstate/graph getShortestPaths)', () => {
  const paths = getShortestPaths(machine, traversalOptions());

  it('reach every state of the machine', () => {
    expect(new Set(paths.map((path) => String(path.state.value)))).toEqual(new Set(REVIEW_STATES));
  });

  it('together take every transition the machine declares, and no other', () => {
    expect(coveredEdges(paths)).toEqual(allEdges);
  });
});

describe('reviewPaths() (the plain-data paths the e2e tests drive through HTTP)', () => {
  const paths = reviewPaths();

  it('has one path per machine edge, ending with that edge', () => {
    expect(paths.map((path) => edgeKey(path.edge)).sort()).toEqual([...allEdges].sort());
    for (const path of paths) expect(edgesOf(path.steps).at(-1)).toBe(edgeKey(path.edge));
  });

  it('covers every edge and reaches every state', () => {
    expect(new Set(paths.flatMap((path) => edgesOf(path.steps)))).toEqual(allEdges);
    const reached = new Set([
      'draft',
      ...paths.flatMap((path) => path.steps.map((step) => step.expectedState)),
    ]);
    expect(reached).toEqual(new Set(REVIEW_STATES));
  });

  it('is plain JSON data naming sample actors', () => {
    expect(JSON.parse(JSON.stringify(paths))).toEqual(paths);
    for (const step of paths.flatMap((path) => path.steps))
      expect(Object.keys(SAMPLE_ACTORS)).toContain(step.actor);
  });

  it('uses the given quality checklist in QUALITY_APPROVE bodies', () => {
    const custom = reviewPaths({ criteriaCatalogue: ['c1', 'c2'] });
    const approve = custom.flatMap((path) => path.steps).find((step) => step.type === 'QUALITY_APPROVE');
    expect(approve?.body).toEqual({
      criteria: [
        { criterion: 'c1', result: 'met' },
        { criterion: 'c2', result: 'met' },
      ],
    });
  });

  it.each(paths.map((path) => [path.description, path] as const))(
    'replays %s through persist/restore, accepted at every step',
    (_description, path) => {
      const snapshots = replay(path.steps);
      expect(snapshots).toHaveLength(path.steps.length);
    },
  );
});

describe('simple paths (xstate/graph getSimplePaths)', () => {
  const paths = getSimplePaths(machine, traversalOptions());

  it('take every transition the machine declares, and no other', () => {
    expect(paths.length).toBeGreaterThan(100);
    expect(coveredEdges(paths)).toEqual(allEdges);
  });

  // The graph's snapshots stand for abstract states (their clock and counters are whichever path got
  // there first), so the invariants are checked on a fresh replay of each path's events.
  it('every simple path, replayed through persist/restore, lands where the graph says', () => {
    for (const path of paths) {
      const snapshots = replay(toScenarioSteps(path));
      expect(snapshots.at(-1)?.value ?? 'draft').toBe(path.state.value);
    }
  });

  it('keep the context invariants at every step', () => {
    for (const path of paths) {
      const steps = toScenarioSteps(path);
      const snapshots = replay(steps);
      let revision = 1;
      let stageEntry = 1;
      snapshots.forEach((snapshot, i) => {
        const previousState = i === 0 ? 'draft' : snapshots[i - 1].value;
        if (previousState !== snapshot.value) stageEntry += 1;
        if (previousState === 'changesRequested' && steps[i].type === 'SUBMIT') revision += 1;
        const context: ReviewContext = snapshot.context;
        // stageEntry counts entries into a different state; revision counts resubmissions.
        expect(context.stageEntry).toBe(stageEntry);
        expect(context.revision).toBe(revision);
        // Decisions are only ever by parties of this revision, each once.
        expect(new Set(context.partnerApprovals).size).toBe(context.partnerApprovals.length);
        for (const id of context.partnerApprovals) expect(PARTNERS).toContain(id);
        expect(new Set(context.agencyConfirmations).size).toBe(context.agencyConfirmations.length);
        for (const country of context.agencyConfirmations) expect(INVOLVED_COUNTRIES).toContain(country);
        // Past partner review only when every partner approved; approved only when every country confirmed.
        if (
          ['qualityReview', 'agencyAlignment', 'approved', 'published', 'retired'].includes(
            String(snapshot.value),
          )
        )
          expect([...context.partnerApprovals].sort()).toEqual([...PARTNERS].sort());
        if (['approved', 'published', 'retired'].includes(String(snapshot.value)))
          expect([...context.agencyConfirmations].sort()).toEqual(INVOLVED_COUNTRIES);
        for (const party of definition.pendingParties(snapshot)) expect(party.key).toMatch(/^[a-z0-9-]+$/);
      });
    }
  });
});
