/**
 * The built app (dist/) in Debian's Chromium, served by Vite's preview server with the production
 * CSP header: load the samples two ways, tune the allow-list, export CSV, and prove no request
 * leaves the origin. `npm test` builds first; run `npm run build` before running this file alone.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { gzipSync, zipSync } from 'fflate';
import * as parquet from 'parquet-wasm/node';
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
const EXTRA_COLUMNS = ['Host', 'IP', 'Process', 'Tactic', 'Technique', 'Verdict'];

const skip = skipBrowser('e2e tests');

interface Truth {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

function readTruth(): Truth {
  return JSON.parse(readFileSync(join(SAMPLES, 'truth.json'), 'utf8')) as Truth;
}

/** A cell as the CSV export writes it (formulas neutralised with a leading apostrophe). */
function csvText(v: unknown): string {
  const s = v === null ? '' : Array.isArray(v) ? JSON.stringify(v) : String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** The bundled CLI's `detect` CSV for these files (`npm run build` makes dist-cli/ with dist/). */
function cliCsv(files: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'dcomlens-cli-'));
  try {
    const out = join(dir, 'alerts.csv');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/dcomlens.js'), 'detect', ...files, '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`dcomlens detect exited ${r.status}: ${r.stderr}`);
    return readFileSync(out, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A row as comparable text, the set column sorted (its order is undefined in Kusto). */
function rowKey(cells: readonly unknown[]): string {
  return JSON.stringify(cells.map((c) => (Array.isArray(c) ? [...(c as string[])].sort() : c)));
}

let fixtureDir: string | null = null;

/** The committed sample in the other formats: Arrow as committed, Parquet, zip and gzip made from it. */
function formatFixtures(): string {
  if (fixtureDir) return fixtureDir;
  const dir = mkdtempSync(join(tmpdir(), 'dcomlens-formats-'));
  const zipped: Record<string, Uint8Array> = {};
  for (const t of ['DeviceNetworkEvents', 'DeviceProcessEvents']) {
    const arrow = new Uint8Array(readFileSync(join(SAMPLES, `${t}.arrow`)));
    writeFileSync(join(dir, `${t}.arrow`), arrow);
    const stream = tableToIPC(tableFromIPC(arrow), 'stream');
    writeFileSync(join(dir, `${t}.parquet`), parquet.writeParquet(parquet.Table.fromIPCStream(stream)));
    const csv = new Uint8Array(readFileSync(join(SAMPLES, `${t}.csv`)));
    writeFileSync(join(dir, `${t}.csv.gz`), gzipSync(csv));
    zipped[`exports/${t}.csv`] = csv;
  }
  writeFileSync(join(dir, 'exports.zip'), zipSync(zipped));
  fixtureDir = dir;
  return dir;
}

describe.skipIf(skip)('dcomlens in Chromium', () => {
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

  function alerts() {
    return page.getByRole('table', { name: 'Alerts' });
  }

  async function waitForAlerts(n: number): Promise<void> {
    await page.getByRole('heading', { name: `${n} alert${n === 1 ? '' : 's'}` }).waitFor();
    await expect.poll(() => alerts().getAttribute('aria-rowcount')).toBe(String(n + 1));
  }

  /** The DCOM command line of the first row in the default order (RPC connection time, ascending). */
  function firstDcomCmdLine(): string {
    const i = truth.columns.indexOf('DCOMCmdLine');
    const sorted = [...truth.rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    return String(sorted[0]![i]);
  }

  it('serves the strict CSP as a header and the same policy as a meta tag', async () => {
    const res = await page.goto(`${origin}/`);
    const header = res?.headers()['content-security-policy'] ?? '';
    expect(header).toContain("script-src 'self'");
    const scriptSrc = /script-src ([^;]*)/.exec(header)?.[1] ?? '';
    expect(scriptSrc).not.toContain('unsafe-inline');
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    const directives = (p: string) =>
      p
        .split(';')
        .map((d) => d.trim().replace(/\s+/g, ' '))
        .filter((d) => d && !d.startsWith('frame-ancestors'));
    expect(directives(meta ?? '')).toEqual(directives(header));
    await page.waitForSelector('html[data-engine]');
    expect(await page.locator('html').getAttribute('data-engine')).toBe('worker');
    await expect.poll(() => page.getByText('Your data never leaves this browser').isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, '01-empty.png'), fullPage: true });
  });

  it('loads the sample data and shows exactly the truth alerts', async () => {
    const before = await open();
    await page.getByRole('button', { name: 'Load sample data' }).click();
    await waitForAlerts(truth.rows.length);
    const table = alerts();
    await expect.poll(() => table.getByText(firstDcomCmdLine(), { exact: true }).first().isVisible()).toBe(true);
    const rendered = await table.locator('tbody tr.alert-row').count();
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThanOrEqual(truth.rows.length);
    // Every time shown carries its zone.
    const firstTime = await table.locator('tbody tr.alert-row').first().locator('.time').first().textContent();
    expect(firstTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{7} UTC$/);
    // Virtualised: scrolling to the end renders the last row.
    await table.locator('xpath=..').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => table.locator(`tbody tr[aria-rowindex="${truth.rows.length + 1}"]`).count()).toBe(1);
    await table.locator('xpath=..').evaluate((el) => el.scrollTo(0, 0));
    // The ingest report names both tables.
    const report = page.getByRole('table', { name: 'Loaded files' });
    await expect.poll(() => report.getByText('DeviceNetworkEvents', { exact: true }).isVisible()).toBe(true);
    await expect.poll(() => report.getByText('DeviceProcessEvents', { exact: true }).isVisible()).toBe(true);
    // ... and which rule stages can run with what was loaded, under the files concerned.
    const procStages = report.getByLabel('Rule stages with DeviceProcessEvents.csv');
    await expect
      .poll(() => procStages.locator('li').allTextContents())
      .toEqual([
        'DCOM stage: 97 process starts by svchost DcomLaunch on 6 devices',
        'no services.exe start found: every candidate on srv-sql-05.corp.contoso.com (7 DcomLaunch starts) is dropped by the boot filter, unless unknown boot times are kept',
      ]);
    expect(await procStages.locator('li[data-level="warn"]').count()).toBe(1);
    const netStages = report.getByLabel('Rule stages with DeviceNetworkEvents.csv');
    expect(
      await netStages.getByText('RPC stage: 80 inbound connections on TCP 135 accepted by svchost RpcSs').count(),
    ).toBe(1);
    // Stages list the plan with counts.
    const stages = page.getByRole('region', { name: /Stages/ });
    expect(await stages.locator('.stage-rows').count()).toBeGreaterThan(5);
    await page.screenshot({ path: join(SHOTS, '02-alerts.png'), fullPage: true });
    await page.getByRole('region', { name: /Stages/ }).screenshot({ path: join(SHOTS, '03-stages.png') });

    // After load: only the two same-origin sample fetches.
    const after = requests.slice(before).map((r) => new URL(r.url).pathname);
    expect(after.sort()).toEqual(SAMPLE_FILES.map((f) => `/samples/${f}`).sort());
  });

  /** Every group heading of the (virtualised) table, collected while scrolling it top to bottom. */
  async function groupHeadings(): Promise<string[]> {
    const scroller = alerts().locator('xpath=..');
    const seen = new Set<string>();
    await scroller.evaluate((el) => el.scrollTo(0, 0));
    for (let i = 0; i < 50; i++) {
      for (const t of await alerts().locator('tbody tr.group-row').allTextContents()) seen.add(t);
      const done = await scroller.evaluate((el) => {
        const end = el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
        el.scrollBy(0, el.clientHeight / 2);
        return end;
      });
      if (done) break;
      await page.waitForTimeout(50);
    }
    await scroller.evaluate((el) => el.scrollTo(0, 0));
    return [...seen].sort();
  }

  it('sorts the alerts by a column header', async () => {
    await open();
    await page.getByRole('button', { name: 'Load sample data' }).click();
    await waitForAlerts(truth.rows.length);
    const header = alerts().getByRole('columnheader', { name: /RemoteIP/ });
    await header.getByRole('button').click();
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('ascending');
    await header.getByRole('button').click();
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('descending');
    const ipIdx = truth.columns.indexOf('RemoteIP');
    const maxIp = [...truth.rows.map((r) => String(r[ipIdx]))].sort().at(-1)!;
    const firstIp = await alerts().locator('tbody tr.alert-row').first().locator('td').nth(ipIdx).textContent();
    expect(firstIp).toBe(maxIp);
    // Group by device: one heading per device of the truth, each with its alert count.
    const devIdx = truth.columns.indexOf('DeviceName');
    const perDevice = new Map<string, number>();
    for (const r of truth.rows) perDevice.set(String(r[devIdx]), (perDevice.get(String(r[devIdx])) ?? 0) + 1);
    await page.getByLabel('Group alerts by').selectOption('device');
    const groups = alerts().locator('tbody tr.group-row');
    await groups.first().waitFor();
    await page.screenshot({ path: join(SHOTS, '25-grouped-by-device.png') });
    expect(await groupHeadings()).toEqual(
      [...perDevice].map(([d, n]) => `${d} ${n} alert${n === 1 ? '' : 's'}`).sort(),
    );
    await page.getByLabel('Group alerts by').selectOption('remote');
    const ips = new Set(truth.rows.map((r) => String(r[truth.columns.indexOf('RemoteIP')])));
    await groups.first().waitFor();
    expect((await groupHeadings()).map((h) => h.split(' ')[0])).toEqual([...ips].sort());
  });

  it('loads files through the file input, with no network request at all', async () => {
    const before = await open();
    await page.getByLabel('Load event files').setInputFiles(SAMPLE_FILES.map((f) => join(SAMPLES, f)));
    await waitForAlerts(truth.rows.length);
    await expect.poll(() => alerts().getByText(firstDcomCmdLine(), { exact: true }).first().isVisible()).toBe(true);
    expect(requests.slice(before)).toEqual([]);
  });

  // The browser reads every format through the same ingest as the CLI; Parquet (wasm) and zip /
  // gzip (streaming inflate) are the paths that depend on the browser, so each is loaded here.
  it.each([
    ['Arrow IPC', ['DeviceNetworkEvents.arrow', 'DeviceProcessEvents.arrow']],
    ['Parquet', ['DeviceNetworkEvents.parquet', 'DeviceProcessEvents.parquet']],
    ['a zip of the CSVs', ['exports.zip']],
    ['gzip CSVs', ['DeviceNetworkEvents.csv.gz', 'DeviceProcessEvents.csv.gz']],
  ])('loads the sample as %s with the same alerts', async (_what, files) => {
    await open();
    const dir = formatFixtures();
    await page.getByLabel('Load event files').setInputFiles(files.map((f) => join(dir, f)));
    await waitForAlerts(truth.rows.length);
    await expect.poll(() => alerts().getByText(firstDcomCmdLine(), { exact: true }).first().isVisible()).toBe(true);
  });

  it('reports rejected rows with line and column', async () => {
    await open();
    const header = readFileSync(join(SAMPLES, 'DeviceNetworkEvents.csv'), 'utf8').split(/\r?\n/, 1)[0]!;
    const cols = header.split(',');
    const row = (patch: Record<string, string>) => cols.map((c) => patch[c.replace(/ \[UTC\]$/, '')] ?? '').join(',');
    const broken = [
      header,
      row({ Timestamp: 'yesterday-ish', DeviceId: 'x1', DeviceName: 'broken-host', LocalPort: '135' }),
      row({
        Timestamp: '2024-05-01T08:30:00Z',
        DeviceId: 'x1',
        DeviceName: 'broken-host',
        LocalPort: 'one-three-five',
      }),
      row({ Timestamp: '2024-05-01T08:30:01Z', DeviceId: 'x1', DeviceName: 'broken-host', LocalPort: '443' }),
    ].join('\r\n');
    await page
      .getByLabel('Load event files')
      .setInputFiles([
        ...SAMPLE_FILES.map((f) => ({ name: f, mimeType: 'text/csv', buffer: readFileSync(join(SAMPLES, f)) })),
        { name: 'DeviceNetworkEvents-extra.csv', mimeType: 'text/csv', buffer: Buffer.from(broken, 'utf8') },
      ]);
    await waitForAlerts(truth.rows.length);
    const report = page.getByRole('table', { name: 'Loaded files' });
    const extra = report.getByRole('row', { name: /DeviceNetworkEvents-extra\.csv/ });
    await expect.poll(() => extra.locator('td').nth(3).textContent()).toBe('2');
    await expect.poll(() => report.getByText(/^line 2(:\d+)? Timestamp$/).isVisible()).toBe(true);
    await expect.poll(() => report.getByText(/^line 3(:\d+)? LocalPort$/).isVisible()).toBe(true);
    await page.getByRole('region', { name: 'Loaded files' }).screenshot({ path: join(SHOTS, '04-ingest-report.png') });
  });

  it('accepts files dropped anywhere on the page and says which table is missing', async () => {
    const before = await open();
    const csv = readFileSync(join(SAMPLES, 'DeviceNetworkEvents.csv'), 'utf8');
    const transfer = await page.evaluateHandle((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'DeviceNetworkEvents.csv', { type: 'text/csv' }));
      return dt;
    }, csv);
    const target = page.locator('.drop-zone');
    await target.dispatchEvent('dragenter', { dataTransfer: transfer });
    await target.dispatchEvent('dragover', { dataTransfer: transfer });
    await page.getByText('Drop Defender exports to analyse them locally').waitFor();
    await page.screenshot({ path: join(SHOTS, '06-drop-overlay.png') });
    await target.dispatchEvent('drop', { dataTransfer: transfer });
    await page.getByRole('status').filter({ hasText: 'load a DeviceProcessEvents export' }).waitFor();
    // The ingest report says the same, under the file.
    await page
      .getByLabel('Rule stages with DeviceNetworkEvents.csv')
      .getByText('no DeviceProcessEvents loaded: the DcomLaunch, child-process and boot stages cannot run', {
        exact: false,
      })
      .waitFor();
    expect(await page.getByText('Drop Defender exports to analyse them locally').count()).toBe(0);
    expect(await alerts().count()).toBe(0);
    expect(requests.slice(before)).toEqual([]);
  });

  it('shows per-file progress and cancels a load', async () => {
    await open();
    // A big file (the process sample 100 times over, ~430 MB) so the load is still running when
    // Cancel is pressed: ingest reads only the kept columns and finished 25 copies before the click.
    const [header, ...body] = readFileSync(join(SAMPLES, 'DeviceProcessEvents.csv'), 'utf8').split('\r\n');
    const rows = body.join('\r\n').replace(/\r\n$/, '');
    const dir = mkdtempSync(join(tmpdir(), 'dcomlens-e2e-'));
    const big = join(dir, 'DeviceProcessEvents-big.csv');
    writeFileSync(big, header!);
    for (let i = 0; i < 100; i++) appendFileSync(big, `\r\n${rows}`);
    try {
      await page.getByLabel('Load event files').setInputFiles(big);
      const cancel = page.getByRole('button', { name: 'Cancel loading DeviceProcessEvents-big.csv' });
      await cancel.waitFor();
      await expect
        .poll(() => page.getByLabel('Reading DeviceProcessEvents-big.csv').getAttribute('value'), { timeout: 10_000 })
        .not.toBe('0');
      await page.getByRole('region', { name: 'Loading files' }).screenshot({ path: join(SHOTS, '07-progress.png') });
      await cancel.click();
      const report = page.getByRole('table', { name: 'Loaded files' });
      await expect
        .poll(() => report.getByRole('row', { name: /DeviceProcessEvents-big\.csv/ }).textContent())
        .toContain('cancelled');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('re-runs on an allow-list toggle and shows the difference', async () => {
    await open();
    await page.getByRole('button', { name: 'Load sample data' }).click();
    await waitForAlerts(truth.rows.length);
    const dllhost = page.getByRole('checkbox', { name: 'dllhost.exe' });
    expect(await dllhost.isChecked()).toBe(true);
    await dllhost.uncheck();
    const status = page.getByRole('region', { name: /Allow-list/ }).getByRole('status');
    await expect.poll(() => status.textContent()).toMatch(/^\+\d+ \/ −0 alerts$/);
    const added = Number(/^\+(\d+)/.exec((await status.textContent()) ?? '')![1]);
    expect(added).toBeGreaterThan(0);
    await waitForAlerts(truth.rows.length + added);
    await page.screenshot({ path: join(SHOTS, '05-allow-list-diff.png'), fullPage: true });
    await dllhost.check();
    await expect.poll(() => status.textContent()).toBe(`+0 / −${added} alerts`);
    await waitForAlerts(truth.rows.length);
  });

  it('exports the alerts as CSV (UTF-8 BOM) equal to the truth', async () => {
    const before = await open();
    await page.getByRole('button', { name: 'Load sample data' }).click();
    await waitForAlerts(truth.rows.length);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export alerts CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const bytes = readFileSync((await download.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const [head, ...rows] = parseCsv(text, { relaxColumnCount: false }) as string[][];
    // The rule's columns first (as the CLI writes them), then entity mappings, tactic, technique, verdict.
    expect(head).toEqual([...truth.columns, ...EXTRA_COLUMNS]);
    const setIdx = truth.columns.indexOf('set_ProcessCommandLine');
    const got = rows.map((r) =>
      rowKey(r.slice(0, truth.columns.length).map((c, i) => (i === setIdx ? (JSON.parse(c) as unknown) : c))),
    );
    for (const r of rows)
      expect(r.slice(truth.columns.length + 3, truth.columns.length + 5)).toEqual(['LateralMovement', 'T1021.003']);
    const want = truth.rows.map((r) => rowKey(r.map((c, i) => (i === setIdx ? c : csvText(c)))));
    expect(got.sort()).toEqual(want.sort());
    // The CLI on the same files writes the same rule columns, cell for cell, in the same row order.
    const cli = cliCsv(SAMPLE_FILES.map((f) => join(SAMPLES, f)));
    const [cliHead, ...cliRows] = parseCsv(cli) as string[][];
    expect(head!.slice(0, cliHead!.length)).toEqual(cliHead);
    expect(rows.map((r) => r.slice(0, cliHead!.length))).toEqual(cliRows);
    // and the file's lines start with the CLI's lines byte for byte (same quoting, same line ends).
    const cliLines = cli.split('\r\n');
    const lines = text.split('\r\n');
    expect(lines.length).toBe(cliLines.length);
    lines.forEach((line, i) => expect(line.startsWith(`${cliLines[i]!}${cliLines[i] === '' ? '' : ','}`)).toBe(true));
    // The download is a Blob URL of this origin: no new network traffic besides the samples.
    const after = requests.slice(before).filter((r) => !r.url.startsWith('blob:'));
    expect(after.map((r) => new URL(r.url).pathname).sort()).toEqual(SAMPLE_FILES.map((f) => `/samples/${f}`).sort());
  });

  /** Loads the samples with the default page state and waits for the truth's alerts. */
  async function loadSample(): Promise<void> {
    await page.getByRole('button', { name: 'Load sample data' }).click();
    await waitForAlerts(truth.rows.length);
  }

  /** The alert row of the MMC20 case at 08:08:44.9 on ws-hr-1004 (mmc.exe → two cmd.exe). */
  const MMC_ROW = /2024-05-01 08:08:44\.9000000/;

  it('opens a hit: timeline lanes and gaps, process tree from the full table, why it fired', async () => {
    await open();
    await loadSample();
    const mmc = alerts().locator('tbody tr.alert-row').filter({ hasText: MMC_ROW }).first();
    // The table's own columns: two children, the exact gap on hover.
    const gap = mmc.locator('.gap-cell');
    expect(await gap.textContent()).toBe('+0.40 s');
    expect(await gap.getAttribute('title')).toBe('+0.4000000 s · datetime_diff("second") = 1');
    await mmc.click();
    const dialog = page.getByRole('dialog', { name: /Alert on ws-hr-1004\.corp\.contoso\.com/ });
    await dialog.waitFor();
    const timeline = dialog.getByRole('img', { name: 'Timeline' });
    await timeline.waitFor();
    expect(await timeline.locator('[data-lane="rpc"]').count()).toBe(1);
    expect(await timeline.locator('[data-lane="dcom"]').count()).toBe(1);
    expect(await timeline.locator('[data-lane="child"]').count()).toBe(2);
    const gaps = await timeline.locator('.gap-label').allTextContents();
    expect(gaps[0]).toBe('+0.40 s · datetime_diff = 1 s');
    expect(await timeline.getByText(/^window: datetime_diff 0\.\.2 s ⇒ \[08:08:44, 08:08:47\) UTC$/).count()).toBe(1);
    // The tree: DcomLaunch svchost → mmc.exe → cmd.exe ×2, the alert's rows highlighted.
    const tree = dialog.getByRole('group', { name: 'Process tree' });
    const names = await tree.locator('.tree-node').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    expect(names.slice(0, 2)).toEqual(['svchost.exe', 'mmc.exe']);
    expect(names.filter((n) => n === 'cmd.exe').length).toBeGreaterThanOrEqual(2);
    expect(await tree.locator('.tree-node.in-alert').count()).toBe(3);
    expect(await tree.locator('[data-link="unique-id"]').count()).toBeGreaterThanOrEqual(3);
    await tree.getByRole('button', { name: /^mmc\.exe PID 2300/ }).click();
    const fields = dialog.getByRole('region', { name: 'Fields of mmc.exe' });
    await expect
      .poll(() => fields.getByText('"C:\\Windows\\system32\\mmc.exe" -Embedding', { exact: true }).count())
      .toBe(1);
    // Why it fired, with the values this alert showed each stage.
    const why = dialog.getByRole('list', { name: 'Why it fired' });
    await expect.poll(() => why.getByText(/datetime_diff = 1 s within 0\.\.2 \(exact gap \+0\.4 s\)/).count()).toBe(1);
    expect(await why.locator('.why-check.fail').count()).toBe(0);
    await dialog.screenshot({ path: join(SHOTS, '08-hit-detail.png') });
    // Surrounding events of the device, then overview-plus-detail zoom.
    await dialog.getByRole('button', { name: 'Show ±10 s of device events' }).click();
    await expect.poll(() => timeline.locator('[data-lane="device"]').count()).toBeGreaterThan(2);
    const overview = dialog.getByRole('group', { name: /Timeline overview/ });
    await overview.scrollIntoViewIfNeeded();
    const box = (await overview.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await dialog.getByRole('button', { name: 'Reset zoom' }).waitFor();
    await dialog.locator('figure.timeline').screenshot({ path: join(SHOTS, '09-timeline-around.png') });
    await tree.screenshot({ path: join(SHOTS, '10-process-tree.png') });
    // Both drawings download as standalone SVG files with the same lanes and nodes.
    for (const [button, marker] of [
      ['Timeline SVG', 'data-lane="rpc"'],
      ['Tree SVG', 'data-node="mmc.exe"'],
    ] as const) {
      const [svgFile] = await Promise.all([
        page.waitForEvent('download'),
        dialog.getByRole('button', { name: button }).click(),
      ]);
      expect(svgFile.suggestedFilename()).toMatch(/\.svg$/);
      const svg = readFileSync((await svgFile.path())!, 'utf8');
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(svg).toContain(marker);
      expect(svg).toContain('fill="#ffffff"');
    }
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
  });

  it('switches the zone, sets a verdict by key, exports it, and keeps both across a reload', async () => {
    await open();
    await loadSample();
    await page.getByLabel('Display time zone').selectOption('named');
    await page.getByLabel('IANA time zone').fill('Asia/Kolkata');
    await page.getByRole('button', { name: 'Apply' }).click();
    const firstTime = () => alerts().locator('tbody tr.alert-row').first().locator('.time').first().textContent();
    await expect.poll(firstTime).toBe('2024-05-01 13:38:44.9000000 UTC+05:30');
    expect(
      await alerts().locator('tbody tr.alert-row').first().locator('.time').first().getAttribute('title'),
    ).toContain('2024-05-01 08:08:44.9000000 UTC');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: /Alert on ws-hr-1004/ });
    await dialog.waitFor();
    // The timeline speaks the same zone.
    await expect.poll(() => dialog.getByText(/⇒ \[13:38:44, 13:38:47\) UTC\+05:30$/).count()).toBe(1);
    await page.keyboard.press('t');
    await expect
      .poll(() => dialog.getByRole('button', { name: /True positive/ }).getAttribute('aria-pressed'))
      .toBe('true');
    await page.keyboard.press('Escape');
    await expect
      .poll(() => alerts().locator('tbody tr.alert-row').first().locator('.verdict-cell').textContent())
      .toBe('True positive');
    // `/` focuses the filter, `?` lists the shortcuts.
    await page.keyboard.press('/');
    await page.keyboard.type('ws-mkt');
    await expect.poll(() => alerts().getAttribute('aria-rowcount')).not.toBe(String(truth.rows.length + 1));
    await page.getByLabel('Filter alerts').fill('');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.screenshot({ path: join(SHOTS, '11-shortcuts.png') });
    await page.keyboard.press('Escape');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export alerts CSV' }).click(),
    ]);
    const [head, ...rows] = parseCsv(
      readFileSync((await download.path())!)
        .subarray(3)
        .toString('utf8'),
    ) as string[][];
    const v = head!.indexOf('Verdict');
    const t = head!.indexOf('TimestampNetwEventExact');
    const marked = rows.filter((r) => r[v] !== '');
    expect(marked.map((r) => [r[t], r[v]])).toEqual([['2024-05-01T08:08:44.9000000Z', 'true positive']]);
    // The hash carries the state: a reload keeps zone and verdict.
    expect(new URL(page.url()).hash).toMatch(/^#state=/);
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('html[data-engine]');
    await loadSample();
    await expect.poll(firstTime).toBe('2024-05-01 13:38:44.9000000 UTC+05:30');
    await expect
      .poll(() => alerts().locator('tbody tr.alert-row').first().locator('.verdict-cell').textContent())
      .toBe('True positive');
    await page.screenshot({ path: join(SHOTS, '12-zone-verdict.png') });
  });

  it('shows the fan-out by remote IP and the rule view with the tuned KQL', async () => {
    await open();
    await loadSample();
    await page.getByRole('tab', { name: 'Fan-out' }).click();
    const fan = page.getByRole('region', { name: 'Fan-out by remote IP' });
    await expect.poll(() => fan.getByText(/reached 4 hosts in/).count()).toBe(1);
    await fan
      .locator('figure')
      .first()
      .screenshot({ path: join(SHOTS, '13-fanout.png') });
    await page.getByRole('tab', { name: 'Rule' }).click();
    const kql = page.getByLabel('Tuned KQL text');
    await expect.poll(() => kql.textContent()).toContain('let allowListedExecs = dynamic(');
    expect(await page.getByText('Stages as written').count()).toBe(1);
    expect(await page.locator('.rule-view .stage-rows').count()).toBeGreaterThan(10);
    await page.locator('.rule-view').screenshot({ path: join(SHOTS, '14-rule-view.png') });
    await page.getByRole('radio', { name: 'keep' }).check();
    await expect
      .poll(() => kql.textContent())
      .toContain('isnull(LastBootTime) or TimestampProcEvent > LastBootTime+5m');
    await expect.poll(() => page.locator('#alerts-title').textContent()).not.toBe(`${truth.rows.length} alerts`);
  });
});
