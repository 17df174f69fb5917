// The micro-credential review as the runtime sees it: a WorkflowDefinition (workflows/types.ts).
// Everything here is derived from the machine and the rules module, never restated by hand.
import type { AnyMachineSnapshot, AnyStateMachine, Snapshot } from 'xstate';
import { machineEdges, machineFinalStates, machineStateNodes, toMermaid } from '../machine-graph.js';
import type {
  Actor,
  DeclaredPolicy,
  PendingParty,
  Problem,
  Refusal,
  WorkflowDefinition,
  WorkflowPolicy,
} from '../types.js';
import { reviewPolicyV1 } from './policy.js';
import {
  MICRO_CREDENTIAL_REVIEW_VERSION,
  microCredentialReviewMachine,
} from './micro-credential-review.machine.js';
import {
  PENDING_KINDS,
  REVIEW_EVENT_TYPES,
  type ReviewContext,
  type ReviewStateMeta,
} from './review-model.js';
import { authorize, ruleProblems, type Authorization } from './rules.js';

export * from './content.js';
export * from './policy.js';
export * from './isced-f.js';
export * from './review-model.js';
export * from './rules.js';
export * from './micro-credential-review.machine.js';

export interface ReviewWorkflowOptions {
  /** Defaults to the v1 rules; a later version with new events brings its own. */
  authorize?: (eventType: string, context: ReviewContext, actor: unknown) => Authorization;
  ruleProblems?: (eventType: string, context: ReviewContext, event: unknown) => Problem[];
  /** Defaults to the v1 policy; a version with new events, states or roles extends it. */
  policy?: DeclaredPolicy;
  /** Pending parties of `meta.pending` values v1 does not know. */
  pendingKinds?: Record<string, (context: ReviewContext) => Array<Omit<PendingParty, 'reminded'>>>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** A persisted context is trusted only if it has the v1 shape (later versions may add fields). */
export function isReviewContext(value: unknown): value is ReviewContext {
  return (
    isPlainObject(value) &&
    typeof value.leadInstitutionId === 'string' &&
    isStringArray(value.partnerInstitutionIds) &&
    isStringArray(value.involvedCountries) &&
    Number.isInteger(value.revision) &&
    isStringArray(value.partnerApprovals) &&
    isStringArray(value.agencyConfirmations) &&
    Number.isInteger(value.stageEntry) &&
    typeof value.stageEnteredAt === 'string'
  );
}

/** Party keys go into BullMQ job ids: only [a-z0-9-], anything else hex-escaped so keys stay distinct. */
export function partyKeyPart(value: string): string {
  return [...value]
    .map((ch) => (/^[a-z0-9-]$/.test(ch) ? ch : `-x${ch.codePointAt(0)!.toString(16)}-`))
    .join('');
}

function isReviewStateMeta(value: unknown, extraKinds: readonly string[]): value is ReviewStateMeta {
  return (
    isPlainObject(value) &&
    [...PENDING_KINDS, ...extraKinds].includes(value.pending as string) &&
    typeof value.reminded === 'boolean'
  );
}

/**
 * A policy that misses an event, a state or a role of its machine fails when the definition is built
 * (at start-up), not when the first proposal gets there.
 */
function checkPolicy(
  machineId: string,
  version: number,
  policy: DeclaredPolicy,
  events: readonly string[],
  states: readonly string[],
): void {
  const problems: string[] = [];
  const roles = new Set(['admin', ...policy.roles.map((r) => r.role)]);
  for (const type of events) {
    const event = policy.events[type];
    if (!event) problems.push(`event ${type} has no policy`);
    else {
      if (event.actingRoles.length === 0) problems.push(`event ${type} names no acting role`);
      for (const role of event.actingRoles)
        if (!roles.has(role)) problems.push(`event ${type}: role ${role} is not declared`);
      if (event.payload.type !== 'object' || event.payload.additionalProperties !== false)
        problems.push(`event ${type}: payload must be an object schema without additional properties`);
      const required = (event.payload.required ?? []) as string[];
      if (event.commentRequired !== required.includes('comment'))
        problems.push(`event ${type}: commentRequired disagrees with the payload schema`);
    }
  }
  for (const type of Object.keys(policy.events))
    if (!events.includes(type)) problems.push(`policy names event ${type}, which the machine does not have`);
  for (const state of states) if (!policy.stageLabels[state]) problems.push(`state ${state} has no label`);
  const named = [
    ...policy.editableStates,
    ...policy.visibility.flatMap((v) => v.fromStates),
    ...Object.values(policy.milestones),
  ];
  for (const state of named)
    if (!states.includes(state)) problems.push(`policy names unknown state ${state}`);
  if (problems.length) throw new Error(`Workflow ${machineId} v${version}: ${problems.join('; ')}`);
}

/**
 * Builds the definition around a review machine. Exported so a later version (and the test-only v2)
 * gets the same persistence, explanations and diagram for free.
 */
export function createReviewWorkflowDefinition(
  machine: AnyStateMachine,
  version: number,
  options: ReviewWorkflowOptions = {},
): WorkflowDefinition {
  if (machine.version !== String(version))
    throw new Error(`Machine ${machine.id} declares version ${machine.version ?? '(none)'}, not ${version}`);
  const authorizeEvent = options.authorize ?? authorize;
  const problemsOf = options.ruleProblems ?? ruleProblems;
  const basePolicy = options.policy ?? reviewPolicyV1;
  const extraKinds = options.pendingKinds ?? {};

  const edges = machineEdges(machine);
  const states = machineStateNodes(machine).map((node) => node.path.join('.'));
  const finalStates = machineFinalStates(machine);
  const known = new Set(edges.map((edge) => edge.event));
  // Table order of DESIGN.md first, then anything a later version adds.
  const eventTypes = [
    ...REVIEW_EVENT_TYPES.filter((type) => known.has(type)),
    ...[...known].filter((type) => !(REVIEW_EVENT_TYPES as readonly string[]).includes(type)),
  ];
  const handledIn = new Map<string, string[]>(
    states.map((state) => [
      state,
      eventTypes.filter((type) => edges.some((edge) => edge.source === state && edge.event === type)),
    ]),
  );
  const diagram = toMermaid(machine);
  checkPolicy(machine.id, version, basePolicy, eventTypes, states);

  function machineSnapshot(snapshot: Snapshot<unknown>): AnyMachineSnapshot & { context: ReviewContext } {
    const candidate = snapshot as Partial<AnyMachineSnapshot>;
    if (
      !candidate ||
      typeof candidate.value !== 'string' ||
      !candidate.machine ||
      candidate.machine.id !== machine.id ||
      candidate.machine.version !== machine.version
    )
      throw new Error(`Not a snapshot of ${machine.id} v${version}`);
    return candidate as AnyMachineSnapshot & { context: ReviewContext };
  }

  function stateOf(snapshot: Snapshot<unknown>): string {
    return machineSnapshot(snapshot).value as string;
  }

  function metaOf(state: string): ReviewStateMeta {
    const meta: unknown = machine.root.states[state]?.meta;
    if (!isReviewStateMeta(meta, Object.keys(extraKinds)))
      throw new Error(`State ${state} of ${machine.id} has no pending/reminded meta`);
    return meta;
  }

  const policy: WorkflowPolicy = {
    ...basePolicy,
    remindedStates: states.filter((state) => metaOf(state).reminded),
    waitingStates: states.filter((state) => metaOf(state).pending !== 'none'),
  };

  const definition: WorkflowDefinition = {
    id: machine.id,
    version,
    machine,
    eventTypes,
    states,
    finalStates,

    restore(persisted: unknown) {
      if (!isPlainObject(persisted))
        throw new Error(`${machine.id} v${version}: persisted snapshot is not an object`);
      const { value, context } = persisted;
      if (typeof value !== 'string' || !states.includes(value))
        throw new Error(`${machine.id} v${version}: unknown state ${JSON.stringify(value)}`);
      if (!isReviewContext(context)) throw new Error(`${machine.id} v${version}: malformed context`);
      // resolveState rebuilds the state nodes (and `done` for final states) so transition() works on it.
      return machine.resolveState({ value, context: structuredClone(context) });
    },

    persist(snapshot: Snapshot<unknown>) {
      // The documented persisted form, forced through JSON so it is exactly what a jsonb column keeps.
      return JSON.parse(JSON.stringify(machine.getPersistedSnapshot(machineSnapshot(snapshot)))) as Record<
        string,
        unknown
      >;
    },

    stateOf,

    pendingParties(snapshot: Snapshot<unknown>): PendingParty[] {
      const s = machineSnapshot(snapshot);
      const { pending, reminded } = metaOf(s.value as string);
      const context: ReviewContext = s.context;
      const party = (
        p: Omit<PendingParty, 'reminded' | 'country' | 'excludedInstitutionId'> & Partial<PendingParty>,
      ) => ({ country: null, excludedInstitutionId: null, ...p, reminded }) satisfies PendingParty;
      switch (pending) {
        case 'undecidedPartners':
          return context.partnerInstitutionIds
            .filter((id) => !context.partnerApprovals.includes(id))
            .map((id) =>
              party({
                key: `partner-${partyKeyPart(id)}`,
                kind: 'partner',
                role: 'reviewer',
                institutionId: id,
              }),
            );
        case 'qualityOfficers':
          return [
            party({
              key: 'quality',
              kind: 'quality',
              role: 'quality_officer',
              institutionId: null,
              excludedInstitutionId: context.leadInstitutionId,
            }),
          ];
        case 'undecidedAgencies':
          return context.involvedCountries
            .filter((country) => !context.agencyConfirmations.includes(country))
            .map((country) =>
              party({
                key: `agency-${partyKeyPart(country.toLowerCase())}`,
                kind: 'agency',
                role: 'agency_liaison',
                institutionId: null,
                country,
              }),
            );
        case 'leadProposers':
          return [
            party({
              key: `lead-${partyKeyPart(context.leadInstitutionId)}`,
              kind: 'lead',
              role: 'proposer',
              institutionId: context.leadInstitutionId,
            }),
          ];
        case 'publishers':
          // Alliance admins may publish too; the party names the lead, whose admins are the ones asked.
          return [
            party({
              key: 'publisher',
              kind: 'publisher',
              role: 'admin',
              institutionId: context.leadInstitutionId,
            }),
          ];
        case 'none':
          return [];
        default:
          return (extraKinds[pending] ?? (() => []))(context).map((p) => ({ ...p, reminded }));
      }
    },

    availableEvents(snapshot: Snapshot<unknown>, actor: Actor): string[] {
      const s = machineSnapshot(snapshot);
      if (s.status !== 'active') return [];
      return (handledIn.get(s.value as string) ?? []).filter(
        (type) => authorizeEvent(type, s.context, actor) === 'ok',
      );
    },

    explainRefusal(snapshot: Snapshot<unknown>, event: Record<string, unknown>): Refusal | null {
      const s = machineSnapshot(snapshot);
      const type = isPlainObject(event) ? event.type : undefined;
      if (typeof type !== 'string' || !known.has(type)) return { code: 'unknown-event' };
      const state = s.value as string;
      if (s.status !== 'active' || !(handledIn.get(state) ?? []).includes(type))
        return { code: 'not-allowed-in-state', state };
      const authorization = authorizeEvent(type, s.context, event.actor);
      if (authorization !== 'ok') return { code: authorization };
      const problems = problemsOf(type, s.context, event);
      if (problems.length > 0) return { code: 'rule', problems };
      // Belt and braces: the rules above are what the guards call, so this should never trigger.
      if (!s.can(event as never))
        return {
          code: 'rule',
          problems: [{ field: 'type', message: 'the workflow does not accept this event now' }],
        };
      return null;
    },

    mermaid: () => diagram,
    policy,
    stageEntryOf: (snapshot) => machineSnapshot(snapshot).context.stageEntry,
    stageEnteredAtOf: (snapshot) => machineSnapshot(snapshot).context.stageEnteredAt,
    revisionOf: (snapshot) => machineSnapshot(snapshot).context.revision,
    participantsOf: (snapshot) => {
      const { partnerInstitutionIds, involvedCountries } = machineSnapshot(snapshot).context;
      return { partnerInstitutionIds: [...partnerInstitutionIds], involvedCountries: [...involvedCountries] };
    },
  };
  return definition;
}

export const microCredentialReviewV1: WorkflowDefinition = createReviewWorkflowDefinition(
  microCredentialReviewMachine,
  MICRO_CREDENTIAL_REVIEW_VERSION,
);

/** The review context of a snapshot of any review version, for the runtime's convenience. */
export function reviewContextOf(snapshot: Snapshot<unknown>): ReviewContext {
  const context = (snapshot as { context?: unknown }).context;
  if (!isReviewContext(context)) throw new Error('Not a micro-credential review snapshot');
  return context;
}
