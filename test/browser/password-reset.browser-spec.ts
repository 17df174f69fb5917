import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type TestServer } from '../support/server.js';
import { MailCatcher } from '../support/smtp.js';
import { axeViolations, launch, newPage, pageErrors, screenshot } from './browser.js';

// A forgotten password, from the sign-in page to signing in with the new one: real server, database,
// Redis and SMTP (a local catcher), Debian's Chromium, axe-core on every page.
describe('a forgotten password in a browser', () => {
  let server: TestServer;
  let catcher: MailCatcher;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pages: Page[] = [];

  beforeAll(async () => {
    catcher = await new MailCatcher().start();
    server = await startServer({ SMTP_URL: catcher.url });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await catcher?.stop();
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) expect(pageErrors.get(p) ?? []).toEqual([]);
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  const fresh = async () => {
    const { context, page } = await newPage(browser, server);
    contexts.push(context);
    pages.push(page);
    return page;
  };
  const expectAccessible = async (page: Page) => expect(await axeViolations(page)).toEqual([]);

  it('sends a link from the sign-in page, sets the new password once, and signs in with it', async () => {
    const user = await server.user('uhd', ['reviewer'], 'forgot');
    const page = await fresh();
    await page.goto('/');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await expectAccessible(page);
    await page.getByLabel(/^E-mail/).fill(user.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    const sent = page.getByTestId('reset-sent');
    await sent.waitFor();
    expect(await sent.textContent()).toContain(user.email);
    expect(await sent.textContent()).toContain('30 minutes');

    const token = await catcher.resetToken(user.email);
    await page.goto(`/reset-password#token=${token}`);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    // The token leaves the address bar (and the history) once read.
    expect(page.url()).not.toContain(token);
    const password = page.getByLabel(/^New password/);
    await password.fill('short');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    // The policy's message under the field, which the label already names.
    await page.getByText('Must be at least 12 characters', { exact: true }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'reset-password');
    await password.fill('A-brand-new-passw0rd');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByTestId('reset-done').waitFor();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel(/^E-mail/).fill(user.email);
    await page.getByLabel(/^Password/).fill('A-brand-new-passw0rd');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('me-link').waitFor();

    // The same link a second time explains itself and offers a new one.
    const again = await fresh();
    await again.goto(`/reset-password#token=${token}`);
    await again.getByLabel(/^New password/).fill('Another-passw0rd-2');
    await again.getByRole('button', { name: 'Set the new password' }).click();
    await again.getByText('This link has expired, was already used, or a newer one replaced it.').waitFor();
    await again.getByRole('link', { name: 'Ask for a new link' }).click();
    await again.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await expectAccessible(again);
  });
});
