import { execFile } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { ADMIN, bearer, startServer, type TestServer } from '../support/server.js';

jest.setTimeout(180_000);

const CLI = path.join(process.cwd(), 'dist', 'src', 'demo', 'demo-data.cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function demo(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          ADMIN_EMAIL: ADMIN.email,
          ADMIN_PASSWORD: ADMIN.password,
          ...env,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// The demo fills a whole instance, so it gets a database of its own: other suites count what they see.
describe('npm run demo', () => {
  const name = `microcred_test_demo_${randomUUID().slice(0, 8)}`;
  const base = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  let t: TestServer;
  let admin: string;

  const withDb = async (sql: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const proposals = async () => {
    const res = await t.http().get('/api/proposals?limit=100').set(bearer(admin));
    expect(res.status).toBe(200);
    return res.body as { items: Array<{ reference: string; state: string; title: string }> };
  };

  beforeAll(async () => {
    await withDb(`CREATE DATABASE "${name}"`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    t = await startServer({ DATABASE_URL: url.toString() });
    admin = await t.admin();
  });
  afterAll(async () => {
    await t?.stop();
    await withDb(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  it('brings proposals into every state of the review through the API and publishes a stackable pathway', async () => {
    const run = await demo(['--url', t.url]);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toContain('Sign in at');

    const { items } = await proposals();
    const byState = new Map<string, number>();
    for (const p of items) byState.set(p.state, (byState.get(p.state) ?? 0) + 1);
    expect(Object.fromEntries(byState)).toEqual({
      draft: 1,
      changesRequested: 1,
      partnerReview: 1,
      qualityReview: 1,
      agencyAlignment: 1,
      approved: 1,
      published: 3,
      rejected: 1,
      withdrawn: 1,
      retired: 1,
    });

    const catalogue = await t.http().get('/api/catalogue');
    expect(catalogue.status).toBe(200);
    const entries = (catalogue.body as { items: Array<{ reference: string; title: string }> }).items;
    expect(entries.map((e) => e.title).sort()).toEqual([
      'Data Management Plans in Practice',
      'Research Data Stewardship in Multilingual Teams',
      'Sustainable Urban Mobility',
    ]);
    const whole = entries.find((e) => e.title.startsWith('Research Data'))!;
    const part = entries.find((e) => e.title.startsWith('Data Management'))!;
    const pathways = await t.http().get(`/api/catalogue/${whole.reference}/pathways`);
    expect(pathways.status).toBe(200);
    expect(JSON.stringify(pathways.body)).toContain(part.reference);
  });

  it('lets every demo person sign in with the demo password', async () => {
    const users = await t.http().get('/api/users?limit=100').set(bearer(admin));
    expect(users.status).toBe(200);
    const demoUsers = (users.body as { items: Array<{ email: string }> }).items.filter((u) =>
      u.email.endsWith('.example'),
    );
    expect(demoUsers).toHaveLength(16);
    for (const { email } of demoUsers) {
      const res = await t.http().post('/api/auth/login').send({ email, password: 'demo-4euplus-2026' });
      expect([email, res.status]).toEqual([email, 200]);
    }
  });

  it('changes nothing when run a second time', async () => {
    const before = await proposals();
    const run = await demo(['--url', t.url]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('already there; nothing was changed');
    expect(await proposals()).toEqual(before);
  });

  it('refuses an instance on another machine unless told, before sending anything', async () => {
    const run = await demo(['--url', 'http://demo.invalid:3000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--allow-remote');
  });

  it('refuses what is not a URL with exit code 2', async () => {
    const run = await demo(['--url', '::not a url']);
    expect([run.code, run.stderr]).toEqual([2, expect.stringContaining('not a URL')]);
  });

  it('says the service is not reachable when nothing answers, and exits 1', async () => {
    const run = await demo(['--url', 'http://127.0.0.1:9']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot reach http://127.0.0.1:9');
  });

  it('says which admin account it could not sign in with, and exits 1', async () => {
    const run = await demo(['--url', t.url], { ADMIN_PASSWORD: 'not-the-password-1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot sign in as ${ADMIN.email}`);
  });
});
