/**
 * Joins: hash join on the key columns (dictionary ids, no per-row strings), a band sweep when the
 * optimiser bounded the time difference, and explain mode's "keep the unmatched rows" variant.
 */
import type { BandSpec, JoinNode } from '../bind/bound';
import { assertNever } from '../kql/ast';
import type { TimeColumn } from '../table/column';
import type { ExecutionHooks } from './executor';
import { denseKeys, valueIds } from './keys';
import type { Lineage } from './lineage';
import { Relation, composeColumns, pairNotes, type RowNotes } from './relation';

export function joinRelations(
  node: JoinNode,
  left: Relation,
  right: Relation,
  hooks: ExecutionHooks | undefined,
): Relation {
  const nl = left.rowCount;
  const nr = right.rowCount;
  // Both sides' keys in one dense numbering: left rows first, then right rows.
  const shared = new Map<unknown, number>();
  const idCols: Int32Array[] = [];
  for (const k of node.keys) {
    const both = new Int32Array(nl + nr);
    both.set(valueIds(left.column(k.left), shared));
    both.set(valueIds(right.column(k.right), shared), nl);
    idCols.push(both);
  }
  // Null keys of non-string type never match (the project's decision, kql-semantics §8).
  const { keys, count } = denseKeys(idCols, nl + nr, false);
  const lKeys = keys.subarray(0, nl);
  const index = rightIndex(keys.subarray(nl), count);
  const kind = node.joinKind;
  const band = hooks?.band?.(node) ?? node.band;
  const lOut: number[] = [];
  const rOut: number[] = [];
  const rightMatched = new Uint8Array(right.rowCount);
  if (band && kind === 'inner') {
    bandPairs(band, left, right, lKeys, index, lOut, rOut);
    for (const r of rOut) rightMatched[r] = 1;
  } else {
    const seenLeftKeys = kind === 'innerunique' ? new Uint8Array(count) : null;
    const { start, rows: rightRows } = index;
    for (let l = 0; l < left.rowCount; l++) {
      const k = lKeys[l]!;
      const matches = k < 0 || start[k] === start[k + 1] ? undefined : rightRows.subarray(start[k]!, start[k + 1]!);
      if (seenLeftKeys && k >= 0) {
        // innerunique: keep the first left row per key (Kusto keeps an arbitrary one).
        if (seenLeftKeys[k] === 1) continue;
        seenLeftKeys[k] = 1;
      }
      switch (kind) {
        case 'inner':
        case 'innerunique':
        case 'leftouter':
        case 'fullouter':
        case 'rightouter':
          if (matches) {
            for (const r of matches) {
              lOut.push(l);
              rOut.push(r);
              rightMatched[r] = 1;
            }
          } else if (kind === 'leftouter' || kind === 'fullouter') {
            lOut.push(l);
            rOut.push(-1);
          }
          break;
        case 'leftsemi':
          if (matches) lOut.push(l);
          break;
        case 'leftanti':
          if (!matches) lOut.push(l);
          break;
        case 'rightsemi':
        case 'rightanti':
          if (matches) for (const r of matches) rightMatched[r] = 1;
          break;
        default:
          assertNever(kind);
      }
    }
  }
  if (kind === 'rightouter' || kind === 'fullouter') {
    for (let r = 0; r < right.rowCount; r++) {
      if (!rightMatched[r]) {
        lOut.push(-1);
        rOut.push(r);
      }
    }
  }
  // Explain mode keeps the unmatched rows of an inner join, with a note saying so.
  const extraNotes: (readonly unknown[] | null)[] = [];
  const pairCount = lOut.length;
  if (kind === 'inner' && hooks?.unmatched) {
    const leftNote = hooks.unmatched(node, 'left');
    if (leftNote !== undefined) {
      const matched = new Uint8Array(left.rowCount);
      for (const l of lOut) matched[l] = 1;
      for (let l = 0; l < left.rowCount; l++)
        if (!matched[l]) {
          lOut.push(l);
          rOut.push(-1);
          extraNotes.push([leftNote]);
        }
    }
    const rightNote = hooks.unmatched(node, 'right');
    if (rightNote !== undefined) {
      for (let r = 0; r < right.rowCount; r++)
        if (!rightMatched[r]) {
          lOut.push(-1);
          rOut.push(r);
          extraNotes.push([rightNote]);
        }
    }
  }
  let rel: Relation;
  if (kind === 'leftsemi' || kind === 'leftanti') {
    rel = left.select(Int32Array.from(lOut));
  } else if (kind === 'rightsemi' || kind === 'rightanti') {
    const want = kind === 'rightsemi' ? 1 : 0;
    const rows: number[] = [];
    for (let r = 0; r < right.rowCount; r++) if (rightMatched[r] === want) rows.push(r);
    rel = right.select(Int32Array.from(rows));
  } else {
    const lRows = Int32Array.from(lOut);
    const rRows = Int32Array.from(rOut);
    const cols = [...composeColumns(left.cols, lRows), ...composeColumns(right.cols, rRows)];
    const lineage: Lineage = {
      kind: 'pair',
      left: left.select(lRows).lineage,
      right: right.select(rRows).lineage,
    };
    rel = new Relation(
      node.schema,
      cols,
      lRows.length,
      lineage,
      joinNotes(left.notes, right.notes, lRows, rRows, pairCount, extraNotes),
    );
  }
  return new Relation(node.schema, rel.cols, rel.rowCount, rel.lineage, rel.notes);
}

/**
 * Pairs of an inner join restricted to `lo <= R.time - L.time <= hi` (see plan/optimise): each key's
 * right rows are sorted by time once, and each left row binary-searches its window. Pairs come out
 * in left-row order, then right time order.
 */
function bandPairs(
  band: BandSpec,
  left: Relation,
  right: Relation,
  lKeys: Int32Array,
  index: RightIndex,
  lOut: number[],
  rOut: number[],
): void {
  const rt = right.column(band.rightTime) as TimeColumn;
  const lt = left.column(band.leftTime) as TimeColumn;
  const rv = rt.values;
  const count = index.start.length - 1;
  const sorted: (Int32Array | undefined)[] = new Array<Int32Array | undefined>(count);
  for (let k = 0; k < count; k++) {
    const list = Array.from(index.rows.subarray(index.start[k]!, index.start[k + 1]!));
    const rows = list.filter((r) => rt.valid === null || rt.valid[r] === 1);
    rows.sort((x, y) => (rv[x]! < rv[y]! ? -1 : rv[x]! > rv[y]! ? 1 : x - y));
    sorted[k] = Int32Array.from(rows);
  }
  for (let l = 0; l < left.rowCount; l++) {
    const k = lKeys[l]!;
    if (k < 0) continue;
    if (lt.valid !== null && lt.valid[l] === 0) continue;
    const rows = sorted[k];
    if (!rows || rows.length === 0) continue;
    const from = lt.values[l]! + band.lo;
    const to = lt.values[l]! + band.hi;
    let a = 0;
    let b = rows.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (rv[rows[m]!]! < from) a = m + 1;
      else b = m;
    }
    for (let i = a; i < rows.length && rv[rows[i]!]! <= to; i++) {
      lOut.push(l);
      rOut.push(rows[i]!);
    }
  }
}

/** The right rows of each dense key, ascending: rows[start[k] .. start[k+1]). */
interface RightIndex {
  readonly start: Int32Array;
  readonly rows: Int32Array;
}

function rightIndex(rKeys: Int32Array, count: number): RightIndex {
  const start = new Int32Array(count + 1);
  for (let r = 0; r < rKeys.length; r++) if (rKeys[r]! >= 0) start[rKeys[r]! + 1]!++;
  for (let k = 0; k < count; k++) start[k + 1]! += start[k]!;
  const rows = new Int32Array(start[count]!);
  const fill = start.slice(0, count);
  for (let r = 0; r < rKeys.length; r++) {
    const k = rKeys[r]!;
    if (k >= 0) rows[fill[k]!++] = r;
  }
  return { start, rows };
}

/** Notes of a join's output: pairs carry both sides' notes; appended unmatched rows carry their own too. */
function joinNotes(
  left: RowNotes | null,
  right: RowNotes | null,
  lRows: Int32Array,
  rRows: Int32Array,
  pairCount: number,
  extra: readonly (readonly unknown[] | null)[],
): RowNotes | null {
  if (left === null && right === null && extra.length === 0) return null;
  const base = pairNotes(left, right, lRows, rRows) ?? new Array<null>(lRows.length).fill(null);
  const out = [...base];
  for (let i = 0; i < extra.length; i++) {
    const own = out[pairCount + i];
    out[pairCount + i] = own ? [...extra[i]!, ...own] : extra[i]!;
  }
  return out;
}
