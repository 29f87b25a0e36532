import { tableToIPC, Table as ArrowTable, vectorFromArray, Int32, Utf8 } from 'apache-arrow';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blobChunks, bytesChunks, readableStreamChunks } from '../../../src/engine/ingest/chunk-sources';
import { concatTables, ingestFile, sniffFormat } from '../../../src/engine/ingest/ingest';
import { ingestPath } from '../../../src/engine/ingest/node-source';
import { getValue } from '../../../src/engine/table/column';
import { columnIndex, type Table } from '../../../src/engine/table/table';
import { utf8 } from './csv-harness';

const NET_HEADER =
  'Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,LocalIP,LocalPort,Protocol,InitiatingProcessId';

function col(t: Table, name: string): unknown[] {
  const c = t.columns[columnIndex(t, name)]!;
  return Array.from({ length: t.rowCount }, (_, r) => getValue(c, r));
}

describe('ingestFile: format sniffing', () => {
  const cases: [string, number[] | string, string][] = [
    ['Arrow file magic', [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31, 0, 0], 'arrow'],
    ['Arrow stream continuation', [0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0], 'arrow'],
    ['Parquet', [0x50, 0x41, 0x52, 0x31, 0, 0], 'parquet'],
    ['gzip', [0x1f, 0x8b, 8, 0], 'gzip'],
    ['xlsx / zip', [0x50, 0x4b, 3, 4, 0], 'zip'],
    ['JSON lines', '\n  {"Timestamp":"2026-05-01"}', 'json'],
    ['JSON array', '\uFEFF[{"a":1}]', 'json'],
    ['binary evtx', [0x45, 0x6c, 0x66, 0x46, 0x69, 0x6c, 0x65, 0x00], 'unsupported'],
    ['CSV', 'Timestamp,DeviceId\n', 'text'],
    ['empty', '', 'text'],
  ];
  it.each(cases)('%s', (_n, head, kind) => {
    const bytes = typeof head === 'string' ? utf8(head) : new Uint8Array(head);
    expect(sniffFormat(bytes).kind).toBe(kind);
  });

  it('unsupported and unreadable formats come back as a fatal report, not a throw', async () => {
    const r = await ingestFile('x.parquet', bytesChunks(new Uint8Array([0x50, 0x41, 0x52, 0x31, 1, 2, 3]), 2));
    expect(r.report.format).toBe('parquet');
    expect(r.report.fatal).toMatch(/Parquet/);
    const e = await ingestFile('x.evtx', bytesChunks(utf8('ElfFile\u0000 and more bytes')));
    expect(e.report.format).toBe('unsupported');
    expect(e.report.fatal).toMatch(/evtx/);
  });

  it('dispatches CSV split into 1-byte chunks (sniffing spans chunks)', async () => {
    const text = `${NET_HEADER}\n2026-05-01T10:00:00Z,d1,h1,InboundConnectionAccepted,10.0.0.1,5000,10.0.0.2,135,Tcp,880\n`;
    const r = await ingestFile('net.csv', bytesChunks(utf8(text), 1));
    expect(r.report.recognised).toBe('DeviceNetworkEvents');
    expect(r.report.rowsLoaded).toBe(1);
  });

  it('reads from a ReadableStream and a Blob', async () => {
    const text = `${NET_HEADER}\n2026-05-01T10:00:00Z,d1,h1,X,1,1,2,135,Tcp,1\n`;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        const b = utf8(text);
        c.enqueue(b.subarray(0, 10));
        c.enqueue(b.subarray(10));
        c.close();
      },
    });
    expect((await ingestFile('s.csv', readableStreamChunks(stream))).report.rowsLoaded).toBe(1);
    expect((await ingestFile('b.csv', blobChunks(new Blob([text])))).report.rowsLoaded).toBe(1);
  });

  it('ingestPath reads a file on disk (Node adapter)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcomlens-ingest-'));
    const p = join(dir, 'DeviceNetworkEvents.csv');
    writeFileSync(p, `${NET_HEADER}\r\n2026-05-01T10:00:00Z,d1,h1,X,1,1,2,135,Tcp,1\r\n`);
    const r = await ingestPath(p);
    expect(r.report.file).toBe('DeviceNetworkEvents.csv');
    expect(r.report.rowsLoaded).toBe(1);
    const at = new ArrowTable({
      ProcessId: vectorFromArray([7], new Int32()),
      FileName: vectorFromArray(['a'], new Utf8()),
    });
    const pa = join(dir, 'p.arrow');
    writeFileSync(pa, tableToIPC(at, 'file'));
    expect((await ingestPath(pa)).table.rowCount).toBe(1);
  });
});

describe('concatTables', () => {
  it('merges the same table split over files, re-mapping dictionaries and filling missing columns', async () => {
    const a = await ingestFile(
      'a.csv',
      bytesChunks(
        utf8(
          `${NET_HEADER}\n2026-05-01T10:00:00Z,d1,h1,X,1,1,2,135,Tcp,1\n2026-05-01T10:00:01Z,d2,h2,Y,1,1,2,135,Tcp,\n`,
        ),
      ),
    );
    const b = await ingestFile(
      'b.csv',
      bytesChunks(
        utf8(
          'DeviceName,Timestamp,RemoteIP,LocalIP,LocalPort,Protocol,RemotePort\nh2,2026-05-01T10:00:02Z,9,8,445,Tcp,7\nh3,2026-05-01T10:00:03Z,9,8,,Tcp,7\n',
        ),
      ),
    );
    const { table, warnings } = concatTables([a.table, b.table]);
    expect(table.name).toBe('DeviceNetworkEvents');
    expect(table.rowCount).toBe(4);
    expect(col(table, 'DeviceName')).toEqual(['h1', 'h2', 'h2', 'h3']);
    expect(col(table, 'LocalPort')).toEqual([135, 135, 445, null]);
    expect(col(table, 'InitiatingProcessId')).toEqual([1, null, null, null]);
    expect(col(table, 'DeviceId')).toEqual(['d1', 'd2', '', '']);
    const names = table.columns[columnIndex(table, 'DeviceName')]!;
    expect(names.type === 'string' ? names.dict : []).toEqual(['h1', 'h2', 'h3']);
    expect(warnings.join('\n')).toMatch(/has no column DeviceId/);
  });

  it('a type conflict keeps the first type and is reported', () => {
    const t1: Table = {
      name: 'T',
      schema: [{ name: 'x', type: 'long' }],
      columns: [{ type: 'long', length: 1, values: new Float64Array([1]), valid: null }],
      rowCount: 1,
    };
    const t2: Table = {
      name: 'T',
      schema: [{ name: 'x', type: 'string' }],
      columns: [{ type: 'string', length: 1, codes: new Int32Array([0]), dict: ['a'] }],
      rowCount: 1,
    };
    const { table, warnings } = concatTables([t1, t2]);
    expect(col(table, 'x')).toEqual([1, null]);
    expect(warnings.join()).toMatch(/is string here but long/);
  });
});

describe('ingest layering', () => {
  it('only node-source.ts imports Node built-ins (the rest runs in a Web Worker)', () => {
    const dir = join(__dirname, '../../../src/engine/ingest');
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && f !== 'node-source.ts')
      .filter((f) => /from ['"](node:|fs['"]|path['"]|os['"]|stream['"])/.test(readFileSync(join(dir, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
