import path from 'node:path';
import { startProcess, type RunningProcess } from './server.js';

const PROVIDER = path.join(process.cwd(), 'test', 'support', 'oidc-test-provider.mjs');

export const TEST_CLIENT = { id: 'microcred-e2e', secret: 'e2e-client-secret-0123456789abcdef' };

/** The test OpenID provider (`oidc-provider`) as a child process on loopback. */
export class TestProvider {
  private constructor(
    readonly issuer: string,
    readonly proc: RunningProcess,
  ) {}

  static async start(port: number, redirectUri: string): Promise<TestProvider> {
    const proc = startProcess(PROVIDER, {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      CLIENT_ID: TEST_CLIENT.id,
      CLIENT_SECRET: TEST_CLIENT.secret,
      REDIRECT_URI: redirectUri,
    });
    const deadline = Date.now() + 15_000;
    while (!proc.output().includes('listening ')) {
      if (Date.now() > deadline || proc.child.exitCode !== null)
        throw new Error(`test provider did not start:\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return new TestProvider(`http://127.0.0.1:${port}`, proc);
  }

  async account(id: string, claims: Record<string, unknown>): Promise<void> {
    await this.put(`/__test/accounts/${encodeURIComponent(id)}`, claims);
  }

  /** Moves the provider's clock: the tokens it issues carry times that far off. */
  async clock(offsetMs: number): Promise<void> {
    await this.put('/__test/clock', { offsetMs });
  }

  private async put(p: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.issuer}${p}`, { method: 'PUT', body: JSON.stringify(body) });
    if (res.status !== 204) throw new Error(`test provider ${p}: ${res.status}`);
  }

  async stop(): Promise<void> {
    if (this.proc.child.exitCode !== null) return;
    this.proc.child.kill('SIGTERM');
    await this.proc.exited;
  }
}

export interface Cookie {
  value: string;
  attributes: string;
}

/**
 * Just enough of a browser: follows nothing by itself, keeps cookies per host (name → value), so a test
 * can walk each redirect and look at or tamper with what a real browser would carry.
 */
export class TestBrowser {
  readonly jar = new Map<string, Map<string, Cookie>>();

  cookies(host: string): Map<string, Cookie> {
    let m = this.jar.get(host);
    if (!m) this.jar.set(host, (m = new Map()));
    return m;
  }

  async get(url: string): Promise<Response> {
    const u = new URL(url);
    const cookie = [...this.cookies(u.host)].map(([k, c]) => `${k}=${c.value}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const attributes = attrs.join(';');
      if (value === '' || /max-age=0\b/i.test(attributes) || /expires=Thu, 01 Jan 1970/i.test(attributes))
        this.cookies(u.host).delete(name);
      else this.cookies(u.host).set(name, { value, attributes });
    }
    return res;
  }

  /**
   * Starts a sign-in at the app and walks the provider's redirects as `account` (its login_hint) until the
   * provider sends the browser back to the app's callback; returns that callback URL unvisited.
   */
  async authorize(
    appUrl: string,
    account: string,
    tamper: (authorizationUrl: URL) => void = () => undefined,
  ): Promise<{ authorizationUrl: URL; callbackUrl: string }> {
    const start = await this.get(`${appUrl}/api/auth/oidc/login`);
    if (start.status !== 302) throw new Error(`login: ${start.status} ${await start.text()}`);
    const authorizationUrl = new URL(start.headers.get('location') as string);
    authorizationUrl.searchParams.set('login_hint', account);
    tamper(authorizationUrl);
    let next = authorizationUrl.href;
    for (let hop = 0; hop < 10; hop++) {
      if (next.startsWith(`${appUrl}/api/auth/oidc/callback`)) return { authorizationUrl, callbackUrl: next };
      const res = await this.get(next);
      const location = res.headers.get('location');
      if (!location) throw new Error(`provider stopped at ${next}: ${res.status} ${await res.text()}`);
      next = new URL(location, next).href;
    }
    throw new Error('too many redirects');
  }

  /** authorize + visit the callback; the answer of the callback. */
  async signIn(appUrl: string, account: string, tamper?: (u: URL) => void): Promise<Response> {
    const { callbackUrl } = await this.authorize(appUrl, account, tamper);
    return this.get(callbackUrl);
  }
}

/** The session cookie the callback set (the same JWT the API takes as a bearer token), or null. */
export function sessionToken(res: Response): string | null {
  for (const line of res.headers.getSetCookie()) {
    const m = /^mc_session=([^;]+)/.exec(line);
    if (m) return m[1];
  }
  return null;
}
