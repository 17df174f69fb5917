/** One changed field between two revisions, addressed like validation errors (`learningOutcomes[1].description`). */
export interface FieldChange {
  field: string;
  change: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function sameScalar(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Field-by-field differences between two JSON documents. Objects are compared key by key (sorted, so the
 * output is stable), arrays element by element, scalars by value. Pure; used for the revision diff.
 */
export function diffJson(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      const p = path ? `${path}.${k}` : k;
      if (!(k in after)) return [{ field: p, change: 'removed' as const, before: before[k] }];
      if (!(k in before)) return [{ field: p, change: 'added' as const, after: after[k] }];
      return diffJson(before[k], after[k], p);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: FieldChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= after.length) out.push({ field: p, change: 'removed', before: before[i] });
      else if (i >= before.length) out.push({ field: p, change: 'added', after: after[i] });
      else out.push(...diffJson(before[i], after[i], p));
    }
    return out;
  }
  if (
    isObject(before) ||
    isObject(after) ||
    Array.isArray(before) ||
    Array.isArray(after) ||
    !sameScalar(before, after)
  ) {
    return [{ field: path || '(root)', change: 'changed', before, after }];
  }
  return [];
}

/**
 * JSON Merge Patch (RFC 7386): objects merge recursively, `null` removes a key, anything else
 * (arrays included) replaces. This is how PATCH /api/proposals/:id merges content.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}
