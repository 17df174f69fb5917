// P5 one institution's audit log of 1,000,000 entries (100,000 with --quick):
//  - verify (GET …/audit/verify) entries/s against SHA-256 alone over the same canonical bytes, the
//    floor of any verifier (the chain is sequential: every hash needs the previous one);
//  - export (GET …/audit/export?format=ndjson): time against PostgreSQL writing the same NDJSON itself
//    (COPY (SELECT row_to_json(…) …) TO STDOUT via psql), and memory, which must stay flat: the export
//    streams from a server-side cursor. Flat is judged on the live heap (what is left after each full
//    GC, from --trace-gc): the largest during the export against the first, i.e. does it grow as entries
//    stream out. RSS also counts garbage V8 has not collected yet (it lets the old space grow to ~200 MB
//    before compacting), so the RSS peak grows with the log's size although nothing is retained; it is
//    reported beside, against the same process idle.
// A fresh API process (no worker) serves this phase, so its memory says nothing about earlier phases.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { AUDIT_COLUMNS } from '../../src/audit/audit.repository.js';
import { writeAuditLog } from '../support/audit-fixture.js';
import { liveHeapAfter, memoryOf, UsageSampler } from '../support/processes.js';
import { figure, type Figure } from '../support/report.js';
import { ApiClient } from '../support/api-client.js';
import type { PhaseContext } from './phase.js';

const INSTITUTION = 'bench-audit';
const OLD_SPACE_CAP_MB = 128;

export async function runP5(p: PhaseContext): Promise<Figure[]> {
  const { sizes } = p.ctx.options;
  const db = p.ctx.db();
  await db.query(
    `INSERT INTO institutions (id, name, kind, country) VALUES ($1, 'Bench audit log', 'university', 'CZ')`,
    [INSTITUTION],
  );
  p.log(`P5 writing ${sizes.auditEntries.toLocaleString('en-US')} audit entries`);
  const fixture = await writeAuditLog(db, p.ctx.databaseUrl, INSTITUTION, sizes.auditEntries);
  p.log(`P5 log written in ${fixture.seconds.toFixed(1)} s`);

  // The old-space cap makes "constant memory" a hard check as well: an export that kept what it sent
  // (hundreds of MB for 1,000,000 entries) would die of it; one that streams forces full GCs instead.
  const api = await p.ctx.startApi('api-p5', { WORKER: 'off' }, [
    '--trace-gc',
    `--max-old-space-size=${OLD_SPACE_CAP_MB}`,
  ]);
  try {
    const client = new ApiClient(api.url);
    const token = p.world.adminToken;
    await client.expect(200, 'GET', '/api/institutions', token);
    const idleRss = memoryOf(api.pid)?.rssMiB ?? Number.NaN;
    const heapBefore = api.fullGcs.map(liveHeapAfter).filter((v): v is number => v !== null);
    const gcMark = api.fullGcs.length;

    // Export first, so the RSS it shows is not what verify left behind.
    await p.ctx.quiet('P5 export');
    const exportSampler = new UsageSampler({ api: api.pid }, 50).start();
    const t0 = performance.now();
    const exported = await download(
      `${api.url}/api/institutions/${INSTITUTION}/audit/export?format=ndjson`,
      token,
    );
    const exportSeconds = (performance.now() - t0) / 1000;
    const exportUsage = exportSampler.stop();
    const heapDuring = api.fullGcs
      .slice(gcMark)
      .map(liveHeapAfter)
      .filter((v): v is number => v !== null);
    const idleHeap = heapBefore.length ? heapBefore[heapBefore.length - 1] : null;
    if (exported.lines !== fixture.entries)
      throw new Error(
        `P5 export: ${exported.lines} lines, expected ${fixture.entries} (status ${exported.status})`,
      );

    await p.ctx.quiet('P5 export baseline');
    const t1 = performance.now();
    const copy = await copyNdjson(p.ctx.databaseUrl);
    const copySeconds = (performance.now() - t1) / 1000;

    await p.ctx.quiet('P5 verify');
    const verifySampler = new UsageSampler({ api: api.pid }).start();
    const t2 = performance.now();
    const verdict = await client.expect<{ entries: number; valid: boolean; headHash: string }>(
      200,
      'GET',
      `/api/institutions/${INSTITUTION}/audit/verify`,
      token,
    );
    const verifySeconds = (performance.now() - t2) / 1000;
    const verifyUsage = verifySampler.stop();
    if (!verdict.valid || verdict.entries !== fixture.entries || verdict.headHash !== fixture.headHash)
      throw new Error(`P5 verify disagrees with the generated log: ${JSON.stringify(verdict)}`);

    await p.ctx.quiet('P5 SHA-256 baseline');
    const shaSeconds = fixture.sha256Seconds();
    const verifyRate = fixture.entries / verifySeconds;
    const shaRate = fixture.entries / shaSeconds;
    const peakRss = exportUsage.peakRssMiB.api ?? Number.NaN;
    p.record('P5', {
      entries: fixture.entries,
      fixture: { seconds: fixture.seconds, headHash: fixture.headHash, bytes: fixture.bytes },
      verify: { seconds: verifySeconds, entriesPerS: verifyRate, usage: verifyUsage },
      sha256: { seconds: shaSeconds, entriesPerS: shaRate, bytes: fixture.bytes },
      export: {
        seconds: exportSeconds,
        bytes: exported.bytes,
        usage: exportUsage,
        idleRssMiB: idleRss,
        liveHeapMB: { idle: idleHeap, afterEachFullGc: heapDuring },
      },
      copyBaseline: { seconds: copySeconds, bytes: copy.bytes, lines: copy.lines },
    });
    const n = `${fixture.entries.toLocaleString('en-US')} entries`;
    return [
      figure({
        id: 'P5',
        name: `audit verify, ${n}`,
        unit: 'entries/s',
        value: verifyRate,
        baseline: shaRate,
        baselineName: 'SHA-256 alone, same bytes',
        goal: { on: 'ratio', op: '>=', target: 0.5 },
      }),
      figure({
        id: 'P5',
        name: `audit export NDJSON, ${n} (${exportSeconds.toFixed(1)} s)`,
        unit: 'entries/s',
        value: fixture.entries / exportSeconds,
        baseline: fixture.entries / copySeconds,
        baselineName: `PostgreSQL COPY of the same NDJSON (${copySeconds.toFixed(1)} s)`,
        goal: null,
      }),
      figure({
        id: 'P5',
        name: `live heap during export (${heapDuring.length} full GCs)`,
        unit: 'MB',
        value: heapDuring.length >= 2 ? Math.max(...heapDuring) : null,
        baseline: heapDuring.length >= 2 ? heapDuring[0] : null,
        baselineName: 'at the first full GC of the export',
        goal: { on: 'ratio', op: '<=', target: 1.25 },
        note:
          heapDuring.length >= 2
            ? `flat = the live heap does not grow as entries stream out (idle before: ${idleHeap} MB); 1.25× is this bench’s threshold`
            : `V8 needed fewer than 2 full GCs during this export, so growth was not observed here; the API ran with a ${OLD_SPACE_CAP_MB} MB old-space cap and ${(exported.bytes / 1048576).toFixed(0)} MiB streamed out`,
      }),
      figure({
        id: 'P5',
        name: 'API peak RSS during export',
        unit: 'MiB',
        value: peakRss,
        baseline: idleRss,
        baselineName: 'same process idle',
        goal: null,
        note: 'RSS includes garbage not yet collected; the live heap row above says whether memory is flat',
      }),
    ];
  } finally {
    await api.stop();
  }
}

/** Streams a response, counting bytes and lines, holding nothing. */
function download(url: string, token: string): Promise<{ status: number; bytes: number; lines: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        let bytes = 0;
        let lines = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, lines }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** PostgreSQL producing the same NDJSON lines itself: the floor of any export. */
function copyNdjson(databaseUrl: string): Promise<{ bytes: number; lines: number }> {
  const sql = `COPY (SELECT row_to_json(t) FROM (SELECT ${AUDIT_COLUMNS.replace(/\s+/g, ' ')} FROM audit_entries
    WHERE institution_id = '${INSTITUTION}' ORDER BY seq) t) TO STDOUT`;
  return new Promise((resolve, reject) => {
    const child = spawn('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-c', sql.replace(/\s+/g, ' ')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let bytes = 0;
    let lines = 0;
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve({ bytes, lines }) : reject(new Error(`COPY failed: ${err}`)),
    );
  });
}
