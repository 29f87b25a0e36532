/**
 * Parallel CSV parsing in the browser (csv-split.ts): the engine worker reads a large dropped CSV
 * with further workers (csv-part-worker.ts, under the production CSP) and the page shows exactly
 * what a read in one piece gives: the alerts CSV equals the CLI's `--threads 1` output line for
 * line, and the loaded-files report shows the same counts and the reject at its true line.
 *
 *   npm run build && npx vitest run tests/e2e/csv-parts.test.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigSampleCsv } from '../support/big-csv';
import {
  closeAndCheckGuards,
  isNetwork,
  openApp,
  ROOT,
  serveAndLaunch,
  skipBrowser,
  stopServed,
  watchedPage,
  type Served,
} from './browser-harness';

const skip = skipBrowser('e2e parallel CSV test');

function cliCsv(files: readonly string[], dir: string): { csv: string; stderr: string } {
  const out = join(dir, 'alerts.csv');
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'bin/dcomlens.js'), 'detect', ...files, '--threads', '1', '--out', out],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`dcomlens detect exited ${r.status}: ${r.stderr}`);
  return { csv: readFileSync(out, 'utf8'), stderr: r.stderr };
}

describe.skipIf(skip)('a large CSV read by several workers in Chromium', () => {
  let s: Served;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dcomlens-parts-'));
    s = await serveAndLaunch();
  }, 120_000);
  afterAll(async () => {
    await stopServed(s);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('part workers start, and the alerts and report equal a read in one piece', async () => {
    // A clean process file (its parts can be taken) and a network file with the traps (a cut
    // inside a 200,000-line quoted field, a rejected row at the end: read on in the engine worker).
    const files = [
      bigSampleCsv(dir, 'DeviceProcessEvents.csv', 16, false),
      bigSampleCsv(dir, 'DeviceNetworkEvents.csv', 16, true),
    ];
    const cli = cliCsv(files, dir);
    const w = await watchedPage(s.browser);
    const { page } = w;
    const cdp = await s.browser.newBrowserCDPSession();
    const partWorkers = new Set<string>();
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const { targetInfos } = (await cdp.send('Target.getTargets')) as {
          targetInfos: { targetId: string; type: string; url: string; title: string }[];
        };
        // Started from a blob: URL of the script fetched at start-up, named dcomlens-csv-part.
        for (const t of targetInfos)
          if (t.type === 'worker' && /csv-part/.test(`${t.title} ${t.url}`)) partWorkers.add(`${t.targetId} ${t.url}`);
        await new Promise((ok) => setTimeout(ok, 25));
      }
    })();
    try {
      await openApp(page, s.origin);
      const afterLoad = w.requests.length;
      await page.getByLabel('Load event files').setInputFiles(files);
      const heading = page.getByRole('heading', { name: /^[\d,]+ alerts?$/ });
      await heading.waitFor({ timeout: 120_000 });
      polling = false;
      await poll;
      expect(partWorkers.size, 'CSV part workers seen').toBeGreaterThan(0);
      // No request after load: the part workers run the script fetched while the engine started.
      for (const t of partWorkers) expect(t).toMatch(/ blob:/);
      expect(w.requests.slice(afterLoad).filter((r) => isNetwork(r.url))).toEqual([]);

      const report = page.getByRole('table', { name: 'Loaded files' });
      const netRow = await report
        .getByRole('row', { name: /16-DeviceNetworkEvents\.csv/ })
        .first()
        .textContent();
      const cliNet = /16-DeviceNetworkEvents\.csv: DeviceNetworkEvents \(csv\), (\d+) rows loaded, (\d+) rejected/.exec(
        cli.stderr,
      )!;
      const cliProc =
        /16-clean-DeviceProcessEvents\.csv: DeviceProcessEvents \(csv\), (\d+) rows loaded, 0 rejected/.exec(
          cli.stderr,
        )!;
      expect(cliNet[2]).toBe('1');
      expect(netRow?.replace(/[\s,]/g, '')).toContain(cliNet[1]);
      // The clean file's second part came from a part worker; the network file's cut fell inside the long field.
      const fileCell = (name: RegExp) => report.getByRole('row', { name }).first().getByRole('rowheader');
      expect(await fileCell(/16-clean-DeviceProcessEvents\.csv/).getAttribute('title')).toMatch(
        /read in 2 parts at once/,
      );
      expect(await fileCell(/16-DeviceNetworkEvents\.csv/).getAttribute('title')).not.toMatch(/parts at once/);
      const procRow = await report
        .getByRole('row', { name: /16-clean-DeviceProcessEvents\.csv/ })
        .first()
        .textContent();
      expect(procRow?.replace(/[\s,]/g, '')).toContain(cliProc[1]);
      // The rejected row's line, as the CLI (one piece) reports it.
      const rejectLine = /16-DeviceNetworkEvents\.csv:(\d+):1: record at line \1 has 2 field/.exec(cli.stderr)![1]!;
      await report
        .getByRole('row', { name: /16-DeviceNetworkEvents\.csv/ })
        .first()
        .click();
      await expect.poll(() => page.getByText(new RegExp(`line ${rejectLine}\\b`)).count()).toBeGreaterThan(0);

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export alerts CSV' }).click(),
      ]);
      const text = readFileSync((await download.path())!)
        .subarray(3)
        .toString('utf8');
      const lines = text.split('\r\n');
      const cliLines = cli.csv.split('\r\n');
      expect(lines.length).toBe(cliLines.length);
      expect(lines.length).toBeGreaterThan(10);
      lines.forEach((line, i) => expect(line.startsWith(`${cliLines[i]!}${cliLines[i] === '' ? '' : ','}`)).toBe(true));
    } finally {
      polling = false;
      await poll.catch(() => undefined);
      await cdp.detach().catch(() => undefined);
      await closeAndCheckGuards(w, s.origin);
    }
  }, 240_000);
});
