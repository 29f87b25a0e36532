/**
 * Stress in headless Chromium (issue 7): 10 million rows per table (DeviceNetworkEvents and
 * DeviceProcessEvents) go through the built app's file input into the worker, are loaded and
 * detected while the page stays responsive, and the alerts must be exactly what the replication
 * implies (the base block's oracle truth in every copy, bench/gen/stress.ts). Or, if the browser
 * cannot hold the data, the app must say so early and clearly, with the page alive.
 *
 * The files come from the fast replicating generator (~1 min for 2 × 10 M rows) as Arrow IPC
 * streams of only the columns the rule reads: 10 M-row extracts come from the bulk exports
 * (streaming API, data lake), which are columnar, and the Arrow path fits CI's budget (CSV of the
 * same rows is ~6 GB and ~4× slower to parse; DCOMLENS_STRESS_FORMAT=csv runs it).
 *
 *   npm run build && npx vitest run tests/e2e/stress.test.ts
 *   DCOMLENS_STRESS_ROWS=1000000 DCOMLENS_STRESS_FORMAT=csv npx vitest run tests/e2e/stress.test.ts
 *
 * Printed: rows, bytes, generation / load / detect times, main-thread lag, renderer memory
 * (RSS and peak from /proc) against the Arrow size of the kept columns (issue 6: ≤ 1.5×).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRESS_TABLES, writeStressDataset, type StressFormat, type StressResult } from '../../bench/gen/stress';
import { isNetwork, openApp, serveAndLaunch, skipBrowser, watchedPage, type Served } from './browser-harness';
import { mb, rendererMemory, sampleRenderer } from './proc-memory';

const skip = skipBrowser('e2e stress test');
const ROWS = Number(process.env.DCOMLENS_STRESS_ROWS ?? 10_000_000);
const FORMAT = (process.env.DCOMLENS_STRESS_FORMAT ?? 'arrow') as StressFormat;
/** The page must never stall longer than this (the engine runs in the worker). */
const MAX_STALL_MS = 1500;
const LOAD_TIMEOUT_MS = Math.max(240_000, (ROWS / 1_000_000) * (FORMAT === 'csv' ? 60_000 : 30_000));

interface Probe {
  maxLag: number;
  maxFrameGap: number;
  frames: number;
}

/** The alert's identity in the export: device, both exact times, the DCOM host's PID. */
function alertKey(cells: readonly unknown[]): string {
  return JSON.stringify([cells[2], cells[3], cells[0], cells[1], String(cells[4])]);
}

describe.skipIf(skip)('stress: 10 M rows per table in Chromium', () => {
  let s: Served;
  let dir: string;
  let data: StressResult;
  let genSeconds = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dcomlens-stress-'));
    const t0 = performance.now();
    data = writeStressDataset({ rowsPerTable: ROWS, format: FORMAT, seed: 'stress-1' }, dir);
    genSeconds = (performance.now() - t0) / 1000;
    console.log(
      `stress: generated ${STRESS_TABLES.map((t) => `${data.rows[t].toLocaleString('en')} ${t} rows (${mb(data.bytes[t])})`).join(' + ')} ` +
        `as ${FORMAT} in ${genSeconds.toFixed(1)} s: ${data.replicas} copies of a ${data.blockRows.DeviceNetworkEvents.toLocaleString('en')} + ` +
        `${data.blockRows.DeviceProcessEvents.toLocaleString('en')}-row block with ${data.blockTruth.length} alerts, ` +
        `${data.expected.length.toLocaleString('en')} alerts expected`,
    );
    s = await serveAndLaunch();
  }, 900_000);

  afterAll(async () => {
    await s?.browser.close();
    await s?.server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'loads, detects exactly the replicated truth and keeps the page responsive (or fails early with a memory message)',
    async () => {
      const files = STRESS_TABLES.map((t) => data.files[t]);
      const bytes = STRESS_TABLES.reduce((n, t) => n + data.bytes[t], 0);
      const totalRows = STRESS_TABLES.reduce((n, t) => n + data.rows[t], 0);
      const w = await watchedPage(s.browser);
      try {
        await openApp(w.page, s.origin);
        const afterLoad = w.requests.length;
        const idle = (await rendererMemory(s.browser))[0];
        // Main-thread probes: timer lag (a 50 ms interval that fires late) and animation-frame gaps.
        await w.page.evaluate(() => {
          const p = { maxLag: 0, maxFrameGap: 0, frames: 0 };
          (window as unknown as { __probe: typeof p }).__probe = p;
          let last = performance.now();
          window.setInterval(() => {
            const t = performance.now();
            p.maxLag = Math.max(p.maxLag, t - last - 50);
            last = t;
          }, 50);
          let prev = performance.now();
          const frame = (t: number) => {
            if (p.frames++ > 2) p.maxFrameGap = Math.max(p.maxFrameGap, t - prev);
            prev = t;
            requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
        });
        const sampler = sampleRenderer(s.browser);
        const t0 = performance.now();
        await w.page.getByLabel('Load event files').setInputFiles(files);
        // While it works: an input round trip (the page answering script from outside) every 250 ms.
        let done = false;
        let maxRoundTrip = 0;
        const poke = (async () => {
          while (!done) {
            const a = performance.now();
            await w.page.evaluate(() => document.title).catch(() => undefined);
            maxRoundTrip = Math.max(maxRoundTrip, performance.now() - a);
            await new Promise((r) => setTimeout(r, 250));
          }
        })();
        const loading = w.page.getByRole('region', { name: 'Loading files' });
        await loading.waitFor({ timeout: 60_000 });
        const loadedAt = loading
          .waitFor({ state: 'detached', timeout: LOAD_TIMEOUT_MS })
          .then(() => performance.now())
          .catch(() => performance.now());
        const heading = w.page.getByRole('heading', { name: /^[\d,]+ alerts?$/ });
        // A failure counts only as an error that names memory (banner or the file's failed status).
        const memory = w.page.getByText(/out of memory|not enough memory|memory budget/i).first();
        const outcome = await Promise.race([
          heading.waitFor({ timeout: LOAD_TIMEOUT_MS }).then(() => 'alerts' as const),
          memory.waitFor({ timeout: LOAD_TIMEOUT_MS }).then(() => 'memory' as const),
        ]);
        const seconds = (performance.now() - t0) / 1000;
        const loadSeconds = ((await loadedAt) - t0) / 1000;
        done = true;
        await poke;
        const peakSampled = await sampler.stop();
        const renderer = (await rendererMemory(s.browser))[0];
        const probe = await w.page.evaluate(() => (window as unknown as { __probe: Probe }).__probe);
        const runNote = outcome === 'alerts' ? await w.page.getByText(/run took [\d.]+ ms/).textContent() : null;
        const detectMs = runNote ? Number(/run took ([\d.]+) ms/.exec(runNote)![1]) : NaN;
        console.log(
          `stress: ${totalRows.toLocaleString('en')} rows, ${mb(bytes)} of ${FORMAT} → ${outcome} in ${seconds.toFixed(1)} s ` +
            `(load ${loadSeconds.toFixed(1)} s, ${Math.round(totalRows / loadSeconds).toLocaleString('en')} rows/s, ` +
            `${(bytes / 1e6 / loadSeconds).toFixed(0)} MB/s; detect ${(detectMs / 1000).toFixed(1)} s in the worker); ` +
            `main thread: max timer lag ${probe.maxLag.toFixed(0)} ms, max frame gap ${probe.maxFrameGap.toFixed(0)} ms over ` +
            `${probe.frames} frames, max input round trip ${maxRoundTrip.toFixed(0)} ms`,
        );
        if (renderer) {
          console.log(
            `stress: renderer memory: idle ${mb(idle?.rss ?? 0)}, after ${mb(renderer.rss)}, peak ${mb(Math.max(renderer.peak, peakSampled))} ` +
              `(VmHWM); Arrow size of the kept columns ${mb(FORMAT === 'arrow' ? bytes : NaN)} → after/Arrow ` +
              `${(renderer.rss / bytes).toFixed(2)}×, peak/Arrow ${(Math.max(renderer.peak, peakSampled) / bytes).toFixed(2)}× (issue 6 target ≤ 1.5×)`,
          );
        }
        if (outcome === 'memory') {
          // Allowed only as a clear message naming the file, with the page alive.
          const text = (await memory.textContent()) ?? '';
          console.log(`stress: memory message: ${text}`);
          expect(text).toMatch(/Device(Network|Process)Events/);
          expect(await w.page.evaluate(() => 1 + 1)).toBe(2);
        } else {
          const n = data.expected.length;
          await expect.poll(() => heading.textContent()).toBe(`${n.toLocaleString('en')} alert${n === 1 ? '' : 's'}`);
          // The exported alerts are exactly the replicated truth (identity of each alert, not a count).
          const [download] = await Promise.all([
            w.page.waitForEvent('download'),
            w.page.getByRole('button', { name: 'Export alerts CSV' }).click(),
          ]);
          const text = readFileSync((await download.path())!)
            .subarray(3)
            .toString('utf8');
          const [, ...rows] = parseCsv(text) as string[][];
          const got = rows.map(alertKey).sort();
          const want = data.expected.map(alertKey).sort();
          expect(got.length).toBe(want.length);
          expect(got).toEqual(want);
        }
        expect(probe.maxLag, 'main-thread stall (timer lag)').toBeLessThan(MAX_STALL_MS);
        expect(maxRoundTrip, 'input round trip during load').toBeLessThan(MAX_STALL_MS);
        expect(probe.frames, 'animation frames kept coming').toBeGreaterThan(seconds * 5);
        // Still interactive afterwards: open the first alert.
        if (outcome === 'alerts') {
          const a = performance.now();
          await w.page.getByRole('table', { name: 'Alerts' }).locator('tbody tr.alert-row').first().click();
          await w.page
            .getByRole('dialog')
            .first()
            .getByRole('group', { name: 'Process tree' })
            .waitFor({ timeout: 60_000 });
          console.log(`stress: hit detail opened in ${(performance.now() - a).toFixed(0)} ms`);
        }
        expect(w.requests.slice(afterLoad).filter((r) => isNetwork(r.url))).toEqual([]);
        expect(w.consoleErrors).toEqual([]);
      } finally {
        await w.context.close();
      }
    },
    LOAD_TIMEOUT_MS + 180_000,
  );
});
