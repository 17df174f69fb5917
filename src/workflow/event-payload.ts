import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema, WorkflowDefinition } from '../../workflows/types.js';
import type { FieldProblem } from '../common/domain-error.js';

// Event payloads are validated against the schema their workflow definition declares, the same one the
// OpenAPI document shows and the decision record stores. Compiled once per definition and event.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, useDefaults: false });
// OpenAPI's annotation, harmless for validation.
ajv.addKeyword({ keyword: 'example' });

const compiled = new WeakMap<WorkflowDefinition, Map<string, ValidateFunction>>();

function validatorFor(definition: WorkflowDefinition, type: string): ValidateFunction | null {
  let byType = compiled.get(definition);
  if (!byType) {
    byType = new Map();
    compiled.set(definition, byType);
  }
  let validate = byType.get(type);
  if (!validate) {
    const policy = definition.policy.events[type];
    if (!policy) return null;
    validate = ajv.compile(policy.payload);
    byType.set(type, validate);
  }
  return validate;
}

/** Compiles every event schema of a definition: a schema ajv refuses fails start-up, not a request. */
export function compileEventSchemas(definition: WorkflowDefinition): void {
  for (const type of Object.keys(definition.policy.events)) validatorFor(definition, type);
}

function fieldOf(e: ErrorObject): string {
  // "/criteria/0/result" → "criteria[0].result"
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '');
  const params = e.params as { missingProperty?: string; additionalProperty?: string };
  const child = params.missingProperty ?? params.additionalProperty;
  return child ? (path ? `${path}.${child}` : child) : path || 'body';
}

function messageOf(e: ErrorObject, type: string): string {
  switch (e.keyword) {
    case 'required':
      return `is required for ${type}`;
    case 'additionalProperties':
      return `is not a field of ${type}`;
    case 'pattern':
      return 'must not be blank';
    case 'enum':
      return `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`;
    default:
      return e.message ?? 'is invalid';
  }
}

/**
 * The payload problems of an event (an empty list when it is valid). The payload is the request body
 * without `type` and `expectedVersion`. `null` when the definition has no such event.
 */
export function payloadProblems(
  definition: WorkflowDefinition,
  type: string,
  payload: Record<string, unknown>,
): FieldProblem[] | null {
  const validate = validatorFor(definition, type);
  if (!validate) return null;
  if (validate(payload)) return [];
  const seen = new Set<string>();
  const out: FieldProblem[] = [];
  for (const e of validate.errors ?? []) {
    // `if` only says which branch failed; the branch's own error names the field.
    if (e.keyword === 'if') continue;
    const problem = { field: fieldOf(e), message: messageOf(e, type) };
    const key = `${problem.field}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}

/** OpenAPI 3.0 knows no `if`/`then`/`const`: the conditions stay in the descriptions. */
export function toOpenApiSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'if' || key === 'then' || key === 'else') continue;
    if (key === 'const') {
      out.enum = [value];
      continue;
    }
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, toOpenApiSchema(v)]),
      );
      continue;
    }
    if (key === 'items' && value && typeof value === 'object' && !Array.isArray(value)) {
      out.items = toOpenApiSchema(value as JsonSchema);
      continue;
    }
    out[key] = value;
  }
  return out;
}

/**
 * The request body of `POST /api/proposals/:id/events` for every registered definition: `type`, the
 * optional `expectedVersion`, and the union of the events' payload fields (each described with the
 * events it belongs to). Which fields an event takes is checked against its own schema.
 */
export function eventRequestSchema(definitions: readonly WorkflowDefinition[]): JsonSchema {
  const types: string[] = [];
  const fields = new Map<string, { schema: JsonSchema; events: string[]; requiredBy: string[] }>();
  for (const definition of definitions) {
    for (const [type, policy] of Object.entries(definition.policy.events)) {
      if (!types.includes(type)) types.push(type);
      const properties = (policy.payload.properties ?? {}) as Record<string, JsonSchema>;
      const required = (policy.payload.required ?? []) as string[];
      for (const [name, schema] of Object.entries(properties)) {
        const field = fields.get(name) ?? { schema: toOpenApiSchema(schema), events: [], requiredBy: [] };
        if (!field.events.includes(type)) field.events.push(type);
        if (required.includes(name) && !field.requiredBy.includes(type)) field.requiredBy.push(type);
        fields.set(name, field);
      }
    }
  }
  const properties: Record<string, JsonSchema> = {
    type: {
      type: 'string',
      enum: types,
      description: 'The event; which ones you may send now is in availableEvents',
    },
  };
  for (const [name, { schema, events, requiredBy }] of fields) {
    const allEvents = events.length === types.length;
    const notes = [
      typeof schema.description === 'string' ? schema.description : null,
      allEvents ? null : `With ${events.join(', ')}`,
      requiredBy.length ? `Required for ${requiredBy.join(', ')}` : null,
    ].filter(Boolean);
    properties[name] = { ...schema, description: notes.join('. ') };
  }
  properties.expectedVersion = {
    type: 'integer',
    minimum: 1,
    description: "The proposal's version you read; 409 if it has changed since",
  };
  return { type: 'object', properties, required: ['type'] };
}

/** The decision fields of the history entries: every payload field, nullable, with the events it comes with. */
export function historyPayloadProperties(
  definitions: readonly WorkflowDefinition[],
): Record<string, JsonSchema> {
  const schemas = new Map<string, JsonSchema>();
  const events = new Map<string, string[]>();
  for (const definition of definitions)
    for (const [type, policy] of Object.entries(definition.policy.events))
      for (const [name, schema] of Object.entries(
        (policy.payload.properties ?? {}) as Record<string, JsonSchema>,
      )) {
        if (!schemas.has(name)) schemas.set(name, toOpenApiSchema(schema));
        const types = events.get(name) ?? [];
        if (!types.includes(type)) types.push(type);
        events.set(name, types);
      }
  // In a history entry a field is a recorded value: which events require it is the request's business.
  const out: Record<string, JsonSchema> = {};
  for (const [name, schema] of schemas)
    out[name] = { ...schema, nullable: true, description: `Recorded with ${events.get(name)!.join(', ')}` };
  return out;
}
