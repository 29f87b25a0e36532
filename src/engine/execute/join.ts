/**
 * Joins: hash join on the key columns (dictionary ids, no per-row strings), a band sweep when the
 * optimiser bounded the time difference, and explain mode's "keep the unmatched rows" variant.
 */
import type { BandSpec, JoinNode } from '../bind/bound';
import { assertNever } from '../kql/ast';
import type { TimeColumn } from '../table/column';
import type { ExecutionHooks } from './executor';
import { denseKeys, valueIds } from './keys';
import { firstValidBase, tickOffsets } from './tick-offsets';
import { selectLineage, type Lineage } from './lineage';
import { Relation, composeColumns, isReused, pairNotes, type RowNotes } from './relation';

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
    const cols = [
      ...composeColumns(left.cols, lRows, isReused(left)),
      ...composeColumns(right.cols, rRows, isReused(right)),
    ];
    const lineage: Lineage = {
      kind: 'pair',
      left: selectLineage(left.lineage, lRows),
      right: selectLineage(right.lineage, rRows),
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
  const near = nearTimes(rt, lt, band);
  if (near === null) {
    bandPairsTicks(band, rt, lt, lKeys, index, lOut, rOut);
    return;
  }
  const { right: rv, left: lv, lo, hi } = near;
  const { rows: sorted, ends } = sortedByTime(index, rt, (x, y) => rv[x]! - rv[y]! || x - y);
  const { start } = index;
  for (let l = 0; l < lKeys.length; l++) {
    const k = lKeys[l]!;
    if (k < 0 || (lt.valid !== null && lt.valid[l] === 0)) continue;
    let a = start[k]!;
    let b = ends[k]!;
    const end = b;
    const from = lv[l]! + lo;
    const to = lv[l]! + hi;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (rv[sorted[m]!]! < from) a = m + 1;
      else b = m;
    }
    for (let i = a; i < end && rv[sorted[i]!]! <= to; i++) {
      lOut.push(l);
      rOut.push(sorted[i]!);
    }
  }
}

/** bandPairs over the ticks themselves (bigints), for times too far apart for nearTimes. */
function bandPairsTicks(
  band: BandSpec,
  rt: TimeColumn,
  lt: TimeColumn,
  lKeys: Int32Array,
  index: RightIndex,
  lOut: number[],
  rOut: number[],
): void {
  const rv = rt.values;
  const { rows: sorted, ends } = sortedByTime(index, rt, (x, y) =>
    rv[x]! < rv[y]! ? -1 : rv[x]! > rv[y]! ? 1 : x - y,
  );
  const { start } = index;
  for (let l = 0; l < lKeys.length; l++) {
    const k = lKeys[l]!;
    if (k < 0 || (lt.valid !== null && lt.valid[l] === 0)) continue;
    let a = start[k]!;
    let b = ends[k]!;
    const end = b;
    const from = lt.values[l]! + band.lo;
    const to = lt.values[l]! + band.hi;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (rv[sorted[m]!]! < from) a = m + 1;
      else b = m;
    }
    for (let i = a; i < end && rv[sorted[i]!]! <= to; i++) {
      lOut.push(l);
      rOut.push(sorted[i]!);
    }
  }
}

/**
 * Each key's right rows with a valid time, sorted by time (ties by row), in the index's layout: key
 * k's rows are rows[index.start[k] .. ends[k]).
 */
function sortedByTime(
  index: RightIndex,
  rt: TimeColumn,
  cmp: (x: number, y: number) => number,
): { rows: Int32Array; ends: Int32Array } {
  const { start, rows } = index;
  const out = new Int32Array(rows.length);
  const ends = new Int32Array(start.length - 1);
  for (let k = 0; k < ends.length; k++) {
    let at = start[k]!;
    for (let i = start[k]!; i < start[k + 1]!; i++)
      if (rt.valid === null || rt.valid[rows[i]!] === 1) out[at++] = rows[i]!;
    out.subarray(start[k]!, at).sort(cmp);
    ends[k] = at;
  }
  return { rows: out, ends };
}

/**
 * Both sides' times as doubles relative to the first valid right time, with the band's bounds,
 * when that is exact: every valid right time within 2^51 ticks of it (about 7 years) and the bounds
 * within 2^50. A left time is then exact too, or at least 2^52 - 2^32 ticks away (±Infinity),
 * where its window cannot reach any right time. null otherwise (or with no valid right time).
 */
function nearTimes(
  rt: TimeColumn,
  lt: TimeColumn,
  band: BandSpec,
): { right: Float64Array; left: Float64Array; lo: number; hi: number } | null {
  const limit = 2n ** 50n;
  if (band.lo < -limit || band.lo > limit || band.hi < -limit || band.hi > limit) return null;
  const base = firstValidBase(rt);
  if (base === null) return null;
  const right = tickOffsets(rt, base);
  for (let r = 0; r < rt.length; r++)
    if ((rt.valid === null || rt.valid[r] === 1) && !(Math.abs(right[r]!) < 2 ** 51)) return null;
  return { right, left: tickOffsets(lt, base), lo: Number(band.lo), hi: Number(band.hi) };
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
