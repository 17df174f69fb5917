import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import en from '../i18n/en.json';
import openapi from '../../../docs/openapi.json';

const SRC = path.resolve(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'test' ? [] : sources(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Whether the catalogue has the key, as a string, a plural family or an object (returnObjects). */
function has(key: string): boolean {
  let node: unknown = en;
  const parts = key.split('.');
  const last = parts.pop() as string;
  for (const p of parts) {
    if (typeof node !== 'object' || node === null || !(p in node)) return false;
    node = (node as Record<string, unknown>)[p];
  }
  if (typeof node !== 'object' || node === null) return false;
  const leaf = node as Record<string, unknown>;
  return last in leaf || `${last}_one` in leaf || `${last}_other` in leaf;
}

describe('the English catalogue', () => {
  it('has every key the pages ask for by name, so no page shows a raw key such as field.stacksInto', () => {
    // t('a.b') and i18nKey="a.b" with a literal key; keys built at run time are checked where they are made.
    const literal = /(?:\bt\(\s*|i18nKey=)['"]([a-zA-Z0-9_]+(?:\.[a-zA-Z0-9_]+)+)['"]/g;
    const missing: string[] = [];
    let seen = 0;
    for (const file of sources(SRC)) {
      for (const m of readFileSync(file, 'utf8').matchAll(literal)) {
        seen++;
        if (!has(m[1])) missing.push(`${path.relative(SRC, file)}: ${m[1]}`);
      }
    }
    expect(seen).toBeGreaterThan(300);
    expect(missing).toEqual([]);
  });
});

type Schema = { properties?: Record<string, Schema>; items?: Schema; enum?: string[] };
const schemas = openapi.components.schemas as unknown as Record<string, Schema>;
/** The enum at a path of the API's schemas, e.g. ProposalDto.content.assessment.type. */
function enumAt(path: string): string[] {
  const [name, ...rest] = path.split('.');
  let node: Schema | undefined = schemas[name];
  for (const p of rest) node = node?.properties?.[p] ?? node?.items?.properties?.[p];
  const values = node?.enum ?? node?.items?.enum;
  if (!values) throw new Error(`no enum at ${path}`);
  return values;
}

describe('the English catalogue and the API', () => {
  it('names every value of the codes the pages translate by building a key, such as notificationKind.user-waiting', () => {
    const families: Record<string, string> = {
      role: 'UserDto.roles',
      state: 'ProposalDto.state',
      events: 'ProposalEventDto.type',
      auditAction: 'ProposalEventDto.type',
      participation: 'ProposalDto.content.participationForm',
      assessment: 'ProposalDto.content.assessment.type',
      targetGroup: 'ProposalDto.content.targetGroups',
      strategicArea: 'ProposalDto.content.strategicAreas',
      result: 'HistoryEntryDto.criteria.result',
      outcome: 'AlignmentDto.outcome',
      notificationKind: 'NotificationDto.kind',
    };
    const missing: string[] = [];
    for (const [family, path] of Object.entries(families)) {
      for (const v of enumAt(path)) if (!has(`${family}.${v}`)) missing.push(`${family}.${v}`);
    }
    expect(missing).toEqual([]);
  });
});
