import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { TEST_CLIENT, TestProvider } from '../support/oidc.js';
import { bearer, freePort, MAIN, startProcess, TestServer, testEnv, waitForHttp } from '../support/server.js';
import { launch, newPage, pageErrors, signedIn } from './browser.js';

// The whole university sign-in in Chromium against the test OpenID provider (`oidc-provider` child process):
// the button on the sign-in page, the provider's redirects, the callback, and the app afterwards.
describe('university sign-in in a browser', () => {
  let op: TestProvider;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    const [appPort, opPort] = [await freePort(), await freePort()];
    const appUrl = `http://127.0.0.1:${appPort}`;
    op = await TestProvider.start(opPort, `${appUrl}/api/auth/oidc/callback`);
    const env = testEnv({
      PORT: String(appPort),
      PUBLIC_URL: appUrl,
      OIDC_ISSUER: op.issuer,
      OIDC_CLIENT_ID: TEST_CLIENT.id,
      OIDC_CLIENT_SECRET: TEST_CLIENT.secret,
    });
    const proc = startProcess(MAIN, env);
    await waitForHttp(`${appUrl}/health`, proc);
    server = new TestServer(appUrl, env, proc);
    const res = await server
      .http()
      .patch('/api/institutions/cuni')
      .set(bearer(await server.admin()))
      .send({ domains: ['cuni.cz'] });
    expect(res.status).toBe(200);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await op?.stop();
  });

  it('signs a new person in with the university button, shows them the waiting page, and leads their admin from the inbox to their roles', async () => {
    const admin = await server.user('cuni', ['admin'], 'cuni-admin');
    const account = `p-${randomUUID()}`;
    await op.account(account, {
      name: 'Test Person',
      email: `${randomUUID().slice(0, 8)}@cuni.cz`,
      email_verified: true,
      schac_home_organization: 'cuni.cz',
    });
    const { context, page } = await newPage(browser, server);
    try {
      // The test provider signs in the account its authorization request names as login_hint.
      // (Playwright routes only the first request of a redirect chain: the app's login route, whose
      // redirect to the provider gets the hint added.)
      await context.route('**/api/auth/oidc/login', async (route) => {
        const response = await route.fetch({ maxRedirects: 0 });
        const location = new URL(response.headers()['location']);
        location.searchParams.set('login_hint', account);
        await route.fulfill({ response, headers: { ...response.headers(), location: location.href } });
      });
      await page.goto('/');
      await page.getByRole('link', { name: 'Sign in with your university' }).click();
      await page
        .getByRole('heading', { name: 'Waiting for an administrator' })
        .waitFor()
        .catch(async (e: unknown) => {
          throw new Error(`${String(e)}\nat ${page.url()}: ${await page.locator('body').innerText()}`);
        });
      expect(pageErrors.get(page) ?? []).toEqual([]);
    } finally {
      await context.close();
    }
    // The institution's admin is told, and goes from the notification straight to the person's roles.
    const a = await signedIn(browser, server, admin.email);
    try {
      await a.page.goto('/');
      await a.page.getByText('New user waiting for roles: Test Person').waitFor();
      await a.page.getByRole('link', { name: 'Give this person roles' }).click();
      const dialog = a.page.getByRole('dialog', { name: 'Change roles of Test Person' });
      await dialog.waitFor();
      await dialog.getByRole('checkbox', { name: 'Reviewer' }).check();
      await dialog.getByRole('button', { name: 'Save roles' }).click();
      await a.page.getByRole('status').filter({ hasText: 'Roles of Test Person were changed.' }).waitFor();
      // Found by name, and no longer among the accounts waiting for roles.
      await a.page.getByLabel(/^Search/).fill('Test Person');
      await a.page
        .getByRole('row')
        .filter({ hasText: 'Reviewer' })
        .filter({ hasText: 'Test Person' })
        .waitFor();
      await a.page.getByRole('checkbox', { name: 'Only accounts waiting for roles' }).check();
      await a.page.getByText(/^No user of .+ matches\.$/).waitFor();
      expect(pageErrors.get(a.page) ?? []).toEqual([]);
    } finally {
      await a.context.close();
    }
  });
});
