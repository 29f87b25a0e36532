import type { RecordBatch } from 'apache-arrow';
import {
  Dictionary,
  DurationMicrosecond,
  DurationNanosecond,
  DurationSecond,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeUtf8,
  makeData,
  MessageReader,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  makeVector,
  Table as ArrowTable,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint32,
  Utf8,
  Vector,
  tableToIPC,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convertTicks, TickRange, ticksOfUnits } from '../../../src/engine/ingest/arrow-ticks';
import { bytesRandomAccess, withRandomAccess, type RandomAccess } from '../../../src/engine/ingest/chunk-sources';
import { blobSource, ingestAny, ingestFile } from '../../../src/engine/ingest/ingest';
import type { IngestOptions } from '../../../src/engine/ingest/read-csv-table';
import { getValue } from '../../../src/engine/table/column';
import { columnIndex, type Table } from '../../../src/engine/table/table';
import { MAX_DATETIME_TICKS, UNIX_EPOCH_TICKS } from '../../../src/engine/time/ticks';
import { chunksOf } from './csv-harness';

function big64(type: DataType, vals: readonly (bigint | null)[]): Vector {
  const data = new BigInt64Array(vals.map((v) => BigInt.asIntN(64, v ?? 0n)));
  const bitmap = new Uint8Array(Math.max(1, Math.ceil(vals.length / 8)));
  vals.forEach((v, i) => {
    if (v !== null) bitmap[i >> 3]! |= 1 << (i & 7);
  });
  const nullCount = vals.filter((v) => v === null).length;
  return makeVector(
    makeData({ type, length: vals.length, nullCount, nullBitmap: nullCount > 0 ? bitmap : null, data } as never),
  );
}

function values(t: Table, name: string): unknown[] {
  const i = columnIndex(t, name);
  expect(i).toBeGreaterThanOrEqual(0);
  const c = t.columns[i]!;
  return Array.from({ length: t.rowCount }, (_, r) => getValue(c, r));
}

/** Byte ranges of `bytes` that count what was read. */
function countingAccess(bytes: Uint8Array): { access: RandomAccess; read: () => number } {
  let read = 0;
  const inner = bytesRandomAccess(bytes);
  return {
    access: {
      size: inner.size,
      async open() {
        const r = await inner.open();
        return {
          read: (o: number, l: number) => {
            read += l;
            return r.read(o, l);
          },
          close: () => r.close(),
        };
      },
    },
    read: () => read,
  };
}

/**
 * The same Arrow table through every reader: stream format, file format from chunks (buffered),
 * and file format by byte ranges. All three must load the same table and report.
 */
async function everyReader(at: ArrowTable | ((format: 'file' | 'stream') => Uint8Array), opts: IngestOptions = {}) {
  const ipc = typeof at === 'function' ? at : (format: 'file' | 'stream') => tableToIPC(at, format);
  const stream = await ingestFile('t.arrows', chunksOf(ipc('stream'), 13), opts);
  const fileBytes = ipc('file');
  const buffered = await ingestFile('t.arrow', chunksOf(fileBytes, 13), opts);
  const ranged = await ingestFile(
    't.arrow',
    withRandomAccess(chunksOf(fileBytes, 13), bytesRandomAccess(fileBytes)),
    opts,
  );
  for (const r of [buffered, ranged]) {
    expect(r.table.schema).toEqual(stream.table.schema);
    expect(r.table.rowCount).toBe(stream.table.rowCount);
    for (const c of stream.table.schema) expect(values(r.table, c.name)).toEqual(values(stream.table, c.name));
    expect(r.report.rejects).toEqual(stream.report.rejects);
  }
  return [stream, buffered, ranged];
}

const INT64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
/** Values near the interesting edges: the datetime range of each unit, 2^32 boundaries, small. */
const EDGY = fc.oneof(
  INT64,
  fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }),
  fc.constantFrom(0n, -1n, 1n, 99n, -99n, -100n, -101n, (1n << 32n) - 1n, 1n << 32n, -(1n << 32n)),
  fc.bigInt({ min: -62135596800n * 1_000_000n, max: 253402300800n * 1_000_000n }),
  fc.constantFrom(
    -62135596800n,
    -62135596801n,
    253402300799n,
    253402300800n,
    -62135596800000n,
    253402300799999n,
    253402300800000n,
    -62135596800000000n,
    253402300799999999n,
    253402300800000000n,
  ),
);

describe('Arrow time units to ticks without BigInt per cell', () => {
  it('equals the BigInt reference for every unit, datetime and duration, nulls and range failures', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(EDGY, { nil: null }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        (vals, unit, epoch, at) => {
          const src = new BigInt64Array(vals.map((v) => v ?? 0n));
          const dst = new BigInt64Array(at + vals.length).fill(-7n);
          const bad: number[] = [];
          const count = convertTicks(
            new Int32Array(src.buffer),
            vals.length,
            unit,
            epoch,
            new Int32Array(dst.buffer),
            at,
            (i) => vals[i] === null,
            (i) => bad.push(i),
          );
          const wantBad: number[] = [];
          vals.forEach((v, i) => {
            if (v === null) {
              expect(dst[at + i]).toBe(0n);
              return;
            }
            const want = ticksOfUnits(v, unit, epoch);
            if (want === null) {
              wantBad.push(i);
              expect(dst[at + i]).toBe(0n);
            } else expect(dst[at + i]).toBe(want);
          });
          expect(bad).toEqual(wantBad);
          expect(count).toBe(wantBad.length);
          for (let i = 0; i < at; i++) expect(dst[i]).toBe(-7n);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('long columns (past the first slices), in place, with runs of one high word and exact multiples of 100', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(1n << 62n), max: 1n << 62n }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        (base, step, unit, epoch) => {
          const n = 1024 + 65536 + 1500;
          const vals = Array.from({ length: n }, (_, i) =>
            BigInt.asIntN(64, i % 97 === 0 ? (base / 100n) * 100n + BigInt(i) * 100n : base + BigInt(i * step)),
          );
          const buf = new BigInt64Array(vals);
          const range = new TickRange();
          const bad: number[] = [];
          const w = new Int32Array(buf.buffer);
          convertTicks(w, n, unit, epoch, w, 0, null, (i) => bad.push(i), range);
          let min: bigint | null = null;
          let max: bigint | null = null;
          const wantBad: number[] = [];
          for (let i = 0; i < n; i++) {
            const want = ticksOfUnits(vals[i]!, unit, epoch);
            if (want === null) wantBad.push(i);
            else {
              if (min === null || want < min) min = want;
              if (max === null || want > max) max = want;
            }
            if (buf[i] !== (want ?? 0n)) expect([i, buf[i]]).toEqual([i, want ?? 0n]);
          }
          expect(bad).toEqual(wantBad);
          expect(range.get()).toEqual(min === null ? null : { min, max });
        },
      ),
      { numRuns: 12 },
    );
  });

  it('every timestamp unit, with nulls and out-of-range values, the same through every reader', async () => {
    const E = UNIX_EPOCH_TICKS;
    const at = new ArrowTable({
      s: big64(new TimestampSecond(), [1777629601n, null, -62135596800n, 253402300800n, -1n]),
      ms: big64(new TimestampMillisecond(), [1777629601123n, -1n, null, 0n, 253402300799999n]),
      us: big64(new TimestampMicrosecond(), [1777629601123456n, -1n, 0n, null, -62135596800000000n]),
      ns: big64(new TimestampNanosecond(), [1777629601123456789n, -1n, -101n, 99n, null]),
      ds: big64(new DurationSecond(), [5n, -5n, null, 0n, 1n]),
      dus: big64(new DurationMicrosecond(), [5n, -5n, 0n, null, 1n]),
      dns: big64(new DurationNanosecond(), [150n, -150n, 0n, 99n, null]),
    });
    const results = await everyReader(at, { columns: ['s', 'ms', 'us', 'ns', 'ds', 'dus', 'dns'] });
    for (const { table, report } of results) {
      // Row 4 (s = 253402300800: 10000-01-01) is out of range and rejected whole.
      expect(report.rejects.map((r) => [r.line, r.column, r.code])).toEqual([[4, 's', 'bad-datetime']]);
      expect(values(table, 's')).toEqual([17776296010000000n + E, null, 0n, E - 10_000_000n]);
      expect(values(table, 'ms')).toEqual([17776296011230000n + E, E - 10_000n, null, MAX_DATETIME_TICKS - 9_999n]);
      expect(values(table, 'us')).toEqual([17776296011234560n + E, E - 10n, E, 0n]);
      expect(values(table, 'ns')).toEqual([17776296011234567n + E, E - 1n, E - 2n, null]);
      expect(values(table, 'ds')).toEqual([50_000_000n, -50_000_000n, null, 10_000_000n]);
      expect(values(table, 'dus')).toEqual([50n, -50n, 0n, 10n]);
      expect(values(table, 'dns')).toEqual([1n, -2n, 0n, null]);
    }
  });
});

describe('Arrow strings: dictionaries kept, plain text interned', () => {
  const texts = ['svchost.exe', null, 'é—ü.exe', '', 'svchost.exe', 'a'.repeat(40), null, 'zz'];

  it('Dictionary<Utf8> (Int8/Int16/Int32 indices), Utf8 and LargeUtf8 give the same column; nulls are ""', async () => {
    const at = new ArrowTable({
      d8: vectorFromArray(texts, new Dictionary(new Utf8(), new Int8())),
      d16: vectorFromArray(texts, new Dictionary(new Utf8(), new Int16())),
      d32: vectorFromArray(texts, new Dictionary(new Utf8(), new Int32())),
      dl: vectorFromArray(texts, new Dictionary(new LargeUtf8(), new Int32())),
      plain: vectorFromArray(texts, new Utf8()),
      large: vectorFromArray(texts, new LargeUtf8()),
    });
    const want = texts.map((t) => t ?? '');
    for (const { table } of await everyReader(at)) {
      for (const name of ['d8', 'd16', 'd32', 'dl', 'plain', 'large']) {
        expect(values(table, name)).toEqual(want);
        const col = table.columns[columnIndex(table, name)]!;
        // Each distinct value once in the dictionary (rows of a value are found by its code).
        if (col.type === 'string') expect(new Set(col.dict).size).toBe(col.dict.length);
      }
    }
  });

  it('dictionary deltas (stream and file) and replacements (stream) across batches', async () => {
    const type = new Dictionary(new Utf8(), new Int32(), 3);
    const d0 = vectorFromArray(['a', 'b'], new Utf8());
    const d1 = vectorFromArray(['c', 'a'], new Utf8()); // a delta may repeat an earlier entry
    const d2 = vectorFromArray(['x', 'b'], new Utf8());
    const batch = (dict: Vector, idx: number[], valid?: boolean[]) => {
      const nullBitmap = valid ? new Uint8Array([valid.reduce((m, v, i) => m | ((v ? 1 : 0) << i), 0)]) : null;
      const data = makeData({
        type,
        length: idx.length,
        nullCount: valid ? valid.filter((v) => !v).length : 0,
        nullBitmap,
        data: Int32Array.from(idx),
        dictionary: dict,
      } as never);
      return new ArrowTable({ s: makeVector(data) }).batches[0]!;
    };
    const grown = new Vector([...(d0.data as never[]), ...(d1.data as never[])]);
    const batches = [batch(d0, [0, 1, 0]), batch(grown, [3, 2, 1, 0], [true, true, false, true])];
    const ipc = (format: 'file' | 'stream'): Uint8Array =>
      (format === 'file' ? RecordBatchFileWriter : RecordBatchStreamWriter).writeAll(batches).toUint8Array(true);
    const want = ['a', 'b', 'a', 'a', 'c', '', 'a'];
    for (const { table } of await everyReader(ipc)) {
      expect(values(table, 's')).toEqual(want);
      // The delta's repeated 'a' and the null's "" are interned once each.
      expect(table.columns[0]).toMatchObject({ dict: ['a', 'b', 'c', ''] });
    }
    // The writer did emit a delta (not a replacement) for the second batch.
    const deltas: boolean[] = [];
    const reader = new MessageReader(ipc('stream'));
    for (let m = reader.readMessage(); m !== null; m = reader.readMessage()) {
      if (m.isDictionaryBatch()) deltas.push(m.header().isDelta);
      reader.readMessageBody(m.bodyLength);
    }
    expect(deltas).toEqual([false, true]);

    const replaced = new ArrowTable([batch(d0, [1, 0]), batch(d2, [0, 1, 0]), batch(d0, [0])] as RecordBatch[]);
    const r = await ingestFile('r.arrows', chunksOf(tableToIPC(replaced, 'stream'), 7));
    expect(values(r.table, 's')).toEqual(['b', 'a', 'x', 'b', 'x', 'a']);
  });
});

describe('Arrow dictionary interning', () => {
  it('an ASCII dictionary then a non-ASCII delta: every value once, rows unchanged', async () => {
    const type = new Dictionary(new Utf8(), new Int32(), 4);
    const long = 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p';
    const d0 = vectorFromArray(['a', long, 'b'], new Utf8());
    const d1 = vectorFromArray(['é', long, 'a', 'b'], new Utf8());
    const grown = new Vector([...(d0.data as never[]), ...(d1.data as never[])]);
    const mk = (dict: Vector, idx: number[]) =>
      new ArrowTable({
        s: makeVector(
          makeData({ type, length: idx.length, nullCount: 0, data: Int32Array.from(idx), dictionary: dict } as never),
        ),
      }).batches[0]!;
    const batches = [mk(d0, [1, 0, 2]), mk(grown, [4, 3, 5, 6, 1])];
    const ipc = (format: 'file' | 'stream'): Uint8Array =>
      (format === 'file' ? RecordBatchFileWriter : RecordBatchStreamWriter).writeAll(batches).toUint8Array(true);
    for (const { table } of await everyReader(ipc)) {
      expect(values(table, 's')).toEqual([long, 'a', 'b', long, 'é', 'a', 'b', long]);
      const col = table.columns[0]!;
      expect(col.type === 'string' && [...col.dict].sort()).toEqual(['a', 'b', long, 'é'].sort());
    }
  });

  it('many long ASCII values with shared prefixes: equal rows get equal codes', async () => {
    const prefix = 'x'.repeat(300);
    const texts = Array.from({ length: 3000 }, (_, i) => `${prefix}${i % 1000}`);
    const at = new ArrowTable({ s: vectorFromArray(texts, new Dictionary(new Utf8(), new Int32())) });
    for (const { table } of await everyReader(at)) {
      const col = table.columns[0]!;
      expect(col.type).toBe('string');
      if (col.type !== 'string') continue;
      expect(col.dict.length).toBe(1000);
      for (let i = 0; i < texts.length; i++) expect(col.dict[col.codes[i]!]).toBe(texts[i]);
    }
  });
});

describe('Arrow numbers through typed-array passes', () => {
  it('small ints, Uint32, Float64 and Int64 into Defender int / long columns with their rejects', async () => {
    const at = new ArrowTable({
      RemotePort: vectorFromArray([1, -2, 3, null, 5], new Int8()),
      LocalPort: vectorFromArray([1, 4294967295, 3, 4, null], new Uint32()),
      InitiatingProcessFileSize: vectorFromArray([1, 2.5, null, 4, 5], new Float64()),
      ReportId: big64(new Int64(), [1n, 2n, 3n, 1n << 60n, null]),
      InitiatingProcessId: vectorFromArray([7, 8, 9, 10, 11], new Int16()),
    });
    const columns = ['RemotePort', 'LocalPort', 'InitiatingProcessFileSize', 'ReportId', 'InitiatingProcessId'];
    for (const { table, report } of await everyReader(at, { table: 'DeviceNetworkEvents', columns })) {
      expect(table.schema.map((c) => c.type)).toEqual(['int', 'int', 'long', 'long', 'long']);
      expect(report.rejects.map((r) => [r.line, r.column, r.code])).toEqual([
        [2, 'LocalPort', 'int-out-of-range'],
        [4, 'ReportId', 'unsafe-integer'],
      ]);
      expect(values(table, 'RemotePort')).toEqual([1, 3, 5]);
      expect(values(table, 'LocalPort')).toEqual([1, 3, null]);
      expect(values(table, 'InitiatingProcessFileSize')).toEqual([1, null, 5]);
      expect(values(table, 'ReportId')).toEqual([1, 3, null]);
      expect(values(table, 'InitiatingProcessId')).toEqual([7, 9, 11]);
    }
  });

  it('a float that is no integer is rejected from a long column', async () => {
    const at = new ArrowTable({ ReportId: vectorFromArray([1, 2.5], new Float64()) });
    for (const { report } of await everyReader(at, { table: 'DeviceNetworkEvents', columns: ['ReportId'] }))
      expect(report.rejects.map((r) => [r.line, r.code])).toEqual([[2, 'bad-number']]);
  });
});

describe('Arrow file format by byte ranges', () => {
  it('reads only the kept columns (multi-batch), and equals the whole-file result', async () => {
    const devType = new Dictionary(new Utf8(), new Int32(), 5);
    const devices = vectorFromArray(
      Array.from({ length: 7 }, (_, i) => `dev-${i}`),
      new Utf8(),
    );
    const batch = (k: number) =>
      new ArrowTable({
        DeviceId: makeVector(
          makeData({
            type: devType,
            length: 500,
            nullCount: 0,
            data: Int32Array.from({ length: 500 }, (_, i) => (i + k) % 7),
            dictionary: devices,
          } as never),
        ),
        Big: vectorFromArray(
          Array.from({ length: 500 }, (_, i) => `${'x'.repeat(200)}${i + k * 1000}`),
          new Utf8(),
        ),
        N: vectorFromArray(
          Array.from({ length: 500 }, (_, i) => i * k),
          new Int32(),
        ),
      }).batches[0]!;
    // Same dictionary in every batch: the file writer stores it once.
    const at = new ArrowTable([batch(1), batch(2), batch(3)] as RecordBatch[]);
    const bytes = tableToIPC(at, 'file');
    const counting = countingAccess(bytes);
    const opts = { columns: ['DeviceId', 'N'] };
    const ranged = await ingestFile('c.arrow', withRandomAccess(chunksOf(bytes, 1 << 16), counting.access), opts);
    const whole = await ingestFile('c.arrow', chunksOf(bytes, 1 << 16), opts);
    expect(ranged.report.rowsLoaded).toBe(1500);
    expect(values(ranged.table, 'N')).toEqual(values(whole.table, 'N'));
    expect(values(ranged.table, 'DeviceId')).toEqual(values(whole.table, 'DeviceId'));
    expect(values(ranged.table, 'DeviceId').slice(0, 3)).toEqual(['dev-1', 'dev-2', 'dev-3']);
    // The 300 KB of the dropped column are not read.
    expect(counting.read()).toBeLessThan(bytes.length / 4);
    expect(ranged.report.bytes).toBe(bytes.length);
  });

  it("reads the Arrow file format by range through the worker's Blob source (chunks without range access)", async () => {
    const at = new ArrowTable({
      N: vectorFromArray(
        Array.from({ length: 2000 }, (_, i) => i),
        new Int32(),
      ),
      Big: vectorFromArray(
        Array.from({ length: 2000 }, (_, i) => `${'y'.repeat(300)}${i}`),
        new Utf8(),
      ),
    });
    const bytes = tableToIPC(at, 'file');
    let sliced = 0;
    let streamed = 0;
    const blob = new Blob([bytes as Uint8Array<ArrayBuffer>]);
    const counted = {
      size: blob.size,
      slice: (a: number, b: number) => {
        sliced += b - a;
        return blob.slice(a, b);
      },
    } as unknown as Blob;
    async function* plain(): AsyncGenerator<Uint8Array> {
      for await (const c of chunksOf(bytes, 1 << 16)) {
        streamed += c.length;
        yield c;
      }
    }
    const [r] = await ingestAny('w.arrow', blobSource(counted, plain), { columns: ['N'] });
    expect(r!.report.rowsLoaded).toBe(2000);
    expect(values(r!.table, 'N').slice(0, 3)).toEqual([0, 1, 2]);
    // The 600 KB string column is neither sliced nor streamed: only the footer, metadata and N.
    expect(sliced + streamed).toBeLessThan(bytes.length / 4);
  });
});
