import { describe, expect, it } from '@jest/globals';
import { MAX_PREPARED_TEXTS, queryPrepared } from '../../src/database/prepared-query.js';

type Call = { via: 'prepared' | 'plain'; name?: string; text: string; values: unknown[] };

/** A data source whose pg pool and plain query record what they were asked to run. */
function dataSource(opts: { pool?: boolean; fail?: Error } = {}) {
  const calls: Call[] = [];
  const logged: Array<{ error: unknown; text: string }> = [];
  const ds = {
    query: async (text: string, values: unknown[]) => {
      calls.push({ via: 'plain', text, values });
      return [{ plain: true }];
    },
    driver:
      opts.pool === false
        ? {}
        : {
            master: {
              query: async (c: { name: string; text: string; values: unknown[] }) => {
                calls.push({ via: 'prepared', ...c });
                if (opts.fail) throw opts.fail;
                return { rows: [{ prepared: true }] };
              },
            },
          },
    logger: { logQueryError: (error: unknown, text: string) => logged.push({ error, text }) },
  };
  return { ds: ds as never, calls, logged };
}

describe('queryPrepared', () => {
  it('runs a text as a named statement with its values, under the same name every time', async () => {
    const { ds, calls } = dataSource();
    expect(await queryPrepared(ds, 'SELECT $1::int AS a', [1])).toEqual([{ prepared: true }]);
    await queryPrepared(ds, 'SELECT $1::int AS a', [2]);
    await queryPrepared(ds, 'SELECT $1::int AS b', [3]);
    expect(calls.map((c) => c.via)).toEqual(['prepared', 'prepared', 'prepared']);
    expect(calls[0].name).toMatch(/^mc_[A-Za-z0-9_-]{24}$/);
    expect(calls[1].name).toBe(calls[0].name);
    expect(calls[2].name).not.toBe(calls[0].name);
    expect(calls.map((c) => c.values)).toEqual([[1], [2], [3]]);
  });

  it('runs a plain statement when the data source has no pg pool behind it', async () => {
    const { ds, calls } = dataSource({ pool: false });
    expect(await queryPrepared(ds, 'SELECT 1', [])).toEqual([{ plain: true }]);
    expect(calls).toEqual([{ via: 'plain', text: 'SELECT 1', values: [] }]);
  });

  it('logs a failed statement with its text and passes the error on', async () => {
    const fail = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    const { ds, logged } = dataSource({ fail });
    await expect(queryPrepared(ds, 'SELECT pg_sleep(1)', [])).rejects.toBe(fail);
    expect(logged).toEqual([{ error: fail, text: 'SELECT pg_sleep(1)' }]);
  });

  it('prepares no more than a bounded number of texts: past it a new text runs as a plain statement', async () => {
    const { ds, calls } = dataSource();
    for (let i = 0; i < MAX_PREPARED_TEXTS + 3; i++) await queryPrepared(ds, `SELECT ${i} AS n`, []);
    // Texts prepared earlier in this file count too; every text beyond the bound runs plainly.
    const prepared = calls.filter((c) => c.via === 'prepared');
    expect(prepared.length).toBeLessThanOrEqual(MAX_PREPARED_TEXTS);
    expect(calls.slice(-3).map((c) => c.via)).toEqual(['plain', 'plain', 'plain']);
    // A text prepared before the bound was reached still runs prepared.
    await queryPrepared(ds, 'SELECT $1::int AS a', [4]);
    expect(calls[calls.length - 1].via).toBe('prepared');
  });
});
