/**
 * Canonical form of a result for multiset comparison: one string per row, sorted. Row order of
 * most operators is undefined in Kusto (§8, §12), and so is the element order of `make_set`, so
 * arrays inside dynamic cells are sorted too (make_list order is equally undefined once rows are
 * unordered, so no exception is made for it).
 */
import type { Scalar, ScalarType } from '../../src/engine/table/column';

function encode(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'bigint':
      return `t:${v}`;
    case 'string':
      return JSON.stringify(v);
    case 'number':
      // -0 and 0 are the same Kusto value; NaN and infinities have no JSON form.
      if (Number.isNaN(v)) return 'NaN';
      if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
      return String(Object.is(v, -0) ? 0 : v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      break;
  }
  if (Array.isArray(v)) return `[${v.map(encode).sort().join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${encode(o[k])}`)
      .join(',')}}`;
  }
  return String(v);
}

/** Sorted canonical encodings of `rows` (bigint as `t:<ticks>`, null as `null`, arrays sorted). */
export function canonicalRows(
  _columns: readonly { readonly name: string; readonly type: ScalarType }[],
  rows: readonly (readonly Scalar[])[],
): string[] {
  return rows.map((r) => `[${r.map(encode).join(',')}]`).sort();
}

/** `name:type` per column, for comparing schemas. */
export function canonicalSchema(columns: readonly { readonly name: string; readonly type: ScalarType }[]): string[] {
  return columns.map((c) => `${c.name}:${c.type}`);
}
