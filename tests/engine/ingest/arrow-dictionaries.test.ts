import {
  Dictionary,
  Float64,
  Int64,
  TimestampMicrosecond,
  TimestampNanosecond,
  Int16,
  Int32,
  Int8,
  LargeUtf8,
  makeData,
  makeVector,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  Table as ArrowTable,
  tableFromIPC,
  tableToIPC,
  Utf8,
  Vector,
  vectorFromArray,
  type DataType,
  type RecordBatch,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteInterner, sampleHash } from '../../../src/engine/ingest/byte-interner';
import { bytesRandomAccess, withRandomAccess, type RandomAccess } from '../../../src/engine/ingest/chunk-sources';
import { ingestFile } from '../../../src/engine/ingest/ingest';
import { timeRangeBig, timeRangeOf } from '../../../src/engine/ingest/ingest-report';
import { getValue, type StringColumn } from '../../../src/engine/table/column';
import type { Table } from '../../../src/engine/table/table';
import { chunksOf } from './csv-harness';

const enc = new TextEncoder();

function stringColumn(t: Table, name: string): StringColumn {
  const c = t.columns[t.schema.findIndex((s) => s.name === name)];
  expect(c?.type).toBe('string');
  return c as StringColumn;
}

/** Every row's text, and the invariants the engine relies on: a duplicate-free dictionary, codes in range. */
function texts(col: StringColumn): string[] {
  expect(new Set(col.dict).size).toBe(col.dict.length);
  const codes = col.codes.subarray(0, col.length);
  expect(codes.length).toBe(col.length);
  expect(codes.filter((c) => c < 0 || c >= col.dict.length).length).toBe(0);
  return Array.from(codes, (c) => col.dict[c]!);
}

/** A dictionary-encoded column from raw parts (apache-arrow's own builders never repeat an entry). */
function dictBatch(
  type: Dictionary,
  dictionary: Vector,
  idx: readonly number[],
  valid?: readonly boolean[],
): RecordBatch {
  const nullBitmap = valid ? new Uint8Array(Math.ceil(idx.length / 8)) : null;
  valid?.forEach((v, i) => {
    if (v) nullBitmap![i >> 3]! |= 1 << (i & 7);
  });
  const data = makeData({
    type,
    length: idx.length,
    nullCount: valid ? valid.filter((v) => !v).length : 0,
    nullBitmap,
    data: (type.indices as DataType).ArrayType.from(idx),
    dictionary,
  } as never);
  return new ArrowTable({ s: makeVector(data) }).batches[0]!;
}

/** Ranges as fresh buffers (what a file on disk or a Blob gives); records each buffer handed out. */
function freshAccess(bytes: Uint8Array): { access: RandomAccess; handed: Uint8Array[] } {
  const handed: Uint8Array[] = [];
  return {
    handed,
    access: {
      size: bytes.length,
      open: () =>
        Promise.resolve({
          read: (o: number, l: number) => {
            const b = bytes.slice(o, o + l);
            handed.push(b);
            return Promise.resolve(b);
          },
          close: () => Promise.resolve(),
        }),
    },
  };
}

/** The file format through the ranged reader (fresh buffers), the buffered reader, and the stream format. */
async function readAll(batches: RecordBatch[]): Promise<{ tables: Table[]; file: Uint8Array }> {
  const file = RecordBatchFileWriter.writeAll(batches).toUint8Array(true);
  const stream = RecordBatchStreamWriter.writeAll(batches).toUint8Array(true);
  const tables: Table[] = [];
  const ranged = await ingestFile('t.arrow', withRandomAccess(chunksOf(file, 64), freshAccess(file).access));
  const inMemory = await ingestFile('t.arrow', withRandomAccess(chunksOf(file, 64), bytesRandomAccess(file)));
  const buffered = await ingestFile('t.arrow', chunksOf(file, 17));
  const streamed = await ingestFile('t.arrows', chunksOf(stream, 17));
  for (const r of [ranged, inMemory, buffered, streamed]) {
    expect(r.report.fatal).toBeUndefined();
    tables.push(r.table);
  }
  return { tables, file };
}

/** apache-arrow's own reading of the same file, nulls as "". */
function arrowTexts(file: Uint8Array): string[] {
  const col = tableFromIPC(file).getChild('s')!;
  return Array.from({ length: col.length }, (_, i) => (col.get(i) as string | null) ?? '');
}

describe('Arrow dictionaries with repeated entries (hostile files)', () => {
  const long = `C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -NoProfile -EncodedCommand ${'QUJD'.repeat(30)}`;
  const cases: { name: string; entries: string[]; idx: number[]; valid?: boolean[] }[] = [
    { name: 'short ASCII repeats', entries: ['a', 'b', 'a', 'c', 'b'], idx: [0, 1, 2, 3, 4, 2, 0] },
    { name: 'long repeats (sampled hash)', entries: [long, 'x', long, `${long}!`, long], idx: [4, 3, 2, 1, 0, 0] },
    { name: 'non-ASCII repeats', entries: ['é', 'ü', 'é', '', ''], idx: [2, 0, 1, 4, 3] },
    { name: 'repeats and row nulls', entries: ['p', 'p', 'q'], idx: [1, 0, 2, 1], valid: [true, false, true, true] },
  ];
  for (const c of cases) {
    it(`${c.name}: one engine entry per value, every row as apache-arrow reads it`, async () => {
      const type = new Dictionary(new Utf8(), new Int32(), 1);
      const dict = vectorFromArray(c.entries, new Utf8());
      const { tables, file } = await readAll([dictBatch(type, dict, c.idx, c.valid)]);
      const want = arrowTexts(file);
      expect(want).toEqual(c.idx.map((k, i) => (c.valid && !c.valid[i] ? '' : c.entries[k]!)));
      for (const t of tables) {
        const col = stringColumn(t, 's');
        expect(texts(col)).toEqual(want);
        expect(col.dict.length).toBe(new Set(want).size);
      }
    });
  }

  it('indices outside the dictionary read as "" (not as another value)', async () => {
    const type = new Dictionary(new Utf8(), new Int32(), 1);
    const dict = vectorFromArray(['a', 'b'], new Utf8());
    const { tables } = await readAll([dictBatch(type, dict, [0, 5, -1, 1, 2])]);
    for (const t of tables) expect(texts(stringColumn(t, 's'))).toEqual(['a', '', '', 'b', '']);
  });

  it('a repeated entry arriving in a delta maps to the first code', async () => {
    const type = new Dictionary(new Utf8(), new Int16(), 2);
    const d0 = vectorFromArray(['a', long, 'b'], new Utf8());
    const d1 = vectorFromArray([long, 'a', 'c', 'c'], new Utf8());
    const grown = new Vector([...(d0.data as never[]), ...(d1.data as never[])]);
    const { tables, file } = await readAll([dictBatch(type, d0, [1, 0, 2]), dictBatch(type, grown, [3, 4, 5, 6, 1])]);
    const want = arrowTexts(file);
    expect(want).toEqual([long, 'a', 'b', long, 'a', 'c', 'c', long]);
    for (const t of tables) {
      const col = stringColumn(t, 's');
      expect(texts(col)).toEqual(want);
      expect([...col.dict].sort()).toEqual(['a', 'b', 'c', long].sort());
    }
  });
});

describe('Arrow dictionaries against apache-arrow (property)', () => {
  // Values from a small pool (so entries repeat), long ones sharing prefix and suffix, some non-ASCII.
  const pool = [
    '',
    'a',
    'b',
    'svchost.exe',
    'é',
    ...Array.from({ length: 6 }, (_, i) => `${'p'.repeat(60)}${i}${'s'.repeat(60)}`),
    ...Array.from({ length: 4 }, (_, i) => `${'q'.repeat(30)}${'m'.repeat(i)}${'q'.repeat(30)}`),
  ];
  const entry = fc.constantFrom(...pool);
  const batchArb = fc.record({
    entries: fc.array(entry, { minLength: 1, maxLength: 12 }),
    rows: fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.integer({ min: 0, max: 9 })), { maxLength: 30 }),
  });
  it('every row as apache-arrow decodes it; engine dictionary duplicate-free (replacements, deltas)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(batchArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('replace', 'delta'),
        fc.constantFrom(new Int8(), new Int32()),
        fc.boolean(),
        async (specs, mode, indexType, large) => {
          const type = new Dictionary(large ? new LargeUtf8() : new Utf8(), indexType, 9);
          const batches: RecordBatch[] = [];
          let chunks: never[] = [];
          for (const s of specs) {
            const part = vectorFromArray(s.entries, large ? new LargeUtf8() : new Utf8());
            chunks = mode === 'delta' ? [...chunks, ...(part.data as never[])] : (part.data as never[]);
            const dict = new Vector(chunks);
            const idx = s.rows.map(([k]) => k % dict.length);
            // A null row (the third field picks ~1 in 10) may carry any index.
            const valid = s.rows.map(([, , z]) => z !== 0);
            batches.push(dictBatch(type, dict, idx, valid));
          }
          // Deltas: the file format by ranges (fresh buffers and views) and the stream format.
          // Replacements: the stream format only (the file format allows none).
          const stream = RecordBatchStreamWriter.writeAll(batches).toUint8Array(true);
          const want = arrowTexts(stream);
          const reads = [ingestFile('p.arrows', chunksOf(stream, 61))];
          if (mode === 'delta') {
            const file = RecordBatchFileWriter.writeAll(batches).toUint8Array(true);
            expect(arrowTexts(file)).toEqual(want);
            for (const access of [freshAccess(file).access, bytesRandomAccess(file)])
              reads.push(ingestFile('p.arrow', withRandomAccess(chunksOf(file, 64), access)));
          }
          for (const r of await Promise.all(reads)) {
            expect(r.report.warnings.filter((w) => /unreadable/.test(w))).toEqual([]);
            expect(texts(stringColumn(r.table, 's'))).toEqual(want);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('Arrow dictionary indices taken as the column', () => {
  const rows = 300_000; // 1.2 MB of Int32 indices: read by themselves (arrow-file.ts READ_ALONE)
  const entries = Array.from({ length: 1000 }, (_, i) => `cmd.exe /c job-${i}`);
  const type = new Dictionary(new Utf8(), new Int32(), 3);
  const dict = vectorFromArray(entries, new Utf8());

  it('a duplicate-free dictionary: the index buffer read from the file is the codes, values exact', async () => {
    const idx = Array.from({ length: rows }, (_, i) => (i * 7919) % entries.length);
    const file = RecordBatchFileWriter.writeAll([dictBatch(type, dict, idx)]).toUint8Array(true);
    const { access, handed } = freshAccess(file);
    const r = await ingestFile('a.arrow', withRandomAccess(chunksOf(file, 1 << 16), access));
    const col = stringColumn(r.table, 's');
    expect(handed.some((b) => b.buffer === col.codes.buffer)).toBe(true);
    expect(col.dict).toEqual(entries);
    const got = texts(col);
    for (let i = 0; i < rows; i += 997) expect(got[i]).toBe(entries[idx[i]!]);
  });

  it('one index out of range: not adopted, that row is ""', async () => {
    const idx = Array.from({ length: rows }, (_, i) => i % entries.length);
    idx[123_457] = entries.length;
    const file = RecordBatchFileWriter.writeAll([dictBatch(type, dict, idx)]).toUint8Array(true);
    const { access, handed } = freshAccess(file);
    const r = await ingestFile('b.arrow', withRandomAccess(chunksOf(file, 1 << 16), access));
    const col = stringColumn(r.table, 's');
    expect(handed.some((b) => b.buffer === col.codes.buffer)).toBe(false);
    const got = texts(col);
    expect(got[123_457]).toBe('');
    expect(got[123_456]).toBe(entries[123_456 % entries.length]);
  });

  it('a dictionary with a repeated entry is remapped, not adopted', async () => {
    const withDup = vectorFromArray([...entries, entries[5]!], new Utf8());
    const idx = Array.from({ length: rows }, (_, i) => (i % 2 === 0 ? entries.length : i % entries.length));
    const file = RecordBatchFileWriter.writeAll([dictBatch(type, withDup, idx)]).toUint8Array(true);
    const { access, handed } = freshAccess(file);
    const r = await ingestFile('c.arrow', withRandomAccess(chunksOf(file, 1 << 16), access));
    const col = stringColumn(r.table, 's');
    expect(handed.some((b) => b.buffer === col.codes.buffer)).toBe(false);
    expect(col.dict.length).toBe(entries.length);
    expect(col.codes[0]).toBe(5);
    expect(texts(col)[0]).toBe(entries[5]);
  });
});

describe('ByteInterner', () => {
  const runs = (xs: readonly string[]): { buf: Uint8Array; at: number[] } => {
    const parts = xs.map((x) => enc.encode(x));
    const buf = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    const at = [0];
    for (const p of parts) {
      buf.set(p, at[at.length - 1]!);
      at.push(at[at.length - 1]! + p.length);
    }
    return { buf, at };
  };
  const check = (xs: readonly string[], interner = new ByteInterner()): ByteInterner => {
    const { buf, at } = runs(xs);
    const first = new Map<string, number>();
    for (let i = 0; i < xs.length; i++) {
      const c = interner.intern(buf, at[i]!, at[i + 1]!);
      if (!first.has(xs[i]!)) {
        expect(c).toBe(first.size);
        first.set(xs[i]!, c);
      } else expect(c).toBe(first.get(xs[i]!));
    }
    expect(interner.size).toBe(first.size);
    return interner;
  };

  it('equal runs get one code, in first-seen order (property)', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc
        .tuple(fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.nat({ max: 80 }))
        .map(([a, b, n]) => `${'x'.repeat(40)}${a}${'y'.repeat(n)}${b}${'z'.repeat(40)}`),
    );
    fc.assert(
      fc.property(fc.array(text, { maxLength: 200 }), (xs) => {
        check(xs);
      }),
    );
  });

  it('runs that share their hash sample fall back to full hashes and stay exact', () => {
    // Same length, same ends, same sampled words: they differ only at unsampled positions.
    const len = 4000;
    const base = 'k'.repeat(len);
    const { buf } = runs([base]);
    const sampled = new Set<number>();
    const probe = buf.slice();
    for (let p = 0; p < len; p++) {
      probe[p] = 0x41;
      if (sampleHash(probe, 0, len) !== sampleHash(buf, 0, len)) sampled.add(p);
      probe[p] = buf[p]!;
    }
    const free = Array.from({ length: len }, (_, p) => p).filter((p) => !sampled.has(p));
    expect(free.length).toBeGreaterThan(3000);
    const xs: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const p = free[(i * 37) % free.length]!;
      const ch = String.fromCharCode(0x41 + (i % 26));
      xs.push(base.slice(0, p) + ch + base.slice(p + 1));
    }
    // With repeats after the switch: each must still find its first code.
    const interner = check([...xs, ...xs.slice(0, 500), base]);
    expect(interner.fullHashing).toBe(true);
  });

  it('ordinary distinct command lines keep the sampled hash', () => {
    const xs = Array.from(
      { length: 5000 },
      (_, i) => `C:\\Windows\\system32\\cmd.exe /c copy \\\\host${i}\\share\\f.txt`,
    );
    expect(check(xs).fullHashing).toBe(false);
  });
});

describe('timeRangeOf (int32 halves) equals the BigInt reference', () => {
  it('any ticks, nulls, empty', () => {
    const v = fc.oneof(
      fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
      fc.bigInt({ min: -(1n << 33n), max: 1n << 33n }),
      fc.constantFrom(0n, -1n, (1n << 32n) - 1n, 1n << 32n, -(1n << 32n)),
    );
    fc.assert(
      fc.property(fc.array(fc.option(v, { freq: 4 }), { maxLength: 40 }), (xs) => {
        const values = BigInt64Array.from(xs, (x) => x ?? 0n);
        const valid = xs.some((x) => x === null) ? Uint8Array.from(xs, (x) => (x === null ? 0 : 1)) : null;
        const got = timeRangeOf({ type: 'datetime', length: xs.length, values, valid });
        expect(got).toEqual(timeRangeBig(values, valid, xs.length));
      }),
    );
  });
});

describe('Columns read alone are taken over or converted in place', () => {
  const rows = 140_000; // 1.1 MB of int64: each such column is read by itself
  const big = (type: DataType, at: (i: number) => bigint | null) => {
    const data = new BigInt64Array(rows);
    const bitmap = new Uint8Array(Math.ceil(rows / 8));
    let nullCount = 0;
    for (let i = 0; i < rows; i++) {
      const v = at(i);
      if (v === null) nullCount++;
      else {
        data[i] = v;
        bitmap[i >> 3]! |= 1 << (i & 7);
      }
    }
    return makeVector(
      makeData({ type, length: rows, nullCount, nullBitmap: nullCount ? bitmap : null, data } as never),
    );
  };
  const t0 = 1_700_000_000_000_000_000n;
  /** `bad`: with values that reject their row (past year 9999, beyond 2^53). */
  const tableOf = (bad: boolean) =>
    new ArrowTable({
      // ns with nulls, floors of values below a whole tick
      ts: big(new TimestampNanosecond(), (i) => (i % 50_001 === 7 ? null : t0 + BigInt(i * 1237) - 50n)),
      // µs from year 1 on, and values past year 9999
      us: big(new TimestampMicrosecond(), (i) =>
        bad && i % 70_001 === 11 ? 300_000_000_000_000_000n : -62_135_596_800_000_000n + BigInt(i) * 86_400_000_000n,
      ),
      // int64 with nulls and values beyond 2^53
      id: big(new Int64(), (i) =>
        i % 40_009 === 3
          ? null
          : bad && i % 60_013 === 5
            ? (1n << 60n) + BigInt(i)
            : BigInt(i * 40_503 - 1_000_000_000),
      ),
      real: makeVector(
        makeData({
          type: new Float64(),
          length: rows,
          nullCount: 0,
          data: Float64Array.from({ length: rows }, (_, i) => i / 7),
        } as never),
      ),
    });

  for (const bad of [false, true])
    it(`the same table and rejects as reading views${bad ? ' (rows rejected)' : '; the read buffers are the columns'}`, async () => {
      const table = tableOf(bad);
      const file = tableToIPC(table, 'file');
      const { access, handed } = freshAccess(file);
      const owned = await ingestFile('o.arrow', withRandomAccess(chunksOf(file, 1 << 16), access));
      const views = await ingestFile('v.arrow', withRandomAccess(chunksOf(file, 1 << 16), bytesRandomAccess(file)));
      const streamed = await ingestFile('s.arrows', chunksOf(tableToIPC(table, 'stream'), 1 << 16));
      expect(owned.report.rowsRejected > 0).toBe(bad);
      for (const other of [views, streamed]) {
        expect(owned.report.rejects).toEqual(other.report.rejects);
        expect(owned.report.rowsLoaded).toBe(other.report.rowsLoaded);
        expect(owned.table.schema).toEqual(other.table.schema);
        owned.table.columns.forEach((c, k) => {
          const o = other.table.columns[k]!;
          for (let r = 0; r < owned.table.rowCount; r++)
            if (getValue(c, r) !== getValue(o, r)) expect([k, r, getValue(c, r)]).toEqual([k, r, getValue(o, r)]);
        });
      }
      // Rows 0..: ns floors (t0 - 50 ns -> t0/100 - 1 tick), the Unix epoch offset added.
      const ts = owned.table.columns[0]!;
      expect(ts.type === 'datetime' && ts.values[0]).toBe(t0 / 100n - 1n + 621_355_968_000_000_000n);
      // Without rejects nothing is compacted: each column is the buffer read for it.
      for (const c of owned.table.columns) {
        const values = (c as { values: ArrayBufferView }).values;
        expect(handed.some((b) => b.buffer === values.buffer)).toBe(!bad);
      }
      expect(
        views.table.columns.some((c) =>
          handed.some((b) => b.buffer === (c as { values: ArrayBufferView }).values.buffer),
        ),
      ).toBe(false);
    });
});

describe('the report time range, tracked while converting', () => {
  it('equals the range of the Timestamp column loaded (nulls, out-of-range values, rejected rows, batches)', async () => {
    const cell = fc.oneof(
      { weight: 6, arbitrary: fc.bigInt({ min: -62_135_596_800_000_000n, max: 253_402_300_799_999_999n }) },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom(253_402_300_800_000_000n, -62_135_596_800_000_001n) },
    );
    const row = fc.tuple(cell, fc.boolean(), fc.nat({ max: 7 }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(row, { maxLength: 12 }), { minLength: 1, maxLength: 3 }), async (parts) => {
        const batches = parts.map((rs) => {
          const ts = makeVector(
            makeData({
              type: new TimestampMicrosecond(),
              length: rs.length,
              nullCount: rs.filter(([v]) => v === null).length,
              nullBitmap: Uint8Array.from({ length: Math.ceil(rs.length / 8) }, (_, b) =>
                rs.slice(b * 8, b * 8 + 8).reduce((m, [v], i) => m | ((v === null ? 0 : 1) << i), 0),
              ),
              data: BigInt64Array.from(rs, ([v]) => v ?? 0n),
            } as never),
          );
          // Another column whose value beyond 2^53 rejects its row (1 in 8).
          const other = vectorFromArray(
            rs.map(([, , k]) => (k === 0 ? 1n << 60n : BigInt(k))),
            new Int64(),
          );
          return new ArrowTable({ Timestamp: ts, N: other }).batches[0]!;
        });
        const file = RecordBatchFileWriter.writeAll(batches).toUint8Array(true);
        const results = [
          await ingestFile('t.arrow', withRandomAccess(chunksOf(file, 64), freshAccess(file).access)),
          await ingestFile('t.arrow', chunksOf(file, 29)),
        ];
        for (const r of results) {
          const c = r.table.columns[0]!;
          expect(c.type).toBe('datetime');
          if (c.type !== 'datetime') continue;
          expect(r.report.timeRange).toEqual(timeRangeBig(c.values, c.valid, c.length));
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe('reads in flight together', () => {
  it('a failing read in a later batch: the earlier batches are loaded, the failure is reported once', async () => {
    const rows = 140_000;
    const batch = (k: number) =>
      new ArrowTable({
        a: vectorFromArray(
          Array.from({ length: rows }, (_, i) => i + k),
          new Float64(),
        ),
        b: vectorFromArray(
          Array.from({ length: rows }, (_, i) => BigInt(i * k)),
          new Int64(),
        ),
      }).batches[0]!;
    const file = RecordBatchFileWriter.writeAll([batch(1), batch(2), batch(3)]).toUint8Array(true);
    const { access } = freshAccess(file);
    // Every column read past the middle of the file fails (an I/O error); metadata reads succeed.
    const failing: RandomAccess = {
      size: access.size,
      async open() {
        const inner = await access.open();
        return {
          read: (o: number, l: number) =>
            o > file.length / 2 && l >= 1 << 20 ? Promise.reject(new Error('EIO: read failed')) : inner.read(o, l),
          close: () => inner.close(),
        };
      },
    };
    const r = await ingestFile('f.arrow', withRandomAccess(chunksOf(file, 1 << 16), failing));
    const loaded = r.report.rowsLoaded;
    expect(loaded % rows === 0 && loaded > 0 && loaded < 3 * rows).toBe(true);
    expect(r.report.warnings.filter((w) => /EIO/.test(w))).toHaveLength(1);
    const a = r.table.columns[0]!;
    const b = r.table.columns[1]!;
    const k = loaded / rows; // the last batch loaded
    expect(a.type === 'real' && [a.values[0], a.values[loaded - 1]]).toEqual([1, rows - 1 + k]);
    expect(b.type === 'long' && b.values[loaded - 1]).toBe((rows - 1) * k);
  });
});
