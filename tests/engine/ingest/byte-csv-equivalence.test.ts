import { parse as oracleParse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteCsvScanner, type ByteRecordView } from '../../../src/engine/ingest/byte-csv-reader';
import { CsvScanner, type CsvIssue, type CsvReaderOptions } from '../../../src/engine/ingest/csv-reader';
import { readCsvTable, type IngestOptions, type IngestResult } from '../../../src/engine/ingest/read-csv-table';
import { DEVICE_PROCESS_EVENTS } from '../../../src/engine/table/defender-schema';
import { getValue } from '../../../src/engine/table/column';
import { shape, toCsv, utf8 } from './csv-harness';

/**
 * The byte-level CSV path (byte-csv-reader.ts) against the text path (csv-reader.ts) on the same
 * bytes and the same chunking: tables cell by cell, dictionaries as sets, reports (rejects with
 * line, column, position and reason; warnings) exactly; and csv-parse as the independent oracle
 * for well-formed documents.
 */

async function* cutAt(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let prev = 0;
  for (const c of [...[...cuts].sort((a, b) => a - b), bytes.length]) {
    if (c > prev) yield bytes.subarray(prev, c);
    prev = Math.max(prev, c);
  }
}

function read(bytes: Uint8Array, cuts: readonly number[], fast: boolean, opts: IngestOptions): Promise<IngestResult> {
  return readCsvTable('export.csv', cutAt(bytes, cuts), { ...opts, byteFastPath: fast });
}

async function expectSame(bytes: Uint8Array, cuts: readonly number[], opts: IngestOptions = {}): Promise<IngestResult> {
  const slow = await read(bytes, cuts, false, opts);
  const fast = await read(bytes, cuts, true, opts);
  expect(shape(fast)).toEqual(shape(slow));
  const inv = fast.report;
  expect(inv.rowsRead).toBe(inv.rowsLoaded + inv.rowsRejected);
  return fast;
}

function cutsFrom(len: number, seed: number, size: number): number[] {
  // Mix of a fixed size and pseudo-random cuts (deterministic per seed).
  const cuts: number[] = [];
  let x = seed >>> 0 || 1;
  for (let i = size; i < len; i += size) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    cuts.push(x % 3 === 0 ? Math.max(1, i - (x % size)) : i);
  }
  return cuts;
}

interface Scanned {
  header: string[] | null;
  records: { line: number; index: number; fields: string[]; fl: number[]; fc: number[] }[];
  rejects: CsvIssue[];
  summary: unknown;
  textPath?: boolean;
}

function scanText(bytes: Uint8Array, cuts: readonly number[], opts: CsvReaderOptions): Scanned {
  const out: Scanned = { header: null, records: [], rejects: [], summary: null };
  const sc = new CsvScanner(
    {
      header: (f) => (out.header = [...f]),
      record: (r) =>
        out.records.push({
          line: r.line,
          index: r.index,
          fields: r.fields(),
          fl: r.fields().map((_, i) => r.fieldLine(i)),
          fc: r.fields().map((_, i) => r.fieldColumn(i)),
        }),
      reject: (i) => out.rejects.push(i),
    },
    opts,
  );
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > prev) sc.pushBytes(bytes.subarray(prev, c));
    prev = Math.max(prev, c);
  }
  out.summary = sc.finish();
  return out;
}

function scanBytes(bytes: Uint8Array, cuts: readonly number[], opts: CsvReaderOptions): Scanned {
  const out: Scanned = { header: null, records: [], rejects: [], summary: null };
  const push = (
    r: { line: number; index: number; fields(): string[] } & Pick<ByteRecordView, 'fieldLine' | 'fieldColumn'>,
  ): void => {
    out.records.push({
      line: r.line,
      index: r.index,
      fields: r.fields(),
      fl: r.fields().map((_, i) => r.fieldLine(i)),
      fc: r.fields().map((_, i) => r.fieldColumn(i)),
    });
  };
  const sc = new ByteCsvScanner(
    { header: (f) => (out.header = [...f]), record: push, recordBytes: push, reject: (i) => out.rejects.push(i) },
    opts,
  );
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > prev) sc.pushBytes(bytes.subarray(prev, c));
    prev = Math.max(prev, c);
  }
  out.summary = sc.finish();
  out.textPath = sc.usedTextPath;
  return out;
}

const PROC_COLS = DEVICE_PROCESS_EVENTS.map((c) => c.name);

function procRow(i: number): string[] {
  return DEVICE_PROCESS_EVENTS.map((c) => {
    switch (c.type) {
      case 'datetime':
        return `2026-05-01T10:00:${String(i % 60).padStart(2, '0')}.${String(1234567 + i).slice(0, 7)}Z`;
      case 'long':
        return String(1000 + i);
      case 'bool':
        return i % 2 === 0 ? 'true' : 'false';
      case 'dynamic':
        return `{"Key":"v${i}","Quote":"a\\"b"}`;
      default:
        return c.name === 'DeviceName'
          ? `host${i % 3}.corp`
          : c.name === 'FileName'
            ? `fïle-😀-${i % 4}.exe`
            : `${c.name}-${i}`;
    }
  });
}

// Cells a Defender-typed column may hold, valid and not: every decoder's shapes and rejects.
const TYPED_CELLS = [
  '2026-05-01T10:00:00Z',
  '2026-05-01T10:00:00.1234567Z',
  '2026-05-01 10:00:00.123',
  ' 2026-05-01T10:00:00Z ',
  '2026-02-30T10:00:00Z',
  '5/1/2026, 10:00:00.123 AM',
  '2026-05-01T10:00:00+02:00',
  '2026-05-01',
  '12',
  '-7',
  ' 42 ',
  '+3',
  '9007199254740993',
  '2147483648',
  '1.5',
  'true',
  'FALSE',
  '0',
  'yes',
  '',
  'x',
  'é',
];

/** A document with a Defender header subset (typed columns) and random cells. */
const typedDoc = fc.record({
  rows: fc.array(
    fc.array(
      fc.oneof(
        fc.constantFrom(...TYPED_CELLS),
        fc.string({
          unit: fc.constantFrom('a', ' ', ',', '"', '\r', '\n', '\t', 'é', '😀', '\u0000', ';'),
          maxLength: 6,
        }),
      ),
      { minLength: 6, maxLength: 6 },
    ),
    { maxLength: 12 },
  ),
  eol: fc.constantFrom('\r\n', '\n', '\r'),
  delimiter: fc.constantFrom(',', '\t'),
  bom: fc.boolean(),
  trailing: fc.boolean(),
  extra: fc.constantFrom('', '\n\n', ',,', '"open'),
  maxRecordLength: fc.constantFrom(undefined, 12, 40, 200),
  size: fc.integer({ min: 1, max: 64 }),
  seed: fc.nat(),
});
const TYPED_HEADER = [
  'Timestamp',
  'DeviceName',
  'ProcessId',
  'IsProcessRemoteSession',
  'InitiatingProcessCreationTime',
  'FileSize',
];

describe('byte CSV path == text path', () => {
  it('seeded random typed documents at random chunkings: tables and reports', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(typedDoc, async (d) => {
        runs++;
        const text =
          (d.bom ? '\uFEFF' : '') +
          toCsv([TYPED_HEADER, ...d.rows], d.delimiter, d.eol) +
          (d.trailing ? d.eol : '') +
          d.extra;
        const bytes = utf8(text);
        const opts: IngestOptions = {
          table: 'DeviceProcessEvents',
          ...(d.maxRecordLength !== undefined ? { maxRecordLength: d.maxRecordLength } : {}),
        };
        await expectSame(bytes, cutsFrom(bytes.length, d.seed, d.size), opts);
      }),
      { seed: 6006, numRuns: 400 },
    );
    expect(runs).toBe(400);
  });

  it('mutated Defender CSVs (invalid UTF-8, NUL, quotes, BOMs, line ends) at random chunk sizes', async () => {
    const base = utf8(toCsv([PROC_COLS, ...Array.from({ length: 6 }, (_, i) => procRow(i))], ',', '\r\n') + '\r\n');
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            at: fc.nat(),
            op: fc.constantFrom('ins', 'del', 'set'),
            bytes: fc.constantFrom(
              [0],
              [10],
              [13],
              [34],
              [44],
              [48],
              [0xff],
              [0xc3],
              [0xef, 0xbb, 0xbf],
              [0xef, 0xbf, 0xbd],
              [0xf0, 0x9f],
              [9],
              [32],
              [45],
            ),
          }),
          { maxLength: 8 },
        ),
        fc.integer({ min: 1, max: 400 }),
        fc.nat(),
        fc.constantFrom(undefined, 300, 2000),
        async (ops, size, seed, maxRecordLength) => {
          runs++;
          const b = [...base];
          for (const o of ops) {
            const i = o.at % (b.length + 1);
            if (o.op === 'ins') b.splice(i, 0, ...o.bytes);
            else if (o.op === 'del') b.splice(i, o.bytes.length);
            else b.splice(i, o.bytes.length, ...o.bytes);
          }
          const bytes = new Uint8Array(b);
          const cols = [
            'Timestamp',
            'DeviceName',
            'FileName',
            'ProcessId',
            'ProcessCommandLine',
            'IsProcessRemoteSession',
            'AdditionalFields',
          ];
          await expectSame(bytes, cutsFrom(bytes.length, seed, size), {
            columns: cols,
            ...(maxRecordLength !== undefined ? { maxRecordLength } : {}),
          });
        },
      ),
      { seed: 77, numRuns: 300 },
    );
    expect(runs).toBe(300);
  });

  it('every chunk size 1..16 on a Defender CSV with escapes, multibyte text and a reject', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => procRow(i));
    rows[2]![PROC_COLS.indexOf('ProcessCommandLine')] = 'cmd /c "a ""b"" c"\r\nnext é';
    rows[3]![PROC_COLS.indexOf('ProcessId')] = '12x';
    const bytes = utf8(toCsv([PROC_COLS, ...rows]) + '\r\n');
    for (let size = 1; size <= 16; size++) {
      const r = await expectSame(bytes, cutsFrom(bytes.length, 0, size));
      expect(r.report.rowsLoaded).toBe(4);
      expect(r.report.rejects[0]!.position).toBeGreaterThan(1);
    }
  });

  it('scanner level: records, field lines/columns, rejects and summary equal CsvScanner; clean input stays on the byte path', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\r', '\n', '\t', 'é', '😀', '€', '\u0000'),
          maxLength: 120,
        }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom(undefined, 8, 30),
        (text, size, maxRecordLength) => {
          const bytes = utf8('h1,h2,h3\n' + text);
          const cuts = cutsFrom(bytes.length, size * 31, size);
          const opts = maxRecordLength === undefined ? {} : { maxRecordLength };
          const fast = scanBytes(bytes, cuts, opts);
          const slow = scanText(bytes, cuts, opts);
          const { textPath, ...rest } = fast;
          expect(rest).toEqual(slow);
          if (maxRecordLength === undefined) expect(textPath).toBe(false);
        },
      ),
      { seed: 99, numRuns: 1500 },
    );
  });

  it('hands over to the text path on invalid UTF-8 and keeps the warning identical', () => {
    const bytes = new Uint8Array([...utf8('a,b\n1,2\n3,'), 0xff, ...utf8('x\n5,6\n')]);
    for (const size of [1, 2, 3, 5, 8, 100]) {
      const cuts = cutsFrom(bytes.length, 1, size);
      const fast = scanBytes(bytes, cuts, {});
      expect(fast.textPath).toBe(true);
      const { textPath: _t, ...rest } = fast;
      expect(rest).toEqual(scanText(bytes, cuts, {}));
    }
  });
});

describe('byte CSV path: csv-parse as the independent oracle', () => {
  it('well-formed random documents: every cell equals csv-parse', async () => {
    const field = fc.string({
      unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\r', '\n', '\t', 'é', '😀', '€', ';'),
      maxLength: 8,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 5 }).chain((w) =>
          fc.record({
            rows: fc.array(fc.array(field, { minLength: w, maxLength: w }), { minLength: 1, maxLength: 8 }),
            eol: fc.constantFrom('\r\n', '\n'),
            bom: fc.boolean(),
            size: fc.integer({ min: 1, max: 40 }),
            w: fc.constant(w),
          }),
        ),
        async ({ rows, eol, bom, size, w }) => {
          const header = Array.from({ length: w }, (_, i) => `c${i}`);
          // A lone empty field would be a blank line: csv-parse and we both skip those.
          const body = rows.filter((r) => !(r.length === 1 && r[0] === ''));
          const text = (bom ? '\uFEFF' : '') + toCsv([header, ...body], ',', eol) + eol;
          const bytes = utf8(text);
          const { table, report } = await read(bytes, everyCut(bytes.length, size), true, { delimiter: ',' });
          const expected = (
            oracleParse(text, {
              bom: true,
              delimiter: ',',
              relax_column_count: true,
              skip_empty_lines: true,
            }) as string[][]
          ).slice(1);
          expect(report.rowsLoaded).toBe(expected.length);
          const got = Array.from({ length: table.rowCount }, (_, r) => table.columns.map((c) => getValue(c, r)));
          expect(got).toEqual(expected);
        },
      ),
      { seed: 4243, numRuns: 300 },
    );
  });
});

function everyCut(len: number, size: number): number[] {
  const cuts: number[] = [];
  for (let i = size; i < len; i += size) cuts.push(i);
  return cuts;
}
