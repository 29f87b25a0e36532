import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsvTable, type IngestOptions } from '../../../src/engine/ingest/read-csv-table';
import { getValue, type Column } from '../../../src/engine/table/column';
import { DEVICE_PROCESS_EVENTS } from '../../../src/engine/table/defender-schema';
import { columnIndex, type Table } from '../../../src/engine/table/table';
import { formatDateTime } from '../../../src/engine/time/ticks';
import { chunksOf, toCsv, utf16, utf8 } from './csv-harness';

const PROC_COLS = DEVICE_PROCESS_EVENTS.map((c) => c.name);

/** A DeviceProcessEvents row with every column filled plausibly; `over` replaces cells by name. */
function procRow(i: number, over: Record<string, string> = {}): string[] {
  return DEVICE_PROCESS_EVENTS.map((c) => {
    if (c.name in over) return over[c.name]!;
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
        return c.name === 'DeviceName' ? `host${i % 3}.corp` : `${c.name}-${i}`;
    }
  });
}

function procCsv(rows: string[][], header: readonly string[] = PROC_COLS, eol = '\r\n'): string {
  return toCsv([header, ...rows], ',', eol) + eol;
}

async function ingest(text: string | Uint8Array, opts: IngestOptions = {}, chunk = 64 * 1024) {
  return readCsvTable('export.csv', chunksOf(typeof text === 'string' ? utf8(text) : text, chunk), opts);
}

function col(t: Table, name: string): Column {
  const i = columnIndex(t, name);
  if (i < 0) throw new Error(`no column ${name}`);
  return t.columns[i]!;
}

function cell(t: Table, name: string, row: number): unknown {
  const v = getValue(col(t, name), row);
  return typeof v === 'bigint' ? formatDateTime(v) : v;
}

function rowsOf(t: Table): unknown[][] {
  const out: unknown[][] = [];
  for (let r = 0; r < t.rowCount; r++) out.push(t.columns.map((c) => getValue(c, r)));
  return out;
}

describe('readCsvTable: DeviceProcessEvents', () => {
  it('recognises the table, strips [UTC], types every column', async () => {
    const header = PROC_COLS.map((n) => (n === 'Timestamp' ? ' "Timestamp [UTC]" ' : n));
    const rows = [procRow(0), procRow(1, { FileSize: '', ProcessCommandLine: '', IsProcessRemoteSession: '' })];
    const { table, report } = await ingest(procCsv(rows, header));
    expect(report.fatal).toBeUndefined();
    expect(report.recognised).toBe('DeviceProcessEvents');
    expect(table.name).toBe('DeviceProcessEvents');
    expect(report.format).toBe('csv');
    expect(report.rowsRead).toBe(2);
    expect(report.rowsLoaded).toBe(2);
    expect(report.columnsMissing).toEqual([]);
    expect(report.columnsMapped[0]).toEqual({ name: 'Timestamp', source: ' "Timestamp [UTC]" ', type: 'datetime' });
    expect(table.schema.map((c) => c.type)).toEqual(
      DEVICE_PROCESS_EVENTS.map((c) => (c.type === 'dynamic' ? 'string' : c.type)),
    );
    expect(cell(table, 'Timestamp', 0)).toBe('2026-05-01T10:00:00.1234567Z');
    expect(cell(table, 'ProcessId', 1)).toBe(1001);
    expect(cell(table, 'FileSize', 1)).toBeNull();
    expect(cell(table, 'ProcessCommandLine', 1)).toBe('');
    expect(cell(table, 'IsProcessRemoteSession', 0)).toBe(true);
    expect(cell(table, 'IsProcessRemoteSession', 1)).toBeNull();
    expect(cell(table, 'AdditionalFields', 0)).toBe('{"Key":"v0","Quote":"a\\"b"}');
    expect(report.warnings.join('\n')).toMatch(/AdditionalFields \(dynamic\) is kept as its raw JSON text/);
    expect(report.timeRange).toEqual({
      min:
        col(table, 'Timestamp').type === 'datetime'
          ? (col(table, 'Timestamp') as { values: BigInt64Array }).values[0]
          : 0n,
      max: (col(table, 'Timestamp') as { values: BigInt64Array }).values[1],
    });
    expect(report.devices).toBe(2);
  });

  it('rejects bad cells with line, column name and value; rowsRead = loaded + rejected', async () => {
    const rows = [
      procRow(0),
      procRow(1, { ProcessId: 'abc' }),
      procRow(2, { ProcessId: '9007199254740993' }),
      procRow(3, { Timestamp: 'not a time' }),
      procRow(4, { IsProcessRemoteSession: 'maybe' }),
      procRow(5, { ProcessCommandLine: 'multi\r\nline' }),
      procRow(6),
    ];
    const text = procCsv(rows) + 'too,few,fields\r\n';
    const { table, report } = await ingest(text);
    expect(report.rowsRead).toBe(8);
    expect(report.rowsLoaded).toBe(3);
    expect(report.rowsRejected).toBe(5);
    expect(report.rowsRead).toBe(report.rowsLoaded + report.rowsRejected);
    expect(report.rejectCounts).toEqual({
      'bad-number': 1,
      'unsafe-integer': 1,
      'bad-datetime': 1,
      'bad-bool': 1,
      'field-count': 1,
    });
    const r0 = report.rejects[0]!;
    expect(r0).toMatchObject({ line: 3, column: 'ProcessId', code: 'bad-number' });
    expect(r0.reason).toMatch(/line 3, column ProcessId .*"abc" is not an integer/);
    expect(report.rejects[1]!.reason).toMatch(/9007199254740993" is beyond 2\^53/);
    expect(report.rejects[4]).toMatchObject({ line: 10, code: 'field-count' });
    // The multi-line row (lines 8-9) is loaded, and the record after it is on line 10.
    expect(cell(table, 'ProcessCommandLine', 1)).toBe('multi\r\nline');
    expect(rowsOf(table).map((r) => r[columnIndex(table, 'ProcessId')])).toEqual([1000, 1005, 1006]);
  });

  it('keeps only the first maxRejects descriptions but counts all', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => procRow(i, { ProcessId: 'x' }));
    const { report } = await ingest(procCsv(rows), { maxRejects: 5 });
    expect(report.rejects).toHaveLength(5);
    expect(report.rowsRejected).toBe(50);
    expect(report.rejectCounts['bad-number']).toBe(50);
  });

  it('decodes only requested columns (a bad cell elsewhere does not reject the row)', async () => {
    const rows = [
      [...procRow(0, { FileSize: 'garbage' }), 'e0'],
      [...procRow(1), 'e1'],
    ];
    const header = [...PROC_COLS, 'Extra'];
    const { table, report } = await ingest(procCsv(rows, header), {
      columns: ['ProcessId', 'Timestamp', 'Extra', 'NoSuchColumn', 'InferredColumns'],
    });
    expect(table.schema).toEqual([
      { name: 'ProcessId', type: 'long' },
      { name: 'Timestamp', type: 'datetime' },
      { name: 'Extra', type: 'string' },
    ]);
    expect(report.rowsLoaded).toBe(2);
    // InferredColumns is asked for on every file but exists only on normalised Windows events: not reported.
    expect(report.columnsMissing).toEqual(['NoSuchColumn']);
    expect(report.columnsIgnored).toContain('FileSize');
    expect(report.columnsIgnored).not.toContain('Extra');
    expect(report.devices).toBeNull();
    expect(cell(table, 'Extra', 1)).toBe('e1');
  });

  it('an unknown extra column is ignored unless requested', async () => {
    const rows = [[...procRow(0), 'x']];
    const { table, report } = await ingest(procCsv(rows, [...PROC_COLS, 'MyNote']));
    expect(columnIndex(table, 'MyNote')).toBe(-1);
    expect(report.columnsIgnored).toEqual(['MyNote']);
  });

  it('reports missing columns and warns about the ones the rule needs', async () => {
    const keep = PROC_COLS.filter((c) => c !== 'InitiatingProcessParentId' && c !== 'SHA256');
    const idx = keep.map((c) => PROC_COLS.indexOf(c));
    const rows = [procRow(0)].map((r) => idx.map((i) => r[i]!));
    const { report } = await ingest(procCsv(rows, keep));
    expect(report.recognised).toBe('DeviceProcessEvents');
    expect(report.columnsMissing).toEqual(['SHA256', 'InitiatingProcessParentId']);
    expect(report.warnings.join('\n')).toMatch(/needs are missing: InitiatingProcessParentId/);
  });

  it('US portal timestamps load as UTC with a precision note; [Local Time] is warned about', async () => {
    const header = PROC_COLS.map((n) => (n === 'Timestamp' ? 'Timestamp [Local Time]' : n));
    const rows = [
      procRow(0, { Timestamp: '5/1/2026, 10:00:01.123 PM' }),
      procRow(1, { Timestamp: '5/1/2026, 12:00:00.000 AM' }),
    ];
    const { table, report } = await ingest(procCsv(rows, header));
    expect(cell(table, 'Timestamp', 0)).toBe('2026-05-01T22:00:01.1230000Z');
    expect(cell(table, 'Timestamp', 1)).toBe('2026-05-01T00:00:00.0000000Z');
    expect(report.precisionNote).toMatch(/millisecond precision/);
    expect(report.warnings.join('\n')).toMatch(/\[Local Time\]/);
  });

  it('the same table for every chunk size 1..16, for UTF-16 LE/BE and for TSV', async () => {
    const rows = [
      procRow(0, { ProcessCommandLine: 'cmd /c "echo, é😀"\r\nnext' }),
      procRow(1),
      procRow(2, { FileName: '""' }),
    ];
    const text = procCsv(rows);
    const base = await ingest(text);
    expect(base.report.rowsLoaded).toBe(3);
    for (let size = 1; size <= 16; size++) {
      const r = await ingest(text, {}, size);
      expect(rowsOf(r.table)).toEqual(rowsOf(base.table));
    }
    for (const endian of ['le', 'be'] as const) {
      for (const size of [1, 3, 7, 4096]) {
        const r = await ingest(utf16(text, endian), {}, size);
        expect(rowsOf(r.table)).toEqual(rowsOf(base.table));
      }
    }
    const tsv = await ingest(toCsv([PROC_COLS, ...rows], '\t') + '\n');
    expect(tsv.report.format).toBe('tsv');
    expect(rowsOf(tsv.table)).toEqual(rowsOf(base.table));
  });

  it('DeviceNetworkEvents: int ports, recognised by its columns', async () => {
    const text =
      'Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,LocalIP,LocalPort,Protocol,InitiatingProcessFileName,InitiatingProcessCommandLine,InitiatingProcessId\n' +
      '2026-05-01T10:00:00.5Z,d1,h1,InboundConnectionAccepted,10.0.0.9,50123,10.0.0.2,135,Tcp,svchost.exe,svchost.exe -k RpcSs -p,880\n' +
      '2026-05-01T10:00:01Z,d1,h1,InboundConnectionAccepted,10.0.0.9,99999999999,10.0.0.2,135,Tcp,svchost.exe,x,880\n';
    const { table, report } = await ingest(text);
    expect(report.recognised).toBe('DeviceNetworkEvents');
    expect(col(table, 'LocalPort').type).toBe('int');
    expect(cell(table, 'LocalPort', 0)).toBe(135);
    expect(report.rejects[0]).toMatchObject({ column: 'RemotePort', code: 'int-out-of-range', line: 3 });
    expect(report.warnings).toEqual([]);
  });

  it('an unrecognised header loads every column as a string, with a warning', async () => {
    const { table, report } = await ingest('a,b\n1,2\n');
    expect(report.recognised).toBeNull();
    expect(table.name).toBe('export');
    expect(table.schema).toEqual([
      { name: 'a', type: 'string' },
      { name: 'b', type: 'string' },
    ]);
    expect(report.warnings.join()).toMatch(/not recognised/);
  });

  it('empty file is fatal; header-only gives an empty typed table', async () => {
    const empty = await ingest('');
    expect(empty.report.fatal).toBe('empty file');
    expect(empty.report.rowsRead).toBe(0);
    const headerOnly = await ingest(PROC_COLS.join(','));
    expect(headerOnly.report.fatal).toBeUndefined();
    expect(headerOnly.table.rowCount).toBe(0);
    expect(headerOnly.table.schema).toHaveLength(PROC_COLS.length);
  });

  it('reports progress and honours AbortSignal', async () => {
    const text = procCsv(Array.from({ length: 200 }, (_, i) => procRow(i)));
    const seen: [number, number][] = [];
    const r = await ingest(text, { onProgress: (b, n) => seen.push([b, n]) }, 4096);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.at(-1)![0]).toBe(utf8(text).length);
    expect(seen.at(-1)![1]).toBeLessThanOrEqual(r.report.rowsRead);
    const ac = new AbortController();
    const p = ingest(text, { onProgress: (_b, n) => (n > 10 ? ac.abort() : undefined), signal: ac.signal }, 2048);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fuzz: mutated Defender CSV never throws and accounts for every row', async () => {
    const base = utf8(procCsv([procRow(0), procRow(1, { ProcessCommandLine: 'a "q", b\r\nc' }), procRow(2)]));
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            at: fc.nat(),
            op: fc.constantFrom('ins', 'del', 'set'),
            byte: fc.constantFrom(0, 10, 13, 34, 44, 48, 0xff, 0xc3, 65, 9),
          }),
          { maxLength: 10 },
        ),
        fc.integer({ min: 1, max: 300 }),
        async (ops, chunk) => {
          runs++;
          const b = [...base];
          for (const o of ops) {
            const i = o.at % (b.length + 1);
            if (o.op === 'ins') b.splice(i, 0, o.byte);
            else if (o.op === 'del') b.splice(i, 1);
            else b[i] = o.byte;
          }
          const t0 = performance.now();
          const { table, report } = await ingest(new Uint8Array(b), {}, chunk);
          expect(performance.now() - t0).toBeLessThan(2000);
          expect(report.rowsRead).toBe(report.rowsLoaded + report.rowsRejected);
          expect(table.rowCount).toBe(report.rowsLoaded);
        },
      ),
      { seed: 31, numRuns: 300 },
    );
    console.log(`defender csv fuzz: ${runs} cases`);
    expect(runs).toBe(300);
  });
});
