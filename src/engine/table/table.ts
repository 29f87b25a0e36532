import type { Column, ScalarType } from './column';

export interface ColumnSchema {
  readonly name: string;
  readonly type: ScalarType;
}

/** An in-memory table: named, typed columns of equal length. */
export interface Table {
  readonly name: string;
  readonly schema: readonly ColumnSchema[];
  readonly columns: readonly Column[];
  readonly rowCount: number;
  /**
   * Columns the source file has but ingest did not decode (column pruning). A query still binds
   * against them (Kusto sees the file's schema); reading one is reported as an error.
   */
  readonly omitted?: readonly ColumnSchema[];
}

export function makeTable(name: string, schema: readonly ColumnSchema[], columns: readonly Column[]): Table {
  if (schema.length !== columns.length)
    throw new Error(`table ${name}: ${schema.length} names for ${columns.length} columns`);
  const rowCount = columns.length === 0 ? 0 : columns[0]!.length;
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    if (c.length !== rowCount)
      throw new Error(`table ${name}: column ${schema[i]!.name} has ${c.length} rows, expected ${rowCount}`);
    if (c.type !== schema[i]!.type)
      throw new Error(`table ${name}: column ${schema[i]!.name} is ${c.type}, schema says ${schema[i]!.type}`);
  }
  return { name, schema, columns, rowCount };
}

export function columnIndex(table: Table, name: string): number {
  return table.schema.findIndex((c) => c.name === name);
}

/** The schema a query binds against: the decoded columns, then those column pruning left out. */
export function bindingSchema(table: Pick<Table, 'schema' | 'omitted'>): readonly ColumnSchema[] {
  return table.omitted && table.omitted.length > 0 ? [...table.schema, ...table.omitted] : table.schema;
}
