/**
 * Row index of a loaded table's string column, by dictionary code: how many rows hold each code
 * and, for every code on at most 1/4 of the rows, which rows (ascending). A filter over a table
 * scan uses it to start from its most selective string conjunct and visit only the rows that
 * conjunct keeps, instead of scanning every row's code.
 *
 * Built once per column, on the first filter that asks, and kept with the column (weakly, so it
 * goes when the table does): loaded tables are immutable, and the analyst re-runs the rule over
 * the same tables after every edit. Memory: one int per row of the indexed codes at most, plus
 * the bitsets of the last few hit sets (one bit per row each), which the same predicates ask for
 * again on every run.
 */
import type { StringColumn } from '../table/column';

export interface CodeIndex {
  readonly column: StringColumn;
  /** Rows per dictionary code. */
  readonly counts: Int32Array;
  /**
   * The listed rows, built when asked for the second time (a column only counted, or a filter run
   * once, never pays for listing its rows: the first ask scans instead).
   */
  lists: Lists | null;
  asked: boolean;
  /** Bitsets of recent hit sets, by their hit codes (oldest first). */
  readonly bitsets: Map<string, Int32Array>;
}

/** Bitsets kept per column. */
const KEPT_BITSETS = 4;

interface Lists {
  /** Rows of code c are rows[offsets[c] .. offsets[c+1]) (empty for a code on more than the limit). */
  readonly offsets: Int32Array;
  readonly rows: Int32Array;
}

const indexes = new WeakMap<StringColumn, CodeIndex>();

/** The most rows a code can hold and still be listed (and so the most rows an indexed selection returns). */
export function listedLimit(rowCount: number): number {
  return rowCount >>> 2;
}

export function codeIndex(col: StringColumn): CodeIndex {
  let index = indexes.get(col);
  if (!index) indexes.set(col, (index = buildCodeIndex(col)));
  return index;
}

/** Counts the codes; `listNow`: list the rows on the first ask already. */
export function buildCodeIndex(col: StringColumn, listNow = false): CodeIndex {
  const n = col.length;
  const codes = col.codes;
  const counts = new Int32Array(col.dict.length);
  for (let i = 0; i < n; i++) counts[codes[i]!]!++;
  return { column: col, counts, lists: null, asked: listNow, bitsets: new Map() };
}

/** Whether the rows may be listed now: false the first time a column is asked. */
function mayList(index: CodeIndex): boolean {
  if (index.lists !== null || index.asked) return true;
  index.asked = true;
  return false;
}

function listsOf(index: CodeIndex): Lists {
  if (index.lists) return index.lists;
  const { column: col, counts } = index;
  const n = col.length;
  const codes = col.codes;
  const d = counts.length;
  const limit = listedLimit(n);
  const offsets = new Int32Array(d + 1);
  for (let c = 0; c < d; c++) offsets[c + 1] = offsets[c]! + (counts[c]! <= limit ? counts[c]! : 0);
  const rows = new Int32Array(offsets[d]!);
  if (rows.length > 0) {
    const fill = offsets.slice(0, d);
    for (let c = 0; c < d; c++) if (counts[c]! > limit) fill[c] = -1;
    for (let i = 0; i < n; i++) {
      const at = fill[codes[i]!]!;
      if (at >= 0) {
        rows[at] = i;
        fill[codes[i]!] = at + 1;
      }
    }
  }
  return (index.lists = { offsets, rows });
}

/** Rows whose code has `hit[code] === 1`: the sum of their counts. */
export function countHits(index: CodeIndex, hit: Uint8Array): number {
  let total = 0;
  for (let c = 0; c < hit.length; c++) if (hit[c] === 1) total += index.counts[c]!;
  return total;
}

/** Whether every row with a hit code is listed (no hit code holds more than the limit). */
function listed(index: CodeIndex, hit: Uint8Array, rowCount: number): boolean {
  const limit = listedLimit(rowCount);
  for (let c = 0; c < hit.length; c++) if (hit[c] === 1 && index.counts[c]! > limit) return false;
  return true;
}

/**
 * A bitset (bit r of word r >>> 5) of the rows whose code has `hit[code] === 1`, from one pass over
 * the codes; the last few are kept with the index, so a predicate run again finds its bitset. null
 * on the column's first ask (see mayList): the caller reads its rows' codes instead.
 */
export function hitBits(index: CodeIndex, hit: Uint8Array, rowCount: number): Int32Array | null {
  let key = '';
  for (let c = 0; c < hit.length; c++) if (hit[c] === 1) key += `${c},`;
  const kept = index.bitsets.get(key);
  if (kept) return kept;
  if (!mayList(index)) return null;
  const codes = index.column.codes;
  const bits = new Int32Array((rowCount + 31) >>> 5);
  for (let w = 0; w < bits.length; w++) {
    const end = Math.min(rowCount, (w + 1) << 5);
    let x = 0;
    for (let r = w << 5; r < end; r++) x |= hit[codes[r]!]! << (r & 31);
    bits[w] = x;
  }
  if (index.bitsets.size >= KEPT_BITSETS) index.bitsets.delete(index.bitsets.keys().next().value!);
  index.bitsets.set(key, bits);
  return bits;
}

/** The rows of `rows` whose bit is set in `bits`. */
export function keepByBits(bits: Int32Array, rows: Int32Array): Int32Array {
  const n = rows.length;
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    out[k] = r;
    k += (bits[r >>> 5]! >>> (r & 31)) & 1;
  }
  return k === n ? out : out.slice(0, k);
}

/**
 * The rows (ascending) whose code has `hit[code] === 1`, or null when some hit code is not listed,
 * they are more than `listedLimit(rowCount)` (a scan is as cheap then) or the rows are not listed
 * yet (see mayList).
 */
export function indexedRows(index: CodeIndex, hit: Uint8Array, rowCount: number): Int32Array | null {
  const total = countHits(index, hit);
  if (total > listedLimit(rowCount) || !listed(index, hit, rowCount)) return null;
  let hits = 0;
  let only = -1;
  for (let c = 0; c < hit.length; c++)
    if (hit[c] === 1 && index.counts[c]! > 0) {
      hits++;
      only = c;
    }
  if (hits === 0) return new Int32Array(0);
  if (!mayList(index)) return null;
  if (hits === 1) {
    const { offsets, rows } = listsOf(index);
    return rows.slice(offsets[only]!, offsets[only + 1]!);
  }
  // Several codes: their ascending lists are merged through a bitset of the rows.
  const { offsets, rows } = listsOf(index);
  const bits = new Int32Array((rowCount + 31) >>> 5);
  for (let c = 0; c < hit.length; c++) {
    if (hit[c] !== 1) continue;
    for (let k = offsets[c]!; k < offsets[c + 1]!; k++) bits[rows[k]! >>> 5]! |= 1 << (rows[k]! & 31);
  }
  const out = new Int32Array(total);
  let at = 0;
  for (let w = 0; w < bits.length; w++) {
    let x = bits[w]!;
    while (x !== 0) {
      const low = x & -x;
      out[at++] = (w << 5) + 31 - Math.clz32(low);
      x ^= low;
    }
  }
  return out;
}
