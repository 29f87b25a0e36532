/**
 * Columns: the engine's unit of data. One discriminated union, typed arrays underneath.
 *
 * - string: dictionary-encoded (`codes` index `dict`). Kusto strings are never null (a missing
 *   string is `""`, kql-semantics §1), so there is no validity mask. String predicates run once per
 *   distinct dictionary entry and are then applied to the codes.
 * - bool / int / long / real: values plus an optional validity mask (1 = valid). `long` is held in a
 *   Float64Array: exact up to 2^53, which PIDs, ports and counters never reach; ingest reports
 *   larger values instead of rounding them silently.
 * - datetime / timespan: exact 100 ns ticks in a BigInt64Array (never through JS `Date`).
 * - dynamic: JS values (arrays, objects, scalars, `null`), used for `make_set` and `dynamic(...)`.
 */

export type ScalarType = 'bool' | 'int' | 'long' | 'real' | 'string' | 'datetime' | 'timespan' | 'dynamic';

export const SCALAR_TYPES: readonly ScalarType[] = [
  'bool',
  'int',
  'long',
  'real',
  'string',
  'datetime',
  'timespan',
  'dynamic',
];

export interface StringColumn {
  readonly type: 'string';
  readonly length: number;
  readonly codes: Int32Array;
  readonly dict: readonly string[];
}

export interface BoolColumn {
  readonly type: 'bool';
  readonly length: number;
  /** 0 or 1. */
  readonly values: Uint8Array;
  /** null = all valid. */
  readonly valid: Uint8Array | null;
}

export interface NumberColumn {
  readonly type: 'int' | 'long' | 'real';
  readonly length: number;
  readonly values: Float64Array;
  readonly valid: Uint8Array | null;
}

export interface TimeColumn {
  readonly type: 'datetime' | 'timespan';
  readonly length: number;
  readonly values: BigInt64Array;
  readonly valid: Uint8Array | null;
}

export interface DynamicColumn {
  readonly type: 'dynamic';
  readonly length: number;
  readonly values: readonly unknown[];
}

export type Column = StringColumn | BoolColumn | NumberColumn | TimeColumn | DynamicColumn;

/** A scalar value as the row-at-a-time APIs see it: null for a null non-string. */
export type Scalar = string | number | boolean | bigint | null | unknown[] | Record<string, unknown>;

export function isValid(col: Column, row: number): boolean {
  switch (col.type) {
    case 'string':
      return true;
    case 'dynamic':
      return col.values[row] !== null && col.values[row] !== undefined;
    default:
      return col.valid === null || col.valid[row] === 1;
  }
}

/** Reads one cell: strings as strings, numbers as numbers, bools as booleans, times as bigint. */
export function getValue(col: Column, row: number): Scalar {
  switch (col.type) {
    case 'string':
      return col.dict[col.codes[row]!]!;
    case 'bool':
      return col.valid !== null && col.valid[row] === 0 ? null : col.values[row] === 1;
    case 'int':
    case 'long':
    case 'real':
      return col.valid !== null && col.valid[row] === 0 ? null : col.values[row]!;
    case 'datetime':
    case 'timespan':
      return col.valid !== null && col.valid[row] === 0 ? null : col.values[row]!;
    case 'dynamic':
      return (col.values[row] ?? null) as Scalar;
  }
}

/** Rows start..end-1 as a view of the same arrays (no copy; dynamic values are copied). */
export function sliceColumn(col: Column, start: number, end: number): Column {
  const n = end - start;
  switch (col.type) {
    case 'string':
      return { type: 'string', length: n, codes: col.codes.subarray(start, end), dict: col.dict };
    case 'bool':
      return {
        type: 'bool',
        length: n,
        values: col.values.subarray(start, end),
        valid: col.valid?.subarray(start, end) ?? null,
      };
    case 'int':
    case 'long':
    case 'real':
      return {
        type: col.type,
        length: n,
        values: col.values.subarray(start, end),
        valid: col.valid?.subarray(start, end) ?? null,
      };
    case 'datetime':
    case 'timespan':
      return {
        type: col.type,
        length: n,
        values: col.values.subarray(start, end),
        valid: col.valid?.subarray(start, end) ?? null,
      };
    case 'dynamic':
      return { type: 'dynamic', length: n, values: col.values.slice(start, end) };
  }
}

/** Gathers rows by index; index -1 produces the type's empty value (null, or `""` for strings). */
export function takeRows(col: Column, rows: Int32Array): Column {
  // One small function per type: each stays monomorphic and is optimised on its own.
  switch (col.type) {
    case 'string':
      return takeStrings(col, rows);
    case 'bool':
      return takeBools(col, rows);
    case 'int':
    case 'long':
    case 'real':
      return takeNumbers(col, rows);
    case 'datetime':
    case 'timespan':
      return takeTicks(col, rows);
    case 'dynamic': {
      const n = rows.length;
      const values = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        const r = rows[i]!;
        values[i] = r >= 0 ? col.values[r] : null;
      }
      return { type: 'dynamic', length: n, values };
    }
  }
}

function takeStrings(col: StringColumn, rows: Int32Array): StringColumn {
  const n = rows.length;
  const src = col.codes;
  const codes = new Int32Array(n);
  let empty = -1;
  let dict = col.dict;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (r >= 0) codes[i] = src[r]!;
    else {
      if (empty < 0) {
        empty = dict.indexOf('');
        if (empty < 0) {
          dict = [...dict, ''];
          empty = dict.length - 1;
        }
      }
      codes[i] = empty;
    }
  }
  return { type: 'string', length: n, codes, dict };
}

function takeBools(col: BoolColumn, rows: Int32Array): BoolColumn {
  const n = rows.length;
  const src = col.values;
  const srcValid = col.valid;
  const values = new Uint8Array(n);
  let valid: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (r >= 0 && (srcValid === null || srcValid[r] === 1)) values[i] = src[r]!;
    else (valid ??= new Uint8Array(n).fill(1))[i] = 0;
  }
  return { type: 'bool', length: n, values, valid };
}

function takeNumbers(col: NumberColumn, rows: Int32Array): NumberColumn {
  const n = rows.length;
  const src = col.values;
  const srcValid = col.valid;
  const values = new Float64Array(n);
  let valid: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (r >= 0 && (srcValid === null || srcValid[r] === 1)) values[i] = src[r]!;
    else (valid ??= new Uint8Array(n).fill(1))[i] = 0;
  }
  return { type: col.type, length: n, values, valid };
}

/** Ticks are copied as their two 32-bit halves: no BigInt per cell (which unoptimised code would allocate). */
function takeTicks(col: TimeColumn, rows: Int32Array): TimeColumn {
  const n = rows.length;
  const src = new Int32Array(col.values.buffer, col.values.byteOffset, col.values.length * 2);
  const srcValid = col.valid;
  const values = new BigInt64Array(n);
  const dst = new Int32Array(values.buffer);
  let valid: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (r >= 0 && (srcValid === null || srcValid[r] === 1)) {
      dst[2 * i] = src[2 * r]!;
      dst[2 * i + 1] = src[2 * r + 1]!;
    } else (valid ??= new Uint8Array(n).fill(1))[i] = 0;
  }
  return { type: col.type, length: n, values, valid };
}

/** Builds a column from row values (strings: any string; others: value or null). */
export function columnFromValues(type: ScalarType, values: readonly Scalar[]): Column {
  const n = values.length;
  switch (type) {
    case 'string': {
      const index = new Map<string, number>();
      const dict: string[] = [];
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        const s = v === null || v === undefined ? '' : String(v);
        let c = index.get(s);
        if (c === undefined) {
          c = dict.length;
          dict.push(s);
          index.set(s, c);
        }
        codes[i] = c;
      }
      return { type, length: n, codes, dict };
    }
    case 'bool': {
      const out = new Uint8Array(n);
      let valid: Uint8Array | null = null;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined) (valid ??= new Uint8Array(n).fill(1))[i] = 0;
        else out[i] = v ? 1 : 0;
      }
      return { type, length: n, values: out, valid };
    }
    case 'int':
    case 'long':
    case 'real': {
      const out = new Float64Array(n);
      let valid: Uint8Array | null = null;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined) (valid ??= new Uint8Array(n).fill(1))[i] = 0;
        else out[i] = Number(v);
      }
      return { type, length: n, values: out, valid };
    }
    case 'datetime':
    case 'timespan': {
      const out = new BigInt64Array(n);
      let valid: Uint8Array | null = null;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined) (valid ??= new Uint8Array(n).fill(1))[i] = 0;
        else out[i] = BigInt(v as bigint | number);
      }
      return { type, length: n, values: out, valid };
    }
    case 'dynamic':
      return { type, length: n, values: values.map((v) => v ?? null) };
  }
}
