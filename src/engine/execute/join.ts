/**
 * Joins: hash join on the key columns (dictionary ids, no per-row strings), a band sweep when the
 * optimiser bounded the time difference, and explain mode's "keep the unmatched rows" variant.
 */
import type { BandSpec, JoinNode } from '../bind/bound';
import { assertNever } from '../kql/ast';
import type { TimeColumn } from '../table/column';
import type { ExecutionHooks } from './executor';
import { combineKeys, valueIds } from './keys';
import type { Lineage } from './lineage';
import { Relation, composeColumns, pairNotes, type RowNotes } from './relation';

export function joinRelations(
  node: JoinNode,
  left: Relation,
  right: Relation,
  hooks: ExecutionHooks | undefined,
): Relation {
  const shared = new Map<unknown, number>();
  const lIds: Int32Array[] = [];
  const rIds: Int32Array[] = [];
  for (const k of node.keys) {
    lIds.push(valueIds(left.column(k.left), shared));
    rIds.push(valueIds(right.column(k.right), shared));
  }
  // Null keys of non-string type never match (the project's decision, kql-semantics §8).
  const lKeys = combineKeys(lIds, left.rowCount, false);
  const rKeys = combineKeys(rIds, right.rowCount, false);
  const index = new Map<number | string, number[]>();
  for (let r = 0; r < right.rowCount; r++) {
    const k = rKeys[r];
    if (k === null || k === undefined) continue;
    const list = index.get(k);
    if (list) list.push(r);
    else index.set(k, [r]);
  }
  const kind = node.joinKind;
  const band = hooks?.band?.(node) ?? node.band;
  const lOut: number[] = [];
  const rOut: number[] = [];
  const rightMatched = new Uint8Array(right.rowCount);
  if (band && kind === 'inner') {
    bandPairs(band, left, right, lKeys, index, lOut, rOut);
    for (const r of rOut) rightMatched[r] = 1;
  } else {
    const seenLeftKeys = kind === 'innerunique' ? new Set<number | string>() : null;
    for (let l = 0; l < left.rowCount; l++) {
      const k = lKeys[l];
      const matches = k === null || k === undefined ? undefined : index.get(k);
      if (seenLeftKeys && k !== null && k !== undefined) {
        // innerunique: keep the first left row per key (Kusto keeps an arbitrary one).
        if (seenLeftKeys.has(k)) continue;
        seenLeftKeys.add(k);
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
  lKeys: readonly (number | string | null)[],
  index: Map<number | string, number[]>,
  lOut: number[],
  rOut: number[],
): void {
  const rt = right.column(band.rightTime) as TimeColumn;
  const lt = left.column(band.leftTime) as TimeColumn;
  const rv = rt.values;
  const sorted = new Map<number | string, Int32Array>();
  for (const [k, list] of index) {
    const rows = list.filter((r) => rt.valid === null || rt.valid[r] === 1);
    rows.sort((x, y) => (rv[x]! < rv[y]! ? -1 : rv[x]! > rv[y]! ? 1 : x - y));
    sorted.set(k, Int32Array.from(rows));
  }
  for (let l = 0; l < left.rowCount; l++) {
    const k = lKeys[l];
    if (k === null || k === undefined) continue;
    if (lt.valid !== null && lt.valid[l] === 0) continue;
    const rows = sorted.get(k);
    if (!rows) continue;
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
