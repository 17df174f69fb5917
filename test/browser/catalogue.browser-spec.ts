import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { VALID_CONTENT } from '../support/review-scenario.js';
import { ReviewWorld, type ProposalView } from '../support/review-world.js';
import { DEFAULT_PASSWORD, startServer, type TestServer } from '../support/server.js';
import { axeViolations, launch, newPage, pageErrors, screenshot, signedIn, tabTo } from './browser.js';

// The public catalogue (signed out) and the analytics page in Chromium, against the real server. Every
// page is checked with axe-core and for console errors (a CSP violation, e.g. by the JSON-LD block).
describe('catalogue and analytics in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let w: ReviewWorld;
  const contexts: BrowserContext[] = [];
  const pages: Page[] = [];
  // Every entry of this suite carries TOKEN, so the search finds exactly them.
  const TOKEN = `zq${randomUUID().slice(0, 8)}`;
  const { revenueShares: _shares, ...BASE } = VALID_CONTENT;
  let whole: ProposalView;
  let part: ProposalView;

  /** A cuni-led proposal with partner uhd, driven to published through the API. */
  const publish = async (over: Record<string, unknown>): Promise<ProposalView> => {
    const p = await w.create({ ...BASE, ...over }, ['uhd']);
    await w.ok(p.id, 'cuniProposer', 'SUBMIT');
    await w.ok(p.id, 'uhdReviewer', 'PARTNER_APPROVE');
    await w.ok(p.id, 'qualityOfficer', 'QUALITY_APPROVE', w.allMet());
    await w.ok(p.id, 'nauLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned', nqfLevel: '7' });
    await w.ok(p.id, 'gacLiaison', 'AGENCY_CONFIRM', { outcome: 'aligned' });
    return w.ok(p.id, 'cuniAdmin', 'PUBLISH');
  };

  beforeAll(async () => {
    server = await startServer();
    browser = await launch();
    w = await new ReviewWorld(server).setUp([
      'cuniProposer',
      'cuniAdmin',
      'uhdReviewer',
      'qualityOfficer',
      'nauLiaison',
      'gacLiaison',
    ]);
    // whole → an external programme; part → whole: a pathway of three nodes around `whole`.
    whole = await publish({
      title: 'Research Data Stewardship',
      summary: `${TOKEN} Stewardship of research data in multilingual teams.`,
      languages: ['en'],
      strategicAreas: ['data-literacy'],
      ects: 6,
      workloadHours: 160,
    });
    part = await publish({
      title: 'Gründung einer Datenfirma',
      summary: `${TOKEN} Eine Einführung in datengetriebene Unternehmensgründung.`,
      languages: ['de'],
      strategicAreas: ['entrepreneurship'],
      ects: 3,
      workloadHours: 80,
      stackability: { stacksInto: [whole.reference], composedOf: [] },
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) expect(pageErrors.get(p) ?? []).toEqual([]);
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  const track = ({ context, page }: { context: BrowserContext; page: Page }) => {
    contexts.push(context);
    pages.push(page);
    return page;
  };
  const expectAccessible = async (page: Page) => expect(await axeViolations(page)).toEqual([]);

  it('lets a visitor who is not signed in search the catalogue, filter by a facet and open a pathway', async () => {
    const page = track(await newPage(browser, server));
    await page.goto('/');
    await page.getByLabel('E-mail').waitFor();
    await page.getByRole('link', { name: 'Browse the catalogue' }).click();
    await page.getByRole('heading', { name: 'Micro-credential catalogue', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/catalogue');

    const search = page.getByRole('searchbox', { name: 'Search micro-credentials' });
    await search.fill(TOKEN);
    await search.press('Enter');
    await page.getByRole('status').filter({ hasText: '2 micro-credentials shown' }).waitFor();
    const cards = page.getByTestId('catalogue-item');
    expect(await cards.count()).toBe(2);
    // Facet counts come from the API: one entry in German, one in English; languages and institutions
    // are named in words, not codes.
    const german = page.getByRole('checkbox', { name: 'German (1)' });
    await german.waitFor();
    // At desktop width the filters are a side column: no disclosure button.
    expect(await page.getByRole('button', { name: /^Filters/ }).count()).toBe(0);
    await expect(page.getByRole('checkbox', { name: 'English (1)' }).count()).resolves.toBe(1);
    await expect(page.getByRole('checkbox', { name: 'Charles University (2)' }).count()).resolves.toBe(1);
    await expect(cards.first().textContent()).resolves.toContain('Led by Charles University');
    // click(), not check(): the box follows the address, which React Router updates in a transition.
    await german.click();
    await page.getByRole('status').filter({ hasText: '1 micro-credential shown' }).waitFor();
    expect(await german.isChecked()).toBe(true);
    await expect(cards.first().textContent()).resolves.toContain('Gründung einer Datenfirma');
    expect(new URL(page.url()).searchParams.getAll('language')).toEqual(['de']);
    await expectAccessible(page);
    await german.click();
    await page.getByRole('status').filter({ hasText: '2 micro-credentials shown' }).waitFor();
    expect(await german.isChecked()).toBe(false);
    await screenshot(page, 'catalogue');

    // A search that finds nothing keeps the ticked filter (to untick it) and offers to clear everything.
    await german.click();
    await page.getByRole('status').filter({ hasText: '1 micro-credential shown' }).waitFor();
    await search.fill(`${TOKEN}-nothing`);
    await search.press('Enter');
    await page.getByRole('status').filter({ hasText: 'No micro-credential matches this search.' }).waitFor();
    expect(await page.getByRole('checkbox', { name: 'German (0)' }).isChecked()).toBe(true);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Clear search and filters' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /micro-credentials? shown/ })
      .waitFor();
    expect(new URL(page.url()).search).toBe('');
    expect(await search.inputValue()).toBe('');

    // "ECTS from" above "ECTS to": said at the inputs, and the results stay.
    await search.fill(TOKEN);
    await search.press('Enter');
    await page.getByRole('status').filter({ hasText: '2 micro-credentials shown' }).waitFor();
    await page.getByRole('textbox', { name: 'ECTS to' }).fill('1');
    await page.getByRole('status').filter({ hasText: 'No micro-credential matches this search.' }).waitFor();
    await page.getByRole('textbox', { name: 'ECTS from' }).fill('3');
    await page.getByText('Must be at least “ECTS from” (3).').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('status').filter({ hasText: '2 micro-credentials shown' }).waitFor();

    await page.getByRole('link', { name: 'Research Data Stewardship' }).click();
    await page.getByRole('heading', { name: 'Research Data Stewardship', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/catalogue/${whole.reference}`);
    // The pathway part → whole → programme, drawn by Mermaid and listed in words.
    const diagram = page.getByTestId('pathway-diagram');
    await diagram.locator('svg').waitFor();
    await expect(diagram.textContent()).resolves.toContain(part.reference);
    await expect(page.getByTestId('pathway-list').textContent()).resolves.toContain(
      'Gründung einer Datenfirma → Research Data Stewardship',
    );
    await expect(
      page.getByRole('row').filter({ hasText: 'National Accreditation Bureau for Higher Education' }).count(),
    ).resolves.toBe(1);
    await expect(page.getByText('Partners: Heidelberg University').count()).resolves.toBe(1);
    const exportLink = page.getByRole('link', { name: 'Download Open Badges 3.0 achievement (.jsonld)' });
    expect(await exportLink.getAttribute('href')).toBe(
      `/api/catalogue/${whole.reference}/exports/ob3-achievement`,
    );
    // schema.org Course as a JSON-LD data block in the head (not executed: no CSP violation).
    const jsonLd = await page.locator('script[type="application/ld+json"]').textContent();
    expect(JSON.parse(jsonLd ?? '{}')).toMatchObject({
      '@type': 'Course',
      name: 'Research Data Stewardship',
    });
    await expectAccessible(page);
    await screenshot(page, 'catalogue-entry');
    // The export downloads as a named file instead of opening raw JSON-LD in the visitor's tab.
    const [download] = await Promise.all([page.waitForEvent('download'), exportLink.click()]);
    expect(download.suggestedFilename()).toBe(`${whole.reference}-ob3-achievement.jsonld`);
    await expect(
      page.getByText('for badge wallets and learning record systems', { exact: false }).count(),
    ).resolves.toBe(1);

    // The part's page links to the whole it counts towards.
    await page.goto(`/catalogue/${part.reference}`);
    await page.getByRole('heading', { name: 'Gründung einer Datenfirma', level: 1 }).waitFor();
    await page.getByRole('link', { name: `${whole.reference}: Research Data Stewardship` }).click();
    await page.getByRole('heading', { name: 'Research Data Stewardship', level: 1 }).waitFor();

    // "Sign in" from an entry comes back to that entry, now inside the application.
    const visitor = await server.user('cuni', ['reviewer'], 'visitor');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('E-mail').fill(visitor.email);
    await page.getByLabel('E-mail').press('Tab');
    await page.keyboard.type(DEFAULT_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.getByRole('heading', { name: 'Research Data Stewardship', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/catalogue/${whole.reference}`);
    expect(await page.title()).toBe('Research Data Stewardship · 4EU+ micro-credential QA');
  });

  it('puts the first result on the first screen of a phone, with the filters behind a keyboard-operable button', async () => {
    const viewport = { width: 390, height: 844 };
    const page = track(await newPage(browser, server, viewport));
    await page.goto(`/catalogue?q=${TOKEN}`);
    await page.getByRole('status').filter({ hasText: '2 micro-credentials shown' }).waitFor();
    const first = page.getByTestId('catalogue-item').first();
    const box = await first.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y).toBeLessThan(viewport.height);
    // The filters wait behind one button after the search box.
    const toggle = page.getByRole('button', { name: 'Filters', exact: true });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByRole('checkbox', { name: 'German (1)' }).isVisible()).toBe(false);
    await expectAccessible(page);
    await screenshot(page, 'catalogue-390px');

    // Keyboard only: open the filters, tick a language, and the button counts it.
    await tabTo(page, toggle);
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const german = page.getByRole('checkbox', { name: 'German (1)' });
    await german.waitFor();
    await tabTo(page, german);
    await page.keyboard.press('Space');
    await page.getByRole('status').filter({ hasText: '1 micro-credential shown' }).waitFor();
    const counted = page.getByRole('button', { name: 'Filters (1 selected)' });
    expect(await counted.getAttribute('aria-expanded')).toBe('true');
    await expectAccessible(page);
    await screenshot(page, 'catalogue-390px-filters');
    await counted.focus();
    await page.keyboard.press('Space');
    expect(await counted.getAttribute('aria-expanded')).toBe('false');
    expect(await german.isVisible()).toBe(false);

    // An unknown reference: a "not in the catalogue" page that leads back to the search.
    await page.goto('/catalogue/MC-2026-0099');
    await page
      .getByRole('heading', { name: 'This micro-credential is not in the catalogue', level: 1 })
      .waitFor();
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Search the catalogue' }).click();
    await page.getByRole('heading', { name: 'Micro-credential catalogue', level: 1 }).waitFor();
  });

  it('shows an admin the time in stage, throughput and the waiting list, with CSV downloads', async () => {
    const admin = await server.user('cuni', ['admin'], 'analytics');
    const waiting = await w.create({ ...BASE, title: `Waiting ${TOKEN}` }, ['uhd']);
    await w.ok(waiting.id, 'cuniProposer', 'SUBMIT');
    const page = track(await signedIn(browser, server, admin.email));
    await page.goto('/');
    await page.getByRole('link', { name: 'Analytics', exact: true }).click();
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    const table = page.getByTestId('waiting-table');
    await table.getByRole('row').filter({ hasText: waiting.reference }).waitFor();
    await expect(
      table.getByRole('row').filter({ hasText: waiting.reference }).textContent(),
    ).resolves.toContain('Partner Heidelberg University');
    await expect(page.getByTestId('stages-table').textContent()).resolves.toContain('Charles University');
    await page.getByTestId('stages-chart').locator('svg[role="img"]').waitFor();
    await expect(page.getByTestId('stages-table').textContent()).resolves.toContain('Partner review');
    await expect(page.getByTestId('throughput-table').textContent()).resolves.toMatch(/\d{4}-\d{2}/);
    // Thirteen months are wider than the page: the chart opens on the latest ones, and its scale stays
    // in view beside the scrolled bars instead of scrolling away with them.
    const throughputChart = page.getByTestId('throughput-chart');
    const scroller = throughputChart.locator('.table-scroll');
    await expect(scroller.evaluate((el) => el.scrollLeft)).resolves.toBeGreaterThan(0);
    const zero = await throughputChart
      .getByTestId('chart-axis')
      .getByText('0', { exact: true })
      .boundingBox();
    const bars = await scroller.boundingBox();
    const chartBox = await throughputChart.boundingBox();
    expect(zero && bars && chartBox).toBeTruthy();
    expect(zero!.x).toBeGreaterThanOrEqual(chartBox!.x);
    expect(zero!.x + zero!.width).toBeLessThanOrEqual(bars!.x);
    // …and level with the bars' baseline (the first grid line), although drawn apart from them.
    const baseline = await scroller.locator('svg[role="img"] line').first().boundingBox();
    expect(Math.abs(zero!.y + zero!.height / 2 - baseline!.y)).toBeLessThan(6);
    const csvLink = page.getByRole('link', { name: 'Download CSV (Waiting list)' });
    expect(await csvLink.getAttribute('href')).toBe('/api/analytics/waiting?format=csv');
    // The link works with the session cookie alone.
    const csv = await page.context().request.get('/api/analytics/waiting?format=csv');
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect(await csv.text()).toContain(waiting.reference);
    await expectAccessible(page);
    await screenshot(page, 'analytics');

    // A reviewer has no analytics: no link, and the address leads back to the inbox.
    const reviewer = await server.user('cuni', ['reviewer'], 'no-analytics');
    const other = track(await signedIn(browser, server, reviewer.email));
    await other.goto('/analytics');
    await other.getByRole('heading', { level: 1 }).first().waitFor();
    expect(new URL(other.url()).pathname).toBe('/');
    expect(await other.getByRole('link', { name: 'Analytics', exact: true }).count()).toBe(0);
  });

  it('marks a pathway through a retired micro-credential in the list, not only by a dashed line', async () => {
    await w.ok(part.id, 'cuniAdmin', 'RETIRE', { comment: 'No longer offered.' });
    const page = track(await newPage(browser, server));
    await page.goto(`/catalogue/${whole.reference}`);
    const list = page.getByTestId('pathway-list');
    await list.getByText(/Gründung einer Datenfirma \(retired\)/).waitFor();
    await expect(list.textContent()).resolves.toContain('it passes through a retired micro-credential');
    await page.getByText('Dashed boxes and arrows mark retired micro-credentials.').waitFor();
    await expectAccessible(page);
  });
});
