// The baselines of P1 and P2: a bare node:http server, no framework, no middleware, no auth.
//   MODE=static    answers every GET with BODY (the JSON the app answered for the route under test)
//   MODE=sql       the same, after running STATEMENTS (JSON [{ sql, params }]) one after the other: the
//                  statements the app sent for that route, captured through the recording proxy
//   MODE=proposal  answers GET /api/proposals/:id by running the app's own SQL: the same repository
//                  methods (proposal row, then pending reminder times), fed a plain pg pool instead
//                  of TypeORM, so the statements cannot drift from what the app runs.
//   MODE=catalogue answers GET /api/catalogue?… (P8) with the app's own CatalogueService (catalogue
//                  version for the ETag, the ranked page, the facets), fed a plain pg pool.
//   MODE=p7        P7's read paths the same way: GET /api/proposals (list), /api/proposals/waiting (the
//                  inbox), /api/me/notifications and /api/institutions/:id/audit?proposalId= run the
//                  app's own repository/service code (the inbox with the released machines);
//                  the user comes as base64url JSON in x-bench-user instead of a token.
// Run as its own process (like the API), so it gets a core of its own the way the API does.
import http from 'node:http';
import pg from 'pg';
import { CatalogueService } from '../../src/catalogue/catalogue.service.js';
import { ReminderRepository } from '../../src/reminders/reminder.repository.js';
import { ProposalsRepository } from '../../src/workflow/proposals.repository.js';
import { p7Answer } from '../support/p7-routes.js';

type QueryFn = (sql: string, params?: unknown[]) => Promise<unknown[]>;

function repositories(pool: pg.Pool): { proposals: ProposalsRepository; reminders: ReminderRepository } {
  const query: QueryFn = async (sql, params) => (await pool.query(sql, params)).rows;
  // The repositories only call dataSource.query and dataSource.manager.query.
  const dataSource = { query, manager: { query } } as never;
  return { proposals: new ProposalsRepository(dataSource), reminders: new ReminderRepository(dataSource) };
}

function catalogueService(pool: pg.Pool): CatalogueService {
  const query: QueryFn = async (sql, params) => (await pool.query(sql, params)).rows;
  // `driver.master`: the pool the service's prepared statements run on, as behind TypeORM.
  return new CatalogueService({ query, driver: { master: pool } } as never);
}

function main(): void {
  const mode = process.env.MODE ?? 'static';
  const port = Number(process.env.PORT ?? 0);
  const staticBody = Buffer.from(process.env.BODY ?? '{}');
  const statements = JSON.parse(process.env.STATEMENTS ?? '[]') as Array<{ sql: string; params?: unknown[] }>;
  const pool =
    mode === 'proposal' || mode === 'sql' || mode === 'catalogue' || mode === 'p7'
      ? new pg.Pool({
          connectionString: process.env.DATABASE_URL,
          max: Number(process.env.POOL_SIZE ?? 30),
          // As the app's pool: connections stay open, so a burst does not reopen them with cold caches.
          idleTimeoutMillis: 0,
        })
      : null;
  // An idle client's error (server restart, network) must not take the baseline down mid-run.
  pool?.on('error', (e) => process.stderr.write(`pg pool: ${e.message}\n`));
  const repos = pool && mode === 'proposal' ? repositories(pool) : null;
  const PROPOSAL = /^\/api\/proposals\/([0-9a-f-]{36})$/;
  const catalogue = pool && mode === 'catalogue' ? catalogueService(pool) : null;

  const server = http.createServer((req, res) => {
    const send = (status: number, body: Buffer | string) => {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (req.url === '/health') return send(200, '{"status":"ok"}');
    if (mode === 'sql' && pool) {
      void (async () => {
        for (const st of statements) await pool.query(st.sql, st.params);
        send(200, staticBody);
      })().catch((e: unknown) => send(500, JSON.stringify({ error: String(e) })));
      return;
    }
    if (catalogue) {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname !== '/api/catalogue') return send(404, '{"status":404}');
        const list = (k: string) => (url.searchParams.has(k) ? url.searchParams.getAll(k) : undefined);
        const version = await catalogue.version();
        const body = await catalogue.search(
          {
            q: url.searchParams.get('q') ?? undefined,
            strategicArea: list('strategicArea'),
            eqfLevel: list('eqfLevel')?.map(Number),
            language: list('language'),
            institutionId: list('institutionId'),
            limit: Number(url.searchParams.get('limit') ?? 20),
          },
          version,
        );
        res.setHeader('etag', CatalogueService.etag(version, req.url ?? ''));
        send(200, JSON.stringify(body));
      })().catch((e: unknown) => send(500, JSON.stringify({ error: String(e) })));
      return;
    }
    if (mode === 'p7' && pool) {
      void p7Answer(pool, req)
        .then((body) =>
          send(body === null ? 404 : 200, body === null ? '{"status":404}' : JSON.stringify(body)),
        )
        .catch((e: unknown) => send(500, JSON.stringify({ error: String(e) })));
      return;
    }
    if (!repos) return send(200, staticBody);
    const m = PROPOSAL.exec(req.url ?? '');
    if (!m) return send(404, '{"status":404}');
    void (async () => {
      const row = await repos.proposals.find(m[1]);
      if (!row) return send(404, '{"status":404}');
      const times = await repos.reminders.nextTimes(row.id);
      const { snapshot: _snapshot, ...rest } = row;
      send(200, JSON.stringify({ ...rest, pending: times }));
    })().catch((e: unknown) => send(500, JSON.stringify({ error: String(e) })));
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1');
  const stop = () => {
    server.close();
    void pool?.end();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
