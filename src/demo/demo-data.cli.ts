// npm run demo [-- --url http://127.0.0.1:3000] [--allow-remote]
// Fills a running instance with demonstration data through its public HTTP API, as people would:
// named accounts at several universities, the alliance and the agencies, and proposals in every
// state of the review (some published, with a stackability pathway). Going through the API keeps
// every guarantee: each decision is audited, reminders are scheduled, notifications are sent.
// Exit code 0 when done (or when the demo data is already there), 1 on a refused request, 2 on misuse.
import { parseArgs } from 'node:util';
import { DEMO_PEOPLE, DEMO_PROPOSALS, type DemoPerson, type DemoStep } from './demo-scenario.js';

const USAGE = 'Usage: npm run demo -- [--url http://127.0.0.1:3000] [--allow-remote] [--quiet]';

class DemoError extends Error {}

interface Answer {
  status: number;
  body: unknown;
}

class Api {
  constructor(private readonly base: string) {}

  async call(method: string, path: string, token: string | null, body?: unknown): Promise<Answer> {
    const res = await fetch(new URL(path, this.base), {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      // A redirect would carry the admin's password elsewhere; this client talks to the API only.
      redirect: 'manual',
    });
    const text = await res.text();
    try {
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
    } catch {
      throw new DemoError(
        `${method} ${path} answered ${res.status} with something that is not JSON: is this the service?`,
      );
    }
  }

  async expect(method: string, path: string, token: string | null, body: unknown, ok: number[]) {
    const answer = await this.call(method, path, token, body);
    if (!ok.includes(answer.status))
      throw new DemoError(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer;
  }

  async login(email: string, password: string): Promise<string> {
    const { body } = await this.expect('POST', '/api/auth/login', null, { email, password }, [200]);
    return (body as { accessToken: string }).accessToken;
  }
}

function isLocal(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

async function runDemo(options: {
  url: string;
  adminEmail: string;
  adminPassword: string;
  password: string;
  log: (line: string) => void;
}): Promise<{ created: boolean; proposals: Record<string, string> }> {
  const api = new Api(options.url);
  const admin = await api.login(options.adminEmail, options.adminPassword).catch((error: unknown) => {
    // Not reachable at all (fetch's TypeError) is said as such by main(), not as a wrong password.
    if (!(error instanceof DemoError)) throw error;
    throw new DemoError(
      `cannot sign in as ${options.adminEmail} (set ADMIN_EMAIL / ADMIN_PASSWORD): ${(error as Error).message}`,
    );
  });

  // Accounts: created once; a second run finds them (409) and signs in with the demo password.
  const tokens = new Map<string, string>();
  let created = false;
  for (const person of DEMO_PEOPLE) {
    const res = await api.expect('POST', '/api/users', admin, userBody(person, options.password), [201, 409]);
    created ||= res.status === 201;
    tokens.set(person.key, await api.login(person.email, options.password));
  }
  options.log(`${DEMO_PEOPLE.length} accounts ready (password: the demo password)`);
  const token = (key: string) => {
    const found = tokens.get(key);
    if (!found) throw new DemoError(`the scenario names no person ${key}`);
    return found;
  };

  // Proposals: the scenario is played once; a proposer who already sees one of its titles means it was.
  const exists = async (p: (typeof DEMO_PROPOSALS)[number]) => {
    const title = p.content.title as string;
    const found = await api.expect(
      'GET',
      `/api/proposals?q=${encodeURIComponent(title)}`,
      token(p.proposer),
      undefined,
      [200],
    );
    return (found.body as { items: Array<{ title: string | null }> }).items.some(
      (item) => item.title === title,
    );
  };
  const [first, last] = [DEMO_PROPOSALS[0], DEMO_PROPOSALS[DEMO_PROPOSALS.length - 1]];
  if (await exists(last)) {
    options.log('the demo proposals are already there; nothing was changed');
    return { created, proposals: {} };
  }
  if (await exists(first))
    throw new DemoError(
      'an earlier run stopped part-way (the first demo proposal exists, the last does not): run it on an empty database',
    );

  const criteria = await api.expect('GET', '/api/quality-criteria', admin, undefined, [200]);
  const allMet = {
    criteria: (criteria.body as Array<{ id: string }>).map((c) => ({ criterion: c.id, result: 'met' })),
  };
  const references = new Map<string, string>();
  const states: Record<string, string> = {};
  for (const proposal of DEMO_PROPOSALS) {
    // Stackability may name an earlier demo proposal by its key; it gets that proposal's reference.
    const resolve = (list: unknown) =>
      ((list as string[] | undefined) ?? []).map((item) => references.get(item) ?? item);
    const stack = proposal.content.stackability as
      { stacksInto?: string[]; composedOf?: string[] } | undefined;
    const content = {
      ...proposal.content,
      ...(stack
        ? { stackability: { stacksInto: resolve(stack.stacksInto), composedOf: resolve(stack.composedOf) } }
        : {}),
    };
    const res = await api.expect(
      'POST',
      '/api/proposals',
      token(proposal.proposer),
      { partnerInstitutionIds: proposal.partners, content },
      [201],
    );
    const view = res.body as { id: string; reference: string; state: string };
    let state = view.state;
    for (const step of proposal.steps) state = await send(api, view.id, token(step.as), step, allMet);
    references.set(proposal.key, view.reference);
    states[view.reference] = state;
    options.log(`${view.reference} ${state.padEnd(16)} ${String(proposal.content.title)}`);
  }
  return { created: true, proposals: states };
}

function userBody(person: DemoPerson, password: string) {
  const { email, displayName, institutionId, roles } = person;
  return { email, displayName, institutionId, roles, password };
}

async function send(
  api: Api,
  id: string,
  token: string,
  step: DemoStep,
  allMet: { criteria: Array<{ criterion: string; result: string }> },
): Promise<string> {
  const body = { type: step.event, ...(step.event === 'QUALITY_APPROVE' ? allMet : {}), ...step.body };
  const res = await api.expect('POST', `/api/proposals/${id}/events`, token, body, [200]);
  return (res.body as { state: string }).state;
}

async function main(): Promise<number> {
  let values: { url?: string; 'allow-remote'?: boolean; quiet?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        'allow-remote': { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // The CLI is a client of the API: it reads the same .env names a developer already set, nothing else.
  let url: URL;
  try {
    url = new URL(values.url ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`);
  } catch {
    console.error(`not a URL: ${values.url}\n${USAGE}`);
    return 2;
  }
  if (!isLocal(url) && !values['allow-remote']) {
    // The demo accounts share one known password: never create them on a real instance by accident.
    console.error(
      `${url.origin} is not this machine; pass --allow-remote to fill it with demo accounts anyway`,
    );
    return 2;
  }
  try {
    const result = await runDemo({
      url: url.origin,
      adminEmail: process.env.ADMIN_EMAIL || 'admin@4euplus.eu',
      adminPassword: process.env.ADMIN_PASSWORD || 'admin',
      password: process.env.DEMO_PASSWORD || DEFAULT_DEMO_PASSWORD,
      log: values.quiet ? () => undefined : (line) => console.log(line),
    });
    if (!values.quiet && result.created)
      console.log(`\nSign in at ${url.origin}/ as any of:\n${DEMO_PEOPLE.map(describe).join('\n')}`);
    return 0;
  } catch (error) {
    if (error instanceof DemoError) {
      console.error(error.message);
      return 1;
    }
    if (error instanceof TypeError) {
      console.error(`cannot reach ${url.origin}: start the service first (npm start)`);
      return 1;
    }
    throw error;
  }
}

/** Meets the password policy (12+ characters, not only letters or digits); override with DEMO_PASSWORD. */
const DEFAULT_DEMO_PASSWORD = 'demo-4euplus-2026';

function describe(p: DemoPerson): string {
  return `  ${p.email.padEnd(36)} ${p.institutionId.padEnd(8)} ${p.roles.join(', ')}`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
