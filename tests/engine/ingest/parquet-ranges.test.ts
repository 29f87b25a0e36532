/**
 * Parquet is read by byte range: the footer, then row group by row group only the column chunks
 * that are kept. These tests measure what the reader asks of its source (bytes, largest request),
 * check the result against the whole-file decoder, and cover progress, cancellation, dictionaries
 * that change between row groups, and corrupt chunks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Dictionary,
  Int32,
  Int64,
  makeData,
  makeVector,
  Table,
  TimestampNanosecond,
  tableFromIPC,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import { blobSource, bytesSource, type FileSource } from '../../../src/engine/ingest/byte-source';
import { ingestAny, rowsAccountedFor } from '../../../src/engine/ingest/ingest';
import { nodeFileSource } from '../../../src/engine/ingest/node-source';
import { footerLength, parseFooter } from '../../../src/engine/ingest/parquet-footer';
import { readParquetTable, type ParquetReadStats } from '../../../src/engine/ingest/read-parquet-table';
import { decodeStruct, encodeStruct } from '../../../src/engine/ingest/thrift-compact';
import { getValue } from '../../../src/engine/table/column';
import type { Table as EngineTable } from '../../../src/engine/table/table';
import { formatDateTime } from '../../../src/engine/time/ticks';

const ROWS = 6000;
const GROUP = 1000;
const T0 = 1714557600000000000n; // 2024-05-01T10:00:00Z in ns

function col(t: EngineTable, name: string): unknown[] {
  const i = t.schema.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`no column ${name}`);
  const c = t.columns[i]!;
  return Array.from({ length: t.rowCount }, (_, r) => {
    const v = getValue(c, r);
    return typeof v === 'bigint' ? formatDateTime(v) : v;
  });
}

/** A DeviceProcessEvents export with three wide columns the rule never reads. */
function wideProcessTable(rows = ROWS): Table {
  // Incompressible text, as command lines and JSON fields mostly are after Snappy.
  let seed = 1;
  const noise = (n: number): string => {
    let s = '';
    while (s.length < n) s += ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 4).toString(36);
    return s.slice(0, n);
  };
  const wide = (tag: string) => Array.from({ length: rows }, (_, i) => `${tag}${i}:${noise(400)}`);
  return new Table({
    Timestamp: makeVector(
      makeData({
        type: new TimestampNanosecond(),
        length: rows,
        nullCount: 0,
        data: BigInt64Array.from({ length: rows }, (_, i) => T0 + BigInt(i) * 1_000_000_000n),
      }),
    ),
    // The dictionary differs from one row group to the next.
    DeviceName: vectorFromArray(
      Array.from({ length: rows }, (_, i) => `ws${Math.floor(i / GROUP)}-${i % 3}`),
      new Dictionary(new Utf8(), new Int32()),
    ),
    AdditionalFields: vectorFromArray(wide('a'), new Utf8()),
    FileName: vectorFromArray(
      Array.from({ length: rows }, (_, i) => `f${i % 17}.exe`),
      new Utf8(),
    ),
    ProcessCommandLine: vectorFromArray(wide('c'), new Utf8()),
    ProcessId: makeVector(
      makeData({
        type: new Int64(),
        length: rows,
        nullCount: 0,
        data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)),
      }),
    ),
    FolderPath: vectorFromArray(wide('p'), new Utf8()),
  });
}

function toParquet(t: Table, groupRows = GROUP): Uint8Array {
  const props = new parquet.WriterPropertiesBuilder()
    .setMaxRowGroupSize(groupRows)
    .setCompression(parquet.Compression.SNAPPY)
    .build();
  return parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(t, 'stream')), props);
}

const FILE = toParquet(wideProcessTable());
const NEEDED = ['Timestamp', 'DeviceName', 'FileName', 'ProcessId'];

function newStats(): ParquetReadStats {
  return { requests: 0, bytesRead: 0, largestRead: 0 };
}

function footerOf(bytes: Uint8Array) {
  const len = footerLength(bytes.subarray(bytes.length - 8), bytes.length);
  return { len, footer: parseFooter(bytes.subarray(bytes.length - 8 - len, bytes.length - 8), bytes.length) };
}

describe('Parquet footer (Thrift compact protocol)', () => {
  it('decodes and re-encodes a real footer byte for byte', () => {
    const len = footerLength(FILE.subarray(FILE.length - 8), FILE.length);
    const bytes = FILE.subarray(FILE.length - 8 - len, FILE.length - 8);
    const { struct, end } = decodeStruct(bytes);
    expect(end).toBe(bytes.length);
    expect(encodeStruct(struct)).toEqual(bytes.slice());
  });

  it('finds every row group and its column chunks by byte range', () => {
    const { footer } = footerOf(FILE);
    expect(footer.numRows).toBe(ROWS);
    expect(footer.rowGroups.map((g) => g.numRows)).toEqual(Array(ROWS / GROUP).fill(GROUP));
    expect(footer.columns).toEqual(wideProcessTable(1).schema.fields.map((f) => f.name));
    // Chunks tile the data section: each starts where the previous one ended.
    const chunks = footer.rowGroups.flatMap((g) => g.chunks);
    expect(chunks[0]!.start).toBe(4);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBe(chunks[i - 1]!.end);
  });

  it('corrupt footers end in a clear error, never a hang', () => {
    const { len } = footerOf(FILE);
    const bytes = FILE.subarray(FILE.length - 8 - len, FILE.length - 8);
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let k = 0; k < 300; k++) {
      const b = bytes.slice(0, k % 3 === 0 ? rnd(bytes.length) : bytes.length);
      for (let j = 0; j < 4; j++) b[rnd(b.length)] = rnd(256);
      try {
        parseFooter(b, FILE.length);
      } catch (e) {
        expect((e as Error).message).toMatch(/Parquet/);
      }
    }
  });
});

describe('Parquet by byte range', () => {
  it('reads only the kept columns: bytes read and the largest request are bounded by them', async () => {
    const stats = newStats();
    const r = await readParquetTable('wide.parquet', bytesSource(FILE), { columns: NEEDED }, stats);
    expect(r.report.fatal).toBeUndefined();
    expect(r.report.rowsLoaded).toBe(ROWS);
    const { footer, len } = footerOf(FILE);
    const kept = footer.rowGroups.flatMap((g) => g.chunks.filter((c) => NEEDED.includes(c.column)));
    const keptBytes = kept.reduce((s, c) => s + c.end - c.start, 0);
    // Header magic, tail, footer, then one request per kept chunk, and nothing else.
    expect(stats.requests).toBe(3 + kept.length);
    expect(stats.bytesRead).toBe(4 + 8 + len + keptBytes);
    expect(stats.largestRead).toBe(Math.max(len, ...kept.map((c) => c.end - c.start)));
    // The unneeded wide columns are most of the file, and were never read.
    expect(stats.bytesRead).toBeLessThan(FILE.length / 10);
    expect(r.report.columnsIgnored).toEqual(['AdditionalFields', 'ProcessCommandLine', 'FolderPath']);
  });

  it('gives the same table as the whole-file decoder, dictionaries changing by row group included', async () => {
    const r = await readParquetTable('wide.parquet', bytesSource(FILE), { columns: NEEDED });
    const whole = tableFromIPC(parquet.readParquet(FILE).intoIPCStream());
    expect(col(r.table, 'DeviceName')).toEqual(whole.getChild('DeviceName')!.toArray());
    expect(col(r.table, 'FileName')).toEqual(whole.getChild('FileName')!.toArray());
    expect(col(r.table, 'ProcessId')).toEqual(Array.from(whole.getChild('ProcessId')!.toArray(), Number));
    expect(col(r.table, 'Timestamp')[GROUP * 3 + 5]).toBe('2024-05-01T10:50:05.0000000Z');
    expect(new Set(col(r.table, 'DeviceName')).size).toBe((ROWS / GROUP) * 3);
  });

  it('the Node file source reads by range through ingestAny (one code path with the browser Blob)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcomlens-pq-'));
    try {
      const path = join(dir, 'wide.parquet');
      writeFileSync(path, FILE);
      const src = await nodeFileSource(path);
      let bytes = 0;
      let largest = 0;
      let closed = 0;
      const counted: FileSource = {
        size: src.size,
        read: async (a, b) => {
          const out = await src.read(a, b);
          bytes += out.length;
          largest = Math.max(largest, out.length);
          return out;
        },
        chunks: () => {
          throw new Error('a Parquet file must not be streamed whole');
        },
        close: async () => {
          closed++;
          await src.close?.();
        },
      };
      const [r, ...rest] = await ingestAny('wide.parquet', counted, {
        columnsByTable: { DeviceProcessEvents: NEEDED },
      });
      expect(rest).toEqual([]);
      expect(r!.report.recognised).toBe('DeviceProcessEvents');
      expect(r!.report.rowsLoaded).toBe(ROWS);
      expect(closed).toBe(1);
      expect(bytes).toBeLessThan(FILE.length / 10);
      expect(largest).toBeLessThan(FILE.length / 50);
      // A Blob gives the same result through the same reader.
      const [b] = await ingestAny('wide.parquet', bytesSource(FILE), {
        columnsByTable: { DeviceProcessEvents: NEEDED },
      });
      expect(col(b!.table, 'DeviceName')).toEqual(col(r!.table, 'DeviceName'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports progress per row group, in bytes of the file and rows, ending at the size', async () => {
    const seen: [number, number][] = [];
    await readParquetTable('wide.parquet', bytesSource(FILE), {
      columns: NEEDED,
      onProgress: (b, r) => seen.push([b, r]),
    });
    expect(seen.length).toBeGreaterThanOrEqual(ROWS / GROUP);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0]);
      expect(seen[i]![1]).toBeGreaterThanOrEqual(seen[i - 1]![1]);
    }
    expect(seen.at(-1)).toEqual([FILE.length, ROWS]);
    expect(seen.some(([b]) => b > 0 && b < FILE.length / 2)).toBe(true);
  });

  it('cancels between row groups: the rest of the file is never read', async () => {
    const ctl = new AbortController();
    const stats = newStats();
    const run = readParquetTable(
      'wide.parquet',
      bytesSource(FILE),
      { columns: NEEDED, signal: ctl.signal, onProgress: (_b, rows) => rows >= GROUP && ctl.abort() },
      stats,
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    const full = newStats();
    await readParquetTable('wide.parquet', bytesSource(FILE), { columns: NEEDED }, full);
    expect(stats.bytesRead).toBeLessThan(full.bytesRead / 2);
  });

  it('keeps nothing but still counts the rows, reading only the cheapest column', async () => {
    const stats = newStats();
    const r = await readParquetTable('wide.parquet', bytesSource(FILE), { columns: ['NoSuchColumn'] }, stats);
    expect(r.report.rowsRead).toBe(ROWS);
    expect(r.report.columnsMissing).toEqual(['NoSuchColumn']);
    expect(stats.bytesRead).toBeLessThan(FILE.length / 20);
  });

  it('a header without rows (no row groups) loads nothing and says so without a fatal', async () => {
    const empty = toParquet(wideProcessTable(0));
    expect(footerOf(empty).footer.rowGroups).toEqual([]);
    const r = await readParquetTable('empty.parquet', bytesSource(empty), { columns: NEEDED });
    expect(r.report.fatal).toBeUndefined();
    expect(r.report.rowsRead).toBe(0);
    expect(r.report.columnsMapped.map((c) => c.name)).toEqual(NEEDED);
  });

  it('a corrupt chunk is reported with its row group; the rows before it load; nothing crashes', async () => {
    const { footer } = footerOf(FILE);
    const target = footer.rowGroups[2]!.chunks.find((c) => c.column === 'FileName')!;
    let seed = 11;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    let reported = 0;
    for (let k = 0; k < 25; k++) {
      const bad = FILE.slice();
      for (let j = 0; j < 12; j++) bad[target.start + rnd(target.end - target.start)] = rnd(256);
      const r = await readParquetTable('bad.parquet', bytesSource(bad), { columns: NEEDED });
      expect(rowsAccountedFor(r.report)).toBe(true);
      const text = [r.report.fatal ?? '', ...r.report.warnings].join('\n');
      if (r.report.rowsRead < ROWS) {
        reported++;
        expect(text).toMatch(/row group 3 of 6/);
        expect(text).toMatch(/records the footer announces were not read|Parquet/);
        expect(r.report.rowsRead).toBe(2 * GROUP);
      }
    }
    expect(reported).toBeGreaterThan(0);
  });

  it('a file cut short, or a footer pointing outside the file, ends in a clear fatal', async () => {
    const cut = await readParquetTable('cut.parquet', bytesSource(FILE.subarray(0, FILE.length - 100)));
    expect(cut.report.fatal).toMatch(/truncated Parquet file/);
    // A valid footer appended to a file whose data was cut: the chunks lie outside it.
    const { len } = footerOf(FILE);
    const tail = FILE.subarray(FILE.length - 8 - len);
    const joined = new Uint8Array(4 + 100 + tail.length);
    joined.set(FILE.subarray(0, 104));
    joined.set(tail, 104);
    const r = await readParquetTable('short.parquet', bytesSource(joined));
    expect(r.report.fatal).toMatch(/row group 1, column chunk \d+ \(\w+\) lies at bytes \d+-\d+, outside the data/);
  });

  it('a Blob range read that stalls still ends at once on cancel', async () => {
    const real = new Blob([FILE.slice()]);
    const stalled = {
      size: real.size,
      slice: () => ({ arrayBuffer: () => new Promise<ArrayBuffer>(() => undefined) }),
    } as unknown as Blob;
    const ctl = new AbortController();
    const run = ingestAny(
      'stalled.parquet',
      blobSource(stalled, () => (async function* () {})(), ctl.signal),
    );
    setTimeout(() => ctl.abort(), 10);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    // The same source over a real Blob reads the file by range.
    const [r] = await ingestAny(
      'wide.parquet',
      blobSource(real, () => (async function* () {})()),
      { columns: NEEDED },
    );
    expect(r!.report.rowsLoaded).toBe(ROWS);
  });
});
