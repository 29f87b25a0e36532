/**
 * Base-table rows as the views see them: every field JSON-safe, times as ISO text plus fractional
 * epoch milliseconds for drawing. Shared by the hit-detail modules of the worker server.
 */
import { jsonCell } from '../output/format-results';
import { getValue, type Scalar } from '../table/column';
import type { Table } from '../table/table';
import { formatDateTime, TICKS_PER_MILLISECOND, UNIX_EPOCH_TICKS } from '../time/ticks';
import type { Cell, RowRecord, TimedEvent } from './protocol';

/** Column index by name, cached per table (tables are immutable once loaded). */
const indexCache = new WeakMap<Table, Map<string, number>>();

export function colIndex(table: Table, name: string): number {
  let m = indexCache.get(table);
  if (!m) {
    m = new Map(table.schema.map((c, i) => [c.name, i]));
    indexCache.set(table, m);
  }
  return m.get(name) ?? -1;
}

/** The raw value of `name` at `row`, or null when the table has no such column. */
export function valueAt(table: Table, name: string, row: number): Scalar {
  const i = colIndex(table, name);
  return i < 0 ? null : getValue(table.columns[i]!, row);
}

export function stringAt(table: Table, name: string, row: number): string {
  const v = valueAt(table, name, row);
  return v === null ? '' : typeof v === 'string' ? v : String(v);
}

export function numberAt(table: Table, name: string, row: number): number | null {
  const v = valueAt(table, name, row);
  return typeof v === 'number' ? v : null;
}

/** A datetime cell as ticks, or null (missing column, null cell, or not a datetime). */
export function ticksAt(table: Table, name: string, row: number): bigint | null {
  const v = valueAt(table, name, row);
  return typeof v === 'bigint' ? v : null;
}

/** Fractional epoch milliseconds: float64 keeps ~0.2 µs at today's dates, enough to draw. */
export function ticksToMs(ticks: bigint): number {
  const t = ticks - UNIX_EPOCH_TICKS;
  const whole = t / TICKS_PER_MILLISECOND;
  return Number(whole) + Number(t - whole * TICKS_PER_MILLISECOND) / 10_000;
}

export function recordOf(table: Table, row: number): RowRecord {
  return {
    table: table.name,
    row,
    fields: table.schema.map((c, i) => [c.name, jsonCell(getValue(table.columns[i]!, row), c.type) as Cell] as const),
  };
}

/** A row as a timeline point, timed by its `Timestamp` (null when it has none). */
export function timedEvent(table: Table, row: number, label: string, detail: string): TimedEvent | null {
  const t = ticksAt(table, 'Timestamp', row);
  if (t === null) return null;
  return { iso: formatDateTime(t), ms: ticksToMs(t), label, detail, record: recordOf(table, row) };
}

/** Kusto's `=~` for plain names: case-insensitive equality. */
export function eqFold(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Kusto's `has` for a single alphanumeric term, case-insensitive: the term must be a whole run of
 * letters and digits (`_` and `-` end a term, so `-k rpcss_x` has `rpcss`; `rpcssx` has not).
 */
export function hasTerm(text: string, term: string): boolean {
  const want = term.toLowerCase();
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .some((t) => t === want);
}

/** Rows of a table grouped by device: one counting-sort pass over the DeviceId codes, cached per table. */
interface DeviceRows {
  readonly code: ReadonlyMap<string, number>;
  /** Row numbers grouped by code, in row order; group k is rows[start[k] .. start[k+1]). */
  readonly rows: Int32Array;
  readonly start: Int32Array;
}

const deviceRowsCache = new WeakMap<Table, DeviceRows | null>();

function deviceRowsOf(table: Table): DeviceRows | null {
  const hit = deviceRowsCache.get(table);
  if (hit !== undefined) return hit;
  const col = table.columns[colIndex(table, 'DeviceId')];
  let out: DeviceRows | null = null;
  if (col?.type === 'string') {
    const n = col.dict.length;
    const start = new Int32Array(n + 1);
    for (let r = 0; r < table.rowCount; r++) start[col.codes[r]! + 1]!++;
    for (let k = 0; k < n; k++) start[k + 1]! += start[k]!;
    const fill = start.slice(0, n);
    const rows = new Int32Array(table.rowCount);
    for (let r = 0; r < table.rowCount; r++) rows[fill[col.codes[r]!]!++] = r;
    out = { code: new Map(col.dict.map((s, k) => [s, k])), rows, start };
  }
  deviceRowsCache.set(table, out);
  return out;
}

/**
 * The rows of `device` (a DeviceId) in row order. Views ask per alert or per candidate, so the
 * table is grouped once (a scan per device made explain quadratic in the number of devices).
 */
export function rowsOfDevice(table: Table, device: string): Int32Array {
  const ix = deviceRowsOf(table);
  if (ix) {
    const k = ix.code.get(device);
    return k === undefined ? new Int32Array(0) : ix.rows.subarray(ix.start[k]!, ix.start[k + 1]!);
  }
  const rows: number[] = [];
  for (let r = 0; r < table.rowCount; r++) if (stringAt(table, 'DeviceId', r) === device) rows.push(r);
  return Int32Array.from(rows);
}
