// Stackability graph rules, pure (no I/O): what a stackability entry may be, which edges a content
// declares, and which of a submission's entries would close a cycle. The database look-ups live in
// StackabilityCheckService, which hands their results to these functions.
import type { FieldProblem } from '../common/domain-error.js';

export const MC_REFERENCE = /^MC-\d{4}-\d{4,}$/;
export const STACK_FIELDS = ['stacksInto', 'composedOf'] as const;
export type StackField = (typeof STACK_FIELDS)[number];

/** A micro-credential reference, an external programme (https URL), or neither. */
export function kindOf(entry: string): 'reference' | 'programme' | 'invalid' {
  if (MC_REFERENCE.test(entry)) return 'reference';
  try {
    const url = new URL(entry);
    return url.protocol === 'https:' && url.hostname !== '' ? 'programme' : 'invalid';
  } catch {
    return 'invalid';
  }
}

export interface StackEntry {
  field: string;
  list: StackField;
  value: string;
}

/** The string entries of `content.stackability`, each with the field path it came from. */
export function stackEntries(content: unknown): StackEntry[] {
  const stack = (content as { stackability?: unknown } | null)?.stackability;
  if (typeof stack !== 'object' || stack === null) return [];
  const out: StackEntry[] = [];
  for (const list of STACK_FIELDS) {
    const values = (stack as Record<string, unknown>)[list];
    if (!Array.isArray(values)) continue;
    values.forEach((value, i) => {
      if (typeof value === 'string')
        out.push({ field: `content.stackability.${list}[${i}]`, list, value: value.trim() });
    });
  }
  return out;
}

/** A part → whole edge: `part` counts towards `whole`. */
export interface StackEdge {
  part: string;
  whole: string;
}

/** The edges a micro-credential's content declares (A stacksInto B: A → B; A composedOf C: C → A). */
export function declaredEdges(reference: string, content: unknown): StackEdge[] {
  return stackEntries(content).map((e) =>
    e.list === 'stacksInto' ? { part: reference, whole: e.value } : { part: e.value, whole: reference },
  );
}

function reach(start: string, next: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length) {
    const n = todo.pop()!;
    for (const m of next.get(n) ?? []) {
      if (!seen.has(m)) {
        seen.add(m);
        todo.push(m);
      }
    }
  }
  return seen;
}

/**
 * Entries of `self`'s submission that lie on a cycle of the graph made of `others` (the edges other
 * micro-credentials declare, not `self`'s earlier content) and `self`'s own entries. An edge u → v lies on a cycle exactly when v
 * reaches u, so each entry is judged against the whole graph including the submission's other entries.
 */
export function cycleProblems(self: string, entries: StackEntry[], others: StackEdge[]): FieldProblem[] {
  const own = entries
    .filter((e) => kindOf(e.value) === 'reference')
    .map((e) => ({
      entry: e,
      edge: e.list === 'stacksInto' ? { part: self, whole: e.value } : { part: e.value, whole: self },
    }));
  const next = new Map<string, string[]>();
  for (const { part, whole } of [...others, ...own.map((o) => o.edge)]) {
    const list = next.get(part) ?? [];
    list.push(whole);
    next.set(part, list);
  }
  const problems: FieldProblem[] = [];
  for (const { entry, edge } of own) {
    if (edge.part === edge.whole)
      problems.push({ field: entry.field, message: 'a micro-credential cannot stack into itself' });
    else if (reach(edge.whole, next).has(edge.part))
      problems.push({
        field: entry.field,
        message: `would close a cycle: ${edge.whole} already counts towards ${edge.part} (directly or through others)`,
      });
  }
  return problems;
}
