// Every machine version the runtime can load. A proposal records { id, version } when it starts and
// keeps running on that version, so older versions stay registered after newer ones arrive.
import { microCredentialReviewV1 } from './micro-credential-review/index.js';
import type { WorkflowDefinition } from './types.js';

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

  private labels(): string[] {
    return this.list().map((definition) => `${definition.id}@${definition.version}`);
  }
}

/** The registry the application uses: every released version. */
export function defaultWorkflowRegistry(): WorkflowRegistry {
  return new WorkflowRegistry().register(microCredentialReviewV1);
}
