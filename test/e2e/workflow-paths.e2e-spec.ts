import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { microCredentialReviewV1 } from '../../workflows/micro-credential-review/index.js';
import {
  REVIEW_INPUT,
  reviewPaths,
  SAMPLE_ACTORS,
  SCENARIO_AT,
  toMachineEvent,
  type SampleActorName,
} from '../support/review-scenario.js';
import { ReviewWorld } from '../support/review-world.js';
import { startServer, type TestServer } from '../support/server.js';

// Model-based: xstate/graph finds paths that together take every transition of the machine; each is
// driven through HTTP and, after every step, the API's state and availableEvents must equal what the
// machine itself computes for the same events.
let t: TestServer;
let w: ReviewWorld;
const actors = Object.keys(SAMPLE_ACTORS) as SampleActorName[];

beforeAll(async () => {
  t = await startServer();
  w = await new ReviewWorld(t).setUp(actors);
});
afterAll(async () => {
  await t?.stop();
});

describe('every machine transition, driven through HTTP', () => {
  it('covers every edge of the machine with the generated paths', () => {
    const paths = reviewPaths({ criteriaCatalogue: w.criteria });
    const covered = new Set(paths.map((p) => `${p.edge.source}|${p.edge.event}|${p.edge.target}`));
    expect(covered.size).toBeGreaterThanOrEqual(18);
  });

  it('matches the machine after every step of every path', async () => {
    const paths = reviewPaths({ criteriaCatalogue: w.criteria });
    const mismatches: string[] = [];
    for (const path of paths) {
      let proposal = await w.create();
      let [snapshot] = initialTransition(microCredentialReviewV1.machine, REVIEW_INPUT) as [
        AnyMachineSnapshot,
        unknown,
      ];
      for (const [i, step] of path.steps.entries()) {
        const res = await w.send(proposal.id, step.actor, step.type, step.body);
        [snapshot] = transition(
          microCredentialReviewV1.machine,
          snapshot,
          toMachineEvent(step, SCENARIO_AT, w.criteria) as never,
        ) as [AnyMachineSnapshot, unknown];
        const where = `${path.description} step ${i + 1} (${step.actor} ${step.type})`;
        if (res.status !== 200) {
          mismatches.push(`${where}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
          break;
        }
        proposal = res.body;
        if (proposal.state !== step.expectedState || proposal.state !== snapshot.value) {
          mismatches.push(
            `${where}: state ${proposal.state}, path says ${step.expectedState}, machine ${String(snapshot.value)}`,
          );
        }
        const pendingKeys = microCredentialReviewV1.pendingParties(snapshot).map((p) => p.key);
        if (JSON.stringify(proposal.pending.map((p) => p.key)) !== JSON.stringify(pendingKeys)) {
          mismatches.push(
            `${where}: pending ${proposal.pending.map((p) => p.key)} vs machine ${pendingKeys}`,
          );
        }
        for (const name of actors) {
          const view = await w.get(proposal.id, name);
          const expected = microCredentialReviewV1.availableEvents(snapshot, SAMPLE_ACTORS[name]);
          const actual = view.status === 200 ? view.body.availableEvents : [];
          if (JSON.stringify(actual) !== JSON.stringify(expected)) {
            mismatches.push(
              `${where}: ${name} availableEvents ${JSON.stringify(actual)} vs machine ${JSON.stringify(expected)}`,
            );
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});
