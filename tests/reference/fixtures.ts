/** Small helpers for building tables and running text queries through the reference interpreter. */
import type { Query } from '../../src/engine/kql/ast';
import { parseQuery } from '../../src/engine/kql/parser';
import type { Scalar, ScalarType } from '../../src/engine/table/column';
import { columnFromValues } from '../../src/engine/table/column';
import type { ColumnSchema, Table } from '../../src/engine/table/table';
import { makeTable } from '../../src/engine/table/table';
import { parseIsoDateTime } from '../../src/engine/time/ticks';
import type { ReferenceResult } from './interpreter';
import { referenceRun } from './interpreter';
import { emptyValue } from './values';

/** Ticks of an ISO datetime; throws on a typo so that fixtures cannot silently hold null. */
export function dt(text: string): bigint {
  const t = parseIsoDateTime(text);
  if (t === null) throw new Error(`bad datetime ${text}`);
  return t;
}

/** Builds a table from row objects; a missing cell is the type's empty value ("" or null). */
export function makeRefTable(
  name: string,
  schema: readonly ColumnSchema[],
  rows: readonly Readonly<Record<string, Scalar>>[],
): Table {
  const columns = schema.map((c) =>
    columnFromValues(
      c.type,
      rows.map((r) => (c.name in r ? r[c.name]! : emptyValue(c.type))),
    ),
  );
  return makeTable(name, schema, columns);
}

export function schemaOf(spec: Readonly<Record<string, ScalarType>>): ColumnSchema[] {
  return Object.entries(spec).map(([name, type]) => ({ name, type }));
}

/** Parses `text` (failing on any diagnostic) and runs it through the reference interpreter. */
export function runText(
  text: string,
  tables: readonly Table[] = [],
  now = dt('2024-05-01T12:00:00Z'),
): ReferenceResult {
  const { query, diagnostics } = parseQuery(text);
  if (diagnostics.length > 0)
    throw new Error(`parse errors in ${text}: ${diagnostics.map((d) => d.message).join('; ')}`);
  return referenceRun(query, new Map(tables.map((t) => [t.name, t])), { now });
}

/**
 * Like `runText`, with every name `__star__` turned into `*` before evaluation: the parser does not
 * accept `arg_max(X, *)` yet, and the interpreter reads the star as `Name('*')`.
 */
export function runStarred(
  text: string,
  tables: readonly Table[] = [],
  now = dt('2024-05-01T12:00:00Z'),
): ReferenceResult {
  const { query, diagnostics } = parseQuery(text);
  if (diagnostics.length > 0)
    throw new Error(`parse errors in ${text}: ${diagnostics.map((d) => d.message).join('; ')}`);
  const starred = JSON.parse(
    JSON.stringify(query, (_k, v: unknown) => (typeof v === 'bigint' ? { $bigint: String(v) } : v)),
    (_k, v: unknown) => {
      if (v !== null && typeof v === 'object' && '$bigint' in v) return BigInt((v as { $bigint: string }).$bigint);
      if (
        v !== null &&
        typeof v === 'object' &&
        (v as { kind?: unknown; name?: unknown }).kind === 'Name' &&
        (v as { name?: unknown }).name === '__star__'
      )
        return { ...(v as object), name: '*' };
      return v;
    },
  ) as Query;
  return referenceRun(starred, new Map(tables.map((t) => [t.name, t])), { now });
}

/** The single value of a one-row, one-column result. */
export function scalarOf(text: string, tables: readonly Table[] = []): Scalar {
  const r = runText(text, tables);
  if (r.rows.length !== 1 || r.rows[0]!.length !== 1) throw new Error(`expected one cell from ${text}`);
  return r.rows[0]![0]!;
}
