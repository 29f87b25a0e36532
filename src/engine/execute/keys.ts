/**
 * Row keys for hashing (joins, summarize, distinct): each row's values mapped to small integers
 * per column, then combined. Strings map through their dictionary (canonicalised, since a derived
 * dictionary may hold the same string twice), so no string is hashed per row.
 */
import type { Column } from '../table/column';
import { firstValidBase, tickOffsets } from './tick-offsets';

/**
 * Per-row integer ids of one column's values, shared between several columns through `ids`
 * (so that equal values in a left and a right join column get the same id). -1 = null.
 */
export function valueIds(col: Column, ids: Map<unknown, number>): Int32Array {
  const n = col.length;
  const out = new Int32Array(n);
  const idOf = (v: unknown): number => {
    let id = ids.get(v);
    if (id === undefined) {
      id = ids.size;
      ids.set(v, id);
    }
    return id;
  };
  switch (col.type) {
    case 'string': {
      // Only the entries that occur get an id: a filtered relation keeps its table's whole dictionary.
      // Strings are prefixed so they never collide with numbers in a shared map.
      const lut = new Int32Array(col.dict.length).fill(-1);
      for (let i = 0; i < n; i++) {
        const c = col.codes[i]!;
        let id = lut[c]!;
        if (id < 0) lut[c] = id = idOf(`s:${col.dict[c]!}`);
        out[i] = id;
      }
      return out;
    }
    case 'bool':
    case 'int':
    case 'long':
    case 'real':
    case 'datetime':
    case 'timespan': {
      const values = col.values as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) {
        if (col.valid !== null && col.valid[i] === 0) out[i] = -1;
        else {
          const v = values[i]!;
          // Numbers of int/long/real compare by value (long 1 == real 1.0); ticks stay bigints.
          out[i] = idOf(typeof v === 'bigint' ? v : Object.is(v, -0) ? 0 : v);
        }
      }
      return out;
    }
    case 'dynamic':
      for (let i = 0; i < n; i++) {
        const v = col.values[i];
        out[i] = v === null || v === undefined ? -1 : idOf(`d:${JSON.stringify(v)}`);
      }
      return out;
  }
}

/** Dense keys: one id per row, 0..count-1 in order of first appearance (-1: a null key that never matches). */
export interface DenseKeys {
  readonly keys: Int32Array;
  readonly count: number;
}

/**
 * Per-row ids of one column on its own (summarize, distinct). Times are told apart by their exact
 * offsets from the first valid time (doubles, not one BigInt per row) when all are near it.
 */
export function columnIds(col: Column): Int32Array {
  if (col.type !== 'datetime' && col.type !== 'timespan') return valueIds(col, new Map());
  const base = firstValidBase(col);
  if (base === null) return valueIds(col, new Map());
  const offsets = tickOffsets(col, base);
  const n = col.length;
  const out = new Int32Array(n);
  const ids = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (col.valid !== null && col.valid[i] === 0) {
      out[i] = -1;
      continue;
    }
    const v = offsets[i]!;
    // ±Infinity: a time too far from the base to be exact; tell them apart by value instead.
    if (v === Infinity || v === -Infinity) return valueIds(col, new Map());
    let id = ids.get(v);
    if (id === undefined) ids.set(v, (id = ids.size));
    out[i] = id;
  }
  return out;
}

/**
 * Combines per-column ids into one dense key per row, a column at a time: the key so far and the
 * next column's id give the next key through a table (or a map when the table would be large).
 * Numbers only, no per-row strings. `nullAsValue`: summarize groups nulls together (one null group
 * per key position); joins never match a null key (-1 for that row).
 */
export function denseKeys(idCols: readonly Int32Array[], n: number, nullAsValue: boolean): DenseKeys {
  let keys = new Int32Array(n);
  let count = 1;
  for (const ids of idCols) {
    let radix = 1;
    for (let i = 0; i < n; i++) if (ids[i]! + 2 > radix) radix = ids[i]! + 2;
    const next = new Int32Array(n);
    let fresh = 0;
    // slot < count * radix <= (n + 1) * (distinct values + 1): exact as a double for any table here.
    const slots = count * radix;
    if (slots <= Math.max(4096, 4 * n)) {
      const table = new Int32Array(slots).fill(-1);
      for (let i = 0; i < n; i++) {
        const prev = keys[i]!;
        const v = ids[i]!;
        if (prev < 0 || (v < 0 && !nullAsValue)) next[i] = -1;
        else {
          const slot = prev * radix + v + 1;
          let g = table[slot]!;
          if (g < 0) table[slot] = g = fresh++;
          next[i] = g;
        }
      }
    } else {
      const map = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const prev = keys[i]!;
        const v = ids[i]!;
        if (prev < 0 || (v < 0 && !nullAsValue)) next[i] = -1;
        else {
          const slot = prev * radix + v + 1;
          let g = map.get(slot);
          if (g === undefined) map.set(slot, (g = fresh++));
          next[i] = g;
        }
      }
    }
    keys = next;
    count = fresh;
  }
  return { keys, count };
}

/** Dense group ids (0..groupCount-1, in order of first appearance) of rows' per-column ids; nulls group together. */
export function groupIds(
  idCols: readonly Int32Array[],
  n: number,
): {
  groups: Int32Array;
  groupCount: number;
  firstRow: Int32Array;
} {
  const { keys, count } = denseKeys(idCols, n, true);
  const firstRow = new Int32Array(count);
  // Ids are given in order of first appearance: group g first appears after group g - 1 does.
  for (let i = 0, g = 0; i < n && g < count; i++) if (keys[i] === g) firstRow[g++] = i;
  return { groups: keys, groupCount: count, firstRow };
}
