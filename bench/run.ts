/**
 * `npm run bench [-- --sizes 100k,1m,5m,10m --quick --no-browser --no-scaling --reps N]`
 *
 * Runs the DCOM rule three ways on the same generated files in one run — dcomlens in Node, native
 * DuckDB (bench/dcom-sql.ts), and in headless Chromium dcomlens's Web Worker beside DuckDB-WASM — and
 * prints throughput and ratios. Nothing here passes or fails except the MISMATCH checks: every
 * engine's alerts must equal the generator's truth.json (and each other after the allow-list edit).
 *
 * Datasets are cached under bench/out/data/<parameters>/ (generation runs at ~50k rows/s) together
 * with their Arrow IPC copies; measurements run in child processes (fresh heap, own peak RSS).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeDataset } from './gen/write-dataset';
import { buildBrowserBench, openBrowser, type BrowserSession } from './browser-run';
import type { BrowserDcomlens, BrowserDuck } from './browser/main';
import { canonicalRows, type JsonCell } from './dcom-sql';
import type { DcomlensMeasure } from './measure-dcomlens';
import type { DuckMeasure } from './measure-duckdb';

const OUT = join(import.meta.dirname, 'out');
const ROOT = join(import.meta.dirname, '..');

interface DatasetSpec {
  readonly label: string;
  readonly devices: number;
  readonly hours: number;
  readonly rate: number;
  readonly seed: string;
}

/** ~614 rows per device-hour at rate 1 (measured), 2/3 of them network rows. Sizes are total rows. */
const SIZES: Readonly<Record<string, Omit<DatasetSpec, 'label'>>> = {
  '100k': { devices: 20, hours: 8, rate: 1, seed: 'bench-1' },
  '1m': { devices: 100, hours: 16, rate: 1, seed: 'bench-1' },
  // ~1M rows per table on average (2M total): the size the browser edit round trip target names.
  '2m': { devices: 200, hours: 16, rate: 1, seed: 'bench-1' },
  '5m': { devices: 250, hours: 32, rate: 1, seed: 'bench-1' },
  '10m': { devices: 400, hours: 40, rate: 1, seed: 'bench-1' },
};

let mismatches = 0;

function mismatch(what: string, a: readonly JsonCell[][] | null, b: readonly JsonCell[][] | null): void {
  if (a === null || b === null) return;
  const x = JSON.stringify(canonicalRows(a));
  const y = JSON.stringify(canonicalRows(b));
  if (x === y) return;
  mismatches++;
  const bar = '!'.repeat(78);
  process.stdout.write(`\n${bar}\nMISMATCH: ${what}: ${a.length} rows vs ${b.length} rows\n${bar}\n\n`);
}

function log(s: string): void {
  process.stderr.write(`[bench] ${s}\n`);
}

/** Generates (once) the dataset and its Arrow copies; returns the directory. */
function dataset(spec: DatasetSpec): string {
  const dir = join(OUT, 'data', `dev${spec.devices}-h${spec.hours}-r${spec.rate}-s${spec.seed}`);
  const marker = join(dir, 'complete.json');
  if (!existsSync(marker)) {
    log(`generating ${spec.label}: ${spec.devices} devices × ${spec.hours} h at rate ${spec.rate} → ${dir}`);
    const t0 = performance.now();
    const r = writeDataset({ devices: spec.devices, hours: spec.hours, seed: spec.seed, rate: spec.rate }, dir);
    log(
      `  ${r.rows.DeviceNetworkEvents + r.rows.DeviceProcessEvents} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    writeFileSync(marker, JSON.stringify(spec));
  }
  for (const t of ['DeviceNetworkEvents', 'DeviceProcessEvents']) {
    const arrow = join(dir, `${t}.arrow`);
    if (!existsSync(arrow)) {
      log(`converting ${t}.csv to Arrow IPC`);
      child('to-arrow.ts', [join(dir, `${t}.csv`), arrow], false);
    }
  }
  return dir;
}

function child(script: string, args: readonly string[], expectResult: true): unknown;
function child(script: string, args: readonly string[], expectResult: false): null;
function child(script: string, args: readonly string[], expectResult: boolean): unknown {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=20000', '--import', 'tsx', join(import.meta.dirname, script), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (r.status !== 0) throw new Error(`${script} ${args.join(' ')} failed with status ${r.status} ${r.signal ?? ''}`);
  if (!expectResult) return null;
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`${script}: no RESULT line`);
  return JSON.parse(line.slice('RESULT '.length));
}

function truth(dir: string): JsonCell[][] {
  return (JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as { rows: JsonCell[][] }).rows;
}

const best = (xs: readonly number[] | null | undefined): number =>
  xs && xs.length > 0 ? Math.min(...xs.filter((x) => Number.isFinite(x))) : NaN;
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};
const ms = (x: number): string =>
  Number.isFinite(x) ? (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x < 100 ? 1 : 0)} ms`) : 'n/a';
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const rate = (n: number, msv: number, unit: string, scale = 1): string =>
  Number.isFinite(msv) && msv > 0
    ? `${((n / scale / msv) * 1000).toFixed(n / scale / msv > 10 ? 0 : 2)} ${unit}`
    : 'n/a';
const ratio = (a: number, b: number): string =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a';

function table(title: string, head: readonly string[], rows: readonly (readonly string[])[]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  process.stdout.write(
    `\n### ${title}\n\n${line(head)}\n|${w.map((x, i) => (i === 0 ? ':' : '') + '-'.repeat(x + 1) + (i === 0 ? '-' : ':')).join('|')}|\n${rows.map(line).join('\n')}\n`,
  );
}

function machine(chromium: string | null): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu.trim()}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}${chromium ? `, Chromium ${chromium}` : ''}, ${process.platform}`;
}

interface SizeResult {
  readonly label: string;
  readonly dir: string;
  readonly rows: number;
  readonly dl: DcomlensMeasure;
  readonly duck: DuckMeasure;
  browser?: { dl: BrowserDcomlens; dlRss: number; duck: BrowserDuck; duckRss: number };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-browser': { type: 'boolean', default: false },
      'no-scaling': { type: 'boolean', default: false },
      reps: { type: 'string' },
      'browser-max': { type: 'string', default: '1m' },
    },
  });
  const quick = values.quick;
  const sizes = (values.sizes ?? (quick ? '100k' : '100k,1m')).split(',').map((s) => s.trim().toLowerCase());
  for (const s of sizes) if (!SIZES[s]) throw new Error(`unknown size ${s} (known: ${Object.keys(SIZES).join(', ')})`);
  const started = performance.now();
  // The Node measure reads CSV with the CLI's bundled part worker (dist-cli/csv-part-worker.js), as `dcomlens detect` does.
  log('building the CLI bundle (its CSV part worker)');
  const built = spawnSync('npm', ['run', 'build:cli'], { cwd: ROOT, stdio: 'ignore' });
  if (built.status !== 0) throw new Error('npm run build:cli failed');
  const results: SizeResult[] = [];

  for (const label of sizes) {
    const dir = dataset({ label, ...SIZES[label]! });
    const big = SIZES[label]!.devices * SIZES[label]!.hours >= 1000;
    const reps = values.reps ?? (quick || big ? '1' : '3');
    // Query reps are cheap next to the loads: 15 for every size, the same for both engines, so each
    // engine's best is its steady state (JIT warm, DuckDB's caches warm, dcomlens' column code
    // index built on the second run and kept with the loaded table, as a database keeps an index).
    const qreps = quick ? '3' : '15';
    log(`${label}: dcomlens (Node)`);
    const dl = child('measure-dcomlens.ts', [dir, '--reps', reps, '--query-reps', qreps], true) as DcomlensMeasure;
    log(`${label}: DuckDB (native)`);
    const duck = child('measure-duckdb.ts', [dir, '--reps', reps, '--query-reps', qreps], true) as DuckMeasure;
    const t = truth(dir);
    mismatch(`${label} dcomlens CSV vs truth.json`, dl.result, t);
    mismatch(`${label} dcomlens Arrow vs truth.json`, dl.resultArrow, t);
    mismatch(`${label} DuckDB vs truth.json`, duck.result, t);
    mismatch(`${label} allow-list edit: dcomlens vs DuckDB`, dl.resultEdit, duck.resultEdit);
    results.push({ label, dir, rows: dl.rows.net + dl.rows.proc, dl, duck });
  }

  // Browser: dcomlens in its worker, then DuckDB-WASM, each in a fresh page, on the same files.
  let session: BrowserSession | null = null;
  const browserMax = Object.keys(SIZES).indexOf(values['browser-max']);
  if (!values['no-browser']) {
    try {
      log('building the browser bench page (vite)');
      buildBrowserBench();
      session = await openBrowser();
      for (const r of results) {
        if (Object.keys(SIZES).indexOf(r.label) > browserMax) {
          log(`${r.label}: browser skipped (above --browser-max ${values['browser-max']})`);
          continue;
        }
        const files = [join(r.dir, 'DeviceNetworkEvents.csv'), join(r.dir, 'DeviceProcessEvents.csv')];
        log(`${r.label}: dcomlens in the Chromium worker`);
        const a = await session.dcomlens(files, 12, 30 * 60_000);
        log(`${r.label}: DuckDB-WASM in Chromium`);
        const b = await session.duck(files, 12, 30 * 60_000);
        const t = truth(r.dir);
        mismatch(`${r.label} browser dcomlens vs truth.json`, a.value.rows, t);
        if (!b.value.error) {
          mismatch(`${r.label} DuckDB-WASM vs truth.json`, b.value.rows, t);
          mismatch(`${r.label} browser allow-list edit: dcomlens vs DuckDB-WASM`, a.value.rowsEdit, b.value.rowsEdit);
        }
        mismatch(`${r.label} browser allow-list edit: dcomlens worker vs Node`, a.value.rowsEdit, r.dl.resultEdit);
        r.browser = { dl: a.value, dlRss: a.peakRss, duck: b.value, duckRss: b.peakRss };
      }
    } catch (err) {
      log(`browser leg failed: ${err instanceof Error ? err.stack : String(err)}`);
    }
  }

  // Scaling: fixed devices, 1 day vs 7 days per device, reduced background rate.
  let scaling: {
    d1: { dl: DcomlensMeasure; duck: DuckMeasure; rows: number };
    d7: { dl: DcomlensMeasure; duck: DuckMeasure; rows: number };
  } | null = null;
  if (!values['no-scaling']) {
    const base = { devices: 20, rate: quick ? 0.05 : 0.15, seed: 'scale-1' };
    const run = (hours: number) => {
      const dir = dataset({ label: `${hours / 24}d`, hours, ...base });
      log(`scaling ${hours / 24} d: dcomlens, DuckDB`);
      const dl = child('measure-dcomlens.ts', [dir, '--reps', '1', '--query-reps', '3'], true) as DcomlensMeasure;
      const duck = child('measure-duckdb.ts', [dir, '--reps', '1', '--query-reps', '3'], true) as DuckMeasure;
      mismatch(`scaling ${hours / 24}d dcomlens vs truth.json`, dl.result, truth(dir));
      mismatch(`scaling ${hours / 24}d DuckDB vs truth.json`, duck.result, truth(dir));
      return { dl, duck, rows: dl.rows.net + dl.rows.proc };
    };
    scaling = { d1: run(24), d7: run(168) };
  }

  // ------------------------------------------------------------------------------------------
  process.stdout.write(
    `\n## dcomlens benchmark (${new Date().toISOString()})\n\nMachine: ${machine(session?.version ?? null)}; DuckDB threads: ${results[0]?.duck.threads ?? '?'}; dcomlens threads: ${availableParallelism()} (CSV files are read in parts, one per core; the query is single-threaded).\n`,
  );
  process.stdout.write(
    'Times are the best of the repetitions; ratios are DuckDB time / dcomlens time (> 1: dcomlens faster).\n',
  );
  if (session) await session.close();

  for (const r of results) {
    const { dl, duck } = r;
    const e2e = best(dl.e2eCsvMs);
    const de2e = best(duck.e2eMs);
    table(
      `${r.label}: ${r.rows.toLocaleString('en')} rows (${dl.rows.net.toLocaleString('en')} network + ${dl.rows.proc.toLocaleString('en')} process), CSV ${mb(dl.csvBytes)}, Arrow ${dl.arrowBytes ? mb(dl.arrowBytes) : 'n/a'}, ${dl.alerts} alerts`,
      ['measure', 'dcomlens', 'DuckDB', 'ratio', 'target'],
      [
        ['end to end, CSV files → alert CSV', ms(e2e), ms(de2e), ratio(de2e, e2e), '≥ 2×'],
        ['  rows/s', rate(r.rows, e2e, 'rows/s'), rate(r.rows, de2e, 'rows/s'), '', ''],
        ['  MB/s of CSV', rate(dl.csvBytes, e2e, 'MB/s', 1e6), rate(dl.csvBytes, de2e, 'MB/s', 1e6), '', ''],
        [
          'CSV ingest only (DuckDB: CREATE TABLE)',
          ms(best(dl.ingestCsvMs)),
          ms(best(duck.loadMs)),
          ratio(best(duck.loadMs), best(dl.ingestCsvMs)),
          '',
        ],
        [
          '  MB/s of CSV',
          rate(dl.csvBytes, best(dl.ingestCsvMs), 'MB/s', 1e6),
          rate(dl.csvBytes, best(duck.loadMs), 'MB/s', 1e6),
          '',
          '',
        ],
        ['Arrow IPC ingest only', ms(best(dl.ingestArrowMs)), '', '', ''],
        [
          '  MB/s of Arrow',
          dl.arrowBytes ? rate(dl.arrowBytes, best(dl.ingestArrowMs), 'MB/s', 1e6) : 'n/a',
          '',
          '',
          '≥ 1000 MB/s',
        ],
        ['end to end, Arrow files → alert CSV', ms(best(dl.e2eArrowMs)), '', '', '5M: < 1 s'],
        [
          'query, data loaded',
          ms(best(dl.queryMs)),
          ms(best(duck.queryMs)),
          ratio(best(duck.queryMs), best(dl.queryMs)),
          '≥ 10×',
        ],
        [
          `re-run after allow-list edit (−WmiPrvSE.exe)`,
          ms(best(dl.editMs)),
          ms(best(duck.editMs)),
          ratio(best(duck.editMs), best(dl.editMs)),
          '< 50 ms',
        ],
        ['peak RSS (process)', mb(dl.peakRssCsv), mb(duck.peakRss), '', ''],
        ['retained heap + buffers, tables loaded', mb(dl.retainedBytes), '', '', ''],
      ],
    );
    if (r.browser) {
      const b = r.browser;
      table(
        `${r.label} in Chromium: dcomlens Web Worker vs DuckDB-WASM (${b.duck.bundle} bundle)`,
        ['measure', 'dcomlens', 'DuckDB-WASM', 'ratio', 'target'],
        [
          [
            'end to end, files picked → alert CSV',
            ms(b.dl.e2eMs),
            b.duck.error ? `failed: ${b.duck.error.slice(0, 40)}` : ms(b.duck.e2eMs),
            ratio(b.duck.e2eMs, b.dl.e2eMs),
            '≥ 3×',
          ],
          ['  rows/s', rate(r.rows, b.dl.e2eMs, 'rows/s'), rate(r.rows, b.duck.e2eMs, 'rows/s'), '', ''],
          [
            '  ingest / detect / export',
            `${ms(b.dl.ingestMs)} / ${ms(b.dl.detectMs)} / ${ms(b.dl.exportMs)}`,
            `load ${ms(b.duck.loadMs)}`,
            '',
            '',
          ],
          ['query, data loaded', ms(b.dl.detectMs), ms(b.duck.queryMs), ratio(b.duck.queryMs, b.dl.detectMs), ''],
          [
            're-run after allow-list edit (median round trip)',
            ms(median(b.dl.editMs)),
            ms(median(b.duck.editMs)),
            ratio(median(b.duck.editMs), median(b.dl.editMs)),
            '< 50 ms',
          ],
          ['worker end to end / Node end to end', ratio(b.dl.e2eMs, e2e), '', '', '≤ 1.5×'],
          ['engine start (not in end to end)', ms(b.dl.startMs), ms(b.duck.startMs), '', ''],
          ['peak RSS of the tab (renderer process)', mb(b.dlRss), mb(b.duckRss), '', ''],
        ],
      );
    }
  }
  if (results.some((r) => !r.browser) && !values['no-browser']) {
    process.stdout.write(
      `\nBrowser leg: not run for ${results
        .filter((r) => !r.browser)
        .map((r) => r.label)
        .join(', ')} (see stderr; --browser-max raises the limit).\n`,
    );
  }
  if (scaling) {
    const { d1, d7 } = scaling;
    table(
      `scaling: 20 devices, 1 day (${d1.rows.toLocaleString('en')} rows) vs 7 days (${d7.rows.toLocaleString('en')} rows) per device`,
      ['measure', '1 day', '7 days', '7d / 1d', 'target'],
      [
        [
          'dcomlens query, data loaded',
          ms(best(d1.dl.queryMs)),
          ms(best(d7.dl.queryMs)),
          ratio(best(d7.dl.queryMs), best(d1.dl.queryMs)),
          '≤ 8×',
        ],
        [
          'DuckDB query, data loaded',
          ms(best(d1.duck.queryMs)),
          ms(best(d7.duck.queryMs)),
          ratio(best(d7.duck.queryMs), best(d1.duck.queryMs)),
          '',
        ],
        [
          'dcomlens end to end (CSV)',
          ms(best(d1.dl.e2eCsvMs)),
          ms(best(d7.dl.e2eCsvMs)),
          ratio(best(d7.dl.e2eCsvMs), best(d1.dl.e2eCsvMs)),
          '≤ 8×',
        ],
        [
          'DuckDB end to end (CSV)',
          ms(best(d1.duck.e2eMs)),
          ms(best(d7.duck.e2eMs)),
          ratio(best(d7.duck.e2eMs), best(d1.duck.e2eMs)),
          '',
        ],
        ['rows', d1.rows.toLocaleString('en'), d7.rows.toLocaleString('en'), ratio(d7.rows, d1.rows), ''],
      ],
    );
  }
  const summary = {
    machine: machine(session?.version ?? null),
    when: new Date().toISOString(),
    results,
    scaling,
    mismatches,
  };
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      summary,
      (_k, v: unknown) => (Array.isArray(v) && v.length > 0 && Array.isArray(v[0]) ? `[${v.length} rows]` : v),
      1,
    ),
  );
  process.stdout.write(
    `\n${mismatches === 0 ? 'All results equal truth.json (no MISMATCH).' : `${mismatches} MISMATCH(ES) — see above.`} Raw figures: ${file}; total ${((performance.now() - started) / 1000).toFixed(0)} s.\n`,
  );
  if (statSync(file).size === 0) throw new Error('results not written');
}

await main();
