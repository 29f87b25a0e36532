/**
 * Seeded fuzzing (fast-check) of what reads untrusted input: the KQL parser + binder
 * (compileQuery) on random and mutated queries, and the CSV / JSON-lines / Arrow / Parquet readers
 * (ingestAny) on mutated real files. No crash, no hang (each case under a time bound), every error
 * a clear message, and the accounting: loaded + rejected + skipped = rows read, for every case;
 * and = the rows actually in the file (counted independently) for every real recording in
 * /work/shared/datasets, read in place. Prints the number of cases run per target.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { unzipSync } from 'fflate';
import * as parquet from 'parquet-wasm/node';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesChunks } from '../../src/engine/ingest/chunk-sources';
import { ingestAny, rowsAccountedFor, type IngestResult } from '../../src/engine/ingest/ingest';
import { ingestAnyPath } from '../../src/engine/ingest/node-source';
import { loadRule } from '../../src/engine/rule/rule';
import { compileQuery } from '../../src/engine/run';
import { DEFENDER_TABLES } from '../../src/engine/table/defender-schema';
import { generateQuery } from '../reference/random-query';

const SEED = 7_2024_0501;
/** Per case. Generous for a loaded CI machine; a quadratic or exponential path blows through it. */
const CASE_BOUND_MS = 5000;
const RUNS = Number(process.env.DCOMLENS_FUZZ_RUNS ?? 0) || undefined;
const ROOT = join(__dirname, '../..');
const SAMPLES = join(ROOT, 'public/samples');
const DATASETS = '/work/shared/datasets';

const counts = new Map<string, number>();
const count = (target: string) => counts.set(target, (counts.get(target) ?? 0) + 1);
afterAll(() => {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(`fuzz cases run: ${total} (${[...counts].map(([k, v]) => `${k} ${v}`).join(', ')})`);
});

// --- KQL parser + binder -------------------------------------------------------------------------

const RULE_QUERY = loadRule(readFileSync(join(ROOT, 'src/rules/dcom-lateral-movement.yaml'), 'utf8')).rule!.query;
const SCHEMAS = new Map(Object.entries(DEFENDER_TABLES).map(([name, schema]) => [name, { schema }]));
const TOKENS = [
  '|',
  'where',
  'project',
  'extend',
  'summarize',
  'by',
  'join',
  'kind=leftouter',
  'on',
  '$left.',
  '$right.',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ';',
  '==',
  '=~',
  '!in~',
  'between',
  '..',
  'let',
  'materialize(',
  'dynamic([',
  '"',
  "'",
  '@"',
  '//',
  '\n',
  'datetime(',
  'ago(1d)',
  '5s',
  'bin(',
  'make_set(',
  '*',
  '-',
  '0x',
  '1e308',
  '\u202e',
  '\0',
  '\ud800',
  'é',
  'DeviceProcessEvents',
  'Timestamp',
];

/** A query mutated the way fuzzers do: cut, duplicate, insert a token, or overwrite a character. */
const mutate = (base: string): fc.Arbitrary<string> =>
  fc
    .array(
      fc.tuple(
        fc.nat(),
        fc.nat({ max: 40 }),
        fc.constantFrom(...TOKENS),
        fc.constantFrom('cut', 'dup', 'insert', 'char'),
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((edits) => {
      let s = base;
      for (const [at, len, token, kind] of edits) {
        const i = s.length === 0 ? 0 : at % s.length;
        if (kind === 'cut') s = s.slice(0, i) + s.slice(i + len);
        else if (kind === 'dup') s = s.slice(0, i + len) + s.slice(i, i + len) + s.slice(i + len);
        else if (kind === 'insert') s = s.slice(0, i) + token + s.slice(i);
        else s = s.slice(0, i) + String.fromCharCode(at % 0x3000) + s.slice(i + 1);
      }
      return s;
    });

function checkCompile(text: string): void {
  const t0 = performance.now();
  const { plan, diagnostics } = compileQuery(text, SCHEMAS, 0n);
  const ms = performance.now() - t0;
  expect(ms, `compile took ${ms.toFixed(0)} ms`).toBeLessThan(CASE_BOUND_MS);
  for (const d of diagnostics) {
    expect(typeof d.message).toBe('string');
    expect(d.message.length).toBeGreaterThan(3);
    expect(d.code).toMatch(/^KQL\d+$/);
    expect(Number.isInteger(d.line) && d.line >= 1).toBe(true);
    expect(Number.isInteger(d.column) && d.column >= 1).toBe(true);
  }
  if (plan === null)
    expect(
      diagnostics.some((d) => d.severity === 'error'),
      'no plan, so an error says why',
    ).toBe(true);
}

describe('fuzz: KQL parser + binder', () => {
  it('mutated rule queries compile or fail with positioned messages', () => {
    fc.assert(
      fc.property(mutate(RULE_QUERY), (q) => {
        count('kql-mutated-rule');
        checkCompile(q);
      }),
      { seed: SEED, numRuns: RUNS ?? 1500 },
    );
  });

  it('generated and mutated generated queries, and random text', () => {
    const generated = fc.noBias(fc.integer({ min: 0, max: 0x7fffffff })).map(generateQuery);
    fc.assert(
      fc.property(
        fc.oneof(
          generated,
          generated.chain(mutate),
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 300 }),
        ),
        (q) => {
          count('kql-generated-random');
          checkCompile(q);
        },
      ),
      { seed: SEED + 1, numRuns: RUNS ?? 1500 },
    );
  });

  it('pathological shapes stay bounded', () => {
    for (const q of [
      '('.repeat(50_000),
      `${'-'.repeat(50_000)}1`,
      `T | where ${'not('.repeat(20_000)}true${')'.repeat(20_000)}`,
      `print ${'1+'.repeat(50_000)}1`,
      `"${'\\'.repeat(100_001)}`,
    ]) {
      count('kql-pathological');
      checkCompile(q);
    }
  });
});

// --- Readers ------------------------------------------------------------------------------------

/** First `n` lines of a text file (the fuzz corpus keeps cases small and fast). */
function headLines(path: string, n: number): Uint8Array {
  const text = readFileSync(path, 'utf8');
  let at = 0;
  for (let i = 0; i < n && at >= 0; i++) at = text.indexOf('\n', at + 1);
  return new TextEncoder().encode(at < 0 ? text : text.slice(0, at + 1));
}

function parquetOf(arrowBytes: Uint8Array): Uint8Array {
  const t = tableFromIPC(arrowBytes);
  return parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(t.slice(0, 200), 'stream')));
}

const corpus: { name: string; bytes: Uint8Array }[] = [
  { name: 'DeviceNetworkEvents.csv', bytes: headLines(join(SAMPLES, 'DeviceNetworkEvents.csv'), 200) },
  { name: 'DeviceProcessEvents.csv', bytes: headLines(join(SAMPLES, 'DeviceProcessEvents.csv'), 200) },
  { name: 'DeviceProcessEvents.arrow', bytes: readFileSync(join(SAMPLES, 'DeviceProcessEvents.arrow')) },
  { name: 'DeviceNetworkEvents.parquet', bytes: parquetOf(readFileSync(join(SAMPLES, 'DeviceNetworkEvents.arrow'))) },
];
if (existsSync(DATASETS)) {
  corpus.push({
    name: 'otrf.json',
    bytes: headLines(join(DATASETS, 'otrf/covenant_dcom_executeexcel4macro_blocked_2020-09-17173147.json'), 300),
  });
  corpus.push({ name: 'mde.json', bytes: headLines(join(DATASETS, 'mde/Microsoft365DefenderEvents.json'), 300) });
  corpus.push({ name: 'mde_proc.csv', bytes: headLines(join(DATASETS, 'mde/mde_proc_cs1.csv'), 150) });
  corpus.push({
    name: 'sysmon.jsonl',
    bytes: readFileSync(join(DATASETS, 'evtx-attack-samples/LM_impacket_docmexec_mmc_sysmon_01.jsonl')),
  });
}

const BYTE_TOKENS = [
  [0x22],
  [0x2c],
  [0x0a],
  [0x0d, 0x0a],
  [0x00],
  [0xff],
  [0xed, 0xa0, 0x80],
  [0x7b],
  [0x7d],
  [0x5b],
  [0x09],
  [0xef, 0xbb, 0xbf],
  [0xc3],
];

/** Byte-level mutations: flip, cut, truncate, duplicate a range, insert a structural byte. */
const bytesMutation = (base: Uint8Array): fc.Arbitrary<Uint8Array> =>
  fc
    .array(
      fc.tuple(
        fc.nat(),
        fc.nat({ max: 300 }),
        fc.nat({ max: 255 }),
        fc.integer({ min: 0, max: BYTE_TOKENS.length - 1 }),
        fc.constantFrom('flip', 'cut', 'truncate', 'dup', 'insert'),
      ),
      {
        minLength: 1,
        maxLength: 5,
      },
    )
    .map((edits) => {
      let b = Array.from(base);
      for (const [at, len, byte, tok, kind] of edits) {
        const i = b.length === 0 ? 0 : at % b.length;
        if (kind === 'flip') b[i] = byte;
        else if (kind === 'cut') b.splice(i, len);
        else if (kind === 'truncate') b = b.slice(0, i);
        else if (kind === 'dup') b.splice(i, 0, ...b.slice(i, i + len));
        else b.splice(i, 0, ...BYTE_TOKENS[tok]!);
      }
      return Uint8Array.from(b);
    });

async function checkIngest(name: string, bytes: Uint8Array, chunk: number): Promise<IngestResult[]> {
  const t0 = performance.now();
  const results = await ingestAny(name, bytesChunks(bytes, chunk));
  const ms = performance.now() - t0;
  expect(ms, `${name}: ingest took ${ms.toFixed(0)} ms`).toBeLessThan(CASE_BOUND_MS);
  expect(results.length).toBeGreaterThan(0);
  for (const r of results) {
    const p = r.report;
    expect(
      rowsAccountedFor(p),
      `${name}: ${p.rowsRead} read ≠ ${p.rowsLoaded} + ${p.rowsRejected} + ${p.rowsSkipped ?? 0}`,
    ).toBe(true);
    expect(r.table.rowCount).toBe(p.rowsLoaded);
    for (const c of r.table.columns) expect(c.length).toBe(r.table.rowCount);
    if (p.fatal !== undefined) expect(p.fatal.length, 'fatal message').toBeGreaterThan(5);
    for (const j of p.rejects) {
      expect(j.reason.length, 'reject reason').toBeGreaterThan(5);
      expect(j.line).toBeGreaterThanOrEqual(1);
    }
    const rejectTotal = Object.values(p.rejectCounts).reduce((a: number, n) => a + (n ?? 0), 0);
    expect(rejectTotal).toBe(p.rowsRejected);
  }
  return results;
}

describe('fuzz: readers (CSV, JSON lines, Arrow, Parquet) on mutated real files', () => {
  for (const c of corpus) {
    it(`${c.name}: mutants never crash or hang, and account for every row`, async () => {
      // The unmutated file first: nothing lost.
      const clean = await checkIngest(c.name, c.bytes, 1 << 16);
      expect(clean.reduce((n, r) => n + r.report.rowsLoaded, 0)).toBeGreaterThan(0);
      await fc.assert(
        fc.asyncProperty(bytesMutation(c.bytes), fc.integer({ min: 1, max: 70_000 }), async (bytes, chunk) => {
          count(`ingest-${c.name.split('.').pop()}`);
          await checkIngest(c.name, bytes, chunk);
        }),
        { seed: SEED + c.name.length, numRuns: RUNS ?? (c.bytes.length > 200_000 ? 40 : 120) },
      );
    }, 240_000);
  }

  it('random bytes and empty / tiny inputs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4000 }),
        fc.constantFrom('x.csv', 'x.json', 'x.arrow', 'x.parquet'),
        fc.integer({ min: 1, max: 5000 }),
        async (bytes, name, chunk) => {
          count('ingest-random-bytes');
          await checkIngest(name, bytes, chunk);
        },
      ),
      { seed: SEED + 99, numRuns: RUNS ?? 300 },
    );
    for (const magic of [
      '',
      'ARROW1',
      'PAR1',
      '\x1f\x8b',
      'PK\x03\x04',
      '\xff\xfe',
      '{',
      '[',
      'Timestamp,DeviceId\n',
    ]) {
      count('ingest-random-bytes');
      await checkIngest(
        'tiny',
        Uint8Array.from(magic, (ch) => ch.charCodeAt(0)),
        3,
      );
    }
  });
});

// --- Accounting over every real recording, read in place ------------------------------------------

/** Rows in a file as an independent reader counts them (not dcomlens's readers). */
function independentRows(path: string): number | null {
  const lower = path.toLowerCase();
  const countLines = (b: Uint8Array) =>
    new TextDecoder()
      .decode(b)
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '').length;
  if (lower.endsWith('.csv'))
    return (parseCsv(readFileSync(path), { bom: true, relaxColumnCount: true }) as unknown[]).length - 1;
  if (lower.endsWith('.json') || lower.endsWith('.jsonl')) {
    const text = readFileSync(path, 'utf8').trimStart();
    if (text.startsWith('[')) return (JSON.parse(text) as unknown[]).length;
    return countLines(readFileSync(path));
  }
  if (lower.endsWith('.zip')) {
    const entries = unzipSync(readFileSync(path));
    return Object.values(entries).reduce((n, b) => n + countLines(b), 0);
  }
  if (lower.endsWith('.arrow')) return tableFromIPC(readFileSync(path)).numRows;
  if (lower.endsWith('.evtx')) return 0; // binary event logs are refused as a whole (fatal), no rows read
  return null;
}

function recordings(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(csv|json|jsonl|zip|evtx|arrow|parquet)$/i.test(f) && !f.startsWith('_')) out.push(p);
    }
  };
  if (existsSync(DATASETS)) walk(DATASETS);
  for (const f of readdirSync(SAMPLES)) if (/\.(csv|arrow)$/.test(f)) out.push(join(SAMPLES, f));
  return out.sort();
}

describe('accounting over every real recording', () => {
  const files = recordings();
  it.skipIf(!existsSync(DATASETS) && !process.env.CI)('finds the recordings', () => {
    expect(files.length).toBeGreaterThan(10);
  });
  for (const path of files) {
    it(`${path.replace(`${DATASETS}/`, '').replace(`${ROOT}/`, '')}: loaded + rejected + skipped = rows in the file`, async () => {
      const results = await ingestAnyPath(path);
      for (const r of results) expect(rowsAccountedFor(r.report), `${r.report.file} ${r.report.table}`).toBe(true);
      const read = results.reduce((n, r) => n + r.report.rowsRead, 0);
      const loaded = results.reduce((n, r) => n + r.report.rowsLoaded, 0);
      const expected = independentRows(path);
      console.log(
        `accounting ${path.split('/').pop()}: ${expected ?? '?'} rows in the file, ${read} read = ${loaded} loaded + ${results.reduce((n, r) => n + r.report.rowsRejected, 0)} rejected + ${results.reduce((n, r) => n + (r.report.rowsSkipped ?? 0), 0)} skipped`,
      );
      if (expected !== null) expect(read).toBe(expected);
      if (path.endsWith('.evtx')) expect(results[0]!.report.fatal).toMatch(/evtx/);
    }, 120_000);
  }
});
