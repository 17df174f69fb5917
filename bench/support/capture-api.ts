// An extra API process whose PostgreSQL connection runs through the recording proxy, so a phase can
// see exactly which statements (and parameters) a request makes the app send. Never used for timing.
import type { ApiProcess, BenchContext } from './context.js';
import { SqlRecorder } from './sql-capture.js';

export async function withCaptureApi<T>(
  ctx: BenchContext,
  use: (api: ApiProcess, recorder: SqlRecorder) => Promise<T>,
): Promise<T> {
  const recorder = new SqlRecorder();
  const upstream = new URL(ctx.databaseUrl);
  const port = await recorder.start(upstream.hostname, Number(upstream.port || 5432));
  const viaProxy = new URL(ctx.databaseUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(port);
  const api = await ctx.startApi('api-sql-capture', { DATABASE_URL: viaProxy.toString(), WORKER: 'off' });
  try {
    return await use(api, recorder);
  } finally {
    await api.stop();
    await recorder.stop();
  }
}
