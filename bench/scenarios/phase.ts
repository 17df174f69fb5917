// What a phase gets from the run: the context, the main API process, the users and templates.
import path from 'node:path';
import type { ApiClient } from '../support/api-client.js';
import { DIST, type ApiProcess, type BenchContext } from '../support/context.js';
import type { Template, World } from '../support/fixtures.js';
import { freePort, startNode, waitForHttp, type NodeProcess } from '../support/processes.js';

export interface PhaseContext {
  ctx: BenchContext;
  /** The main API process (default configuration, worker in-process), shared by P1, P2, P3 and P6. */
  api: ApiProcess;
  apiClient: ApiClient;
  world: World;
  /** One proposal per triple, submitted: in partnerReview. */
  reviewTemplates: Template[];
  log: (line: string) => void;
  /** Details for latest.json beyond the table. */
  record: (key: string, data: unknown) => void;
}

export const BARE_SERVER = path.join(DIST, 'bench', 'baselines', 'bare-server.js');
export const NEST_FLOOR = path.join(DIST, 'bench', 'baselines', 'nest-floor.js');

export async function startBareServer(
  ctx: BenchContext,
  env: Record<string, string>,
  script = BARE_SERVER,
): Promise<NodeProcess & { url: string }> {
  const port = await freePort();
  const proc = startNode(path.basename(script, '.js'), script, {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_URL: ctx.databaseUrl,
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, proc);
  return Object.assign(proc, { url });
}
