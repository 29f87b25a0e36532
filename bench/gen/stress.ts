/**
 * A fast, seeded generator of stress-size exports (millions of rows per table) for the browser
 * stress test and the bench. The row-by-row generator (generate.ts) writes ~60k rows/s, far too
 * slow for 2 × 10 M rows in CI, so this one:
 *
 * 1. generates one base block with the real generator (realistic noise, every planted case, and
 *    the brute-force rule oracle's truth for the block);
 * 2. renders the block once as CSV of only the columns the rule reads (the export an analyst gets
 *    with `| project` before exporting), cut into literal text and device slots (DeviceId,
 *    DeviceName);
 * 3. writes it K times, each copy with its own devices (DeviceId gets a replica prefix,
 *    DeviceName a `-rNNN` suffix): a fleet K times larger over the same window, which is what a
 *    10 M-row hour of Defender data looks like;
 * 4. pads each table to exactly the requested row count with filler copies of block rows on
 *    devices that appear in that table only (so they can never join: no alert).
 *
 * The rule joins on DeviceId only, so the replicas are independent and the expected alerts are the
 * block's truth with each replica's device identity: `truth × K`, computed here, never by the
 * engine. Why CSV and not Arrow: CSV is what analysts drop (the portal's and the API's exports), so
 * it is the path worth stressing; its parse cost is what bounds the runtime in CI.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { makeData, makeVector, RecordBatchStreamWriter, Table as ArrowTable, Utf8, type Vector } from 'apache-arrow';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRule } from '../../src/engine/rule/rule';
import { DEFENDER_TABLES } from '../../src/engine/table/defender-schema';
import { toArrowTable } from './arrow-export';
import { Clock } from './clock';
import { csvField } from './csv-writer';
import { DEFAULT_START, generate } from './generate';
import type { Cell, RowSink, TableName } from './model';
import type { TruthRow } from './rule-oracle';

export const STRESS_TABLES: readonly TableName[] = ['DeviceNetworkEvents', 'DeviceProcessEvents'];

export interface StressOptions {
  /** Rows in each table's file (exact). */
  readonly rowsPerTable: number;
  /** Base block: devices and hours for the row-by-row generator (default 60 devices × 1 h). */
  readonly blockDevices?: number;
  readonly blockHours?: number;
  readonly seed?: string;
  /** File format (default `arrow`: Arrow IPC stream). */
  readonly format?: StressFormat;
}

/**
 * `arrow`: Arrow IPC stream, one record batch per block copy (the bulk exports of the streaming
 * API / data lake that reach 10 M rows land as Arrow or Parquet); `csv`: the portal's CSV form.
 */
export type StressFormat = 'arrow' | 'csv';

export interface StressResult {
  /** Columns written per table, in file order. */
  readonly columns: Record<TableName, readonly string[]>;
  readonly rows: Record<TableName, number>;
  readonly bytes: Record<TableName, number>;
  /** Rows of one block per table. */
  readonly blockRows: Record<TableName, number>;
  /** Full replicas of the block in both tables. */
  readonly replicas: number;
  /** The block's truth (the oracle's rows for replica 0's original devices). */
  readonly blockTruth: readonly TruthRow[];
  /** Every alert the rule must give over the written files: the block's truth in each replica. */
  readonly expected: readonly TruthRow[];
  readonly files: Record<TableName, string>;
}

/**
 * The columns the shipped rule's text names in each table, with the device's name: the export an
 * analyst makes with `| project` (a loaded table binds with the columns its file has, so every
 * column the query mentions must be there, even one the optimiser would prune).
 */
export function ruleColumns(): Record<TableName, string[]> {
  const here = dirname(fileURLToPath(import.meta.url));
  const { rule } = loadRule(readFileSync(join(here, '../../src/rules/dcom-lateral-movement.yaml'), 'utf8'));
  if (!rule) throw new Error('the shipped rule does not load');
  const named = new Set(rule.query.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
  const out = {} as Record<TableName, string[]>;
  for (const t of STRESS_TABLES) {
    const keep = (n: string): boolean => named.has(n) || n === 'DeviceName';
    out[t] = DEFENDER_TABLES[t]!.map((c) => c.name).filter(keep);
  }
  return out;
}

/** Replica `k`'s identity of a base device: unique across replicas, filler and the block. */
export function replicaDevice(k: number, id: string, name: string): { id: string; name: string } {
  const dot = name.indexOf('.');
  const tag = `-r${k}`;
  return {
    id: `${k.toString(16).padStart(6, '0')}${id.slice(6)}`,
    name: dot < 0 ? name + tag : name.slice(0, dot) + tag + name.slice(dot),
  };
}

/** Filler device `k` of a table: never in the other table, so its rows cannot join. */
function fillerDevice(table: TableName, k: number, d: number): { id: string; name: string } {
  const side = table === 'DeviceNetworkEvents' ? 'n' : 'p';
  return { id: `filler${side}${k}x${d}`, name: `filler-${side}${k}-${d}.corp.contoso.com` };
}

/** One table's block as literal text and device slots: even entries text, odd entries slots. */
interface Template {
  readonly header: string;
  /** Alternating literal text and slot numbers (device index × 2 + 0 for id / 1 for name). */
  readonly parts: (string | number)[];
  /** Byte offsets where each row starts in `parts` (index into parts of the row's first literal). */
  readonly rowStarts: number[];
  readonly rows: number;
}

function buildTemplate(
  rows: readonly (readonly Cell[])[],
  table: TableName,
  keep: readonly string[],
  clock: Clock,
  deviceIndex: Map<string, number>,
): Template {
  const schema = DEFENDER_TABLES[table]!;
  const idx = keep.map((n) => schema.findIndex((c) => c.name === n));
  const types = idx.map((i) => schema[i]!.type);
  const idCol = keep.indexOf('DeviceId');
  const nameCol = keep.indexOf('DeviceName');
  if (idCol < 0 || nameCol < 0) throw new Error(`${table}: the rule's columns lack DeviceId or DeviceName`);
  const parts: (string | number)[] = [];
  const rowStarts: number[] = [];
  let text = '';
  for (const cells of rows) {
    rowStarts.push(parts.length);
    const device = deviceIndex.get(cells[idx[idCol]!] as string);
    if (device === undefined) throw new Error(`${table}: a row of an unknown device`);
    for (let j = 0; j < idx.length; j++) {
      if (j > 0) text += ',';
      if (j === idCol || j === nameCol) {
        parts.push(text, device * 2 + (j === idCol ? 0 : 1));
        text = '';
        continue;
      }
      const v = cells[idx[j]!];
      if (v === null || v === undefined) continue;
      if (typeof v === 'string') text += csvField(v);
      else if (typeof v === 'number') text += types[j] === 'datetime' ? clock.csv(v) : String(v);
      else text += v ? 'true' : 'false';
    }
    text += '\r\n';
    // Each row ends with a literal, so rows can be cut at `rowStarts` for the filler.
    parts.push(text);
    text = '';
  }
  return { header: keep.map(csvField).join(',') + '\r\n', parts, rowStarts, rows: rows.length };
}

/** The block's parts `[from, to)` with slots filled from `devices` (id, name pairs, flattened). */
function render(t: Template, devices: readonly string[], from = 0, to = t.parts.length): string {
  const out = t.parts.slice(from, to);
  for (let i = 0; i < out.length; i++) {
    const p = out[i];
    if (typeof p === 'number') out[i] = devices[p]!;
  }
  return out.join('');
}

class Out {
  private readonly fd: number;
  bytes = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  write(text: string): void {
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.bytes += buf.length;
  }
  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Writes DIR/DeviceNetworkEvents.csv and DIR/DeviceProcessEvents.csv with exactly
 * `rowsPerTable` rows each, and returns the alerts the rule must give over them.
 */
export function writeStressDataset(opts: StressOptions, dir: string): StressResult {
  mkdirSync(dir, { recursive: true });
  const collected: Record<TableName, Cell[][]> = { DeviceNetworkEvents: [], DeviceProcessEvents: [] };
  const sinks: Record<TableName, RowSink> = {
    DeviceNetworkEvents: { writeRow: (c) => void collected.DeviceNetworkEvents.push([...c]) },
    DeviceProcessEvents: { writeRow: (c) => void collected.DeviceProcessEvents.push([...c]) },
  };
  const gen = generate(
    { devices: opts.blockDevices ?? 60, hours: opts.blockHours ?? 1, seed: opts.seed ?? 'stress', rate: 1 },
    sinks,
  );
  const clock = new Clock(DEFAULT_START);
  const baseDevices = gen.cases.devices.map((d) => ({ id: d.DeviceId, name: d.DeviceName }));
  const deviceIndex = new Map(baseDevices.map((d, i) => [d.id, i]));
  const keep = ruleColumns();
  const templates = {} as Record<TableName, Template>;
  for (const t of STRESS_TABLES) templates[t] = buildTemplate(collected[t], t, keep[t], clock, deviceIndex);
  const blockRows = {
    DeviceNetworkEvents: templates.DeviceNetworkEvents.rows,
    DeviceProcessEvents: templates.DeviceProcessEvents.rows,
  };
  const target = opts.rowsPerTable;
  const replicas = Math.floor(target / Math.max(blockRows.DeviceNetworkEvents, blockRows.DeviceProcessEvents));

  if ((opts.format ?? 'arrow') === 'arrow') {
    const files = {} as Record<TableName, string>;
    const bytes = {} as Record<TableName, number>;
    for (const table of STRESS_TABLES) {
      files[table] = join(dir, `${table}.arrow`);
      bytes[table] = writeArrowStream(files[table], table, keep[table], collected[table], clock, {
        replicas,
        target,
        baseDevices,
        deviceIndex,
      });
    }
    const rows = { DeviceNetworkEvents: target, DeviceProcessEvents: target };
    const expected = expectedAlerts(gen.truth.rows, replicas);
    return { columns: keep, rows, bytes, blockRows, replicas, blockTruth: gen.truth.rows, expected, files };
  }

  const flat = (devs: readonly { id: string; name: string }[]): string[] => devs.flatMap((d) => [d.id, d.name]);
  const files = {} as Record<TableName, string>;
  const bytes = {} as Record<TableName, number>;
  const rows = {} as Record<TableName, number>;
  for (const table of STRESS_TABLES) {
    const t = templates[table];
    files[table] = join(dir, `${table}.csv`);
    const out = new Out(files[table]);
    try {
      out.write(t.header);
      for (let k = 0; k < replicas; k++)
        out.write(render(t, flat(baseDevices.map((d) => replicaDevice(k, d.id, d.name)))));
      // Filler: whole blocks, then the first rows of one more, on devices of this table only.
      let left = target - replicas * t.rows;
      for (let k = 0; left > 0; k++) {
        const devs = flat(baseDevices.map((_, d) => fillerDevice(table, k, d)));
        const n = Math.min(left, t.rows);
        out.write(render(t, devs, 0, n === t.rows ? t.parts.length : t.rowStarts[n]));
        left -= n;
      }
    } finally {
      out.close();
    }
    bytes[table] = out.bytes;
    rows[table] = target;
  }

  const expected = expectedAlerts(gen.truth.rows, replicas);
  return { columns: keep, rows, bytes, blockRows, replicas, blockTruth: gen.truth.rows, expected, files };
}

/** The block's truth once per replica, with that replica's device identity. */
function expectedAlerts(block: readonly TruthRow[], replicas: number): TruthRow[] {
  const expected: TruthRow[] = [];
  for (let k = 0; k < replicas; k++) {
    for (const r of block) {
      const d = replicaDevice(k, r[2], r[3]);
      expected.push([r[0], r[1], d.id, d.name, r[4], r[5], r[6], r[7], r[8], r[9]]);
    }
  }
  return expected;
}

/**
 * One table as an Arrow IPC stream: the block's columns built once (strings as one shared
 * Dictionary<Utf8, Int32>, so the stream carries each dictionary once), and per block copy a
 * record batch of those same buffers with its own DeviceId / DeviceName (plain Utf8, built
 * byte-wise: per-copy replacement dictionaries came out of apache-arrow 21's writer corrupt).
 */
function writeArrowStream(
  path: string,
  table: TableName,
  keep: readonly string[],
  rows: readonly (readonly Cell[])[],
  clock: Clock,
  p: {
    replicas: number;
    target: number;
    baseDevices: readonly { id: string; name: string }[];
    deviceIndex: ReadonlyMap<string, number>;
  },
): number {
  const schema = DEFENDER_TABLES[table]!;
  const idx = keep.map((n) => schema.findIndex((c) => c.name === n));
  const kept = idx.map((i) => schema[i]!);
  const block = toArrowTable(
    kept,
    rows.map((r) => idx.map((i) => r[i] ?? null)),
    clock,
  );
  const idAt = schema.findIndex((c) => c.name === 'DeviceId');
  const devOfRow = Int32Array.from(rows, (r) => p.deviceIndex.get(r[idAt] as string) ?? -1);
  if (devOfRow.includes(-1)) throw new Error(`${table}: a row of an unknown device`);
  const nDev = p.baseDevices.length;
  const utf8 = new TextEncoder();
  const writer = new RecordBatchStreamWriter();
  const copy = (devs: readonly { id: string; name: string }[], n: number): void => {
    const part = n === block.numRows ? block : block.slice(0, n);
    const columns: Record<string, Vector> = {};
    for (const c of kept) {
      if (c.name === 'DeviceId' || c.name === 'DeviceName') {
        const texts = devs.map((d) => utf8.encode(c.name === 'DeviceId' ? d.id : d.name));
        const offsets = new Int32Array(n + 1);
        for (let r = 0; r < n; r++) offsets[r + 1] = offsets[r]! + texts[devOfRow[r]!]!.length;
        const bytes = new Uint8Array(offsets[n]!);
        for (let r = 0; r < n; r++) bytes.set(texts[devOfRow[r]!]!, offsets[r]!);
        columns[c.name] = makeVector(
          makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets: offsets, data: bytes }),
        );
      } else columns[c.name] = part.getChild(c.name)!;
    }
    for (const b of new ArrowTable(columns).batches) writer.write(b);
  };
  for (let k = 0; k < p.replicas; k++)
    copy(
      p.baseDevices.map((d) => replicaDevice(k, d.id, d.name)),
      block.numRows,
    );
  let left = p.target - p.replicas * block.numRows;
  for (let k = 0; left > 0; k++) {
    const n = Math.min(left, block.numRows);
    copy(
      Array.from({ length: nDev }, (_, d) => fillerDevice(table, k, d)),
      n,
    );
    left -= n;
  }
  writer.finish();
  const bytes = writer.toUint8Array(true);
  writeFileSync(path, bytes);
  return bytes.byteLength;
}
