/**
 * Per-row text of a result table that a detection needs more than once: the JSON of its dynamic
 * cells (sent on the wire and compared by the diff; computed once per column), and an identity
 * per row for the diff between two runs (alerts added / removed).
 */
import { jsonCell } from '../output/format-results';
import { getValue, type Column } from '../table/column';
import type { Table } from '../table/table';

const dynamicCache = new WeakMap<Column, readonly (string | null)[]>();

/** `JSON.stringify(jsonCell(v))` of every cell of a dynamic column (sets sorted), null for null; cached per column. */
export function dynamicTexts(col: Column): readonly (string | null)[] {
  let out = dynamicCache.get(col);
  if (!out) {
    out = Array.from({ length: col.length }, (_, r) => {
      const v = getValue(col, r);
      return v === null || v === undefined ? null : JSON.stringify(jsonCell(v, 'dynamic'));
    });
    dynamicCache.set(col, out);
  }
  return out;
}

/**
 * One string per row, equal for two rows (of this or another table with the same schema) exactly
 * when their JSON cells are equal, i.e. `JSON.stringify` of the row's `jsonCell`s. Built from the
 * raw values: times as ticks (the ISO text is one-to-one with them), strings and JSON text length
 * prefixed, so no formatting and no escaping per cell.
 */
export function rowIdentities(table: Table): string[] {
  const n = table.rowCount;
  const out: string[] = Array.from({ length: n }, () => '');
  table.schema.forEach((c, ci) => {
    const col = table.columns[ci]!;
    const sep = ci === 0 ? '' : '|';
    if (col.type === 'dynamic') {
      const texts = dynamicTexts(col);
      for (let r = 0; r < n; r++) {
        const t = texts[r] ?? null;
        out[r] += t === null ? `${sep}null` : `${sep}${t.length}:${t}`;
      }
      return;
    }
    for (let r = 0; r < n; r++) {
      const v = getValue(col, r);
      let piece: string;
      // Null as JSON has it: a NaN cell is null in JSON too, so both read `null`.
      if (v === null || v === undefined) piece = 'null';
      else if (typeof v === 'string') piece = `${v.length}:${v}`;
      // Numbers as JSON has them (NaN and infinities print as null there, as a null cell does).
      else if (typeof v === 'number') piece = JSON.stringify(v);
      else if (typeof v === 'boolean') piece = v ? 't' : 'f';
      else if (typeof v === 'bigint') piece = `${v}`;
      else {
        const t = JSON.stringify(jsonCell(v, c.type));
        piece = `${t.length}:${t}`;
      }
      out[r] += sep + piece;
    }
  });
  return out;
}
