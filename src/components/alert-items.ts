/** Filtering and grouping of the alerts table, as pure functions over row indices. */
import type { Cell, ResultColumn } from '../engine/worker/client';

export type GroupBy = 'none' | 'device' | 'remote';

export type AlertItem =
  | { readonly kind: 'group'; readonly key: string; readonly count: number }
  | { readonly kind: 'row'; readonly index: number };

export function cellText(c: Cell): string {
  if (c === null) return '';
  if (Array.isArray(c)) return c.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n');
  if (typeof c === 'object') return JSON.stringify(c);
  return String(c);
}

/** Rows whose any cell contains every whitespace-separated word of `query` (case-insensitive). */
export function matchesFilter(cells: readonly Cell[], query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = cells.map(cellText).join('\u0000').toLowerCase();
  return words.every((w) => text.includes(w));
}

const GROUP_COLUMN: Readonly<Record<Exclude<GroupBy, 'none'>, string>> = { device: 'DeviceName', remote: 'RemoteIP' };

/**
 * `order` (sorted row indices) as table items: unchanged without grouping; else grouped by the
 * column, groups in order of first appearance, a heading item before each group.
 */
export function groupItems(
  order: readonly number[],
  rows: readonly (readonly Cell[])[],
  columns: readonly ResultColumn[],
  groupBy: GroupBy,
): AlertItem[] {
  if (groupBy === 'none') return order.map((index) => ({ kind: 'row', index }));
  const col = columns.findIndex((c) => c.name === GROUP_COLUMN[groupBy]);
  const groups = new Map<string, number[]>();
  for (const i of order) {
    const key = col < 0 ? '' : cellText(rows[i]?.[col] ?? null);
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  const items: AlertItem[] = [];
  for (const [key, members] of groups) {
    items.push({ kind: 'group', key, count: members.length });
    for (const index of members) items.push({ kind: 'row', index });
  }
  return items;
}

/** What the table adds to the rule's columns: the alert's child count and its RPC → DCOM gap. */
export interface AlertFacts {
  /** Distinct child command lines (`set_ProcessCommandLine`), null when the rule has no such column. */
  readonly children: number | null;
  /** DCOM start minus RPC event in exact 100 ns ticks, null when either time is missing. */
  readonly gapTicks: bigint | null;
  /** `datetime_diff("second", DCOM, RPC)` as Kusto counts it (second boundaries crossed). */
  readonly diffSeconds: number | null;
}

const TICKS_PER_SECOND = 10_000_000n;
const ISO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,7}))?Z$/;

/** The engine's ISO text (`2024-05-01T08:08:44.9000000Z`) as 100 ns ticks since 1970 (exact), or null. */
export function isoTicks(iso: string): bigint | null {
  const m = ISO.exec(iso);
  if (!m) return null;
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: years 0..99 are not shifted to the 1900s.
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  const ms = d.getTime();
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 10_000n + BigInt((m[7] ?? '').padEnd(7, '0'));
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Children and gap of one alert row, from its cells (times as the engine's ISO text). */
export function alertFacts(columns: readonly ResultColumn[], cells: readonly Cell[]): AlertFacts {
  const at = (name: string): Cell => {
    const i = columns.findIndex((c) => c.name === name);
    return i < 0 ? null : (cells[i] ?? null);
  };
  const set = at('set_ProcessCommandLine');
  const ticks = (name: string): bigint | null => {
    const v = at(name);
    return typeof v === 'string' ? isoTicks(v) : null;
  };
  const net = ticks('TimestampNetwEventExact');
  const proc = ticks('TimestampProcEventExact');
  return {
    children: Array.isArray(set) ? set.length : null,
    gapTicks: net === null || proc === null ? null : proc - net,
    diffSeconds:
      net === null || proc === null ? null : Number(floorDiv(proc, TICKS_PER_SECOND) - floorDiv(net, TICKS_PER_SECOND)),
  };
}

/** A gap in ticks as signed seconds: `+0.40 s` (two decimals), and exact (`+0.4000000 s`). */
export function formatGap(ticks: bigint, exact = false): string {
  const sign = ticks < 0n ? '−' : '+';
  const abs = ticks < 0n ? -ticks : ticks;
  const whole = abs / TICKS_PER_SECOND;
  const frac = (abs % TICKS_PER_SECOND).toString().padStart(7, '0');
  if (exact) return `${sign}${whole}.${frac} s`;
  // Rounded half up to hundredths, carried into the seconds.
  const hundredths = (abs + 50_000n) / 100_000n;
  return `${sign}${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, '0')} s`;
}
