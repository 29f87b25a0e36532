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
 * Numbers for texts (strings and dynamic cells' JSON), shared by the results whose identities are
 * compared: equal texts get equal numbers. Text the results of a session hold, so it stays small;
 * the server starts a new one (and re-keys the previous result) if it grows large.
 */
export type TextIds = Map<string, number>;

function textId(ids: TextIds, text: string): number {
  let id = ids.get(text);
  if (id === undefined) ids.set(text, (id = ids.size));
  return id;
}

/**
 * One string per row, equal for two rows (of this or another table with the same schema, keyed
 * through the same `ids`) exactly when their JSON cells are equal, i.e. `JSON.stringify` of the
 * row's `jsonCell`s. Built from the raw values: times as ticks (the ISO text is one-to-one with
 * them), texts as their number in `ids` (once per distinct string code), so the identities are
 * short and made without formatting, escaping or copying text per cell. Every piece is digits,
 * `-+.e`, `t`, `f` or `null`, so `|` separates them unambiguously.
 */
export function rowIdentities(table: Table, ids: TextIds): string[] {
  const n = table.rowCount;
  const out: string[] = Array.from({ length: n }, () => '');
  table.schema.forEach((c, ci) => {
    const col = table.columns[ci]!;
    const sep = ci === 0 ? '' : '|';
    if (col.type === 'dynamic') {
      const texts = dynamicTexts(col);
      for (let r = 0; r < n; r++) {
        const t = texts[r] ?? null;
        out[r] += t === null ? `${sep}null` : `${sep}${textId(ids, t)}`;
      }
      return;
    }
    if (col.type === 'string') {
      // Kusto strings are never null; one lookup per distinct code.
      const byCode = new Map<number, string>();
      for (let r = 0; r < n; r++) {
        const code = col.codes[r]!;
        let piece = byCode.get(code);
        if (piece === undefined) {
          const v = col.dict[code];
          byCode.set(code, (piece = v === undefined ? `${sep}null` : `${sep}${textId(ids, v)}`));
        }
        out[r] += piece;
      }
      return;
    }
    for (let r = 0; r < n; r++) {
      const v = getValue(col, r);
      let piece: string;
      // Null as JSON has it: a NaN cell is null in JSON too, so both read `null`.
      if (v === null || v === undefined) piece = 'null';
      else if (typeof v === 'string') piece = `${textId(ids, v)}`;
      // Numbers as JSON has them (NaN and infinities print as null there, as a null cell does).
      else if (typeof v === 'number') piece = JSON.stringify(v);
      else if (typeof v === 'boolean') piece = v ? 't' : 'f';
      else if (typeof v === 'bigint') piece = `${v}`;
      else piece = `${textId(ids, JSON.stringify(jsonCell(v, c.type)))}`;
      out[r] += sep + piece;
    }
  });
  return out;
}
