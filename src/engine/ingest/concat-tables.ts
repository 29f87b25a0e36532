import type { Column, ScalarType } from '../table/column';
import { makeTable, type ColumnSchema, type Table } from '../table/table';
import { emptyColumn } from './column-builder';

export interface ConcatResult {
  readonly table: Table;
  readonly warnings: readonly string[];
}

/**
 * Appends tables of the same kind (one export split over several files). Columns are matched by
 * name; a column some files lack is `""` / null for their rows; string dictionaries are merged
 * and codes re-mapped. A column whose type differs between files keeps the first file's type and
 * is null for the others' rows (reported, never coerced silently).
 */
export function concatTables(tables: readonly Table[], name?: string): ConcatResult {
  const warnings: string[] = [];
  const schema: ColumnSchema[] = [];
  const seen = new Map<string, ScalarType>();
  for (const t of tables) {
    for (const c of t.schema) {
      const prev = seen.get(c.name);
      if (prev === undefined) {
        seen.set(c.name, c.type);
        schema.push(c);
      } else if (prev !== c.type) {
        warnings.push(
          `${t.name}: column ${c.name} is ${c.type} here but ${prev} in an earlier table; its values here are left null`,
        );
      }
    }
  }
  const outName = name ?? tables[0]?.name ?? 'table';
  const names = new Set(tables.map((t) => t.name));
  if (names.size > 1) warnings.push(`tables with different names were concatenated: ${[...names].join(', ')}`);
  const total = tables.reduce((n, t) => n + t.rowCount, 0);
  const columns = schema.map((c) => concatColumn(c, tables, total, warnings));
  // A column some part left undecoded stays known to the binder (see Table.omitted).
  const omitted = new Map<string, ColumnSchema>();
  for (const t of tables)
    for (const c of t.omitted ?? []) if (!schema.some((s) => s.name === c.name)) omitted.set(c.name, c);
  const table = makeTable(outName, schema, columns);
  return { table: omitted.size ? { ...table, omitted: [...omitted.values()] } : table, warnings };
}

function pick(t: Table, c: ColumnSchema): Column | null {
  const i = t.schema.findIndex((s) => s.name === c.name);
  if (i < 0) return null;
  const col = t.columns[i]!;
  return col.type === c.type ? col : null;
}

function concatColumn(c: ColumnSchema, tables: readonly Table[], total: number, warnings: string[]): Column {
  const parts = tables.map((t) => pick(t, c) ?? emptyColumn(c.type, t.rowCount));
  for (const t of tables)
    if (t.rowCount > 0 && !t.schema.some((s) => s.name === c.name))
      warnings.push(`${t.name}: has no column ${c.name}; filled with empty values`);
  switch (c.type) {
    case 'string': {
      const dict: string[] = [];
      const index = new Map<string, number>();
      const codes = new Int32Array(total);
      let o = 0;
      for (const p of parts) {
        if (p.type !== 'string') continue;
        const remap = new Int32Array(p.dict.length);
        for (let j = 0; j < p.dict.length; j++) {
          const s = p.dict[j]!;
          let code = index.get(s);
          if (code === undefined) {
            code = dict.length;
            dict.push(s);
            index.set(s, code);
          }
          remap[j] = code;
        }
        for (let i = 0; i < p.length; i++) codes[o + i] = remap[p.codes[i]!]!;
        o += p.length;
      }
      return { type: 'string', length: total, codes, dict };
    }
    case 'dynamic': {
      const values: unknown[] = [];
      for (const p of parts) if (p.type === 'dynamic') values.push(...p.values);
      return { type: 'dynamic', length: total, values };
    }
    case 'bool':
    case 'int':
    case 'long':
    case 'real':
    case 'datetime':
    case 'timespan': {
      let anyNull = false;
      for (const p of parts) if ('valid' in p && p.valid !== null) anyNull = true;
      const valid = anyNull ? new Uint8Array(total).fill(1) : null;
      const values =
        c.type === 'bool'
          ? new Uint8Array(total)
          : c.type === 'datetime' || c.type === 'timespan'
            ? new BigInt64Array(total)
            : new Float64Array(total);
      let o = 0;
      for (const p of parts) {
        if (p.type === 'string' || p.type === 'dynamic') continue;
        (values as { set(a: ArrayLike<number | bigint>, o: number): void }).set(p.values, o);
        if (valid !== null && p.valid !== null) valid.set(p.valid, o);
        o += p.length;
      }
      return { type: c.type, length: total, values, valid } as Column;
    }
  }
}
