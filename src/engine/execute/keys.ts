/**
 * Row keys for hashing (joins, summarize, distinct): each row's values mapped to small integers
 * per column, then combined. Strings map through their dictionary (canonicalised, since a derived
 * dictionary may hold the same string twice), so no string is hashed per row.
 */
import type { Column } from '../table/column';

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

/**
 * Combines per-column ids into one key per row. A single column keeps its ids; several columns are
 * joined into a string. `nullAsValue`: summarize groups nulls together (one null group per key
 * position); joins never match a null key (returns null for that row).
 */
export function combineKeys(
  idCols: readonly Int32Array[],
  n: number,
  nullAsValue: boolean,
): (number | string | null)[] {
  const out = new Array<number | string | null>(n);
  if (idCols.length === 1) {
    const a = idCols[0]!;
    for (let i = 0; i < n; i++) out[i] = a[i]! < 0 && !nullAsValue ? null : a[i]!;
    return out;
  }
  for (let i = 0; i < n; i++) {
    let key = '';
    let isNull = false;
    for (let c = 0; c < idCols.length; c++) {
      const v = idCols[c]![i]!;
      if (v < 0 && !nullAsValue) {
        isNull = true;
        break;
      }
      key += c === 0 ? `${v}` : `|${v}`;
    }
    out[i] = isNull ? null : key;
  }
  return out;
}

/** Dense group ids (0..groupCount-1, in order of first appearance) for row keys. */
export function groupIds(keys: readonly (number | string | null)[]): {
  groups: Int32Array;
  groupCount: number;
  firstRow: Int32Array;
} {
  const n = keys.length;
  const groups = new Int32Array(n);
  const map = new Map<number | string | null, number>();
  const first: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    let g = map.get(k);
    if (g === undefined) {
      g = first.length;
      map.set(k, g);
      first.push(i);
    }
    groups[i] = g;
  }
  return { groups, groupCount: first.length, firstRow: Int32Array.from(first) };
}
