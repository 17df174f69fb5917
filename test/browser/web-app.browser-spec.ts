import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { VALID_CONTENT } from '../support/review-scenario.js';
import {
  ADMIN,
  bearer,
  DEFAULT_PASSWORD,
  startServer,
  type TestServer,
  type TestUser,
} from '../support/server.js';
import {
  axeViolations,
  launch,
  newPage,
  pageErrors,
  pick,
  screenshot,
  signedIn,
  tableFitsWidth,
  tabTo,
  until,
} from './browser.js';

// The web application end to end: real server, real database and Redis, Debian's Chromium. Every page
// visited is checked with axe-core (no serious or critical WCAG 2.1 AA violation) and for console errors
// (a CSP violation would show there).
describe('web application in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pages: Page[] = [];

  beforeAll(async () => {
    // Reminders 3 s after a stage is entered, so notifications reach the inbox during the run.
    server = await startServer({
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      REMINDER_FIRST_AFTER_MS: '3000',
      REMINDER_INTERVAL_MS: '3600000',
      ESCALATION_AFTER_MS: '3600000',
    });
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

  const open = async (
    user: { email: string },
    password = DEFAULT_PASSWORD,
    viewport?: { width: number; height: number },
  ) => {
    const { context, page } = await signedIn(browser, server, user.email, password, viewport);
    contexts.push(context);
    pages.push(page);
    return page;
  };
  const expectAccessible = async (page: Page) => expect(await axeViolations(page)).toEqual([]);
  const stateOf = (page: Page) => page.getByTestId('proposal-state');

  /** A complete proposal created and submitted through the API, for the tests that start later in the review. */
  const submitted = async (proposer: TestUser, partners: string[], title: string) => {
    const created = await server
      .http()
      .post('/api/proposals')
      .set(bearer(proposer.token))
      .send({
        partnerInstitutionIds: partners,
        content: { ...VALID_CONTENT, title, revenueShares: undefined },
      });
    expect(created.status).toBe(201);
    const sent = await server
      .http()
      .post(`/api/proposals/${created.body.id}/events`)
      .set(bearer(proposer.token))
      .send({ type: 'SUBMIT' });
    expect(sent.status).toBe(200);
    return sent.body as { id: string; reference: string };
  };

  it('signs in with the keyboard only, explaining a wrong password and too many attempts', async () => {
    const user = await server.user('su', ['reviewer'], 'keyboard');
    const { context, page } = await newPage(browser, server);
    contexts.push(context);
    pages.push(page);
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeTruthy();
    await page.getByLabel('E-mail').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'sign-in');
    await tabTo(page, page.getByLabel('E-mail'));
    await page.keyboard.type(user.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type('wrong-password');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/auth/session')),
        page.keyboard.press('Enter'),
      ]);
      statuses.push(res.status());
      if (i === 0) await page.getByRole('alert').filter({ hasText: 'Wrong e-mail or password.' }).waitFor();
      // While the answer is rendered the button is still "loading" (disabled), and the browser
      // ignores Enter in a form whose submit button is disabled: wait until it can be pressed again.
      await page.waitForFunction(
        () => !document.querySelector('form button[type=submit]')?.hasAttribute('disabled'),
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    await page
      .getByRole('alert')
      .filter({ hasText: /Too many failed attempts\. Try again in \d+ minutes?\./ })
      .waitFor();
    await expectAccessible(page);

    const other = await server.user('su', ['reviewer'], 'keyboard2');
    const second = await newPage(browser, server);
    contexts.push(second.context);
    pages.push(second.page);
    await second.page.goto('/proposals');
    await tabTo(second.page, second.page.getByLabel('E-mail'));
    await second.page.keyboard.type(other.email);
    await second.page.keyboard.press('Tab');
    await second.page.keyboard.type(DEFAULT_PASSWORD);
    await second.page.keyboard.press('Enter');
    // Deep link kept: the proposals page opens after signing in.
    await second.page.getByRole('heading', { name: 'Proposals', level: 1 }).waitFor();
    await second.page.getByRole('button', { name: 'Sign out' }).click();
    await second.page.getByLabel('E-mail').waitFor();
    expect((await second.context.cookies()).find((c) => c.name === 'mc_session')).toBeUndefined();
  });

  it('shows the field errors of a failed submission next to the fields and keeps the form', async () => {
    const proposer = await server.user('cuni', ['proposer'], 'errors');
    const page = await open(proposer);
    await page.goto('/proposals/new');
    await page.getByLabel('Title').fill('Incomplete idea');
    await page.getByLabel('ECTS credits').fill('4');
    await page.getByLabel('ESCO skill URI for outcome 1 (optional)').fill('not-a-uri');
    await page.getByRole('button', { name: 'Submit for review' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'The proposal cannot be submitted yet' });
    await summary.waitFor();
    await expect(summary.textContent()).resolves.toContain('Summary: is required');
    // Next to the field: Mantine links the error to its input with aria-describedby.
    const summaryField = page.getByLabel('Summary');
    expect(await summaryField.getAttribute('aria-invalid')).toBe('true');
    expect(
      await page.getByRole('combobox', { name: 'Partner institutions' }).getAttribute('aria-invalid'),
    ).toBe('true');
    // The form is kept, and the draft exists now (saved before submitting), which the page says.
    await page
      .getByRole('status')
      .filter({ hasText: /Saved as draft MC-\d{4}-\d{4}, not submitted yet/ })
      .waitFor();
    expect(await page.getByLabel('Title').inputValue()).toBe('Incomplete idea');
    expect(await page.getByLabel('ECTS credits').inputValue()).toBe('4');
    expect(page.url()).toMatch(/\/proposals\/[0-9a-f-]{36}\/edit$/);
    await expectAccessible(page);
    await screenshot(page, 'proposal-form-errors');
  });

  it('takes one proposal from draft to published through five people in five browsers', async () => {
    const proposer = await server.user('cuni', ['proposer'], 'lead');
    const reviewer = await server.user('uhd', ['reviewer'], 'partner');
    const quality = await server.user('4euplus', ['quality_officer'], 'quality');
    const nau = await server.user('nau', ['agency_liaison'], 'nau');
    const gac = await server.user('gac', ['agency_liaison'], 'gac');

    // 1. The proposer writes the draft, with every field, and submits it.
    const p1 = await open(proposer);
    await p1.goto('/');
    await p1.getByRole('link', { name: 'New proposal' }).first().click();
    await p1.getByRole('heading', { name: 'New proposal' }).waitFor();
    await pick(p1, 'Partner institutions', 'Heidelberg University');
    await p1.keyboard.press('Escape');
    await p1.getByLabel('Title').fill('Open Science in Practice');
    await p1.getByLabel('Summary').fill('Hands-on open science for doctoral candidates.');
    await p1.getByLabel('Prerequisites').fill('A master degree.');
    await p1.getByLabel('Learning outcome 1').fill('Publish a data set with a persistent identifier.');
    await p1
      .getByLabel('ESCO skill URI for outcome 1 (optional)')
      .fill('http://data.europa.eu/esco/skill/0f2d2b8a-3b1a-4d7e-9c1e-2a3b4c5d6e7f');
    await p1.getByRole('button', { name: 'Add learning outcome' }).click();
    await p1.getByLabel('Learning outcome 2').fill('Write a data management plan.');
    await p1.getByLabel('ECTS credits').fill('4');
    await p1.getByLabel('Workload (hours)').fill('110');
    await pick(p1, 'EQF level', '8');
    await pick(p1, 'Assessment type', 'Portfolio');
    await p1.getByLabel('Assessment description').fill('A portfolio of open outputs.');
    await pick(p1, 'Form of participation', 'Online');
    await pick(p1, 'Languages', 'English (en)');
    await p1.keyboard.press('Escape');
    await p1.getByLabel('Doctoral').check();
    await p1.getByLabel('Data literacy').check();
    await p1.getByLabel('Quality assurance').fill('Internal QA of Charles University.');
    // The field of education by part of its name; the code is what is kept.
    const isced = p1.getByRole('combobox', { name: 'Field of education (ISCED-F)' });
    await isced.fill('software');
    await p1.getByRole('option', { name: '0613 Software and applications development and analysis' }).click();
    expect(await isced.inputValue()).toBe('0613');
    await p1.getByLabel('Share of Charles University').fill('60');
    await p1.getByLabel('Share of Heidelberg University').fill('30');
    await p1.getByText('Total: 90 %').waitFor();
    await p1.getByLabel('Share of Heidelberg University').fill('40');
    await p1.getByText('Total: 100 %').waitFor();
    await p1.getByRole('button', { name: 'Save draft' }).click();
    await p1
      .getByRole('status')
      .filter({ hasText: /Draft MC-\d{4}-\d{4} saved\./ })
      .waitFor();
    await expectAccessible(p1);
    await screenshot(p1, 'proposal-form');
    await p1.getByRole('button', { name: 'Submit for review' }).click();
    await stateOf(p1).filter({ hasText: 'Partner review' }).waitFor();
    const proposalUrl = new URL(p1.url()).pathname;
    expect(proposalUrl).toMatch(/^\/proposals\/[0-9a-f-]{36}$/);

    // 2. The partner's reviewer finds it in the inbox and approves.
    const p2 = await open(reviewer);
    await p2.goto('/');
    const row = p2.getByRole('row').filter({ hasText: 'Open Science in Practice' });
    await row.waitFor();
    // The row says whose move it is: this reviewer's own decision.
    expect(await row.getByRole('cell').allTextContents()).toContain('You');
    await expectAccessible(p2);
    await screenshot(p2, 'inbox');
    await row.getByRole('link').click();
    await p2.getByRole('button', { name: 'Approve' }).click();
    await p2.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await stateOf(p2).filter({ hasText: 'Quality review' }).waitFor();
    await p2
      .getByRole('status')
      .filter({ hasText: 'Recorded: Approve. The proposal is now Quality review.' })
      .waitFor();

    // On a phone the checklist is a list of labelled cards: nothing to scroll sideways.
    const phone = await open(quality, DEFAULT_PASSWORD, { width: 390, height: 844 });
    await phone.goto(proposalUrl);
    await phone.getByRole('button', { name: 'Approve' }).click();
    await phone.getByRole('dialog').locator('input[aria-haspopup="listbox"]').first().waitFor();
    expect(
      await phone.evaluate(() => {
        const dialog = document.querySelector('[role="dialog"]') as HTMLElement;
        const table = dialog.querySelector('table') as HTMLElement;
        return [dialog.scrollWidth <= dialog.clientWidth + 1, table.scrollWidth <= table.clientWidth + 1];
      }),
    ).toEqual([true, true]);
    await expectAccessible(phone);
    await screenshot(phone, 'quality-checklist-390px');
    await phone.close();

    // 3. The alliance's quality officer assesses every criterion and approves.
    const p3 = await open(quality);
    await p3.goto(proposalUrl);
    await p3.getByRole('button', { name: 'Approve' }).click();
    const dialog = p3.getByRole('dialog');
    const selects = dialog.locator('input[aria-haspopup="listbox"]');
    await selects.first().waitFor();
    const count = await selects.count();
    expect(count).toBeGreaterThan(5);
    // Approving before assessing: said next to the button, every criterion marked, the first focused.
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await dialog.getByText(`${count} fields need your attention (marked above).`).waitFor();
    expect(await dialog.getByText('Choose a result.').count()).toBe(count);
    await until(
      () => selects.first().evaluate((el) => el === document.activeElement),
      (focused) => focused,
    );
    for (let i = 0; i < count; i++) await pick(p3, selects.nth(i), i === 0 ? 'Met with conditions' : 'Met');
    // A criterion not met cannot be approved: the dialog says so at that criterion.
    await pick(p3, selects.nth(1), 'Not met');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await dialog.getByText('One field needs your attention (marked above).').waitFor();
    await dialog.getByText(/^Approval needs every criterion met/).waitFor();
    await pick(p3, selects.nth(1), 'Met');
    expect(await dialog.getByText(/need your attention|needs your attention/).count()).toBe(0);
    await dialog
      .getByRole('textbox', { name: /^Note: / })
      .first()
      .fill('Add a second assessor.');
    await expectAccessible(p3);
    await screenshot(p3, 'quality-checklist-dialog');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await stateOf(p3).filter({ hasText: 'Agency alignment' }).waitFor();
    await expectAccessible(p3);
    await screenshot(p3, 'proposal');

    // 4. Each involved country's agency confirms (CZ with conditions, NQF level and file number; then DE).
    const p4 = await open(nau);
    await p4.goto(proposalUrl);
    await p4.getByRole('button', { name: 'Confirm alignment' }).click();
    await p4.getByLabel('Aligned with conditions').check();
    await p4.getByRole('textbox', { name: 'Conditions' }).fill('Report the first cohort.');
    await p4.getByLabel('NQF level').fill('8');
    await p4.getByLabel('Agency reference').fill('NAU-2026-17');
    await expectAccessible(p4);
    await p4.getByRole('dialog').getByRole('button', { name: 'Confirm alignment' }).click();
    await p4.getByRole('row').filter({ hasText: 'National agency of Germany' }).waitFor();
    const p5 = await open(gac);
    await p5.goto(proposalUrl);
    // The next agency sees what the first decided without opening the history.
    const decisions = p5.getByRole('region', { name: 'Agency decisions on this revision' });
    const czech = decisions.getByRole('row').filter({ hasText: 'Report the first cohort.' });
    await czech.waitFor();
    expect(await czech.textContent()).toContain('Aligned with conditions');
    await p5.getByRole('button', { name: 'Confirm alignment' }).click();
    await p5.getByRole('dialog').getByRole('button', { name: 'Confirm alignment' }).click();
    await stateOf(p5).filter({ hasText: 'Approved' }).waitFor();

    // 5. The alliance administrator publishes it.
    const p6 = await open(ADMIN, ADMIN.password);
    await p6.goto(proposalUrl);
    await p6.getByRole('button', { name: 'Publish' }).click();
    await p6.getByRole('dialog').getByRole('button', { name: 'Publish' }).click();
    await stateOf(p6).filter({ hasText: 'Published' }).waitFor();
    // Everyone else sees it published too.
    await p1.reload();
    await stateOf(p1).filter({ hasText: 'Published' }).waitFor();
    expect(await p1.locator('[aria-current="step"]').textContent()).toContain('Published');
    await p1.getByRole('link', { name: 'History and changes' }).click();
    // Each step says what happened and which stage it led to, in words.
    const timeline = p1.getByRole('region', { name: 'Timeline' });
    for (const step of [
      'Proposal created',
      'Submitted for review',
      'Agency confirmed alignment',
      'Published',
    ])
      await timeline.getByText(step, { exact: true }).first().waitFor();
    await timeline.getByText('Agency alignment → Approved', { exact: true }).waitFor();
    await timeline.getByText('Approved → Published', { exact: true }).waitFor();
    await p1
      .getByText('“Report the first cohort.”')
      .or(p1.getByText(/Conditions: Report the first cohort\./))
      .first()
      .waitFor();
    // The quality check's findings beyond "met" are readable by everyone who reads the history.
    const findings = p1.getByTestId('criteria-details');
    await findings.getByText(/Met with conditions · “Add a second assessor\.”$/).waitFor();
    await expectAccessible(p1);
    // From the published proposal to what the public sees of it.
    await p6.getByRole('link', { name: 'Catalogue page' }).click();
    await p6
      .getByRole('heading', { level: 1 })
      .filter({ hasText: 'Open Science in Practice' })
      .first()
      .waitFor();
  });

  it('says what a draft still lacks when submitted from its page, warns that withdrawing is final, and leads back from an unknown proposal', async () => {
    const proposer = await server.user('cuni', ['proposer'], 'unfinished');
    const created = await server
      .http()
      .post('/api/proposals')
      .set(bearer(proposer.token))
      .send({ partnerInstitutionIds: ['uhd'], content: { title: 'Half a Plan' } });
    expect(created.status).toBe(201);
    const page = await open(proposer);
    await page.goto(`/proposals/${created.body.id}`);
    await page.getByRole('button', { name: 'Submit for review' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Submit for review' }).click();
    const alert = dialog.getByRole('alert');
    await alert.getByText('The draft is not complete yet.', { exact: false }).waitFor();
    // Fields in words, never their codes.
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('Learning outcomes');
    expect(text).toContain('ECTS credits');
    expect(text).not.toContain('content.');
    await expectAccessible(page);
    await screenshot(page, 'submit-incomplete');
    await alert.getByRole('link', { name: 'Complete the draft' }).click();
    await page.getByRole('heading', { name: /^Edit MC-/ }).waitFor();

    await page.goto(`/proposals/${created.body.id}`);
    await page.getByRole('button', { name: 'Withdraw' }).click();
    await dialog.getByText('This is final').waitFor();
    await dialog.getByText('The proposal will be Withdrawn for good', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Withdraw' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Recorded: Withdraw. The proposal is now Withdrawn.' })
      .waitFor();

    await page.goto('/proposals/00000000-0000-4000-8000-000000000000');
    await page.getByText('Proposal not found').waitFor();
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Go to the proposals' }).click();
    await page.getByRole('heading', { name: 'Proposals', level: 1 }).waitFor();
  });

  it('requests changes, takes a resubmission and shows the two revisions side by side', async () => {
    const proposer = await server.user('cuni', ['proposer'], 'resubmit');
    const reviewer = await server.user('uhd', ['reviewer'], 'asks');
    const { id } = await submitted(proposer, ['uhd'], 'Climate Law Basics');
    const r = await open(reviewer);
    await r.goto(`/proposals/${id}`);
    await r.getByRole('button', { name: 'Request changes' }).click();
    const dialog = r.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Request changes' }).click();
    // The comment is required: said at the field, which gets the focus.
    await dialog.getByText('Add a comment: this decision needs one', { exact: false }).waitFor();
    // Focused once the field is marked (the dialog moves focus after that render).
    await until(
      () => dialog.getByLabel('Comment').evaluate((el) => el === document.activeElement),
      (focused) => focused,
    );
    await dialog.getByLabel('Comment').fill('Please lower the ECTS to 3 and sharpen the title.');
    await dialog.getByRole('button', { name: 'Request changes' }).click();
    await stateOf(r).filter({ hasText: 'Changes requested' }).waitFor();
    // The reviewer sees the request, not the proposer's next step.
    await r.getByText('Please lower the ECTS to 3 and sharpen the title.').first().waitFor();
    expect(await r.getByText('Edit the draft to answer this request').count()).toBe(0);

    const p = await open(proposer);
    await p.goto(`/proposals/${id}`);
    // Back with its lead: the path shows the draft step again, not an unmarked row.
    await p.getByText('1. Draft (Changes requested)').waitFor();
    // Not edited since the request: editing is the next step, so it comes first and filled.
    await p.getByText('Edit the draft to answer this request, then submit it again.').waitFor();
    const actions = p.locator('main a, main button').filter({ hasText: /^(Edit draft|Submit for review)$/ });
    expect(await actions.allTextContents()).toEqual(['Edit draft', 'Submit for review']);
    await p.getByRole('link', { name: 'Edit draft' }).click();
    // The request is on the form where it is answered, and the page's heading has the focus.
    await p.getByText('Please lower the ECTS to 3 and sharpen the title.').waitFor();
    await until(
      () => p.evaluate(() => document.activeElement?.tagName ?? ''),
      (tag) => tag === 'H1',
    );
    await p.getByLabel('Title').fill('Climate Law: the Basics');
    // Leaving with unsaved edits asks first; staying keeps them.
    await p.getByRole('link', { name: 'Inbox' }).click();
    const leave = p.getByRole('dialog', { name: 'Leave without saving?' });
    await leave.getByRole('button', { name: 'Stay on the form' }).click();
    await leave.waitFor({ state: 'detached' });
    expect(await p.getByLabel('Title').inputValue()).toBe('Climate Law: the Basics');
    await p.getByLabel('ECTS credits').fill('3');
    await p.getByLabel('Workload (hours)').fill('80');
    await p.getByLabel('Assessment description').fill('A written exam on the cases discussed.');
    await p.getByRole('button', { name: 'Submit for review' }).click();
    await stateOf(p).filter({ hasText: 'Partner review' }).waitFor();
    // Said on arrival, as a decision taken on the proposal page is.
    await p.getByRole('status').filter({ hasText: 'Recorded: Submit for review.' }).waitFor();
    await p.getByText('revision 2', { exact: false }).first().waitFor();
    await p.getByRole('link', { name: 'History and changes' }).click();
    const diff = p.getByTestId('revision-diff');
    await diff.waitFor();
    const titleRow = diff.getByRole('row').filter({ has: p.getByRole('rowheader', { name: 'Title' }) });
    expect(await titleRow.getByRole('cell').allTextContents()).toEqual([
      'Climate Law Basics',
      'Climate Law: the Basics',
    ]);
    expect(await diff.textContent()).toContain('ECTS credits53');
    expect(await diff.textContent()).toContain('Workload (hours)14080');
    // A nested field is named by its parts, not by its path in the document.
    const assessmentRow = diff
      .getByRole('row')
      .filter({ has: p.getByRole('rowheader', { name: 'Assessment › Description' }) });
    expect((await assessmentRow.getByRole('cell').allTextContents())[1]).toBe(
      'A written exam on the cases discussed.',
    );
    await p.getByText('“Please lower the ECTS to 3 and sharpen the title.”').waitFor();
    await expectAccessible(p);
    await screenshot(p, 'history-diff');
  });

  it('merges a draft two people edited at once: what only one changed is kept, what both changed is shown', async () => {
    const proposer = await server.user('cuni', ['proposer'], 'coauthor');
    const created = await server
      .http()
      .post('/api/proposals')
      .set(bearer(proposer.token))
      .send({
        partnerInstitutionIds: ['uhd'],
        content: { ...VALID_CONTENT, title: 'Shared Draft', revenueShares: undefined },
      });
    expect(created.status).toBe(201);
    const a = await open(proposer);
    const b = await open(proposer);
    for (const p of [a, b]) {
      await p.goto(`/proposals/${created.body.id}/edit`);
      await p.getByLabel('Title').waitFor();
    }
    await a.getByLabel('Title').fill('Shared Draft, Revised');
    await a.getByLabel('Workload (hours)').fill('150');
    await a.getByRole('button', { name: 'Save draft' }).click();
    await a.getByRole('status').filter({ hasText: 'Saved' }).waitFor();

    await b.getByLabel('Summary').fill('A summary only the second author wrote.');
    await b.getByLabel('Workload (hours)', { exact: true }).fill('130');
    await b.getByRole('button', { name: 'Save draft' }).click();
    await b.getByRole('button', { name: 'Merge the newer version with my changes' }).click();
    // The other author's title came in, the summary typed here stayed, and the workload both changed
    // keeps the value typed here, with theirs offered beside it.
    const conflict = b.getByTestId('conflict-workloadHours');
    await conflict.waitFor();
    await expect(b.getByLabel('Title').inputValue()).resolves.toBe('Shared Draft, Revised');
    await expect(b.getByLabel('Summary').inputValue()).resolves.toBe(
      'A summary only the second author wrote.',
    );
    expect(await conflict.textContent()).toContain('theirs: 150');
    await expect(b.getByLabel('Workload (hours)', { exact: true }).inputValue()).resolves.toBe('130');
    await expectAccessible(b);
    await screenshot(b, 'proposal-form-merge');
    await b.getByRole('button', { name: 'Use theirs: Workload (hours)' }).click();
    await expect(b.getByLabel('Workload (hours)', { exact: true }).inputValue()).resolves.toBe('150');
    await b.getByRole('button', { name: 'Save draft' }).click();
    await b.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const stored = await server.http().get(`/api/proposals/${created.body.id}`).set(bearer(proposer.token));
    expect(stored.body.content).toMatchObject({
      title: 'Shared Draft, Revised',
      summary: 'A summary only the second author wrote.',
      workloadHours: 150,
    });
  });

  it('tells the second of two concurrent reviewers that someone else decided, keeping the typed comment', async () => {
    const proposer = await server.user('cuni', ['proposer'], 'race');
    const first = await server.user('uhd', ['reviewer'], 'first');
    const second = await server.user('uhd', ['reviewer'], 'second');
    const { id } = await submitted(proposer, ['uhd', 'su'], 'Concurrent Decisions 101');
    const a = await open(first);
    const b = await open(second);
    await Promise.all([a.goto(`/proposals/${id}`), b.goto(`/proposals/${id}`)]);
    await a.getByRole('button', { name: 'Approve' }).click();
    await b.getByRole('button', { name: 'Approve' }).click();
    await b.getByRole('dialog').getByLabel('Comment (optional)').fill('Looks good to Heidelberg.');
    await a.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await a.getByRole('dialog').waitFor({ state: 'detached' });
    await b.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    const conflict = b.getByRole('alert').filter({ hasText: 'Someone else changed this proposal' });
    await conflict.waitFor();
    await expectAccessible(b);
    await screenshot(b, 'conflict');
    await conflict.getByRole('button', { name: 'Reload proposal' }).click();
    await conflict.waitFor({ state: 'detached' });
    expect(await b.getByRole('dialog').getByLabel('Comment (optional)').inputValue()).toBe(
      'Looks good to Heidelberg.',
    );
    // Heidelberg has decided: the page no longer offers the decision.
    await b.getByRole('button', { name: 'Cancel' }).click();
    await b.getByRole('row').filter({ hasText: 'Partner Sorbonne University' }).waitFor();
    expect(await b.getByRole('button', { name: 'Approve' }).count()).toBe(0);
  });

  it('approves with the keyboard only', async () => {
    const proposer = await server.user('cuni', ['proposer'], 'kbd-lead');
    const reviewer = await server.user('uhd', ['reviewer'], 'kbd-reviewer');
    const { id } = await submitted(proposer, ['uhd'], 'Keyboard Review');
    const { context, page } = await newPage(browser, server);
    contexts.push(context);
    pages.push(page);
    await page.goto(`/proposals/${id}`);
    await tabTo(page, page.getByLabel('E-mail'));
    await page.keyboard.type(reviewer.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(DEFAULT_PASSWORD);
    await page.keyboard.press('Enter');
    const approve = page.getByRole('button', { name: 'Approve' });
    await approve.waitFor();
    await tabTo(page, approve);
    await page.keyboard.press('Enter');
    const comment = page.getByRole('dialog').getByLabel('Comment (optional)');
    await comment.waitFor();
    await tabTo(page, comment);
    await page.keyboard.type('Approved from the keyboard.');
    await tabTo(page, page.getByRole('dialog').getByRole('button', { name: 'Approve' }));
    await page.keyboard.press('Enter');
    await stateOf(page).filter({ hasText: 'Quality review' }).waitFor();
  });

  it('lets an institution administrator deactivate a user, verify the audit chain and export it', async () => {
    const admin = await server.user('cuni', ['admin'], 'cuni-admin');
    const leaving = await server.user('cuni', ['proposer'], 'leaving');
    const page = await open(admin);
    await page.goto('/');
    await page.getByRole('link', { name: 'Users' }).click();
    const row = page.getByRole('row').filter({ hasText: leaving.email });
    await row.waitFor();
    await expectAccessible(page);
    await row.getByRole('button', { name: /^Deactivate/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Deactivate' }).click();
    await page.getByRole('status').filter({ hasText: 'was deactivated' }).waitFor();
    await row.getByText('Deactivated').waitFor();
    await screenshot(page, 'users');
    // On a phone each user is a card: nothing to scroll sideways, every line labelled.
    const phone = await open(admin, DEFAULT_PASSWORD, { width: 390, height: 844 });
    await phone.goto('/admin/users');
    const card = phone.getByRole('row').filter({ hasText: leaving.email });
    await card.waitFor();
    expect(await tableFitsWidth(phone)).toEqual([true, true]);
    await expectAccessible(phone);
    await screenshot(phone, 'users-390px');
    // The deactivated account's token stops working.
    expect((await server.http().get('/api/me').set(bearer(leaving.token))).status).toBe(401);

    // The search narrows the list; an admin sets a new password for a colleague who is locked out.
    const locked = await server.user('cuni', ['reviewer'], 'locked-out');
    await page.reload();
    await page.getByLabel(/^Search/).fill('locked-out');
    await until(
      () => page.locator('tbody tr').allTextContents(),
      (rows) => rows.length === 1 && rows[0].includes(locked.email),
    );
    await page.getByRole('button', { name: 'Set password for locked-out at cuni' }).click();
    const passwordDialog = page.getByRole('dialog');
    await passwordDialog.getByLabel(/^New password/).fill('short');
    await passwordDialog.getByRole('button', { name: 'Set password' }).click();
    await passwordDialog.getByText('Check the fields marked below.').waitFor();
    await expectAccessible(page);
    await passwordDialog.getByLabel(/^New password/).fill('A-new-passw0rd-for-you');
    await passwordDialog.getByRole('button', { name: 'Set password' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'A new password was set for locked-out at cuni.' })
      .waitFor();
    expect((await server.http().get('/api/me').set(bearer(locked.token))).status).toBe(401);

    const proposer = await server.user('cuni', ['proposer'], 'audited');
    const proposal = await submitted(proposer, ['uhd'], 'Audited by reference');
    await page.getByRole('link', { name: 'Audit log' }).click();
    // Actions, actors and states in words: "Account closed" by an administrator of Charles University.
    await page.getByRole('row').filter({ hasText: 'Account closed' }).first().waitFor();
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const verdict = page.getByTestId('verify-result');
    await verdict.waitFor();
    expect(await verdict.textContent()).toContain('The chain is intact');
    await pick(page, page.getByLabel(/^Action$/), 'Account closed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // The filtered page replaces the table: wait until only the chosen action is left.
    const dataRows = page.locator('tbody tr');
    await until(
      () => dataRows.allTextContents(),
      (rows) => rows.length > 0 && rows.every((r) => r.includes('Account closed')),
    );
    expect(await dataRows.first().textContent()).toContain('Charles University · Administrator');
    await expectAccessible(page);
    await screenshot(page, 'audit-log');
    // A proposal by the reference people quote (any letter case), not by its id.
    await page.reload();
    await page.getByLabel(/^Proposal/).fill(proposal.reference.toLowerCase());
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // Only that proposal's entries (its partner reminder may have joined them by now), newest first.
    const rows = await until(
      () => dataRows.allTextContents(),
      (all) =>
        all.length >= 2 &&
        all.every((r) => r.includes(proposal.reference)) &&
        /Proposal created/.test(all.at(-1)!),
    );
    expect(rows.map((r) => /Submitted for review|Proposal created/.exec(r)?.[0]).filter(Boolean)).toEqual([
      'Submitted for review',
      'Proposal created',
    ]);
    await page.getByRole('row').filter({ hasText: 'Draft → Partner review' }).waitFor();
    // Actors by name; a click on one keeps only what that person did (the reminder sent by the service goes).
    await page.getByRole('button', { name: 'audited at cuni' }).first().click();
    await until(
      () => dataRows.allTextContents(),
      (all) => all.length === 2 && all.every((r) => r.includes('audited at cuni')),
    );
    expect(
      await page
        .getByLabel(/^Person/)
        .first()
        .inputValue(),
    ).toMatch(/^audited at cuni/);
    // Or by typing part of a name: the administrator who closed one account and set another's password.
    await page.reload();
    await page
      .getByLabel(/^Person/)
      .first()
      .fill('cuni-admin');
    await page.getByRole('option', { name: new RegExp(`^cuni-admin at cuni \\(${admin.email}\\)$`) }).click();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(
      () => dataRows.allTextContents(),
      (all) =>
        all.length === 2 &&
        all.every((r) => r.includes('cuni-admin at cuni')) &&
        /Password reset by an administrator/.test(all[0]) &&
        /Account closed/.test(all[1]),
    );
    await expectAccessible(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    expect(csv).toContain('USER_DEACTIVATE');
    const [ndjson] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export NDJSON' }).click(),
    ]);
    const lines = readFileSync((await ndjson.path()) as string, 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l).action)).toContain('USER_DEACTIVATE');
  });

  it('passes axe on the remaining pages, marks notifications read, and works at 390 px', async () => {
    const proposer = await server.user('cuni', ['proposer'], 'tour');
    const reviewer = await server.user('uhd', ['reviewer'], 'tour-reviewer');
    await submitted(proposer, ['uhd'], 'Narrow Screens');
    const page = await open(proposer);
    for (const [path, heading] of [
      ['/proposals', 'Proposals'],
      ['/workflow', 'Review workflow'],
      ['/quality-checklist', 'Quality checklist'],
      ['/no/such/page', 'Page not found'],
    ] as const) {
      await page.goto(path);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      if (path === '/workflow') await page.getByTestId('workflow-diagram').locator('svg').waitFor();
      await expectAccessible(page);
      if (path === '/workflow') await screenshot(page, 'workflow');
      if (path === '/proposals') await screenshot(page, 'proposals');
    }
    await page.goto('/proposals');
    await page.getByLabel('Title or reference contains').fill('narrow');
    await page.getByRole('button', { name: 'Search' }).click();
    // The previous page stays on screen until the search answers: wait for the one matching row.
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    expect(await page.getByRole('row').nth(1).textContent()).toContain('Narrow Screens');
    // The list says its order, which "Last change" alone would not.
    await page.getByText('Newest proposals first, by when they were created.').waitFor();

    const mobile = await open(proposer, DEFAULT_PASSWORD, { width: 390, height: 844 });
    await mobile.goto('/proposals');
    await mobile.getByRole('button', { name: 'Menu' }).click();
    await mobile.getByRole('link', { name: 'Inbox' }).click();
    await mobile.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await mobile
      .getByRole('row')
      .filter({ hasText: 'Narrow Screens' })
      .waitFor()
      .catch(() => undefined);
    await expectAccessible(mobile);
    const overflow = await mobile.evaluate(
      () => document.documentElement.scrollWidth > window.innerWidth + 1,
    );
    expect(overflow).toBe(false);
    await screenshot(mobile, 'inbox-390px');
    // The closed menu sits off-screen: out of the tab order until the menu button opens it.
    const menu = mobile.getByRole('navigation', { name: 'Main', includeHidden: true });
    expect(await menu.evaluate((el) => (el as HTMLElement).inert)).toBe(true);
    await mobile.getByRole('button', { name: 'Menu' }).click();
    expect(await menu.evaluate((el) => (el as HTMLElement).inert)).toBe(false);
    // Escape closes it and returns to its button.
    await mobile.keyboard.press('Escape');
    await until(
      () => menu.evaluate((el) => (el as HTMLElement).inert),
      (inert) => inert,
    );
    expect(await mobile.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Menu');
    await mobile.getByRole('button', { name: 'Menu' }).click();
    await menu.getByRole('link', { name: 'Proposals' }).click();
    expect(await menu.evaluate((el) => (el as HTMLElement).inert)).toBe(true);
    // The workflow diagram keeps a readable size on a phone: it scrolls inside its box, not the page.
    await mobile.goto('/workflow');
    await mobile.getByTestId('workflow-diagram').locator('svg').waitFor();
    expect(
      await mobile.evaluate(() => {
        const box = document.querySelector('.diagram-scroll')!;
        return [
          box.scrollWidth > box.clientWidth,
          document.documentElement.scrollWidth <= window.innerWidth + 1,
        ];
      }),
    ).toEqual([true, true]);
    // It opens where the workflow starts (its start and Draft in view), not at the empty left edge.
    expect(
      await mobile.evaluate(() => {
        const box = document.querySelector('.diagram-scroll')!.getBoundingClientRect();
        return ['state-root_start', 'state-draft'].map((id) => {
          const r = document
            .querySelector(`[data-testid="workflow-diagram"] [id*="${id}"]`)!
            .getBoundingClientRect();
          return r.left >= box.left && r.right <= box.right;
        });
      }),
    ).toEqual([true, true]);
    await expectAccessible(mobile);

    // The reminder of the partner's pending review reaches its reviewer: counted in the header, then read.
    const r = await open(reviewer);
    const markRead = r.getByRole('button', { name: /^Mark as read: MC-\d{4}-\d{4}/ }).first();
    for (let i = 0; i < 30 && (await markRead.count()) === 0; i++) {
      await r.goto('/');
      await r.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
      await r.waitForTimeout(1000);
    }
    const unread = r.getByTestId('unread-count');
    const before = Number(await unread.textContent());
    expect(before).toBeGreaterThan(0);
    expect(await unread.getAttribute('aria-label')).toMatch(/unread notifications?$/);
    // Sighted pointer users get the same words on hover.
    expect(await unread.getAttribute('title')).toBe(await unread.getAttribute('aria-label'));
    // A reference in the inbox is never broken over two lines.
    // (In a table cell: the notifications below link their references too.)
    const reference = r
      .getByRole('cell')
      .getByRole('link', { name: /^MC-\d{4}-\d{4}$/ })
      .first();
    await expect(reference.evaluate((a) => getComputedStyle(a.closest('td')!).whiteSpace)).resolves.toBe(
      'nowrap',
    );
    await expectAccessible(r);
    await markRead.click();
    await r.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="unread-count"]')?.textContent) === n - 1,
      before,
    );
  });

  it('says the service is unavailable on a 503 and recovers with Retry', async () => {
    const proposer = await server.user('cuni', ['proposer'], 'outage');
    const page = await open(proposer);
    await page.route('**/api/proposals?*', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Service Unavailable',
          status: 503,
          detail: 'database down',
        }),
      }),
    );
    await page.goto('/proposals');
    const alert = page.getByRole('alert').filter({ hasText: 'The service is unavailable at the moment.' });
    await alert.waitFor();
    await expectAccessible(page);
    await page.unroute('**/api/proposals?*');
    await alert.getByRole('button', { name: 'Retry' }).click();
    await page
      .getByRole('columnheader', { name: 'Reference' })
      .or(page.getByText('No proposals match.'))
      .first()
      .waitFor();
  });
});
