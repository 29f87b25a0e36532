/**
 * Kusto's output column names: names of unnamed expressions, de-duplication, type names.
 */
import type { Expr } from '../kql/ast';
import type { ScalarType } from '../table/column';
import type { ColumnSchema } from '../table/table';
import { makeNamesUnique } from './unique-names';

/** Functions whose unnamed result column takes the first argument's name (ResultNameKind.FirstArgument). */
const FIRST_ARGUMENT_NAMED = new Set([
  'bin',
  'floor',
  'tolower',
  'toupper',
  'tostring',
  'todatetime',
  'tolong',
  'toint',
  'toreal',
  'todouble',
]);

/** The column name Kusto gives an unnamed expression, or null when it would invent one. */
export function inferName(e: Expr): string | null {
  switch (e.kind) {
    case 'Name':
      return e.name;
    case 'Paren':
      return inferName(e.expr);
    case 'Call':
      if (FIRST_ARGUMENT_NAMED.has(e.name) && e.args.length > 0) return inferName(e.args[0]!);
      return null;
    default:
      return null;
  }
}

export function makeUniqueSchema(schema: readonly ColumnSchema[]): ColumnSchema[] {
  const names = makeNamesUnique(schema.map((c) => c.name));
  return schema.map((c, i) => ({ name: names[i]!, type: c.type }));
}

export function normaliseTypeName(t: string): ScalarType | null {
  switch (t.toLowerCase()) {
    case 'bool':
    case 'boolean':
      return 'bool';
    case 'int':
    case 'int32':
      return 'int';
    case 'long':
    case 'int64':
      return 'long';
    case 'real':
    case 'double':
      return 'real';
    case 'string':
      return 'string';
    case 'datetime':
    case 'date':
      return 'datetime';
    case 'timespan':
    case 'time':
      return 'timespan';
    case 'dynamic':
      return 'dynamic';
    default:
      return null;
  }
}
