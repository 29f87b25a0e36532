/**
 * The rule's knobs in the built app (dist/) in Chromium: the gap histogram's high window edge moved
 * with the keyboard previews a what-if diff, dragged with the pointer and released it applies; the
 * alert count then equals the engine's run of the tuned text, and the tuned KQL and the URL carry
 * the new `between (0 .. N)`. Same guards as the other browser tests.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ingestPath } from '../../src/engine/ingest/node-source';
import { applyKnobs } from '../../src/engine/rule/knobs';
import { loadRule } from '../../src/engine/rule/rule';
import { runQuery } from '../../src/engine/run';
import {
  closeAndCheckGuards,
  openApp,
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
const skip = skipBrowser('e2e tests');

/** Alerts of the shipped rule with `between (0 .. hi)` on the samples, by the engine in Node. */
async function alertsWithWindow(hi: number): Promise<number> {
  const rule = loadRule(readFileSync(join(ROOT, 'src/rules/dcom-lateral-movement.yaml'), 'utf8')).rule!;
  const tables = new Map([
    ['DeviceNetworkEvents', (await ingestPath(join(SAMPLES, 'DeviceNetworkEvents.csv'))).table],
    ['DeviceProcessEvents', (await ingestPath(join(SAMPLES, 'DeviceProcessEvents.csv'))).table],
  ]);
  return (await runQuery(applyKnobs(rule.query, { window: { lo: 0, hi } }), tables, { now: 0n })).table.rowCount;
}

describe.skipIf(skip)('knobs in Chromium', () => {
  let served: Served;
  let watched: Watched;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    served = await serveAndLaunch();
  });
  afterAll(() => stopServed(served));
  beforeEach(async () => {
    watched = await watchedPage(served.browser);
    page = watched.page;
    await page.setViewportSize({ width: 1280, height: 1000 });
  });
  afterEach(() => closeAndCheckGuards(watched, served.origin));

  const heading = (n: number) => page.getByRole('heading', { name: `${n} alert${n === 1 ? '' : 's'}` });

  it('moves the window edge by keyboard (what-if) and by dragging (applied), and the tuned KQL follows', async () => {
    const [base, at3, at4] = await Promise.all([alertsWithWindow(2), alertsWithWindow(3), alertsWithWindow(4)]);
    expect(at3).toBeGreaterThan(base);
    await openApp(page, served.origin);
    await page.getByRole('button', { name: 'Load sample data' }).click();
    await heading(base).waitFor();
    const knobs = page.getByRole('region', { name: /^Knobs/ });
    const hi = knobs.getByRole('slider', { name: 'Window high edge (seconds)' });
    await hi.waitFor();
    expect(await hi.getAttribute('aria-valuenow')).toBe('2');

    // Keyboard: one step right previews 0..3 without applying it.
    await hi.focus();
    await page.keyboard.press('ArrowRight');
    const result = knobs.getByRole('status', { name: 'Knob what-if diff' });
    await expect.poll(() => result.textContent()).toContain(`Alerts ${base} → ${at3}`);
    expect(await result.textContent()).toMatch(new RegExp(`\\+${at3 - base} alerts`));
    expect(await knobs.locator('.gap-window-label').textContent()).toBe('between (0 .. 3) (draft)');
    expect(await page.locator('#alerts-title').textContent()).toBe(`${base} alerts`);
    await knobs.scrollIntoViewIfNeeded();
    await knobs.screenshot({ path: join(SHOTS, '30-knobs-what-if.png') });

    // Pointer: drag the edge onto the right side of the 4 s bin; the draft follows, release applies.
    const box = (await hi.boundingBox())!;
    const bin4 = (await knobs.locator('.gap-bin[data-gap="4"] rect').first().boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(bin4.x + bin4.width + 2, y, { steps: 6 });
    await expect.poll(() => knobs.locator('.gap-window-label').textContent()).toBe('between (0 .. 4) (draft)');
    await expect.poll(() => result.textContent()).toContain(`Alerts ${base} → ${at4}`);
    await page.mouse.up();
    await heading(at4).waitFor();
    await expect.poll(() => knobs.locator('.gap-window-label').textContent()).toBe('between (0 .. 4)');
    expect(decodeURIComponent(await page.evaluate(() => location.hash))).toContain('"window":{"lo":0,"hi":4}');

    await page.getByRole('tab', { name: 'Rule' }).click();
    const kql = page.getByLabel('Tuned KQL text');
    await expect.poll(() => kql.textContent()).toContain('between (0 .. 4)');
    expect(await kql.textContent()).toContain('LastBootTime+5m');

    // A reload keeps the knob (URL hash).
    await page.reload({ waitUntil: 'load' });
    await page.getByRole('button', { name: 'Load sample data' }).click();
    await heading(at4).waitFor();
  });

  it('warns before a knob change would break a pinned alert, and keeps the rule when asked', async () => {
    const base = await alertsWithWindow(2);
    await openApp(page, served.origin);
    await page.getByRole('button', { name: 'Load sample data' }).click();
    await heading(base).waitFor();
    await page.getByRole('table', { name: 'Alerts' }).locator('tbody tr.alert-row').first().click();
    const dialog = page.getByRole('dialog', { name: /Alert on/ });
    await dialog.getByRole('button', { name: 'Pin: must stay detected' }).click();
    await dialog.getByRole('button', { name: /Pinned: must stay detected/ }).waitFor();
    // Every alert of the rule as written has a gap of 0..2 s: a window of (5 .. 5) drops the pinned one.
    const knobs = page.getByRole('region', { name: /^Knobs/ });
    await knobs.getByRole('slider', { name: 'Window high edge (seconds)' }).focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await knobs.getByRole('slider', { name: 'Window low edge (seconds)' }).focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => knobs.locator('.gap-window-label').textContent()).toBe('between (5 .. 5) (draft)');
    await expect
      .poll(() => knobs.getByRole('status', { name: 'Knob what-if diff' }).textContent())
      .toMatch(/breaks a pin/);
    await page.keyboard.press('Enter');
    const warning = page.getByRole('alertdialog', { name: /This change would break a pinned case/ });
    await warning.waitFor();
    await warning.getByRole('button', { name: 'Keep the current rule' }).click();
    await warning.waitFor({ state: 'detached' });
    expect(await page.locator('#alerts-title').textContent()).toBe(`${base} alerts`);
    expect(decodeURIComponent(await page.evaluate(() => location.hash))).not.toContain('"window"');
  });
});
