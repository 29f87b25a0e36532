/**
 * The e2e harness shared by every browser test in tests/e2e: the built app
 * (dist/) behind Vite's preview server with the production CSP header, Debian's Chromium, and a
 * context that records every request, every CSP violation and aborts anything not loopback (a
 * safety net: the CSP must block first, and the tests assert the net never had to act).
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { expect } from 'vitest';

export const ROOT = resolve(__dirname, '../..');
export const DIST = join(ROOT, 'dist');
export const CHROMIUM = '/usr/bin/chromium';

/** Skipping is allowed only on a developer machine without Chromium; in CI a missing browser fails. */
export function skipBrowser(what: string): boolean {
  const skip = !existsSync(CHROMIUM) && !process.env.CI;
  if (skip)
    console.warn(
      `${what} skipped: ${CHROMIUM} not found (apt-get install -y chromium). With CI set it runs and fails.`,
    );
  return skip;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => ok(port));
    });
  });
}

export interface Served {
  readonly server: PreviewServer;
  readonly browser: Browser;
  readonly origin: string;
}

export async function serveAndLaunch(extraArgs: readonly string[] = []): Promise<Served> {
  if (!existsSync(join(DIST, 'index.html')))
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const port = await freePort();
  const server = await preview({
    root: ROOT,
    logLevel: 'silent',
    preview: { port, strictPort: true, host: '127.0.0.1', open: false },
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
  return { server, browser, origin: `http://127.0.0.1:${port}` };
}

export interface Watched {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every request the page and its workers made (as Playwright saw them), in order. */
  readonly requests: { url: string; method: string }[];
  /** Requests the route safety net aborted (not loopback): must stay empty, the CSP blocks first. */
  readonly aborted: string[];
  readonly consoleErrors: string[];
  /** Failed requests: URL → Chromium's error text (ERR_BLOCKED_BY_CSP for what the policy refused). */
  readonly failures: Map<string, string>;
  readonly dialogs: string[];
  /** CSP violations reported to the document ("directive blockedURI"). */
  csp(): Promise<string[]>;
}

export function isLoopback(url: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'blob:' || u.protocol === 'data:') return true;
  return u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
}

/** A network request (http, https, ws): blob: and data: URLs are in-memory, not traffic. */
export function isNetwork(url: string): boolean {
  return /^(https?|wss?):/.test(url);
}

export async function watchedPage(browser: Browser): Promise<Watched> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
    serviceWorkers: 'block',
  });
  const requests: { url: string; method: string }[] = [];
  const aborted: string[] = [];
  const consoleErrors: string[] = [];
  const dialogs: string[] = [];
  const failures = new Map<string, string>();
  context.on('request', (r) => requests.push({ url: r.url(), method: r.method() }));
  context.on('requestfailed', (r) => failures.set(r.url(), r.failure()?.errorText ?? 'failed'));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    aborted.push(url);
    return route.abort('blockedbyclient');
  });
  // Init scripts are not CSP-bound: this records violations for the test.
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  return {
    context,
    page,
    requests,
    aborted,
    consoleErrors,
    failures,
    dialogs,
    csp: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp).catch(() => ['(page gone)']),
  };
}

/** Opens the app and waits until the engine is up. */
export async function openApp(page: Page, origin: string, hash = ''): Promise<void> {
  const res = await page.goto(`${origin}/${hash}`, { waitUntil: 'load' });
  if (res?.status() !== 200) throw new Error(`the app answered ${res?.status()}`);
  await page.waitForSelector('html[data-engine]');
  await page.getByRole('banner').getByText('DCOM Lateral Movement', { exact: true }).waitFor();
}

export async function stopServed(served: Served | undefined): Promise<void> {
  await served?.browser.close();
  await served?.server.close();
}

/**
 * After each test: closes the context and asserts the guards every browser test keeps: no CSP
 * violation, no console error, nothing the loopback-only route had to abort, no off-origin request.
 */
export async function closeAndCheckGuards(watched: Watched, origin: string): Promise<void> {
  const csp = await watched.csp();
  await watched.context.close();
  expect(csp, 'CSP violations').toEqual([]);
  expect(watched.consoleErrors, 'console errors').toEqual([]);
  expect(watched.aborted, 'requests the route safety net had to abort').toEqual([]);
  for (const r of watched.requests) {
    const u = new URL(r.url);
    const local = u.protocol === 'data:' || u.protocol === 'blob:' ? true : u.origin === origin;
    expect(local, `off-origin request ${r.url}`).toBe(true);
  }
}
