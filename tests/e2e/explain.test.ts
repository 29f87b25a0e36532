/**
 * Explain mode in the built app (dist/) in Chromium, under the production CSP: the boot banner and
 * its one-click knob, the funnel, near misses opened with the failing stage marked, suppressed but
 * suspicious chains, allow-list impact, the what-if diff, and pins that warn before an edit breaks
 * one. Same guards as app.test.ts: no off-origin request, no CSP violation, no console error.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  closeAndCheckGuards,
  DIST,
  ROOT,
  serveAndLaunch,
  skipBrowser,
  stopServed,
  watchedPage,
  type Served,
  type Watched,
} from './browser-harness';

const SAMPLES = join(ROOT, 'public/samples');
const SHOTS = join(ROOT, 'test-results/screenshots');
const SAMPLE_FILES = ['DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv'];

const skip = skipBrowser('e2e tests');

interface Truth {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

function readTruth(): Truth {
  return JSON.parse(readFileSync(join(SAMPLES, 'truth.json'), 'utf8')) as Truth;
}

describe.skipIf(skip)('explain mode in Chromium', () => {
  let served: Served;
  let origin: string;
  let watched: Watched;
  let page: Page;
  let requests: { url: string; method: string }[];
  let truth: Truth;

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'samples', SAMPLE_FILES[0]!)))
      throw new Error('dist/samples is missing: public/samples must hold the sample exports');
    truth = readTruth();
    mkdirSync(SHOTS, { recursive: true });
    served = await serveAndLaunch();
    origin = served.origin;
  });

  afterAll(() => stopServed(served));

  beforeEach(async () => {
    watched = await watchedPage(served.browser);
    ({ page, requests } = watched);
  });

  afterEach(() => closeAndCheckGuards(watched, origin));

  /** Opens the app and waits until the engine is up; returns how many requests that took. */
  async function open(): Promise<number> {
    const res = await page.goto(`${origin}/`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    await page.waitForSelector('html[data-engine]');
    await page.getByRole('banner').getByText('DCOM Lateral Movement', { exact: true }).waitFor();
    return requests.length;
  }

  async function waitForAlerts(n: number): Promise<void> {
    await page.getByRole('heading', { name: `${n} alert${n === 1 ? '' : 's'}` }).waitFor();
  }

  async function loadSample(): Promise<void> {
    await open();
    await page.getByRole('button', { name: 'Load sample data' }).click();
    await waitForAlerts(truth.rows.length);
    await page
      .getByRole('region', { name: /Why not\?/ })
      .getByText(/explained in/)
      .waitFor();
  }

  const explain = () => page.getByRole('region', { name: /Why not\?/ });
  const tab = (name: string | RegExp) => explain().getByRole('tab', { name });

  it('shows the boot-filter banner per device, and one click keeps unknown boots', async () => {
    await loadSample();
    const banner = page.getByRole('alert').filter({ hasText: 'boot filter' });
    await expect
      .poll(() => banner.textContent())
      .toMatch(/no boot seen on srv-sql-05\.corp\.contoso\.com: \d+ candidates? dropped by the boot filter/);
    await banner.screenshot({ path: join(SHOTS, '15-boot-banner.png') });
    await explain().screenshot({ path: join(SHOTS, '16-funnel.png') });
    // Per device.
    await explain().getByRole('combobox', { name: 'Funnel for device' }).selectOption('srv-sql-05.corp.contoso.com');
    await expect.poll(() => explain().locator('tr.funnel-boot td.num').textContent()).not.toBe('0');
    await banner.getByRole('button', { name: 'Unknown boot time: keep' }).click();
    await expect.poll(() => banner.count()).toBe(0);
    await expect
      .poll(async () =>
        Number(/^(\d+) alerts?$/.exec((await page.locator('#alerts-title').textContent()) ?? '')?.[1] ?? 0),
      )
      .toBeGreaterThan(truth.rows.length);
  });

  it('lists near misses closest first and opens one with the failing stage marked', async () => {
    await loadSample();
    await tab(/Near misses/).click();
    const table = explain().getByRole('table', { name: 'Near misses' });
    const first = table.locator('tbody tr').first();
    await expect.poll(() => first.locator('td').first().textContent()).toBe('1 s off');
    // The planted 3-second gap on ws-hr-1004.
    const row = table
      .locator('tbody tr', { hasText: 'datetime_diff' })
      .filter({ hasText: 'ws-hr-1004' })
      .filter({ hasText: 'mmc.exe' })
      .first();
    await row.getByRole('button').click();
    const dialog = page.getByRole('dialog', { name: /Suppressed: mmc\.exe/ });
    await dialog.getByText('Process tree', { exact: true }).waitFor();
    await expect
      .poll(() => dialog.locator('.failing-stage').textContent())
      .toMatch(/datetime_diff\(.*\) = 3, outside 0 \.\. 2/);
    await expect
      .poll(() => dialog.locator('.gap-missed .gap-label').textContent())
      .toMatch(/✗ .*datetime_diff = 3 s \(outside the window\)/);
    const failed = dialog.locator('.why-check.fail').first();
    await expect.poll(() => failed.textContent()).toMatch(/✗.*datetime_diff.*= 3/);
    await explain().screenshot({ path: join(SHOTS, '17-near-misses.png') });
    await dialog.screenshot({ path: join(SHOTS, '18-near-miss-detail.png') });
  });

  it('shows the allow-listed WMI chains as suppressed but suspicious, and the allow-list impact', async () => {
    await loadSample();
    await tab(/Suppressed but suspicious/).click();
    const list = explain().getByRole('list', { name: 'Suppressed but suspicious' });
    await expect
      .poll(() => list.getByText(/allow-listed WmiPrvSE\.exe \(entry "WmiPrvSE\.exe"\) started/).count())
      .toBeGreaterThan(0);
    await explain().screenshot({ path: join(SHOTS, '19-suspicious.png') });
    await list.locator('li').filter({ hasText: 'WmiPrvSE.exe' }).first().getByRole('button').click();
    const dialog = page.getByRole('dialog', { name: /Suppressed: WmiPrvSE\.exe/ });
    await expect
      .poll(() => dialog.locator('.failing-stage').textContent())
      .toMatch(/is in the list \(entry "WmiPrvSE\.exe"\)/);
    await dialog.getByText('Process tree', { exact: true }).waitFor();
    await dialog.screenshot({ path: join(SHOTS, '20-suspicious-detail.png') });
    await tab('Allow-list impact').click();
    const impact = explain().getByRole('table', { name: 'Allow-list impact' });
    await expect.poll(() => impact.getByRole('row', { name: /TiWorker\.exe/ }).textContent()).toContain('dead');
    await expect
      .poll(() => impact.getByRole('row', { name: /WmiPrvSE\.exe/ }).textContent())
      .toContain('hides chains with children');
    await explain().screenshot({ path: join(SHOTS, '21-allow-impact.png') });
  });

  it('previews an allow-list edit as a what-if diff before applying it', async () => {
    await loadSample();
    await tab('What-if').click();
    const draft = explain().getByRole('group', { name: /Draft/ });
    await draft.getByRole('checkbox', { name: 'WmiPrvSE.exe' }).uncheck();
    const result = explain().getByRole('status', { name: 'What-if diff' });
    await expect.poll(() => result.textContent()).toMatch(new RegExp(`Alerts ${truth.rows.length} → \\d+`));
    const text = (await result.textContent()) ?? '';
    const after = Number(/→ (\d+)/.exec(text)![1]);
    expect(after).toBeGreaterThan(truth.rows.length);
    expect(text).toMatch(/−\d+ suppressed-but-suspicious/);
    // Not applied yet.
    expect(await page.locator('#alerts-title').textContent()).toBe(`${truth.rows.length} alerts`);
    expect(
      await page
        .getByRole('region', { name: /^Allow-list/ })
        .getByRole('checkbox', { name: 'WmiPrvSE.exe' })
        .isChecked(),
    ).toBe(true);
    await explain().locator('.gap-histogram').waitFor();
    await explain().screenshot({ path: join(SHOTS, '22-what-if.png') });
    await result.getByRole('button', { name: 'Apply draft' }).click();
    await waitForAlerts(after);
  });

  it('pins an alert and warns before an edit would break it', async () => {
    await loadSample();
    await page.getByRole('table', { name: 'Alerts' }).locator('tbody tr.alert-row').first().click();
    const dialog = page.getByRole('dialog', { name: /Alert on/ });
    await dialog.getByRole('button', { name: 'Pin: must stay detected' }).click();
    await dialog.getByRole('button', { name: /Pinned: must stay detected/ }).waitFor();
    expect(decodeURIComponent(await page.evaluate(() => location.hash))).toContain('"pins"');
    await tab(/Pins/).click();
    await expect
      .poll(() => explain().getByRole('list', { name: 'Pinned cases' }).textContent())
      .toContain('must stay detected');
    // Add the alert's own DCOM server to the allow-list: the pin would break.
    const cmd = truth.columns.indexOf('DCOMCmdLine');
    const firstRow = [...truth.rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])))[0]!;
    const exe = /([\w.-]+\.exe)/i.exec(String(firstRow[cmd]))![1]!;
    const add = page.getByRole('region', { name: /^Allow-list/ });
    await add.getByRole('textbox').fill(exe);
    await add.getByRole('button', { name: 'Add' }).click();
    const warning = page.getByRole('alertdialog', { name: /would break a pinned case/ });
    await warning.waitFor();
    expect(await warning.textContent()).toContain('must stay detected');
    await warning.screenshot({ path: join(SHOTS, '23-pin-warning.png') });
    await warning.getByRole('button', { name: 'Keep the current rule' }).click();
    await expect.poll(() => warning.count()).toBe(0);
    expect(await page.locator('#alerts-title').textContent()).toBe(`${truth.rows.length} alerts`);
    await explain().screenshot({ path: join(SHOTS, '24-pins.png') });
  });
});
