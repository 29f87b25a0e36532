/**
 * Alert keys (alert-export.ts `alertKey`: device, both exact times, server PID) made on the page
 * from the decoded alert cells, so the worker does not build and send one string per alert with
 * every detection. The key's device and PID are their raw values as text and its times their JSON
 * cells; a decoded cell is the JSON cell, which for strings, numbers and booleans is the raw value
 * too. When the device or PID column has another type (a custom rule's), the worker sends the
 * keys instead (`keysFollowFromCells`).
 */
import type { WireCell, WireColumn } from './arrow-wire';

/** The key's columns, in key order; the first and last are keyed by raw value, the times by JSON cell. */
export const KEY_COLUMNS = [
  'DeviceId',
  'TimestampNetwEventExact',
  'TimestampProcEventExact',
  'InitiatingProcessId',
] as const;

const RAW_AS_CELL: ReadonlySet<string> = new Set(['string', 'int', 'long', 'real', 'bool']);

/** True when `alertKeysFromCells` gives exactly `alertKeys` of a table with these columns. */
export function keysFollowFromCells(columns: readonly WireColumn[]): boolean {
  return [KEY_COLUMNS[0], KEY_COLUMNS[3]].every((name) => {
    const c = columns.find((x) => x.name === name);
    return c === undefined || RAW_AS_CELL.has(c.type);
  });
}

/** `alertKeys` of the table these decoded rows came from (see `keysFollowFromCells`). */
export function alertKeysFromCells(columns: readonly WireColumn[], rows: readonly (readonly WireCell[])[]): string[] {
  const at = KEY_COLUMNS.map((name) => columns.findIndex((c) => c.name === name));
  const text = (row: readonly WireCell[], i: number): string => {
    if (i < 0) return '';
    const v = row[i];
    return v === null || v === undefined ? '' : String(v);
  };
  return rows.map((r) => `${text(r, at[0]!)}|${text(r, at[1]!)}|${text(r, at[2]!)}|${text(r, at[3]!)}`);
}
