/**
 * The acceptance test: one generated dataset as CSV, TSV, Arrow IPC (file and stream),
 * Parquet, flat JSON lines, a JSON array, Defender streaming-API JSON (both tables in one file,
 * plus records of other categories), gzip and a zip of the CSVs: `dcomlens detect` gives output
 * identical to the generator's truth for every one.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableToIPC } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import { gzipSync, zipSync } from 'fflate';
import * as parquet from 'parquet-wasm/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryRowSink, toArrowTable } from '../../../bench/gen/arrow-export';
import { Clock } from '../../../bench/gen/clock';
import { DEFAULT_START } from '../../../bench/gen/generate';
import { writeDataset } from '../../../bench/gen/write-dataset';
import { main } from '../../../src/cli/main';
import { DEVICE_NETWORK_EVENTS, DEVICE_PROCESS_EVENTS } from '../../../src/engine/table/defender-schema';
import type { ColumnSchema } from '../../../src/engine/table/table';

const TABLES = ['DeviceNetworkEvents', 'DeviceProcessEvents'] as const;
const SCHEMA: Record<(typeof TABLES)[number], readonly ColumnSchema[]> = {
  DeviceNetworkEvents: DEVICE_NETWORK_EVENTS,
  DeviceProcessEvents: DEVICE_PROCESS_EVENTS,
};

let dir = '';
let truth: unknown;
const csv = new Map<string, { header: string[]; rows: string[][] }>();

async function detect(files: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['detect', ...files, '--format', 'json'], {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
  });
  return { code, out, err };
}

/** A CSV cell as the JSON value an advanced-hunting JSON export carries for that column type. */
function jsonValue(type: string, cell: string): unknown {
  if (type === 'long' || type === 'int' || type === 'real') return cell === '' ? null : Number(cell);
  if (type === 'bool') return cell === '' ? null : cell.toLowerCase() === 'true' || cell === '1';
  if (type === 'datetime') return cell === '' ? null : cell;
  return cell;
}

function rowObjects(table: (typeof TABLES)[number]): Record<string, unknown>[] {
  const { header, rows } = csv.get(table)!;
  const types = new Map(SCHEMA[table].map((c) => [c.name, c.type as string]));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, jsonValue(types.get(h) ?? 'string', r[i]!)])));
}

function tsvCell(s: string): string {
  return /[\t"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcomlens-roundtrip-'));
  const sinks = { DeviceNetworkEvents: new MemoryRowSink(), DeviceProcessEvents: new MemoryRowSink() };
  writeDataset({ devices: 4, hours: 2, seed: 3, rate: 0.3 }, dir, sinks);
  truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
  const clock = new Clock(DEFAULT_START);
  for (const t of TABLES) {
    const text = readFileSync(join(dir, `${t}.csv`), 'utf8');
    const [header, ...rows] = parse(text, { bom: true, relax_column_count: false }) as string[][];
    csv.set(t, { header: header!, rows });
    writeFileSync(
      join(dir, `${t}.tsv`),
      [header!, ...rows].map((r) => r.map(tsvCell).join('\t')).join('\r\n') + '\r\n',
    );
    const arrow = toArrowTable(SCHEMA[t], sinks[t].rows, clock);
    writeFileSync(join(dir, `${t}.arrows`), tableToIPC(arrow, 'stream'));
    const pq = parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(arrow, 'stream')));
    writeFileSync(join(dir, `${t}.parquet`), pq);
    writeFileSync(
      join(dir, `${t}.jsonl`),
      rowObjects(t)
        .map((o) => JSON.stringify(o))
        .join('\n') + '\n',
    );
    writeFileSync(join(dir, `${t}.json`), JSON.stringify(rowObjects(t), null, 2));
    writeFileSync(join(dir, `${t}.csv.gz`), gzipSync(new Uint8Array(Buffer.from(text))));
  }
  // Streaming API: both tables interleaved in one file, plus a category the rule does not read.
  const records: string[] = [];
  const net = rowObjects('DeviceNetworkEvents');
  const proc = rowObjects('DeviceProcessEvents');
  const n = Math.max(net.length, proc.length);
  for (let i = 0; i < n; i++) {
    for (const [t, rows] of [
      ['DeviceNetworkEvents', net],
      ['DeviceProcessEvents', proc],
    ] as const) {
      const props = rows[i];
      if (props === undefined) continue;
      records.push(
        JSON.stringify({
          time: props.Timestamp,
          tenantId: '00000000-0000-0000-0000-000000000000',
          operationName: 'Publish',
          category: `AdvancedHunting-${t}`,
          properties: props,
        }),
      );
    }
    if (i % 50 === 0)
      records.push(
        JSON.stringify({
          time: '2024-01-01T00:00:00Z',
          category: 'AdvancedHunting-DeviceFileEvents',
          properties: { FileName: 'x' },
        }),
      );
  }
  writeFileSync(join(dir, 'streaming.json'), records.join('\n') + '\n');
  writeFileSync(
    join(dir, 'exports.zip'),
    zipSync({
      'exports/': {},
      'exports/DeviceNetworkEvents.csv': new Uint8Array(readFileSync(join(dir, 'DeviceNetworkEvents.csv'))),
      'exports/DeviceProcessEvents.csv': new Uint8Array(readFileSync(join(dir, 'DeviceProcessEvents.csv'))),
      '__MACOSX/._DeviceNetworkEvents.csv': new Uint8Array([0, 5, 22, 7]),
    }),
  );
});

describe('round trip: every format gives the truth', () => {
  const both = (ext: string): string[] => TABLES.map((t) => `${t}.${ext}`);
  it.each([
    ['CSV', both('csv')],
    ['TSV', both('tsv')],
    ['Arrow IPC stream', both('arrows')],
    ['Parquet', both('parquet')],
    ['JSON lines (flat rows)', both('jsonl')],
    ['JSON array (pretty-printed)', both('json')],
    ['gzip of CSV', both('csv.gz')],
    ['Defender streaming API (one file, both tables)', ['streaming.json']],
    ['zip of the CSVs', ['exports.zip']],
    ['mixed: Parquet network + JSON lines process', ['DeviceNetworkEvents.parquet', 'DeviceProcessEvents.jsonl']],
  ])('%s', async (_label, files) => {
    const r = await detect(files.map((f) => join(dir, f)));
    expect(r.err).not.toMatch(/rejected(?!, 0)[^\n]*[1-9]\d* rejected/);
    expect(r.code, r.err).toBe(0);
    expect((truth as { rows: unknown[] }).rows.length).toBeGreaterThan(0);
    expect(JSON.parse(r.out)).toEqual(truth);
  });

  it('streaming API: the other category is counted as skipped, nothing rejected', async () => {
    const r = await detect([join(dir, 'streaming.json')]);
    expect(r.err).toMatch(/0 rejected, \d+ skipped/);
    expect(r.err).not.toMatch(/[1-9]\d* rejected/);
  });
});
