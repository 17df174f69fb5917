import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ReviewWorld, type ActorName, type ProposalView } from '../support/review-world.js';
import { DEFAULT_PASSWORD, startServer, testPool, type TestServer } from '../support/server.js';
import {
  axeViolations,
  browserDay,
  launch,
  newPage,
  pageErrors,
  pick,
  screenshot,
  signedIn,
  tableFitsWidth,
} from './browser.js';

// Credential exports on the proposal page, university sign-in, the waiting page, and the user's own page
// (password and deputies): real server, database and Redis, Debian's Chromium, axe-core on every page.
describe('account pages and credential exports in a browser', () => {
  let server: TestServer;
  let w: ReviewWorld;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pages: Page[] = [];

  beforeAll(async () => {
    server = await startServer({ PUBLIC_URL: 'https://qa.4euplus.test' });
    w = await new ReviewWorld(server).setUp([
      'cuniProposer',
      'uhdReviewer',
      'suReviewer',
      'qualityOfficer',
      'nauLiaison',
      'gacLiaison',
      'hceresLiaison',
    ]);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) expect(pageErrors.get(p) ?? []).toEqual([]);
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  const open = async (email: string, password = DEFAULT_PASSWORD) => {
    const { context, page } = await signedIn(browser, server, email, password);
    contexts.push(context);
    pages.push(page);
    return page;
  };
  const expectAccessible = async (page: Page) => expect(await axeViolations(page)).toEqual([]);
  const email = (name: ActorName) => w.users.get(name)!.email;

  async function approved(): Promise<ProposalView> {
    let p = await w.create();
    const criteria = w.criteria.map((criterion) => ({ criterion, result: 'met' }));
    const steps: Array<[ActorName, string, Record<string, unknown>]> = [
      ['cuniProposer', 'SUBMIT', {}],
      ['uhdReviewer', 'PARTNER_APPROVE', {}],
      ['suReviewer', 'PARTNER_APPROVE', {}],
      ['qualityOfficer', 'QUALITY_APPROVE', { criteria }],
      ['nauLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned', nqfLevel: '7' }],
      ['gacLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned', nqfLevel: '7' }],
      ['hceresLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned', nqfLevel: '7' }],
    ];
    for (const [as, type, body] of steps) p = await w.ok(p.id, as, type, body);
    expect(p.state).toBe('approved');
    return p;
  }

  it('offers the three exports of an approved proposal as .jsonld downloads and says the endorsement verifies', async () => {
    const p = await approved();
    const page = await open(email('cuniProposer'));
    await page.goto(`/proposals/${p.id}`);
    const section = page.getByRole('region', { name: 'Credential exports' });
    await expect(section.getByTestId('endorsement-verified').textContent()).resolves.toBe(
      'Endorsement verified',
    );
    for (const [label, kind] of [
      ['Open Badges 3.0 achievement', 'ob3-achievement'],
      ['Open Badges 3.0 endorsement', 'ob3-endorsement'],
      ['European Learning Model', 'elm'],
    ]) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        section.getByRole('button', { name: `Download ${label} (.jsonld)` }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`${p.reference}-${kind}.jsonld`);
      const file = await download.path();
      const doc = JSON.parse((await import('node:fs')).readFileSync(file, 'utf8')) as Record<string, unknown>;
      expect(doc['@context']).toBeDefined();
    }
    await expectAccessible(page);
    await section.scrollIntoViewIfNeeded();
    await screenshot(page, 'proposal-credential-exports');
  });

  it('does not show the exports for a proposal still in review', async () => {
    const p = await w.ok((await w.create()).id, 'cuniProposer', 'SUBMIT', {});
    const page = await open(email('cuniProposer'));
    await page.goto(`/proposals/${p.id}`);
    await page.getByTestId('proposal-state').waitFor();
    expect(await page.getByRole('region', { name: 'Credential exports' }).count()).toBe(0);
  });

  it('shows a user without roles the waiting page, from which they can sign out', async () => {
    const waiting = await server.user('cuni', ['reviewer'], 'waiting');
    const db = testPool();
    try {
      await db.query(`UPDATE users SET roles = '{}' WHERE id = $1`, [waiting.id]);
    } finally {
      await db.end();
    }
    const page = await open(waiting.email);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Waiting for an administrator' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('hides university sign-in when it is not configured, and explains a refused sign-in', async () => {
    const { context, page } = await newPage(browser, server);
    contexts.push(context);
    pages.push(page);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const config = await context.request.get('/api/auth/oidc/config');
    expect(await config.json()).toMatchObject({ enabled: false });
    expect(await page.getByText('Sign in with your university').count()).toBe(0);
    await page.goto('/sign-in-refused?reason=unknown-organisation');
    await expect(page.getByTestId('refused-reason').textContent()).resolves.toMatch(/home organisation/);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('names a deputy found by typing part of their name, lists them by name and removes them', async () => {
    const principal = await server.user('cuni', ['reviewer'], 'principal');
    const page = await open(principal.email);
    await page.goto('/');
    await page.getByTestId('me-link').click();
    await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();
    await page.getByText('You have named no deputies.').waitFor();
    const mate = await server.user('cuni', ['proposer'], 'mate');
    // Days in the browser's time zone (a UTC date would already have begun there late in the UTC day).
    const day = browserDay;
    const form = page.getByRole('form', { name: 'Name a deputy' });
    await form.getByLabel('From').fill(day(0));
    await form.getByLabel('To').fill(day(10));
    // Without a colleague the error shows next to the field.
    await form.getByRole('button', { name: 'Add deputy' }).click();
    await form.locator('[aria-invalid="true"]').first().waitFor();
    // The server searches the colleagues: a reviewer (no admin) finds one by part of the address.
    const colleague = form.getByLabel(/^Colleague( \*)?$/).first();
    // Someone of another institution is never offered.
    await colleague.fill('at uhd');
    await page.getByText('No colleague found').waitFor();
    await colleague.fill(mate.email.split('@')[0]);
    await page.getByRole('option', { name: `mate at cuni (${mate.email})`, exact: true }).click();
    await form.getByRole('button', { name: 'Add deputy' }).click();
    const table = page.getByTestId('deputies-table');
    await table.getByText('mate at cuni').waitFor();
    await expect(table.getByText('Acting now').count()).resolves.toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'me-deputies');
    await table.getByRole('button', { name: 'Remove deputy mate at cuni' }).click();
    await page.getByText('You have named no deputies.').waitFor();
    const list = await server
      .http()
      .get('/api/me/deputies')
      .set({ Authorization: `Bearer ${principal.token}` });
    expect(list.body.items).toEqual([]);
  });

  it('lets an administrator who reviews choose the deputy from the colleagues of the institution', async () => {
    const admin = await server.user('cuni', ['admin', 'reviewer'], 'chooser');
    const mate = await server.user('cuni', ['reviewer'], 'chosen');
    const page = await open(admin.email);
    await page.goto('/me');
    const form = page.getByRole('form', { name: 'Name a deputy' });
    await pick(page, form.getByLabel(/^Colleague( \*)?$/), `chosen at cuni (${mate.email})`);
    // Days in the browser's time zone (a UTC date would already have begun there late in the UTC day).
    const day = browserDay;
    await form.getByLabel('From').fill(day(1));
    await form.getByLabel('To').fill(day(3));
    await form.getByRole('button', { name: 'Add deputy' }).click();
    const table = page.getByTestId('deputies-table');
    await table.getByText('chosen at cuni').waitFor();
    await expect(table.getByText('Not running now').count()).resolves.toBe(1);
    await expectAccessible(page);
  });

  it('tells a proposer why there is no deputy to name, instead of a form the server would refuse', async () => {
    const proposer = await server.user('cuni', ['proposer'], 'no-review-roles');
    const page = await open(proposer.email);
    await page.goto('/me');
    await page.getByText('You hold none, so there is nothing to hand over.', { exact: false }).waitFor();
    expect(await page.getByRole('form', { name: 'Name a deputy' }).count()).toBe(0);
    await expectAccessible(page);
  });

  it('changes the password, naming a wrong current password next to its field', async () => {
    const user = await server.user('cuni', ['reviewer'], 'password');
    const page = await open(user.email);
    await page.goto('/me');
    const section = page.getByRole('region', { name: 'Change password' });
    await section.getByLabel('Current password').fill('not-my-password-1');
    await section.getByLabel('New password').fill('Another-long-passw0rd');
    await section.getByRole('button', { name: 'Change password' }).click();
    await section.getByText('is not your current password').waitFor();
    expect(await section.getByRole('alert').count()).toBe(0);
    await section.getByLabel('Current password').fill(DEFAULT_PASSWORD);
    await section.getByRole('button', { name: 'Change password' }).click();
    await section.getByText('Your password has been changed.', { exact: false }).waitFor();
    await expectAccessible(page);
    expect(
      (await server.http().post('/api/auth/login').send({ email: user.email, password: DEFAULT_PASSWORD }))
        .status,
    ).toBe(401);
    expect(
      (
        await server
          .http()
          .post('/api/auth/login')
          .send({ email: user.email, password: 'Another-long-passw0rd' })
      ).status,
    ).toBe(200);
  });

  it('signs out everywhere else from My account, and this browser stays signed in', async () => {
    const user = await server.user('cuni', ['reviewer'], 'elsewhere');
    const elsewhere = await server.login(user.email, DEFAULT_PASSWORD);
    const page = await open(user.email);
    await page.goto('/me');
    const section = page.getByRole('region', { name: 'Other sessions' });
    await section.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await section.getByRole('status').getByText('Every other session has been signed out.').waitFor();
    await expectAccessible(page);
    expect((await server.http().get('/api/me').set('Authorization', `Bearer ${elsewhere}`)).status).toBe(401);
    // This browser's own session goes on.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
  });

  it('shows the sign-in page at the same address when the account is closed mid-session', async () => {
    const user = await server.user('cuni', ['proposer'], 'closed-mid-session');
    const page = await open(user.email);
    await page.goto('/');
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    expect(
      (
        await server
          .http()
          .patch(`/api/users/${user.id}`)
          .set({ authorization: `Bearer ${await server.admin()}` })
          .send({ active: false })
      ).status,
    ).toBe(200);
    // An in-app navigation meets the 401 (or the inbox's own refresh does, whichever comes first: then
    // the sign-in page replaces the link before the click lands). Every page used to fail on its own.
    const signIn = page.getByRole('heading', { name: 'Sign in' });
    const navigated = page
      .getByRole('link', { name: 'Proposals', exact: true })
      .click()
      .then(() => signIn.waitFor());
    navigated.catch(() => undefined);
    await Promise.race([signIn.waitFor(), navigated]);
    // No reload and no redirect: the address is still one the user went to.
    expect(['/', '/proposals']).toContain(new URL(page.url()).pathname);
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    await expectAccessible(page);
  });

  it('lets an administrator reopen a closed account from the users page', async () => {
    const admin = await server.user('cuni', ['admin'], 'reopening-admin');
    const closed = await server.user('cuni', ['reviewer'], 'reopened');
    const adminAuth = { authorization: `Bearer ${admin.token}` };
    await server.http().patch(`/api/users/${closed.id}`).set(adminAuth).send({ active: false });
    const page = await open(admin.email);
    await page.goto('/admin/users');
    await page.getByRole('button', { name: 'Reactivate reopened at cuni' }).click();
    await page.getByText('reopened at cuni can sign in again.').waitFor();
    await page.getByRole('button', { name: 'Deactivate reopened at cuni' }).waitFor();
    expect(
      (await server.http().post('/api/auth/login').send({ email: closed.email, password: DEFAULT_PASSWORD }))
        .status,
    ).toBe(200);
    await expectAccessible(page);
  });

  it('does not offer the edit form of a proposal that has left draft, and links to the proposal instead', async () => {
    const p = await w.create();
    await w.ok(p.id, 'cuniProposer', 'SUBMIT', {});
    const page = await open(email('cuniProposer'));
    await page.goto(`/proposals/${p.id}/edit`);
    await page.getByText('This proposal can no longer be edited').waitFor();
    expect(await page.getByRole('button', { name: 'Save draft' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Go to the proposal' }).click();
    await page.waitForURL(`**/proposals/${p.id}`);
    await expectAccessible(page);
  });

  it('keeps what was typed in a dialog on Escape, and gives focus back to the button that opened it', async () => {
    const p = await w.create();
    await w.ok(p.id, 'cuniProposer', 'SUBMIT', {});
    const page = await open(email('uhdReviewer'));
    await page.goto(`/proposals/${p.id}`);
    const opener = page.getByRole('button', { name: 'Request changes' });
    await opener.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Comment').fill('Please name the assessment method.');
    await page.keyboard.press('Escape');
    // Still open, the comment still there.
    await expect(dialog.getByLabel('Comment').inputValue()).resolves.toBe(
      'Please name the assessment method.',
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect(opener.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    // An empty dialog still closes on Escape, and focus comes back all the same.
    await opener.click();
    await dialog.getByLabel('Comment').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(opener.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await expectAccessible(page);
  });

  it('shows the proposer what the reviewers asked for on the proposal page', async () => {
    const p = await w.create();
    await w.ok(p.id, 'cuniProposer', 'SUBMIT', {});
    await w.ok(p.id, 'uhdReviewer', 'PARTNER_REQUEST_CHANGES', {
      comment: 'Name the assessment method in the summary.',
    });
    const page = await open(email('cuniProposer'));
    await page.goto(`/proposals/${p.id}`);
    const asked = page.getByRole('alert').filter({ hasText: 'Changes requested' });
    await asked.getByText('Name the assessment method in the summary.').waitFor();
    await expect(asked.textContent()).resolves.toContain('Heidelberg University asked for changes');
    await expectAccessible(page);
  });

  it('offers an administrator only the roles the institution can hold when creating a user', async () => {
    const admin = await server.user('nau', ['admin'], 'nau-admin');
    const page = await open(admin.email);
    await page.goto('/admin/users');
    await page.getByRole('button', { name: 'Create user' }).click();
    const roles = page.getByRole('dialog').getByRole('group', { name: 'Roles' });
    await roles.getByRole('checkbox', { name: 'Agency liaison' }).waitFor();
    expect(await roles.getByRole('checkbox').count()).toBe(2);
    expect(await roles.getByRole('checkbox', { name: 'Administrator' }).count()).toBe(1);
    expect(await roles.getByRole('checkbox', { name: 'Proposer' }).count()).toBe(0);
    // Sent empty: the fields say what is missing, in words, and the alert only points at them.
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await dialog.getByText('Check the fields marked below.').waitFor();
    expect(await dialog.textContent()).not.toMatch(
      /displayName|must contain at least 1 elements|longer than or equal/,
    );
    expect(await dialog.getByText('Required.').count()).toBeGreaterThan(0);
    await dialog.getByText('Choose at least one.').waitFor();
    await dialog.getByLabel(/^Name/).fill('New Liaison');
    await dialog.getByLabel(/^E-mail/).fill(`liaison.${Date.now()}@nau.test`);
    await dialog.getByLabel(/^Initial password/).fill('A-fine-passw0rd-here');
    await roles.getByRole('checkbox', { name: 'Agency liaison' }).check();
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'New Liaison was created.' }).waitFor();
    // The tab names the page, and a closed dialog gives focus back to the button that opened it.
    expect(await page.title()).toBe('Users · 4EU+ micro-credential QA');
    const opener = page.getByRole('button', { name: 'Create user' });
    await opener.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expect(opener.evaluate((b) => b === document.activeElement)).resolves.toBe(true);
  });

  it('lets the alliance administrator add an institution and name its sign-in domains', async () => {
    const admin = await server.user('4euplus', ['admin'], 'alliance-institutions-admin');
    const page = await open(admin.email);
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Institutions' }).click();
    await page.getByRole('heading', { name: 'Institutions', level: 1 }).waitFor();
    expect(await page.title()).toBe('Institutions · 4EU+ micro-credential QA');
    const id = `ubo-${Date.now() % 100000}`;
    await page.getByRole('button', { name: 'Add institution' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Name/).fill('University of Bologna');
    await dialog.getByLabel(/^Short name/).fill(id);
    // The EU's own abbreviation for Greece is refused at its field, with the ISO code to use.
    await dialog.getByLabel(/^Country/).fill('EL');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    // The field's own message (its help text names GR too), once the server has answered.
    await dialog.getByText(/^Must be an ISO 3166-1 alpha-2 code/).waitFor();
    await expect(dialog.getByLabel(/^Country/).getAttribute('aria-invalid')).resolves.toBe('true');
    await expectAccessible(page);
    // A short name already taken is said at its field.
    await dialog.getByLabel(/^Short name/).fill('cuni');
    await dialog.getByLabel(/^Country/).fill('IT');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.getByText('Another institution already has this short name.').waitFor();
    await dialog.getByLabel(/^Short name/).fill(id);
    await dialog.getByLabel(/^Country/).fill('IT');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'University of Bologna was added.' }).waitFor();
    await page.getByRole('button', { name: 'Sign-in settings of University of Bologna' }).click();
    const settings = page.getByRole('dialog');
    await settings.getByLabel(/^Domains/).fill('unibo.it, studio.unibo.it');
    // University sign-in is not configured on this server: passwords cannot be switched off.
    await settings.getByText(/has not been set up for/).waitFor();
    await expect(
      settings.getByRole('checkbox', { name: /Only university sign-in/ }).isDisabled(),
    ).resolves.toBe(true);
    await screenshot(page, 'admin-institution-settings');
    await settings.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'The sign-in settings of University of Bologna were saved.' })
      .waitFor();
    const row = page
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: /University of Bologna/ }) });
    await row.getByText('studio.unibo.it, unibo.it').waitFor();
    await expectAccessible(page);
    // The new institution's log starts with its creation, then says what the settings change was.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await pick(page, 'Institution', 'University of Bologna');
    await page.getByText('Domains: — → studio.unibo.it, unibo.it').waitFor();
    await page
      .getByRole('row')
      .filter({ hasText: 'Institution added' })
      .filter({ hasText: 'for University of Bologna' })
      .waitFor();
    const listed = await server
      .http()
      .get('/api/institutions')
      .set({ authorization: `Bearer ${admin.token}` });
    expect(
      (listed.body as Array<{ id: string; domains: string[]; country: string }>).find((i) => i.id === id),
    ).toMatchObject({
      country: 'IT',
      domains: ['studio.unibo.it', 'unibo.it'],
    });
  });

  it('shows an institution’s administrator the institutions, with settings only for its own', async () => {
    const admin = await server.user('uhd', ['admin'], 'uhd-institutions-admin');
    const page = await open(admin.email);
    await page.goto('/admin/institutions');
    await page.getByRole('rowheader', { name: /Charles University/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Add institution' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Sign-in settings of/ }).count()).toBe(1);
    await page.getByRole('button', { name: 'Sign-in settings of Heidelberg University' }).click();
    expect(
      await page
        .getByRole('dialog')
        .getByLabel(/^Domains/)
        .count(),
    ).toBe(0);
    await expectAccessible(page);
    // On a phone each institution is a card: nothing to scroll sideways.
    const { context, page: phone } = await signedIn(browser, server, admin.email, DEFAULT_PASSWORD, {
      width: 390,
      height: 844,
    });
    contexts.push(context);
    pages.push(phone);
    await phone.goto('/admin/institutions');
    await phone.getByRole('rowheader', { name: /Heidelberg University/ }).waitFor();
    expect(await tableFitsWidth(phone)).toEqual([true, true]);
    await expectAccessible(phone);
    await screenshot(phone, 'institutions-390px');
  });
});
