import { describe, expect, it } from '@jest/globals';
import { initialTransition, transition } from 'xstate';
import { microCredentialReviewV1 } from '../../workflows/micro-credential-review/index.js';
import { defaultWorkflowRegistry, UnknownWorkflowError, WorkflowRegistry } from '../../workflows/registry.js';
import { REVIEW_INPUT, SAMPLE_ACTORS, toMachineEvent } from '../support/review-scenario.js';
import { microCredentialReviewV2 } from '../support/review-v2.machine.js';

const ID = 'micro-credential-review';
const at = (hour: number) => new Date(Date.UTC(2026, 2, 3, hour)).toISOString();

/** A proposal record as the runtime keeps it: the workflow it started on and a JSON snapshot. */
function startProposal(registry: WorkflowRegistry) {
  const definition = registry.latest(ID);
  const [snapshot] = initialTransition(definition.machine, REVIEW_INPUT);
  return {
    workflow: { id: definition.id, version: definition.version },
    snapshot: definition.persist(snapshot),
  };
}

/** Loads the proposal's own version, sends the event, stores the result. */
function sendToProposal(
  registry: WorkflowRegistry,
  proposal: ReturnType<typeof startProposal>,
  step: Parameters<typeof toMachineEvent>[0],
  hour: number,
) {
  const definition = registry.get(proposal.workflow.id, proposal.workflow.version);
  const snapshot = definition.restore(JSON.parse(JSON.stringify(proposal.snapshot)));
  const [next] = transition(definition.machine, snapshot as never, toMachineEvent(step, at(hour)));
  return { ...proposal, snapshot: definition.persist(next), state: definition.stateOf(next) };
}

const TO_QUALITY_REVIEW = [
  { type: 'SUBMIT', actor: 'cuniProposer', body: {} },
  { type: 'PARTNER_APPROVE', actor: 'uhdReviewer', body: {} },
  { type: 'PARTNER_APPROVE', actor: 'suReviewer', body: {} },
] as const;
const REQUEST_CHANGES = {
  type: 'QUALITY_REQUEST_CHANGES',
  actor: 'qualityOfficer',
  body: { comment: 'Fix.' },
} as const;

function driveToQualityReview(registry: WorkflowRegistry, proposal: ReturnType<typeof startProposal>) {
  return TO_QUALITY_REVIEW.reduce(
    (current, step, i) => sendToProposal(registry, current, step, i + 1),
    proposal as ReturnType<typeof sendToProposal>,
  );
}

describe('WorkflowRegistry', () => {
  it('the default registry has v1 of the micro-credential review, which is the latest', () => {
    const registry = defaultWorkflowRegistry();
    expect(registry.get(ID, 1)).toBe(microCredentialReviewV1);
    expect(registry.latest(ID)).toBe(microCredentialReviewV1);
    expect(registry.list()).toEqual([microCredentialReviewV1]);
  });

  it('throws a clear error for an unknown id or version', () => {
    const registry = defaultWorkflowRegistry();
    expect(() => registry.get(ID, 7)).toThrow(UnknownWorkflowError);
    expect(() => registry.get(ID, 7)).toThrow(
      'Unknown workflow micro-credential-review version 7 (registered: micro-credential-review@1)',
    );
    expect(() => registry.latest('expense-claims')).toThrow('Unknown workflow expense-claims (registered:');
    expect(registry.has(ID, 1)).toBe(true);
    expect(registry.has(ID, 2)).toBe(false);
  });

  it('refuses a second, different definition under the same id and version', () => {
    const registry = defaultWorkflowRegistry();
    expect(() => registry.register({ ...microCredentialReviewV1 })).toThrow('already registered');
    expect(() => registry.register(microCredentialReviewV1)).not.toThrow();
  });

  it('with v1 and v2 registered, new proposals start on v2 and list() shows both in order', () => {
    const registry = new WorkflowRegistry()
      .register(microCredentialReviewV2)
      .register(microCredentialReviewV1);
    expect(registry.latest(ID).version).toBe(2);
    expect(registry.list().map((definition) => definition.version)).toEqual([1, 2]);
    expect(microCredentialReviewV2.states).toContain('qualityChangesRequested');
    expect(microCredentialReviewV1.states).not.toContain('qualityChangesRequested');
  });

  it('a proposal started on v1 keeps running on v1 after v2 is registered', () => {
    const v1Only = defaultWorkflowRegistry();
    const proposal = startProposal(v1Only);
    expect(proposal.workflow).toEqual({ id: ID, version: 1 });
    const inReview = driveToQualityReview(v1Only, proposal);
    expect(inReview.state).toBe('qualityReview');

    // v2 is released while the proposal is in quality review.
    const both = defaultWorkflowRegistry().register(microCredentialReviewV2);
    expect(both.get(ID, inReview.workflow.version)).toBe(microCredentialReviewV1);
    const after = sendToProposal(both, inReview, REQUEST_CHANGES, 10);
    expect(after.workflow.version).toBe(1);
    expect(after.state).toBe('changesRequested'); // v1 behaviour, not v2's qualityChangesRequested
    const resubmitted = sendToProposal(both, after, { type: 'SUBMIT', actor: 'cuniProposer', body: {} }, 11);
    expect(resubmitted.state).toBe('partnerReview');
    expect((resubmitted.snapshot.context as { revision: number }).revision).toBe(2);
  });

  it('a proposal started on v2 follows v2', () => {
    const registry = defaultWorkflowRegistry().register(microCredentialReviewV2);
    const proposal = startProposal(registry);
    expect(proposal.workflow.version).toBe(2);
    const after = sendToProposal(registry, driveToQualityReview(registry, proposal), REQUEST_CHANGES, 10);
    expect(after.state).toBe('qualityChangesRequested');
    const resubmitted = sendToProposal(
      registry,
      after,
      { type: 'SUBMIT', actor: 'cuniProposer', body: {} },
      11,
    );
    expect(resubmitted.state).toBe('qualityReview');
    expect(
      microCredentialReviewV2.availableEvents(
        microCredentialReviewV2.restore(resubmitted.snapshot),
        SAMPLE_ACTORS.qualityOfficer,
      ),
    ).toEqual(['QUALITY_APPROVE', 'QUALITY_REQUEST_CHANGES', 'QUALITY_REJECT']);
  });

  it('one version does not accept the snapshots of another', () => {
    const [v2Snapshot] = initialTransition(microCredentialReviewV2.machine, REVIEW_INPUT);
    expect(() => microCredentialReviewV1.stateOf(v2Snapshot)).toThrow(
      'Not a snapshot of micro-credential-review v1',
    );
    expect(microCredentialReviewV2.mermaid()).toContain(
      'qualityReview --> qualityChangesRequested: QUALITY_REQUEST_CHANGES',
    );
  });
});
