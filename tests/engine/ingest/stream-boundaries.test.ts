/**
 * Gaps of the chunk-boundary and bad-input suites closed here: the Defender streaming-API JSON
 * and JSON in UTF-16 (LE / BE, with BOM) cut at every chunk size 1..16, compared with a parse of
 * the whole buffer (JSON.parse); and a huge single line arriving as a generated stream (no file on
 * disk) for CSV and JSON, which must end in a clear reject naming the line, with memory bounded.
 */
import { describe, expect, it } from 'vitest';
import { bytesChunks } from '../../../src/engine/ingest/chunk-sources';
import { ingestAny, rowsAccountedFor, type IngestResult } from '../../../src/engine/ingest/ingest';
import { getValue } from '../../../src/engine/table/column';
import type { Table } from '../../../src/engine/table/table';
import { formatDateTime } from '../../../src/engine/time/ticks';

function col(t: Table, name: string): unknown[] {
  const i = t.schema.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`no column ${name}`);
  const c = t.columns[i]!;
  return Array.from({ length: t.rowCount }, (_, r) => {
    const v = getValue(c, r);
    return typeof v === 'bigint' ? formatDateTime(v) : v;
  });
}

function utf16(text: string, endian: 'le' | 'be'): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out.set(endian === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]);
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    out[2 + 2 * i + (endian === 'le' ? 0 : 1)] = u & 0xff;
    out[2 + 2 * i + (endian === 'le' ? 1 : 0)] = u >> 8;
  }
  return out;
}

// Every token kind a splitter or decoder can trip on: escaped quotes, brackets inside strings,
// escaped CR LF, a backslash before the closing quote, 2-, 3- and 4-byte UTF-8 (a surrogate pair).
const CMDS = ['cmd /c "echo }]{["', 'a \\"q\\" }', 'x\r\ny', 'C:\\dir\\', 'é漢字😀 ] } ,', ''];

function streamingApiDoc(eol: string): { text: string; net: unknown[]; proc: unknown[] } {
  const lines: string[] = [];
  const net: unknown[] = [];
  const proc: unknown[] = [];
  CMDS.forEach((cmd, i) => {
    const p = {
      Timestamp: `2024-05-01T10:00:0${i}.1234567Z`,
      DeviceId: 'd1',
      DeviceName: 'ws1',
      FileName: 'cmd.exe',
      FolderPath: 'C:\\Windows',
      ProcessId: 100 + i,
      ProcessCommandLine: cmd,
    };
    const n = {
      Timestamp: `2024-05-01T10:00:0${i}.5Z`,
      DeviceId: 'd1',
      DeviceName: 'ws1',
      LocalPort: 135,
      RemoteIP: '10.0.0.9',
      InitiatingProcessCommandLine: cmd,
    };
    const rec = (category: string, properties: unknown) =>
      JSON.stringify({ time: '2024-05-01T10:00:00Z', tenantId: 't', category, properties });
    lines.push(rec('AdvancedHunting-DeviceProcessEvents', p), rec('AdvancedHunting-DeviceNetworkEvents', n));
    proc.push(p);
    net.push(n);
  });
  return { text: lines.join(eol) + eol, net, proc };
}

async function ingestBytes(bytes: Uint8Array, size: number): Promise<IngestResult[]> {
  return ingestAny('stream.json', bytesChunks(bytes, size));
}

function table(rs: IngestResult[], name: string): Table {
  const r = rs.find((x) => x.table.name === name);
  if (!r) throw new Error(`no ${name} in ${rs.map((x) => x.table.name).join(', ')}`);
  expect(r.report.rowsRejected).toBe(0);
  expect(rowsAccountedFor(r.report)).toBe(true);
  return r.table;
}

describe('streaming-API JSON and UTF-16 JSON: every chunk size equals the whole-buffer parse', () => {
  const encodings: [string, (text: string) => Uint8Array][] = [
    ['UTF-8', (t) => new TextEncoder().encode(t)],
    ['UTF-8 with BOM', (t) => new TextEncoder().encode('\ufeff' + t)],
    ['UTF-16 LE', (t) => utf16(t, 'le')],
    ['UTF-16 BE', (t) => utf16(t, 'be')],
  ];
  for (const eol of ['\n', '\r\n']) {
    for (const [label, encode] of encodings) {
      it(`streaming API, ${label}, ${JSON.stringify(eol)} line ends`, async () => {
        const doc = streamingApiDoc(eol);
        // The oracle: each line parsed whole, independently of the splitter.
        const whole = doc.text
          .split(eol)
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as { properties: Record<string, unknown> });
        expect(whole.length).toBe(CMDS.length * 2);
        const bytes = encode(doc.text);
        for (let size = 1; size <= 16; size++) {
          const rs = await ingestBytes(bytes, size);
          const proc = table(rs, 'DeviceProcessEvents');
          const net = table(rs, 'DeviceNetworkEvents');
          const wantProc = whole.filter((_, i) => i % 2 === 0).map((r) => r.properties);
          const wantNet = whole.filter((_, i) => i % 2 === 1).map((r) => r.properties);
          expect(col(proc, 'ProcessCommandLine'), `chunk ${size}`).toEqual(wantProc.map((p) => p.ProcessCommandLine));
          expect(col(proc, 'ProcessId')).toEqual(wantProc.map((p) => p.ProcessId));
          expect(col(proc, 'Timestamp')).toEqual(wantProc.map((p) => p.Timestamp));
          expect(col(net, 'InitiatingProcessCommandLine')).toEqual(wantNet.map((p) => p.InitiatingProcessCommandLine));
          expect(col(net, 'LocalPort')).toEqual(wantNet.map((p) => p.LocalPort));
        }
      });
    }
  }

  it('a flat JSON array in UTF-16 LE and BE at every chunk size', async () => {
    const rows = streamingApiDoc('\n').proc;
    const text = JSON.stringify(rows, null, 1).replace(/\n/g, '\r\n');
    for (const endian of ['le', 'be'] as const) {
      const bytes = utf16(text, endian);
      for (let size = 1; size <= 16; size++) {
        const proc = table(await ingestBytes(bytes, size), 'DeviceProcessEvents');
        expect(col(proc, 'ProcessCommandLine')).toEqual(
          (JSON.parse(text) as { ProcessCommandLine: string }[]).map((r) => r.ProcessCommandLine),
        );
      }
    }
  });
});

/** `total` bytes of `fill` without a line break, in 1 MiB chunks, made on the fly. */
async function* hugeLine(prefix: string, total: number, suffix: string, fill = 0x41): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  yield enc.encode(prefix);
  const chunk = new Uint8Array(1 << 20).fill(fill);
  for (let sent = 0; sent < total; sent += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, total - sent));
  yield enc.encode(suffix);
}

describe('a huge single line from a generated stream', () => {
  const HUGE = 256 * 1024 * 1024; // 4x the default record limit, never on disk
  const CSV_HEAD = 'Timestamp,DeviceId,DeviceName,FileName,FolderPath,ProcessId,ProcessCommandLine\n';
  const CSV_ROW = '2024-05-01T10:00:00Z,d1,ws1,cmd.exe,C:\\,5,ok\n';

  it.each([
    ['CSV', CSV_HEAD + CSV_ROW + '2024-05-01T10:00:01Z,d1,ws1,cmd.exe,C:\\,6,', '\n' + CSV_ROW, 'x.csv'],
    [
      'JSON lines',
      '{"Timestamp":"2024-05-01T10:00:00Z","DeviceId":"d1","DeviceName":"ws1","FileName":"a","FolderPath":"C:","ProcessId":1,"ProcessCommandLine":"ok"}\n{"ProcessCommandLine":"',
      '"}\n{"Timestamp":"2024-05-01T10:00:02Z","DeviceId":"d1","DeviceName":"ws1","FileName":"a","FolderPath":"C:","ProcessId":2,"ProcessCommandLine":"ok"}\n',
      'x.jsonl',
    ],
  ])(
    '%s: rejected with its line and a clear reason, the rows around it load, memory stays bounded',
    async (_f, prefix, suffix, name) => {
      if (typeof globalThis.gc === 'function') globalThis.gc();
      const before = process.memoryUsage();
      let peak = 0;
      const sample = () => {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.heapUsed + m.arrayBuffers - before.heapUsed - before.arrayBuffers);
      };
      const rs = await ingestAny(name, hugeLine(prefix, HUGE, suffix), { onProgress: sample });
      sample();
      const r = rs[0]!;
      expect(r.report.fatal).toBeUndefined();
      expect(r.report.rowsLoaded).toBe(2);
      expect(rowsAccountedFor(r.report)).toBe(true);
      const reject = r.report.rejects.find((x) => /longer than/.test(x.reason));
      expect(reject, JSON.stringify(r.report.rejects)).toBeDefined();
      expect(reject!.line).toBe(name.endsWith('.csv') ? 3 : 2);
      expect(reject!.reason).toMatch(/longer than \d+ characters/);
      // The line is 256 MiB; what was held stays well under it (the record limit is 64 Mi
      // characters: the longest a kept record may be).
      expect(peak).toBeLessThan(HUGE / 2);
    },
    120_000,
  );
});
