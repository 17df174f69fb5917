// Every machine version the runtime can load. A proposal records { id, version } when it starts and
// keeps running on that version, so older versions stay registered after newer ones arrive.
import { microCredentialReviewV1 } from './micro-credential-review/index.js';
import type { EventPolicy, Milestones, RoleSpec, WorkflowDefinition } from './types.js';

export class UnknownWorkflowError extends Error {
  constructor(
    readonly workflowId: string,
    readonly workflowVersion: number | null,
    registered: readonly string[],
  ) {
    super(
      `Unknown workflow ${workflowId}${workflowVersion === null ? '' : ` version ${workflowVersion}`}` +
        ` (registered: ${registered.length ? registered.join(', ') : 'none'})`,
    );
    this.name = 'UnknownWorkflowError';
  }
}

export class WorkflowRegistry {
  private readonly byId = new Map<string, Map<number, WorkflowDefinition>>();

  register(definition: WorkflowDefinition): this {
    if (!Number.isInteger(definition.version) || definition.version < 1)
      throw new Error(
        `Workflow ${definition.id}: version must be a positive integer, got ${definition.version}`,
      );
    const versions = this.byId.get(definition.id) ?? new Map<number, WorkflowDefinition>();
    const existing = versions.get(definition.version);
    // A version is immutable once proposals may run on it: registering a different one is a bug.
    if (existing && existing !== definition)
      throw new Error(`Workflow ${definition.id} version ${definition.version} is already registered`);
    versions.set(definition.version, definition);
    this.byId.set(definition.id, versions);
    return this;
  }

  has(id: string, version: number): boolean {
    return this.byId.get(id)?.has(version) ?? false;
  }

  get(id: string, version: number): WorkflowDefinition {
    const definition = this.byId.get(id)?.get(version);
    if (!definition) throw new UnknownWorkflowError(id, version, this.labels());
    return definition;
  }

  /** The version new proposals start on. */
  latest(id: string): WorkflowDefinition {
    const versions = this.byId.get(id);
    if (!versions || versions.size === 0) throw new UnknownWorkflowError(id, null, this.labels());
    return versions.get(Math.max(...versions.keys()))!;
  }

  /** All registered definitions, by id then version. */
  list(): WorkflowDefinition[] {
    return [...this.byId.keys()]
      .sort()
      .flatMap((id) => [...this.byId.get(id)!.values()].sort((a, b) => a.version - b.version));
  }

  // What every registered version says together: for filters, documentation and readers of records
  // written by any version. A version that uses a name uses it in the same sense as the others.

  /** Every state of every version, in version order. */
  states(): string[] {
    return [...new Set(this.list().flatMap((d) => d.states))];
  }

  /** Every event type of every version. */
  eventTypes(): string[] {
    return [...new Set(this.list().flatMap((d) => d.eventTypes))];
  }

  /** Event types whose decisions are recorded as `tag` (by any version). */
  eventsRecordedAs(tag: NonNullable<EventPolicy['recordedAs']>): string[] {
    return [
      ...new Set(
        this.list().flatMap((d) =>
          Object.entries(d.policy.events)
            .filter(([, p]) => p.recordedAs === tag)
            .map(([type]) => type),
        ),
      ),
    ];
  }

  /** The states that are this milestone in some version. */
  milestone(key: keyof Milestones): string[] {
    return [...new Set(this.list().map((d) => d.policy.milestones[key]))];
  }

  /** States where someone is expected to act in some version, in version order. */
  waitingStates(): string[] {
    return [...new Set(this.list().flatMap((d) => d.policy.waitingStates))];
  }

  /** Event types that submit the content for review (their policy needs the submission). */
  submitEvents(): string[] {
    return [
      ...new Set(
        this.list().flatMap((d) =>
          Object.entries(d.policy.events)
            .filter(([, p]) => p.needs?.includes('submission'))
            .map(([type]) => type),
        ),
      ),
    ];
  }

  /** States where reminders run in some version, in version order. */
  remindedStates(): string[] {
    return [...new Set(this.list().flatMap((d) => d.policy.remindedStates))];
  }

  /** The final states of every version (a proposal there never changes again). */
  finalStates(): string[] {
    return [...new Set(this.list().flatMap((d) => d.finalStates))];
  }

  /** A state's name for people (the latest version that has it), or the state itself. */
  stageLabel(state: string): string {
    const versions = this.list().reverse();
    return versions.find((d) => d.policy.stageLabels[state])?.policy.stageLabels[state] ?? state;
  }

  /** Roles the workflows declare, merged (kinds united; delegable if any version says so), plus admin. */
  roles(): RoleSpec[] {
    const byRole = new Map<string, RoleSpec>();
    for (const spec of this.list().flatMap((d) => d.policy.roles)) {
      const seen = byRole.get(spec.role);
      byRole.set(
        spec.role,
        seen
          ? {
              role: spec.role,
              kinds: [...new Set([...seen.kinds, ...spec.kinds])],
              delegable: seen.delegable || spec.delegable,
            }
          : spec,
      );
    }
    return [
      ...byRole.values(),
      { role: 'admin', kinds: ['university', 'alliance', 'agency'], delegable: false },
    ];
  }

  private labels(): string[] {
    return this.list().map((definition) => `${definition.id}@${definition.version}`);
  }
}

/** The registry the application uses: every released version. */
export function defaultWorkflowRegistry(): WorkflowRegistry {
  return new WorkflowRegistry().register(microCredentialReviewV1);
}

let shared: WorkflowRegistry | undefined;

/**
 * The application's registry: the Nest provider, and code that runs before providers exist (DTO
 * validation, OpenAPI decorators). One instance per process, so a test preload that registers
 * another version before the application loads is seen everywhere.
 */
export function workflowRegistry(): WorkflowRegistry {
  shared ??= defaultWorkflowRegistry();
  return shared;
}
