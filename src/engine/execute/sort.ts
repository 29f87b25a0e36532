/**
 * Sort comparators: strings by ordinal rank of their dictionary entries, numbers and ticks by
 * value, nulls first or last as asked (Kusto: ascending puts nulls first, descending last).
 */
import { compareStrings } from '../functions/compare';
import type { Column } from '../table/column';

/** A comparator on row indices for one sort key (strings ordinal, nulls placed as asked). */
export function cellComparator(c: Column, descending: boolean, nullsFirst: boolean): (a: number, b: number) => number {
  const dir = descending ? -1 : 1;
  if (c.type === 'string') {
    // Rank the dictionary entries that occur (by string), then rows compare as integers.
    const used = [...new Set(c.codes)].sort((x, y) => compareStrings(c.dict[x]!, c.dict[y]!));
    const rank = new Int32Array(c.dict.length);
    let r = 0;
    used.forEach((d, k) => {
      // Equal strings at different codes share a rank.
      if (k > 0 && c.dict[d] !== c.dict[used[k - 1]!]) r = k;
      rank[d] = r;
    });
    return (a, b) => dir * (rank[c.codes[a]!]! - rank[c.codes[b]!]!);
  }
  if (c.type === 'dynamic') {
    return (a, b) => dir * compareStrings(JSON.stringify(c.values[a]) ?? '', JSON.stringify(c.values[b]) ?? '');
  }
  const values = c.values as ArrayLike<number | bigint>;
  const valid = c.valid;
  return (a, b) => {
    const na = valid !== null && valid[a] === 0;
    const nb = valid !== null && valid[b] === 0;
    if (na || nb) {
      if (na && nb) return 0;
      return na === nullsFirst ? -1 : 1;
    }
    const x = values[a]!;
    const y = values[b]!;
    return x < y ? -dir : x > y ? dir : 0;
  };
}
