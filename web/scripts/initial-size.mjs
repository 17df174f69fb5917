// The JavaScript a browser loads before the first page (sign-in or inbox) can render: the entry script
// and every module it preloads, gzip-compressed, as served. Fails the build above the budget.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 250;
const dist = path.resolve(import.meta.dirname, '..', 'dist');
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let total = 0;
for (const f of new Set(files)) {
  const size = gzipSync(readFileSync(path.join(dist, f))).length;
  total += size;
  console.log(`${f}  ${(size / 1024).toFixed(1)} KB gzip`);
}
const css = [...html.matchAll(/href="(\/assets\/[^"]+\.css)"/g)].map((m) => m[1]);
const cssSize = css.reduce((s, f) => s + gzipSync(readFileSync(path.join(dist, f))).length, 0);
console.log(
  `Initial JavaScript (sign-in and inbox): ${(total / 1024).toFixed(1)} KB gzip (budget ${BUDGET_KB} KB); CSS ${(cssSize / 1024).toFixed(1)} KB gzip`,
);
if (total > BUDGET_KB * 1024) {
  console.error('Initial JavaScript is over budget');
  process.exit(1);
}
