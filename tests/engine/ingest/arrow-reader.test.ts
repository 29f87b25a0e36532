import type { RecordBatch } from 'apache-arrow';
import {
  Bool,
  DateDay,
  DateMillisecond,
  Dictionary,
  Float64,
  Int16,
  Int32,
  Int64,
  LargeUtf8,
  makeData,
  makeVector,
  Struct,
  Table as ArrowTable,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint64,
  Utf8,
  tableToIPC,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readArrowTable } from '../../../src/engine/ingest/arrow-reader';
import { ingestFile } from '../../../src/engine/ingest/ingest';
import type { IngestOptions } from '../../../src/engine/ingest/read-csv-table';
import { getValue } from '../../../src/engine/table/column';
import { columnIndex, type Table } from '../../../src/engine/table/table';
import { formatDateTime, UNIX_EPOCH_TICKS } from '../../../src/engine/time/ticks';
import { chunksOf } from './csv-harness';

/** A 64-bit vector from exact bigints (vectorFromArray would go through JS numbers / ms). */
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

async function roundTrip(at: ArrowTable, opts: IngestOptions = {}, chunk = 17) {
  const out = [];
  for (const fmt of ['file', 'stream'] as const) {
    const bytes = tableToIPC(at, fmt);
    const r = await ingestFile(`t.${fmt}.arrow`, chunksOf(bytes, chunk), opts);
    expect(r.report.format).toBe('arrow');
    expect(r.report.rowsRead).toBe(r.report.rowsLoaded + r.report.rowsRejected);
    out.push(r);
  }
  return out;
}

describe('readArrowTable', () => {
  it('timestamps of every unit become exact ticks (ns floors toward -infinity)', async () => {
    const at = new ArrowTable({
      s: big64(new TimestampSecond(), [1777629601n, 0n, null]),
      ms: big64(new TimestampMillisecond(), [1777629601123n, -1n, 5n]),
      us: big64(new TimestampMicrosecond(), [1777629601123456n, -1n, 0n]),
      ns: big64(new TimestampNanosecond(), [1777629601123456789n, -1n, -100n]),
      dd: makeVector(
        makeData({
          type: new DateDay(),
          length: 3,
          nullCount: 1,
          nullBitmap: new Uint8Array([3]),
          data: new Int32Array([20574, 0, 0]),
        }),
      ),
      dm: big64(new DateMillisecond(), [1777593600000n, 0n, null]),
    });
    for (const { table, report } of await roundTrip(at)) {
      expect(report.rowsLoaded).toBe(3);
      expect(report.recognised).toBeNull();
      expect(table.schema.map((c) => c.type)).toEqual([
        'datetime',
        'datetime',
        'datetime',
        'datetime',
        'datetime',
        'datetime',
      ]);
      const E = UNIX_EPOCH_TICKS;
      expect(values(table, 's')).toEqual([1777629601n * 10_000_000n + E, E, null]);
      expect(values(table, 'ms')).toEqual([1777629601123n * 10_000n + E, E - 10_000n, E + 50_000n]);
      expect(values(table, 'us')).toEqual([1777629601123456n * 10n + E, E - 10n, E]);
      expect(values(table, 'ns')).toEqual([17776296011234567n + E, E - 1n, E - 1n]);
      expect(formatDateTime(values(table, 'ns')[0] as bigint)).toBe('2026-05-01T10:00:01.1234567Z');
      expect(values(table, 'dd').map((v) => (v === null ? null : formatDateTime(v as bigint)))).toEqual([
        '2026-05-01T00:00:00.0000000Z',
        '1970-01-01T00:00:00.0000000Z',
        null,
      ]);
      expect(formatDateTime(values(table, 'dm')[0] as bigint)).toBe('2026-05-01T00:00:00.0000000Z');
    }
  });

  it('maps a recognised Defender table: Int32 ProcessId -> long, dictionary strings, Int64 with nulls, nulls in strings -> ""', async () => {
    const n = 4;
    const at = new ArrowTable({
      Timestamp: big64(new TimestampNanosecond(), [
        1777629601123456789n,
        1777629602000000000n,
        null,
        1777629603000000000n,
      ]),
      DeviceName: vectorFromArray(['h1', null, 'h1', 'h2'], new Dictionary(new Utf8(), new Int32())),
      FileName: vectorFromArray(['a.exe', 'é.exe', null, 'c.exe'], new Utf8()),
      FolderPath: vectorFromArray(['C:\\a', 'C:\\b', 'C:\\c', 'C:\\d'], new LargeUtf8()),
      ProcessId: vectorFromArray([1, 2, null, 4], new Int32()),
      ProcessCommandLine: vectorFromArray(
        Array.from({ length: n }, (_, i) => `cmd ${i}`),
        new Utf8(),
      ),
      ReportId: big64(new Int64(), [1n, null, 9007199254740991n, -9007199254740991n]),
      IsProcessRemoteSession: vectorFromArray([true, false, null, true], new Bool()),
      Extra: vectorFromArray([1, 2, 3, 4], new Int16()),
    });
    for (const { table, report } of await roundTrip(at)) {
      expect(report.recognised).toBe('DeviceProcessEvents');
      expect(report.rowsLoaded).toBe(4);
      expect(report.columnsIgnored).toEqual(['Extra']);
      expect(report.columnsMapped.find((c) => c.name === 'ProcessId')).toEqual({
        name: 'ProcessId',
        source: 'ProcessId',
        type: 'long',
        sourceType: 'Int32',
      });
      expect(values(table, 'ProcessId')).toEqual([1, 2, null, 4]);
      expect(values(table, 'DeviceName')).toEqual(['h1', '', 'h1', 'h2']);
      expect(values(table, 'FileName')).toEqual(['a.exe', 'é.exe', '', 'c.exe']);
      expect(values(table, 'FolderPath')).toEqual(['C:\\a', 'C:\\b', 'C:\\c', 'C:\\d']);
      expect(values(table, 'ReportId')).toEqual([1, null, 9007199254740991, -9007199254740991]);
      expect(values(table, 'IsProcessRemoteSession')).toEqual([true, false, null, true]);
      expect(values(table, 'Timestamp')[2]).toBeNull();
      expect(report.devices).toBe(2);
      expect(report.timeRange).toEqual({
        min: 17776296011234567n + UNIX_EPOCH_TICKS,
        max: 17776296030000000n + UNIX_EPOCH_TICKS,
      });
    }
  });

  it('Int64 / Uint64 beyond 2^53 rejects the row with its record number', async () => {
    const at = new ArrowTable({
      ProcessId: big64(new Int64(), [5n, 9007199254740992n, -9007199254740993n, 7n]),
      U: big64(new Uint64(), [1n, 2n, 3n, -1n]),
      ProcessCommandLine: vectorFromArray(['a', 'b', 'c', 'd'], new Utf8()),
      FileName: vectorFromArray(['a', 'b', 'c', 'd'], new Utf8()),
      FolderPath: vectorFromArray(['a', 'b', 'c', 'd'], new Utf8()),
    });
    for (const { table, report } of await roundTrip(at, { columns: ['ProcessId', 'U', 'FileName'] })) {
      expect(report.rowsRead).toBe(4);
      expect(report.rowsLoaded).toBe(1);
      expect(report.rejects.map((r) => [r.line, r.column, r.code])).toEqual([
        [2, 'ProcessId', 'unsafe-integer'],
        [3, 'ProcessId', 'unsafe-integer'],
        [4, 'U', 'unsafe-integer'],
      ]);
      expect(values(table, 'ProcessId')).toEqual([5]);
      expect(values(table, 'FileName')).toEqual(['a']);
    }
  });

  it('several record batches with different dictionaries; column pruning', async () => {
    const dictType = new Dictionary(new Utf8(), new Int32(), 7);
    const batch = (names: string[], pids: number[]) =>
      new ArrowTable({
        DeviceName: vectorFromArray(names, dictType),
        ProcessId: vectorFromArray(pids, new Int32()),
        FileName: vectorFromArray(names, new Utf8()),
        FolderPath: vectorFromArray(names, new Utf8()),
        ProcessCommandLine: vectorFromArray(names, new Utf8()),
        Score: vectorFromArray(
          pids.map((p) => p / 2),
          new Float64(),
        ),
      }).batches[0]!;
    const at = new ArrowTable([batch(['a', 'b'], [1, 2]), batch(['c', 'a', 'c'], [3, 4, 5])] as RecordBatch[]);
    // Replacement dictionaries are legal only in the stream format (the file writer refuses them).
    const { table, report } = await ingestFile('b.arrows', chunksOf(tableToIPC(at, 'stream'), 5), {
      columns: ['DeviceName', 'Score'],
    });
    {
      expect(table.schema).toEqual([
        { name: 'DeviceName', type: 'string' },
        { name: 'Score', type: 'real' },
      ]);
      expect(values(table, 'DeviceName')).toEqual(['a', 'b', 'c', 'a', 'c']);
      expect(values(table, 'Score')).toEqual([0.5, 1, 1.5, 2, 2.5]);
      expect(report.columnsIgnored).toEqual(['ProcessId', 'FileName', 'FolderPath', 'ProcessCommandLine']);
    }
  });

  it('text timestamps in Utf8 are parsed; an impossible type is reported, not loaded', async () => {
    const at = new ArrowTable({
      Timestamp: vectorFromArray(['2026-05-01T10:00:00.1234567Z', 'nope'], new Utf8()),
      ProcessCreationTime: vectorFromArray([1, 2], new Int32()),
      ProcessId: vectorFromArray([1, 2], new Int32()),
      FileName: vectorFromArray(['a', 'b'], new Utf8()),
      FolderPath: vectorFromArray(['a', 'b'], new Utf8()),
      AdditionalFields: makeVector(
        makeData({
          type: new Struct([]),
          length: 2,
          nullCount: 0,
          children: [],
        }),
      ),
    });
    for (const { table, report } of await roundTrip(at)) {
      expect(values(table, 'Timestamp')).toEqual([17776296001234567n + UNIX_EPOCH_TICKS]);
      expect(report.rejects[0]).toMatchObject({ line: 2, column: 'Timestamp', code: 'bad-datetime' });
      expect(report.columnsMissing).toContain('ProcessCreationTime');
      expect(report.warnings.join('\n')).toMatch(/ProcessCreationTime: Arrow type Int32 cannot be read as datetime/);
      expect(values(table, 'AdditionalFields')).toEqual(['{}']);
    }
  });

  it('corrupt or truncated Arrow never throws', async () => {
    const at = new ArrowTable({ ProcessId: vectorFromArray([1, 2, 3], new Int32()) });
    const bytes = tableToIPC(at, 'stream');
    const truncated = bytes.subarray(0, bytes.length - 20);
    const r1 = await readArrowTable('t.arrows', chunksOf(truncated, 7));
    expect(r1.report.rowsRead).toBe(r1.report.rowsLoaded + r1.report.rowsRejected);
    const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const r2 = await ingestFile('g.arrow', chunksOf(garbage, 3));
    expect(r2.report.rowsLoaded).toBe(0);
    expect(r2.report.fatal ?? r2.report.warnings.join()).toBeTruthy();
    const file = tableToIPC(at, 'file');
    const r3 = await ingestFile('f.arrow', chunksOf(file.subarray(0, 30), 7));
    expect(r3.report.rowsLoaded).toBe(0);
    expect(r3.report.fatal ?? r3.report.warnings.join()).toBeTruthy();
  });
});
