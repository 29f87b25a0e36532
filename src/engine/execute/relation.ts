/**
 * A relation in flight: late-materialised columns. Each column is a base column plus an optional
 * row-index vector; filters and joins only compose index vectors, and a column is gathered the
 * first time an expression or the final result needs it.
 */
import type { Column } from '../table/column';
import { sliceColumn, takeRows } from '../table/column';
import type { ColumnSchema } from '../table/table';
import type { Lineage } from './lineage';
import { selectLineage } from './lineage';

export interface LazyColumn {
  /** The column, or a memoising thunk for one nobody may read (a pruned column: built on first use). */
  readonly base: Column | (() => Column);
  /** null: the base column as is; otherwise row i is base row sel[i] (-1: empty value). */
  readonly sel: Int32Array | null;
  memo?: Column;
  /**
   * For a computed column (a projected expression): the column at `rows` of its base (-1: empty
   * value), computing only those rows. Without it a selection gathers from the whole base column.
   */
  readonly rowsOf?: (rows: Int32Array) => Column;
}

/**
 * Per-row annotations carried through operators (explain mode records why a row would have been
 * dropped). Opaque to the executor: it only gathers and concatenates them.
 */
export type RowNotes = readonly (readonly unknown[] | null)[];

export class Relation {
  constructor(
    readonly schema: readonly ColumnSchema[],
    readonly cols: readonly LazyColumn[],
    readonly rowCount: number,
    readonly lineage: Lineage,
    /** null: no row carries a note (the normal, non-explain case). */
    readonly notes: RowNotes | null = null,
  ) {}

  withNotes(notes: RowNotes | null): Relation {
    return new Relation(this.schema, this.cols, this.rowCount, this.lineage, notes);
  }

  static fromColumns(
    schema: readonly ColumnSchema[],
    columns: readonly (Column | (() => Column))[],
    rowCount: number,
    lineage: Lineage,
  ): Relation {
    return new Relation(
      schema,
      columns.map((base) => ({ base, sel: null })),
      rowCount,
      lineage,
    );
  }

  column(i: number): Column {
    return materialize(this.cols[i]!);
  }

  /**
   * Rows start..end-1 for evaluating an expression batch by batch: base columns become views (no
   * copy), selected ones a sub-range of their index vector. No lineage (nothing traces a batch).
   */
  slice(start: number, end: number): Relation {
    const cols = this.cols.map((c): LazyColumn => {
      if (c.sel !== null) return withRowsOf({ base: c.base, sel: c.sel.subarray(start, end) }, c);
      const base = c.base;
      let memo: Column | undefined;
      // Sliced on first read: a batch reads only the predicate's columns.
      return {
        base: () => (memo ??= sliceColumn(typeof base === 'function' ? base() : base, start, end)),
        sel: null,
      };
    });
    const notes = this.notes === null ? null : this.notes.slice(start, end);
    return new Relation(this.schema, cols, end - start, { kind: 'none' }, notes);
  }

  /** Rows `rows` of this relation (composes index vectors; gathers nothing). */
  select(rows: Int32Array): Relation {
    return new Relation(
      this.schema,
      composeColumns(this.cols, rows, reused.has(this)),
      rows.length,
      selectLineage(this.lineage, rows),
      selectNotes(this.notes, rows),
    );
  }
}

/** A lazy column's values (gathered once, then kept with it). */
export function materialize(c: LazyColumn): Column {
  if (c.sel === null) return typeof c.base === 'function' ? c.base() : c.base;
  return (c.memo ??= c.rowsOf ? c.rowsOf(c.sel) : takeRows(typeof c.base === 'function' ? c.base() : c.base, c.sel));
}

/** Relations handed out again from the plan cache (see markReused). */
const reused = new WeakSet<Relation>();

/**
 * Marks a relation the plan cache hands out again: a later selection of one of its gathered
 * columns then gathers the whole column once, kept with the relation (and so across runs), and
 * selects from that, instead of gathering the selected rows from the base column on every run.
 */
export function markReused(rel: Relation): void {
  reused.add(rel);
}

export function isReused(rel: Relation): boolean {
  return reused.has(rel);
}

/**
 * Composes each column's selection with `rows`, sharing work between columns with the same vector.
 * A column already gathered is selected from what was gathered (small, in cache), not its base;
 * so is a gathered column of a reused relation (`fromReused`), gathered whole when first read.
 */
export function composeColumns(cols: readonly LazyColumn[], rows: Int32Array, fromReused = false): LazyColumn[] {
  const cache = new Map<Int32Array | null, Int32Array>();
  return cols.map((c) => {
    if (c.memo) return { base: c.memo, sel: rows };
    if (fromReused && c.sel !== null) return { base: () => materialize(c), sel: rows };
    let sel = cache.get(c.sel);
    if (!sel) {
      if (c.sel === null) sel = rows;
      else {
        const inner = c.sel;
        sel = new Int32Array(rows.length);
        for (let i = 0; i < rows.length; i++) sel[i] = rows[i]! < 0 ? -1 : inner[rows[i]!]!;
      }
      cache.set(c.sel, sel);
    }
    return withRowsOf({ base: c.base, sel }, c);
  });
}

/** `col` with `from`'s way of computing a selection, if it has one. */
function withRowsOf(col: LazyColumn, from: LazyColumn): LazyColumn {
  return from.rowsOf ? { ...col, rowsOf: from.rowsOf } : col;
}

export function selectNotes(notes: RowNotes | null, rows: Int32Array): RowNotes | null {
  if (notes === null) return null;
  const out = new Array<readonly unknown[] | null>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = rows[i]! < 0 ? null : notes[rows[i]!]!;
  return out;
}

/** Notes of joined row pairs: the left row's notes, then the right row's. */
export function pairNotes(
  left: RowNotes | null,
  right: RowNotes | null,
  lRows: Int32Array,
  rRows: Int32Array,
): RowNotes | null {
  if (left === null && right === null) return null;
  const out = new Array<readonly unknown[] | null>(lRows.length);
  for (let i = 0; i < lRows.length; i++) {
    const a = left && lRows[i]! >= 0 ? left[lRows[i]!]! : null;
    const b = right && rRows[i]! >= 0 ? right[rRows[i]!]! : null;
    out[i] = a && b ? [...a, ...b] : (a ?? b);
  }
  return out;
}
