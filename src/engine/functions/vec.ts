/**
 * Small column builders and broadcast helpers shared by the kernels.
 */
import type { BoolColumn, Column, NumberColumn, Scalar, ScalarType, StringColumn, TimeColumn } from '../table/column';
import { columnFromValues, getValue } from '../table/column';

export function boolColumn(values: Uint8Array, valid: Uint8Array | null): BoolColumn {
  return { type: 'bool', length: values.length, values, valid };
}

export function numberColumn(
  type: 'int' | 'long' | 'real',
  values: Float64Array,
  valid: Uint8Array | null,
): NumberColumn {
  return { type, length: values.length, values, valid };
}

export function timeColumn(type: 'datetime' | 'timespan', values: BigInt64Array, valid: Uint8Array | null): TimeColumn {
  return { type, length: values.length, values, valid };
}

/** A column of `n` copies of one value. */
export function constantColumn(type: ScalarType, value: Scalar, n: number): Column {
  switch (type) {
    case 'string':
      return { type, length: n, codes: new Int32Array(n), dict: [value === null ? '' : String(value)] };
    case 'bool': {
      const values = new Uint8Array(n);
      if (value === true) values.fill(1);
      return { type, length: n, values, valid: value === null ? new Uint8Array(n) : null };
    }
    case 'int':
    case 'long':
    case 'real': {
      const values = new Float64Array(n);
      if (value !== null) values.fill(Number(value));
      return { type, length: n, values, valid: value === null ? new Uint8Array(n) : null };
    }
    case 'datetime':
    case 'timespan': {
      const values = new BigInt64Array(n);
      if (value !== null) values.fill(BigInt(value as bigint));
      return { type, length: n, values, valid: value === null ? new Uint8Array(n) : null };
    }
    case 'dynamic':
      return { type, length: n, values: new Array<unknown>(n).fill(value) };
  }
}

/** True when every row of a string column has the same code (a broadcast constant). */
export function singleCode(col: StringColumn): boolean {
  return col.dict.length === 1;
}

/** Validity of row i of any column (strings and non-null dynamics are always valid). */
export function validAt(col: Column, i: number): boolean {
  switch (col.type) {
    case 'string':
      return true;
    case 'dynamic':
      return col.values[i] !== null && col.values[i] !== undefined;
    default:
      return col.valid === null || col.valid[i] === 1;
  }
}

/**
 * Row-at-a-time fallback for functions off the hot path: reads cells with getValue and builds the
 * result with columnFromValues. Kept deliberately simple; hot operators have typed loops.
 */
export function rowwise(type: ScalarType, args: readonly Column[], n: number, f: (values: Scalar[]) => Scalar): Column {
  const out = new Array<Scalar>(n);
  const vals = new Array<Scalar>(args.length);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < args.length; a++) vals[a] = getValue(args[a]!, i);
    out[i] = f(vals);
  }
  return columnFromValues(type, out);
}

/**
 * Evaluates `f` once per distinct dictionary entry and maps the codes (strings are dictionary-encoded).
 * A filtered relation often uses few entries of a large dictionary, so when there are fewer rows
 * than entries only the entries that occur are evaluated.
 */
export function perDistinctBool(col: StringColumn, f: (s: string) => boolean): BoolColumn {
  const n = col.length;
  const values = new Uint8Array(n);
  const codes = col.codes;
  if (n >= col.dict.length) {
    const lut = new Uint8Array(col.dict.length);
    for (let d = 0; d < col.dict.length; d++) lut[d] = f(col.dict[d]!) ? 1 : 0;
    for (let i = 0; i < n; i++) values[i] = lut[codes[i]!]!;
    return boolColumn(values, null);
  }
  const lut = new Int8Array(col.dict.length).fill(-1);
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    let v = lut[c]!;
    if (v < 0) lut[c] = v = f(col.dict[c]!) ? 1 : 0;
    values[i] = v;
  }
  return boolColumn(values, null);
}

/** `map(dict[code])` computed on first use of each code (for dictionaries much larger than the rows). */
export function lazyDictMap<T>(col: StringColumn, map: (s: string) => T): (code: number) => T {
  const cache = new Map<number, T>();
  return (code) => {
    let v = cache.get(code);
    if (v === undefined) {
      v = map(col.dict[code]!);
      cache.set(code, v);
    }
    return v;
  };
}

export function isNumeric(t: ScalarType): t is 'int' | 'long' | 'real' {
  return t === 'int' || t === 'long' || t === 'real';
}

/** Kusto's numeric promotion: int < long < real. */
export function widerNumeric(a: ScalarType, b: ScalarType): 'int' | 'long' | 'real' {
  if (a === 'real' || b === 'real') return 'real';
  if (a === 'long' || b === 'long') return 'long';
  return 'int';
}
