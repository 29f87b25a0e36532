import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesChunks } from '../../../src/engine/ingest/chunk-sources';
import { ingestAny, rowsAccountedFor, type IngestResult } from '../../../src/engine/ingest/ingest';
import { JsonValueSplitter } from '../../../src/engine/ingest/json-value-splitter';
import { getValue } from '../../../src/engine/table/column';
import type { Table } from '../../../src/engine/table/table';
import { formatDateTime } from '../../../src/engine/time/ticks';

const enc = new TextEncoder();

function col(t: Table, name: string): unknown[] {
  const i = t.schema.findIndex((c) => c.name === name);
  if (i < 0) return [];
  const c = t.columns[i]!;
  return Array.from({ length: t.rowCount }, (_, r) => {
    const v = getValue(c, r);
    return typeof v === 'bigint' ? formatDateTime(v) : v;
  });
}

async function ingest(text: string | Uint8Array, chunk = 1 << 20, name = 'x.json'): Promise<IngestResult[]> {
  const bytes = typeof text === 'string' ? enc.encode(text) : text;
  return ingestAny(name, bytesChunks(bytes, chunk), { columns: undefined });
}

function byTable(rs: IngestResult[], name: string): IngestResult {
  const r = rs.find((x) => x.table.name === name);
  expect(r, `table ${name} in ${rs.map((x) => x.table.name).join(',')}`).toBeDefined();
  return r!;
}

// Strings holding every token the splitter must not mistake for structure, and multibyte text.
const TRICKY_CMDS = ['cmd.exe /c "echo }]{["', 'a \\"quoted\\" }', 'path C:\\Windows\\ end\\', 'é漢字😀 ] } ,', ''];

function procRow(i: number, cmd: string): Record<string, unknown> {
  return {
    Timestamp: `2024-05-01T10:00:0${i % 10}.123456${i % 10}Z`,
    DeviceId: `dev${i}`,
    DeviceName: i % 2 ? 'ws1.contoso.local' : 'ws2',
    ActionType: 'ProcessCreated',
    FileName: 'cmd.exe',
    FolderPath: 'C:\\Windows\\System32\\cmd.exe',
    ProcessId: 1000 + i,
    ProcessCommandLine: cmd,
    InitiatingProcessFileName: 'svchost.exe',
    InitiatingProcessId: i % 3 === 0 ? null : 4 + i,
    InitiatingProcessCommandLine: null,
    AccountName: 'system',
  };
}

describe('JSON value splitter', () => {
  const doc = TRICKY_CMDS.map((c, i) => JSON.stringify(procRow(i, c))).join('\n');
  const whole = doc.split('\n');

  it.each(Array.from({ length: 16 }, (_, i) => i + 1))(
    'JSON lines split at every %i characters equals a whole-line parse',
    (size) => {
      const got: { text: string; line: number }[] = [];
      const s = new JsonValueSplitter({
        value: (text, line) => got.push({ text, line }),
        junk: () => expect.unreachable(),
      });
      for (let i = 0; i < doc.length; i += size) s.push(doc.slice(i, i + size));
      s.finish();
      expect(got.map((g) => g.line)).toEqual(whole.map((_, i) => i + 1));
      expect(got.map((g) => JSON.parse(g.text))).toEqual(whole.map((l) => JSON.parse(l)));
    },
  );

  it('a top-level array yields its elements; stray brackets and truncation are junk with lines', () => {
    const got: string[] = [];
    const junk: number[] = [];
    const s = new JsonValueSplitter({ value: (t) => got.push(t), junk: (l) => junk.push(l) });
    s.push('[ {"a": "]"},\n {"b": [1, {"c": "}"}]} ]\n}\n{"d": 1');
    s.finish();
    expect(got.map((t) => JSON.parse(t))).toEqual([{ a: ']' }, { b: [1, { c: '}' }] }]);
    expect(junk).toEqual([3, 4]);
  });
});

describe('JSON ingest', () => {
  const rows = TRICKY_CMDS.map((c, i) => procRow(i, c));
  const lines = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const array = JSON.stringify(rows, null, 2);

  it.each(Array.from({ length: 16 }, (_, i) => i + 1))(
    'flat rows, chunks of %i bytes (multibyte chars split), lines and array agree',
    async (size) => {
      for (const text of [lines, array, '\ufeff' + lines]) {
        const [r, ...rest] = await ingest(text, size);
        expect(rest).toEqual([]);
        expect(r!.report.recognised).toBe('DeviceProcessEvents');
        expect(r!.report.format).toBe('json');
        expect(r!.report.rowsLoaded).toBe(rows.length);
        expect(col(r!.table, 'ProcessCommandLine')).toEqual(rows.map((x) => x.ProcessCommandLine));
        expect(col(r!.table, 'InitiatingProcessId')).toEqual(rows.map((x) => x.InitiatingProcessId));
        // Strings are never null: a JSON null string is "".
        expect(col(r!.table, 'InitiatingProcessCommandLine')).toEqual(rows.map(() => ''));
        expect(col(r!.table, 'Timestamp')).toEqual(rows.map((x) => x.Timestamp));
      }
    },
  );

  it('streaming API records: tables from category, others skipped and counted, Event Hub batches', async () => {
    const rec = (category: string, properties: Record<string, unknown>, time = '2024-05-01T10:00:00Z') =>
      JSON.stringify({ time, tenantId: 't', operationName: 'Publish', category, properties });
    const net = {
      Timestamp: '2024-05-01T10:00:01.5Z',
      DeviceName: 'h',
      ActionType: 'InboundConnectionAccepted',
      LocalPort: 135,
      RemoteIP: '10.0.0.5',
      LocalIP: '10.0.0.9',
      RemotePort: 50000,
    };
    const text = [
      rec(
        'AdvancedHunting-DeviceProcessEvents',
        { ...procRow(1, 'x'), Timestamp: undefined },
        '2024-05-01T09:00:00.1234567Z',
      ),
      rec('AdvancedHunting-DeviceNetworkEvents', net),
      rec('AdvancedHunting-DeviceFileEvents', { FileName: 'a' }),
      rec('AdvancedHunting-DeviceFileEvents', { FileName: 'b' }),
      JSON.stringify({
        records: [
          JSON.parse(rec('AdvancedHunting-DeviceNetworkEvents', net)),
          JSON.parse(rec('AdvancedHunting-EmailEvents', {})),
        ],
      }),
    ].join('\n');
    const rs = await ingest(text, 7);
    const proc = byTable(rs, 'DeviceProcessEvents');
    const netR = byTable(rs, 'DeviceNetworkEvents');
    expect(col(proc.table, 'Timestamp')).toEqual(['2024-05-01T09:00:00.1234567Z']);
    expect(netR.report.rowsLoaded).toBe(2);
    expect(col(netR.table, 'LocalPort')).toEqual([135, 135]);
    const skipped = rs.reduce((n, r) => n + (r.report.rowsSkipped ?? 0), 0);
    expect(skipped).toBe(3);
    const counts = rs.map((r) => r.report.skipCounts ?? {}).reduce((a, b) => ({ ...a, ...b }), {});
    expect(counts).toEqual({ 'AdvancedHunting-DeviceFileEvents': 2, 'AdvancedHunting-EmailEvents': 1 });
    for (const r of rs) expect(rowsAccountedFor(r.report)).toBe(true);
  });

  it('rejects with line and field: bad timestamp, unsafe integer, bad JSON, non-object; loads the rest', async () => {
    const good = JSON.stringify(procRow(1, 'ok'));
    const text = [
      good,
      JSON.stringify({ ...procRow(2, 'x'), Timestamp: '2024-13-45T00:00:00Z' }),
      JSON.stringify({ ...procRow(3, 'x') }).replace('"ProcessId":1003', '"ProcessId":9007199254740993'),
      '{"ProcessId": 1, oops}',
      '42',
      good,
    ].join('\n');
    const [r, ...rest] = await ingest(text);
    expect(rest).toEqual([]);
    const rep = r!.report;
    expect(rep.rowsLoaded).toBe(2);
    expect(rep.rowsRejected).toBe(4);
    expect(rowsAccountedFor(rep)).toBe(true);
    expect(rep.rejects.map((j) => [j.line, j.code, j.column ?? null])).toEqual([
      [2, 'bad-datetime', 'Timestamp'],
      [3, 'unsafe-integer', 'ProcessId'],
      [4, 'bad-json', null],
      [5, 'bad-json', null],
    ]);
    expect(rep.rejects[0]!.reason).toContain('line 2, field Timestamp');
  });

  it('truncated array and unknown records next to known ones are rejected, never lost', async () => {
    const text =
      '[' + JSON.stringify(procRow(1, 'a')) + ',\n{"Foo": 1},\n' + JSON.stringify(procRow(2, 'b')).slice(0, 30);
    const [r] = await ingest(text, 5);
    expect(r!.report.rowsLoaded).toBe(1);
    expect(r!.report.rejectCounts).toEqual({ 'unknown-record': 1, 'bad-json': 1 });
    expect(rowsAccountedFor(r!.report)).toBe(true);
  });

  it('records of no known shape alone load as an untyped table, like an unrecognised CSV', async () => {
    const [r] = await ingest('{"a": 1, "b": "x"}\n{"a": null, "c": {"d": true}}\n', 3, 'misc.jsonl');
    expect(r!.table.name).toBe('misc');
    expect(r!.report.recognised).toBeNull();
    expect(col(r!.table, 'a')).toEqual(['1', '']);
    expect(col(r!.table, 'c')).toEqual(['', '{"d":true}']);
  });

  it('fuzz: mutated JSON never throws and every record is accounted for', async () => {
    const seed = [lines, array].join('\n');
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.nat(seed.length),
            fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', '\n', 'é', ''),
            fc.boolean(),
          ),
          { maxLength: 8 },
        ),
        fc.integer({ min: 1, max: 64 }),
        async (edits, chunk) => {
          let s = seed;
          for (const [at, ch, del] of edits) s = s.slice(0, at) + ch + s.slice(at + (del ? 1 : 0));
          const rs = await ingest(s, chunk);
          expect(rs.length).toBeGreaterThan(0);
          for (const r of rs) expect(rowsAccountedFor(r.report)).toBe(true);
        },
      ),
      { seed: 20240501, numRuns: 150 },
    );
  });
});
