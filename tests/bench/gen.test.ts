import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { Clock } from '../../bench/gen/clock';
import { CsvRowWriter, MemoryTextSink } from '../../bench/gen/csv-writer';
import { generate } from '../../bench/gen/generate';
import type { CasesFile } from '../../bench/gen/generate';
import { SAMPLE_DIR, SAMPLE_OPTIONS, makeSamples } from '../../bench/gen/make-samples';
import { CASE_KINDS } from '../../bench/gen/planted-cases';
import { has } from '../../bench/gen/rule-oracle';
import { writeDataset } from '../../bench/gen/write-dataset';
import { DEVICE_NETWORK_EVENTS, DEVICE_PROCESS_EVENTS } from '../../src/engine/table/defender-schema';
import { UNIX_EPOCH_TICKS, parseIsoDateTime } from '../../src/engine/time/ticks';

const tmp: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dcomlens-gen-'));
  tmp.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

const TABLES = [
  ['DeviceNetworkEvents', DEVICE_NETWORK_EVENTS],
  ['DeviceProcessEvents', DEVICE_PROCESS_EVENTS],
] as const;

function readCsv(path: string): string[][] {
  return parse(readFileSync(path), { relax_column_count: true }) as string[][];
}

/** Generates into memory, returning every output as text. */
function generateText(opts: Parameters<typeof generate>[0]): Record<string, string> {
  const clock = new Clock(opts.start ?? '2024-05-01T08:00:00Z');
  const net = new MemoryTextSink();
  const proc = new MemoryTextSink();
  const r = generate(opts, {
    DeviceNetworkEvents: new CsvRowWriter(net, DEVICE_NETWORK_EVENTS, clock),
    DeviceProcessEvents: new CsvRowWriter(proc, DEVICE_PROCESS_EVENTS, clock),
  });
  return { net: net.text(), proc: proc.text(), truth: JSON.stringify(r.truth), cases: JSON.stringify(r.cases) };
}

type TruthJson = {
  columns: string[];
  rows: [string, string, string, string, number, string, string, string, string, string[]][];
};

const sampleCases = JSON.parse(readFileSync(join(SAMPLE_DIR, 'cases.json'), 'utf8')) as CasesFile;
const sampleTruth = JSON.parse(readFileSync(join(SAMPLE_DIR, 'truth.json'), 'utf8')) as TruthJson;

describe('determinism', () => {
  it('same seed gives byte-identical files', () => {
    const opts = { devices: 4, hours: 1, seed: 'det' };
    const a = writeDataset(opts, tempDir());
    const b = writeDataset(opts, tempDir());
    expect(a.truth).toEqual(b.truth);
    const [da, db] = tmp.slice(-2) as [string, string];
    const files = readdirSync(da).sort();
    expect(files).toEqual(['DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv', 'cases.json', 'truth.json']);
    for (const f of files) expect(readFileSync(join(db, f)).equals(readFileSync(join(da, f))), f).toBe(true);
  });

  it('a different seed gives different data', () => {
    const a = generateText({ devices: 3, hours: 1, seed: 1 });
    const b = generateText({ devices: 3, hours: 1, seed: 2 });
    expect(a.net).not.toEqual(b.net);
    expect(a.truth).not.toEqual(b.truth);
  });

  it('the committed sample is what make-samples writes now', () => {
    const dir = tempDir();
    makeSamples(dir);
    for (const f of readdirSync(SAMPLE_DIR).sort()) {
      expect(readFileSync(join(dir, f)).equals(readFileSync(join(SAMPLE_DIR, f))), f).toBe(true);
    }
  });

  it('planted expectations agree with the brute-force rule for several seeds and sizes', () => {
    // generate() throws when the two truths disagree.
    for (const [devices, hours, seed] of [
      [1, 1, 'a'],
      [2, 1, 'b'],
      [3, 2, 'c'],
      [7, 1, 'd'],
      [12, 3, 'e'],
    ] as const) {
      expect(() => generateText({ devices, hours, seed })).not.toThrow();
    }
  });
});

describe('CSV sample', () => {
  for (const [table, schema] of TABLES) {
    it(`${table}.csv parses with the schema header and full rows`, () => {
      const records = readCsv(join(SAMPLE_DIR, `${table}.csv`));
      expect(records[0]).toEqual(schema.map((c) => c.name));
      const body = records.slice(1);
      expect(body.length).toBeGreaterThan(1000);
      for (const r of body) expect(r.length).toBe(schema.length);
      const ts = body.map((r) => r[0]!);
      for (const t of ts) expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$/);
      // Trailing zeros are trimmed, so several fraction lengths occur.
      const lengths = new Set(ts.map((t) => (t.split('.')[1] ?? 'Z').length));
      expect(lengths.size).toBeGreaterThan(2);
      expect(body.every((r) => parseIsoDateTime(r[0]!) !== null)).toBe(true);
    });
  }

  it('has quoted fields with commas, quotes and newlines that round-trip', () => {
    const raw = readFileSync(join(SAMPLE_DIR, 'DeviceProcessEvents.csv'), 'utf8');
    expect(raw).toContain('""');
    const records = readCsv(join(SAMPLE_DIR, 'DeviceProcessEvents.csv'));
    const cmdIdx = DEVICE_PROCESS_EVENTS.findIndex((c) => c.name === 'ProcessCommandLine');
    const cmds = records.slice(1).map((r) => r[cmdIdx]!);
    expect(cmds.some((c) => c.includes(','))).toBe(true);
    expect(cmds.some((c) => c.includes('"'))).toBe(true);
    expect(cmds.some((c) => c.includes('\n'))).toBe(true);
    const net = readCsv(join(SAMPLE_DIR, 'DeviceNetworkEvents.csv'));
    const addIdx = DEVICE_NETWORK_EVENTS.findIndex((c) => c.name === 'AdditionalFields');
    const json = net
      .slice(1)
      .map((r) => r[addIdx]!)
      .filter((v) => v !== '');
    expect(json.length).toBeGreaterThan(0);
    for (const j of json) expect(() => JSON.parse(j)).not.toThrow();
  });

  it('writes empty cells for null numbers', () => {
    const records = readCsv(join(SAMPLE_DIR, 'DeviceNetworkEvents.csv'));
    const portIdx = DEVICE_NETWORK_EVENTS.findIndex((c) => c.name === 'RemotePort');
    const actIdx = DEVICE_NETWORK_EVENTS.findIndex((c) => c.name === 'ActionType');
    const listening = records.slice(1).filter((r) => r[actIdx] === 'ListeningConnectionCreated');
    expect(listening.length).toBeGreaterThan(0);
    for (const r of listening) expect(r[portIdx]).toBe('');
  });
});

describe('cases.json of the sample', () => {
  it('has every case kind, none skipped', () => {
    const kinds = new Set(sampleCases.cases.map((c) => c.kind));
    for (const k of Object.keys(CASE_KINDS)) expect(kinds.has(k as keyof typeof CASE_KINDS), k).toBe(true);
    expect(sampleCases.skipped).toEqual([]);
    expect(sampleCases.devices.length).toBe(SAMPLE_OPTIONS.devices);
    for (const c of sampleCases.cases) expect(c.expect).toBe(CASE_KINDS[c.kind][0]);
  });

  it('agrees with truth.json case by case', () => {
    const alertRows = sampleCases.cases.filter((c) => c.expect === 'alert').reduce((n, c) => n + c.truthRows, 0);
    expect(sampleTruth.rows.length).toBe(alertRows);
    for (const c of sampleCases.cases) {
      const hits = sampleTruth.rows.filter((r) => r[2] === c.DeviceId && r[1] === c.dcom?.Timestamp);
      expect(hits.length, `${c.id} ${c.kind}`).toBe(c.truthRows);
      if (c.expect === 'alert') expect(hits.map((h) => h[0]).sort()).toEqual(c.network.map((n) => n.Timestamp).sort());
    }
    const twoRpc = sampleCases.cases.find((c) => c.kind === 'tp-two-rpc')!;
    expect(twoRpc.truthRows).toBe(2);
  });

  it('puts the PID-reuse child in the earlier alert set, and csc.exe never', () => {
    const same = sampleCases.cases.find((c) => c.kind === 'tp-pid-reuse-same-name')!;
    const row = sampleTruth.rows.find((r) => r[2] === same.DeviceId && r[1] === same.dcom?.Timestamp)!;
    expect(row[9].some((cmd) => cmd.includes('notepad.exe'))).toBe(true);
    for (const r of sampleTruth.rows) expect(r[9].some((cmd) => /csc\.exe/i.test(cmd))).toBe(false);
  });
});

describe('truth.json of the sample', () => {
  const ISO7 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/;

  it('is well-formed', () => {
    expect(sampleTruth.columns).toEqual([
      'TimestampNetwEventExact',
      'TimestampProcEventExact',
      'DeviceId',
      'DeviceName',
      'InitiatingProcessId',
      'LocalIP',
      'RemoteIP',
      'LastBootTime',
      'DCOMCmdLine',
      'set_ProcessCommandLine',
    ]);
    expect(sampleTruth.rows.length).toBeGreaterThan(10);
    for (const r of sampleTruth.rows) {
      expect(r.length).toBe(10);
      expect(r[0]).toMatch(ISO7);
      expect(r[1]).toMatch(ISO7);
      expect(r[7]).toMatch(ISO7);
      expect(Number.isInteger(r[4])).toBe(true);
      expect(r[2]).toMatch(/^[0-9a-f]{40}$/);
      const set = r[9];
      expect(set.length).toBeGreaterThan(0);
      expect(new Set(set).size).toBe(set.length);
      for (let i = 1; i < set.length; i++) expect(set[i - 1]! < set[i]!).toBe(true);
    }
  });

  it('is sorted column by column', () => {
    const cmp = (a: TruthJson['rows'][number], b: TruthJson['rows'][number]): number => {
      for (let i = 0; i < 9; i++) {
        const x = a[i]!;
        const y = b[i]!;
        if (x !== y) return x < y ? -1 : 1;
      }
      return 0;
    };
    for (let i = 1; i < sampleTruth.rows.length; i++)
      expect(cmp(sampleTruth.rows[i - 1]!, sampleTruth.rows[i]!)).toBeLessThan(0);
  });
});

describe('Arrow sample', () => {
  for (const [table, schema] of TABLES) {
    it(`${table}.arrow decodes to the CSV's values`, () => {
      const arrow = tableFromIPC(readFileSync(join(SAMPLE_DIR, `${table}.arrow`)));
      const csv = readCsv(join(SAMPLE_DIR, `${table}.csv`)).slice(1);
      expect(arrow.numRows).toBe(csv.length);
      expect(arrow.schema.fields.map((f) => f.name)).toEqual(schema.map((c) => c.name));
      schema.forEach((col, c) => {
        const vec = arrow.getChildAt(c)!;
        const want = csv.map((r) => r[c]!);
        let got: unknown[];
        if (col.type === 'datetime') {
          // Raw int64 nanoseconds: Vector.get would round through milliseconds.
          const raw = vec.data.flatMap((d) => Array.from(d.values as BigInt64Array));
          got = raw.map((ns, i) => (vec.isValid(i) ? ns / 100n + UNIX_EPOCH_TICKS : null));
          expect(got, col.name).toEqual(want.map((t) => (t === '' ? null : parseIsoDateTime(t))));
          return;
        }
        got = Array.from({ length: vec.length }, (_, i): unknown => vec.get(i));
        if (col.type === 'string' || col.type === 'dynamic') expect(got, col.name).toEqual(want);
        else
          expect(
            got.map((v) => (v === null ? '' : String(v))),
            col.name,
          ).toEqual(want);
      });
    });
  }

  it('keeps 100 ns precision', () => {
    const arrow = tableFromIPC(readFileSync(join(SAMPLE_DIR, 'DeviceProcessEvents.arrow')));
    const raw = arrow.getChild('Timestamp')!.data.flatMap((d) => Array.from(d.values as BigInt64Array));
    // Some timestamps use the 7th fraction digit (100 ns), which a millisecond or microsecond path would lose.
    expect(raw.some((ns) => (ns / 100n) % 10n !== 0n)).toBe(true);
    expect(raw.every((ns) => ns % 100n === 0n)).toBe(true);
  });
});

describe('oracle helpers', () => {
  it.each([
    ['C:\\Windows\\system32\\svchost.exe -k RpcSs -p', 'rpcss', true],
    ['svchost.exe -k RPCSS', 'rpcss', true],
    ['svchost.exe -k rpcss_x -p', 'rpcss', true],
    ['svchost.exe -k RpcSs-p', 'rpcss', true],
    ['svchost.exe -k rpcssx -p', 'rpcss', false],
    ['svchost.exe -k xrpcss', 'rpcss', false],
    ['C:\\Windows\\system32\\svchost.exe -k xdcomlaunch -p', 'dcomlaunch', false],
    ['c:\\windows\\system32\\svchost.exe -k dcomlaunch -p', 'DcomLaunch', true],
    ['North America', 'america', true],
    ['KustoExplorerQueryRun', 'Explorer', false],
  ])('%s has %s -> %s', (h, n, want) => {
    expect(has(h, n)).toBe(want);
  });
});

it('sample directory holds exactly the documented files', () => {
  expect(readdirSync(resolve(SAMPLE_DIR)).sort()).toEqual([
    'DeviceNetworkEvents.arrow',
    'DeviceNetworkEvents.csv',
    'DeviceProcessEvents.arrow',
    'DeviceProcessEvents.csv',
    'README.md',
    'cases.json',
    'truth.json',
  ]);
});
