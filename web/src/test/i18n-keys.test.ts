import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import en from '../i18n/en.json';

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
