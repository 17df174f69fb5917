import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { DEFAULT_PASSWORD, type TestServer } from '../support/server.js';

// Debian's Chromium (no browser download). Without the networking flags Chromium keeps trying to reach
// Google's services, which this machine's closed network answers slowly.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SCREENSHOTS = path.join(process.cwd(), 'docs', 'screenshots');
const AXE_SOURCE = readFileSync(path.join(process.cwd(), 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** Console errors per page: a CSP violation or an uncaught exception fails the test that caused it. */
export const pageErrors = new WeakMap<Page, string[]>();

/** The pages' time zone: a date typed into a form means that day there. */
export const BROWSER_TIME_ZONE = 'Europe/Prague';

/** The calendar day (YYYY-MM-DD) `offset` days from now in the pages' time zone, as a form takes it. */
export function browserDay(offset: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: BROWSER_TIME_ZONE }).format(
    new Date(Date.now() + offset * 86_400_000),
  );
}

export async function newPage(
  browser: Browser,
  server: TestServer,
  viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: server.url,
    viewport,
    locale: 'en-GB',
    timezoneId: BROWSER_TIME_ZONE,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (4\d\d|503)/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.setDefaultTimeout(15_000);
  return { context, page };
}

/** Signs the context in through the session route (the same cookie the sign-in page gets). */
export async function signedIn(
  browser: Browser,
  server: TestServer,
  email: string,
  password = DEFAULT_PASSWORD,
  viewport?: { width: number; height: number },
): Promise<{ context: BrowserContext; page: Page }> {
  const { context, page } = await newPage(browser, server, viewport);
  const res = await context.request.post('/api/auth/session', { data: { email, password } });
  if (res.status() !== 204) throw new Error(`session for ${email}: ${res.status()} ${await res.text()}`);
  return { context, page };
}

/** Runs axe-core in the page; returns the serious and critical violations (WCAG 2.1 A and AA rules). */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) does not block it.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } })
      .axe;
    return axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
  });
  const violations = (
    result as { violations: { id: string; impact: string; help: string; nodes: { target: unknown }[] }[] }
  ).violations;
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
    );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** Picks an option in a Mantine Select or MultiSelect by its label. */
export async function pick(page: Page, label: string | Locator, option: string): Promise<void> {
  // A required field's label ends in an asterisk.
  const input =
    typeof label === 'string'
      ? page.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\*)?$`))
      : label;
  // .first(): Mantine labels the option list with the same label as the input.
  await input.first().click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** Waits until `read` gives what `done` accepts (the page re-renders asynchronously); returns it. */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Presses Tab until the focused element is the one given (keyboard-only navigation). */
export async function tabTo(page: Page, target: Locator, maxPresses = 80): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
  }
  throw new Error(`never reached ${String(target)} with Tab`);
}

/**
 * Whether a page with a table fits a phone's width: neither the page nor the table's scroller can be
 * scrolled sideways (the table shows each row as a card).
 */
export function tableFitsWidth(page: Page): Promise<[boolean, boolean]> {
  return page.evaluate(() => {
    const scroller = document.querySelector('.table-scroll');
    return [
      document.documentElement.scrollWidth <= window.innerWidth + 1,
      !!scroller && scroller.scrollWidth <= scroller.clientWidth + 1,
    ] as [boolean, boolean];
  });
}
