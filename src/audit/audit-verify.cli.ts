// npm run audit:verify -- --institution <id> | --all | --file <export.ndjson>
// Recomputes hash chains from the database (or an exported NDJSON file, offline, without a database).
// Prints one JSON result per log; exit code 0 when every log is valid, 1 when one is not, 2 on misuse.
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import pg from 'pg';
import { loadConfigOrFail, loadDotEnv, StartupError, checkPostgres } from '../app/startup.js';
import { ChainVerifier, type AuditEntry, type VerifyResult } from './audit-chain.js';
import { verifyLog } from './audit-reader.js';

const USAGE = 'Usage: npm run audit:verify -- --institution <id> | --all | --file <export.ndjson> [--quiet]';

function progressBar(
  quiet: boolean,
  label: string,
): { update(done: number, total: number): void; stop(): void } {
  if (quiet) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_buffer}s left`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(Math.max(total, done), 0);
        started = true;
      }
      bar.setTotal(Math.max(total, done));
      bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}

async function verifyFile(file: string, quiet: boolean): Promise<VerifyResult> {
  const size = statSync(file).size;
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  const bar = progressBar(quiet || size < 5_000_000, `verifying ${file}`);
  let verifier: ChainVerifier | null = null;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let entry: AuditEntry;
    try {
      entry = JSON.parse(line) as AuditEntry;
    } catch {
      throw new StartupError(`${file}:${lineNo}: not a JSON line`);
    }
    verifier ??= new ChainVerifier(entry.institutionId);
    verifier.push(entry);
    if (lineNo % 10_000 === 0) bar.update(input.bytesRead, size);
  }
  bar.update(size, size);
  bar.stop();
  // An exported file carries no separate head: the last hash printed here is what to compare with a
  // head hash recorded elsewhere (for example the `headHash` of GET .../audit/verify at export time).
  return (verifier ?? new ChainVerifier('(empty file)')).finish(null);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      institution: { type: 'string' },
      all: { type: 'boolean', default: false },
      file: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const modes = [values.institution !== undefined, values.all, values.file !== undefined].filter(
    Boolean,
  ).length;
  if (modes !== 1) throw new StartupError(USAGE);
  const results: VerifyResult[] = [];
  if (values.file) {
    results.push(await verifyFile(values.file, values.quiet));
  } else {
    loadDotEnv();
    const config = loadConfigOrFail();
    await checkPostgres(config);
    const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 2 });
    try {
      const ids = values.all
        ? (await pool.query<{ id: string }>(`SELECT id FROM institutions ORDER BY id`)).rows.map((r) => r.id)
        : [values.institution as string];
      for (const id of ids) {
        const exists = await pool.query(`SELECT 1 FROM institutions WHERE id = $1`, [id]);
        if (exists.rowCount === 0) throw new StartupError(`No institution ${id}`);
        const bar = progressBar(values.quiet, `verifying ${id}`);
        results.push(await verifyLog(pool, id, (done, total) => bar.update(done, total), 20_000));
        bar.stop();
      }
    } finally {
      await pool.end();
    }
  }
  for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
  const bad = results.filter((r) => !r.valid);
  process.stderr.write(
    bad.length === 0
      ? `OK: ${results.length} log(s) valid\n`
      : `INVALID: ${bad.map((r) => `${r.institutionId} breaks at seq ${r.firstInvalidSeq}`).join('; ')}\n`,
  );
  return bad.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(
      `${e instanceof StartupError || e instanceof TypeError ? (e as Error).message : String((e as Error)?.stack ?? e)}\n`,
    );
    process.exit(2);
  },
);
