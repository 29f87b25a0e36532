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
