import {
  Binary,
  Dictionary,
  Int32,
  Int64,
  makeData,
  makeVector,
  Table,
  TimestampMicrosecond,
  TimestampNanosecond,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { gzipSync, zipSync } from 'fflate';
import * as parquet from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import { bytesChunks } from '../../../src/engine/ingest/chunk-sources';
import { ingestAny, ingestFile, rowsAccountedFor, type IngestResult } from '../../../src/engine/ingest/ingest';
// Registers the Node build of parquet-wasm, as the CLI does.
import '../../../src/engine/ingest/node-source';
import { getValue } from '../../../src/engine/table/column';
import type { Table as EngineTable } from '../../../src/engine/table/table';
import { formatDateTime, parseIsoDateTime, UNIX_EPOCH_TICKS } from '../../../src/engine/time/ticks';

const enc = new TextEncoder();

function col(t: EngineTable, name: string): unknown[] {
  const i = t.schema.findIndex((c) => c.name === name);
  if (i < 0) return [];
  const c = t.columns[i]!;
  return Array.from({ length: t.rowCount }, (_, r) => {
    const v = getValue(c, r);
    return typeof v === 'bigint' ? formatDateTime(v) : v;
  });
}

function toParquet(t: Table): Uint8Array {
  return parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(t, 'stream')));
}

const TIMES = ['2024-05-01T10:00:00.1234567Z', '2024-05-01T10:00:01.0000001Z', '2024-05-01T23:59:59.9999999Z'];
const ns = (iso: string): bigint => (parseIsoDateTime(iso)! - UNIX_EPOCH_TICKS) * 100n;

function int64(values: (bigint | null)[]) {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v !== null) bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return makeVector(
    makeData({
      type: new Int64(),
      length: values.length,
      nullCount: values.filter((v) => v === null).length,
      nullBitmap: bitmap,
      data: BigInt64Array.from(values, (v) => v ?? 0n),
    }),
  );
}

function processTable(timeType: TimestampNanosecond | TimestampMicrosecond, scale: bigint): Table {
  return new Table({
    Timestamp: makeVector(
      makeData({ type: timeType, length: 3, nullCount: 0, data: BigInt64Array.from(TIMES, (t) => ns(t) / scale) }),
    ),
    DeviceName: vectorFromArray(['ws1', 'ws1', 'ws2'], new Dictionary(new Utf8(), new Int32())),
    FileName: vectorFromArray(['a.exe', 'b.exe', 'é漢.exe'], new Utf8()),
    ProcessCommandLine: vectorFromArray(['a', '', 'c'], new Utf8()),
    ProcessId: int64([1n, null, 9007199254740991n]),
    FolderPath: vectorFromArray(['C:\\', 'C:\\', 'C:\\'], new Utf8()),
  });
}

async function ingest(bytes: Uint8Array, name: string, chunk = 1 << 16, opts = {}): Promise<IngestResult[]> {
  return ingestAny(name, bytesChunks(bytes, chunk), opts);
}

describe('Parquet', () => {
  it('reads ns timestamps exactly, dictionary strings, int64 with nulls', async () => {
    const [r, ...rest] = await ingest(toParquet(processTable(new TimestampNanosecond(), 1n)), 'p.parquet', 1000);
    expect(rest).toEqual([]);
    expect(r!.report.format).toBe('parquet');
    expect(r!.report.fatal).toBeUndefined();
    expect(r!.report.recognised).toBe('DeviceProcessEvents');
    expect(col(r!.table, 'Timestamp')).toEqual(TIMES);
    expect(col(r!.table, 'DeviceName')).toEqual(['ws1', 'ws1', 'ws2']);
    expect(col(r!.table, 'FileName')).toEqual(['a.exe', 'b.exe', 'é漢.exe']);
    expect(col(r!.table, 'ProcessId')).toEqual([1, null, 9007199254740991]);
    expect(rowsAccountedFor(r!.report)).toBe(true);
  });

  it('reads us timestamps with a UTC zone (100 ns digit lost by the file, not by us)', async () => {
    const [r] = await ingest(toParquet(processTable(new TimestampMicrosecond('UTC'), 1000n)), 'p.parquet');
    expect(col(r!.table, 'Timestamp')).toEqual([
      '2024-05-01T10:00:00.1234560Z',
      '2024-05-01T10:00:01.0000000Z',
      '2024-05-01T23:59:59.9999990Z',
    ]);
  });

  it('an int64 beyond 2^53 is rejected with its record number; a wrongly typed column is named', async () => {
    const t = new Table({
      Timestamp: vectorFromArray([new Uint8Array([1]), new Uint8Array([2])], new Binary()),
      FileName: vectorFromArray(['a', 'b'], new Utf8()),
      ProcessCommandLine: vectorFromArray(['a', 'b'], new Utf8()),
      FolderPath: vectorFromArray(['a', 'b'], new Utf8()),
      ProcessId: int64([2n ** 60n, 5n]),
    });
    const [r] = await ingest(toParquet(t), 'q.parquet');
    expect(r!.report.rowsLoaded).toBe(1);
    expect(r!.report.rejects.map((j) => [j.line, j.code])).toEqual([[1, 'unsafe-integer']]);
    expect(r!.report.warnings.join('\n')).toMatch(/Timestamp: Arrow type Binary cannot be read as datetime/);
  });

  it('truncated, garbled and empty Parquet end in a clear fatal, never a throw', async () => {
    const good = toParquet(processTable(new TimestampNanosecond(), 1n));
    const truncated = good.slice(0, good.length - 10);
    const garbled = good.slice();
    for (let i = 8; i < garbled.length - 8; i += 3) garbled[i] = (garbled[i]! * 7 + 13) & 0xff;
    const [a] = await ingest(truncated, 't.parquet');
    expect(a!.report.fatal).toMatch(/truncated Parquet file/);
    const [b] = await ingest(garbled, 'g.parquet');
    expect(b!.report.fatal ?? b!.report.warnings.join(';')).toMatch(/Parquet/);
    const [c] = await ingest(enc.encode('PAR1'), 'e.parquet');
    expect(c!.report.fatal).toMatch(/Parquet/);
  });
});

const CSV_NET =
  'Timestamp,DeviceId,DeviceName,ActionType,LocalIP,LocalPort,RemoteIP,RemotePort,Protocol,InitiatingProcessFileName\r\n' +
  '2024-05-01T10:00:00Z,d1,ws1,InboundConnectionAccepted,10.0.0.2,135,10.0.0.9,50123,Tcp,svchost.exe\r\n';
const CSV_PROC =
  'Timestamp,DeviceId,DeviceName,FileName,FolderPath,ProcessId,ProcessCommandLine\n' +
  '2024-05-01T10:00:01Z,d1,ws1,"a,b.exe",C:\\,10,"x ""y"""\n';

describe('zip and gzip', () => {
  it('a zip of CSVs yields one result per entry, named archive/entry; directories and __MACOSX skipped', async () => {
    const zip = zipSync({
      'out/': {},
      'out/net.csv': enc.encode(CSV_NET),
      'out/proc.csv': [enc.encode(CSV_PROC), { level: 0 }],
      '__MACOSX/out/._net.csv': new Uint8Array([0, 1, 2]),
    });
    for (const chunk of [1, 7, 4096]) {
      const rs = await ingest(zip, 'x.zip', chunk);
      expect(rs.map((r) => [r.report.file, r.table.name, r.report.rowsLoaded])).toEqual([
        ['x.zip/out/net.csv', 'DeviceNetworkEvents', 1],
        ['x.zip/out/proc.csv', 'DeviceProcessEvents', 1],
      ]);
      expect(col(rs[1]!.table, 'ProcessCommandLine')).toEqual(['x "y"']);
    }
  });

  it('gzip of a CSV, and a zip inside a zip', async () => {
    const [g] = await ingest(gzipSync(enc.encode(CSV_NET)), 'net.csv.gz', 3);
    expect([g!.report.file, g!.report.format, g!.table.name, g!.report.rowsLoaded]).toEqual([
      'net.csv.gz',
      'csv',
      'DeviceNetworkEvents',
      1,
    ]);
    const inner = zipSync({ 'proc.csv': enc.encode(CSV_PROC) });
    const rs = await ingest(zipSync({ 'inner.zip': inner }), 'outer.zip');
    expect(rs.map((r) => [r.report.file, r.report.rowsLoaded])).toEqual([['outer.zip/inner.zip/proc.csv', 1]]);
  });

  it('zip bomb guard: the decompressed-bytes cap ends in a clear fatal (zip and gzip)', async () => {
    const big = new Uint8Array(4 * 1024 * 1024).fill(0x41);
    const zip = zipSync({ 'a.csv': big });
    const [r] = await ingest(zip, 'bomb.zip', 1 << 16, { maxUncompressedBytes: 1024 * 1024 });
    expect(r!.report.fatal).toMatch(/zip bomb guard/);
    const [g] = await ingest(gzipSync(big), 'bomb.csv.gz', 1 << 16, { maxUncompressedBytes: 1024 * 1024 });
    expect(g!.report.fatal).toMatch(/zip bomb guard/);
  });

  it('truncated and corrupt archives: what was complete is kept, the rest is a fatal', async () => {
    const zip = zipSync({ 'net.csv': enc.encode(CSV_NET), 'proc.csv': enc.encode(CSV_PROC.repeat(50)) });
    const rs = await ingest(zip.slice(0, zip.length - 200), 'cut.zip', 64);
    expect(rs[0]!.report.rowsLoaded).toBe(1);
    expect(rs.some((r) => /truncated|corrupt/.test(r.report.fatal ?? ''))).toBe(true);
    const [g] = await ingest(gzipSync(enc.encode(CSV_NET)).slice(0, 20), 'cut.csv.gz');
    expect(g!.report.fatal).toMatch(/gzip/);
  });

  it('ingestFile keeps its single-table contract on a multi-table file', async () => {
    const zip = zipSync({ 'net.csv': enc.encode(CSV_NET), 'proc.csv': enc.encode(CSV_PROC) });
    const r = await ingestFile('two.zip', bytesChunks(zip), { table: 'DeviceProcessEvents' });
    expect(r.table.name).toBe('DeviceProcessEvents');
    expect(r.report.warnings.join()).toMatch(/also holds/);
  });
});
