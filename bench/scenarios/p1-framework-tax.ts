// P1 framework tax: the app's cheapest authenticated GET against a bare node:http server answering
// the same JSON. The tax is everything between the socket and the handler's data: Fastify and its
// hooks (request log, metrics, security headers), Nest routing, the JWT guard, the access guard, the
// validation pipe, the exception filter, the handler's own query and JSON serialisation. The cheapest route is found by probing candidates.
import { alternate, CONNECTIONS, measuredRun, type MeasuredRun } from '../support/compare.js';
import { ApiClient } from '../support/api-client.js';
import { withCaptureApi } from '../support/capture-api.js';
import { closedLoop, type RequestSpec } from '../support/http-load.js';
import { figure, type Figure } from '../support/report.js';
import { startBareServer, type PhaseContext } from './phase.js';

const CANDIDATES = [
  '/api/quality-criteria',
  '/api/institutions',
  '/api/me',
  '/api/workflows/micro-credential-review',
];
export async function runP1(p: PhaseContext): Promise<Figure[]> {
  const { sizes } = p.ctx.options;
  const token = p.world.reviewers.get('cuni')!.token;
  const headers = { authorization: `Bearer ${token}` };

  const probes: Record<string, number> = {};
  for (const path of CANDIDATES) {
    const r = await closedLoop({
      url: p.api.url,
      connections: CONNECTIONS,
      durationS: sizes.probeS,
      request: { method: 'GET', path, headers },
    });
    if (r.non2xx > 0) throw new Error(`P1 probe ${path}: ${JSON.stringify(r.statusCodes)}`);
    probes[path] = Math.round(r.okPerSecond);
  }
  const route = Object.entries(probes).sort((a, b) => b[1] - a[1])[0][0];
  p.log(`P1 cheapest authenticated GET: ${route} (${JSON.stringify(probes)})`);

  const body = JSON.stringify((await p.apiClient.call('GET', route, token)).body);
  // The route's own statements, for the second baseline that runs them too.
  const statements = await withCaptureApi(p.ctx, async (api, recorder) => {
    const client = new ApiClient(api.url);
    await client.expect(200, 'GET', route, token);
    const from = recorder.statements.length;
    await client.expect(200, 'GET', route, token);
    return recorder.statements.slice(from).map(({ sql, params }) => ({ sql, params }));
  });
  const request: RequestSpec = { method: 'GET', path: route, headers };
  const bare = await startBareServer(p.ctx, { MODE: 'static', BODY: body });
  const bareSql = await startBareServer(p.ctx, {
    MODE: 'sql',
    BODY: body,
    STATEMENTS: JSON.stringify(statements),
    POOL_SIZE: '30',
  });
  const run = (label: string, url: string, pid: number) => () =>
    measuredRun(p.ctx, label, url, pid, request, sizes.warmupS, sizes.throughputS);
  let best: Awaited<ReturnType<typeof alternate>>;
  let withSql: MeasuredRun;
  try {
    best = await alternate(
      sizes.rounds,
      run('P1 app', p.api.url, p.api.pid),
      run('P1 baseline', bare.url, bare.pid),
    );
    withSql = await run('P1b baseline', bareSql.url, bareSql.pid)();
  } finally {
    await bare.stop();
    await bareSql.stop();
  }
  p.record('P1', {
    route,
    probesReqPerS: probes,
    connections: CONNECTIONS,
    ...best,
    routeStatements: statements,
    baselineWithSql: withSql,
  });
  return [
    figure({
      id: 'P1',
      name: `framework tax, GET ${route}`,
      unit: 'req/s',
      value: best.app.result.okPerSecond,
      baseline: best.baseline.result.okPerSecond,
      baselineName: 'bare node:http, same JSON',
      goal: { on: 'ratio', op: '>=', target: 0.4 },
    }),
    figure({
      id: 'P1b',
      name: `same, baseline also runs the route's SQL`,
      unit: 'req/s',
      value: best.app.result.okPerSecond,
      baseline: withSql.result.okPerSecond,
      baselineName: `bare node:http + pg, ${statements.length} captured statement(s)`,
      goal: null,
      note: 'every authenticated route reads PostgreSQL; this baseline pays for that read too',
    }),
  ];
}
