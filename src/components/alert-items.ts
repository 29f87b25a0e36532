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
