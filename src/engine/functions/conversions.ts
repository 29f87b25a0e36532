/**
 * Conversions and plain string functions: tostring, tolong, toint, toreal/todouble, tobool,
 * todatetime, totimespan, tolower, toupper, strlen, strcat. Off the hot path except tolower /
 * toupper / todatetime, which run once per distinct string.
 */
import type { Column, Scalar, ScalarType, StringColumn } from '../table/column';
import { columnFromValues } from '../table/column';
import { formatDateTime, formatTimespan, parseIsoDateTime, parseTimespanText } from '../time/ticks';
import { foldCase } from './fold';
import { registerScalar, type Kernel } from './registry';
import { isNumeric, rowwise } from './vec';

/** Kusto's text form of a value: datetimes with 7 fraction digits and Z, null as "". */
export function scalarToString(v: Scalar, type: ScalarType): string {
  if (v === null || v === undefined) return '';
  switch (type) {
    case 'datetime':
      return formatDateTime(v as bigint);
    case 'timespan':
      return formatTimespan(v as bigint);
    case 'bool':
      return v ? 'true' : 'false';
    case 'dynamic':
      return typeof v === 'string'
        ? v
        : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    default:
      return String(v);
  }
}

function mapDistinct(col: StringColumn, f: (s: string) => Scalar, type: ScalarType): Column {
  const lut = col.dict.map(f);
  if (type === 'string') return { type, length: col.length, codes: col.codes, dict: lut.map((x) => String(x)) };
  const out = new Array<Scalar>(col.length);
  for (let i = 0; i < col.length; i++) out[i] = lut[col.codes[i]!]!;
  return columnFromValues(type, out);
}

function simple(
  name: string,
  type: ScalarType,
  accepts: (t: ScalarType) => boolean,
  kernelFor: (t: ScalarType) => Kernel,
): void {
  registerScalar({
    name,
    minArgs: 1,
    maxArgs: 1,
    resolve: ([t]) => (accepts(t!) ? { type, fn: { name, kernel: kernelFor(t!) } } : `${name}() does not accept ${t}`),
  });
}

const any = () => true;

simple('tostring', 'string', any, (t) => (args, n) => {
  const c = args[0]!;
  if (c.type === 'string') return c;
  return rowwise('string', args, n, ([v]) => scalarToString(v!, t));
});

function toNumber(v: Scalar, t: ScalarType): number | null {
  if (v === null || v === undefined) return null;
  if (t === 'string') {
    const s = (v as string).trim();
    if (s === '') return null;
    const x = Number(s);
    return Number.isFinite(x) ? x : null;
  }
  if (t === 'bool') return v ? 1 : 0;
  if (t === 'datetime' || t === 'timespan') return Number(v as bigint);
  if (typeof v === 'number') return v;
  return null;
}

for (const [name, type] of [
  ['tolong', 'long'],
  ['toint', 'int'],
  ['toreal', 'real'],
  ['todouble', 'real'],
] as const) {
  simple(
    name,
    type,
    any,
    (t) => (args, n) =>
      rowwise(type, args, n, ([v]) => {
        // A string must hold an integer for tolong/toint ("1.5" is not one): otherwise null.
        if (t === 'string' && type !== 'real' && !/^\s*[+-]?\d+\s*$/.test(v as string)) return null;
        const x = toNumber(v!, t);
        if (x === null) return null;
        if (type === 'real') return x;
        const whole = Math.trunc(x);
        // Out of range for the target type: null rather than a wrapped value.
        if (type === 'int' && (whole < -2147483648 || whole > 2147483647)) return null;
        return whole;
      }),
  );
}

simple(
  'tobool',
  'bool',
  any,
  (t) => (args, n) =>
    rowwise('bool', args, n, ([v]) => {
      if (v === null || v === undefined) return null;
      if (t === 'bool') return v;
      if (t === 'string') {
        const s = (v as string).trim().toLowerCase();
        return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : null;
      }
      if (isNumeric(t)) return (v as number) !== 0;
      return null;
    }),
);

simple(
  'todatetime',
  'datetime',
  (t) => t === 'string' || t === 'datetime' || t === 'dynamic',
  (t) => (args, n) => {
    const c = args[0]!;
    if (t === 'datetime') return c;
    if (c.type === 'string') return mapDistinct(c, (s) => parseIsoDateTime(s), 'datetime');
    return rowwise('datetime', args, n, ([v]) => (typeof v === 'string' ? parseIsoDateTime(v) : null));
  },
);

simple(
  'totimespan',
  'timespan',
  (t) => t === 'string' || t === 'timespan',
  (t) => (args) => {
    const c = args[0]!;
    if (t === 'timespan') return c;
    return mapDistinct(c as StringColumn, (s) => parseTimespanText(s), 'timespan');
  },
);

/** 1:1 code-unit lower-casing (the mirror of foldCase). */
function lowerCase(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const l = c.toLowerCase();
    out += l.length === 1 ? l : c;
  }
  return out;
}

simple(
  'tolower',
  'string',
  (t) => t === 'string',
  () => (args) => mapDistinct(args[0] as StringColumn, lowerCase, 'string'),
);
simple(
  'toupper',
  'string',
  (t) => t === 'string',
  () => (args) => mapDistinct(args[0] as StringColumn, foldCase, 'string'),
);
simple(
  'strlen',
  'long',
  (t) => t === 'string',
  () => (args) => mapDistinct(args[0] as StringColumn, (s) => s.length, 'long'),
);

registerScalar({
  name: 'strcat',
  minArgs: 1,
  maxArgs: 64,
  resolve: (types) => ({
    type: 'string',
    fn: {
      name: 'strcat',
      kernel: (args, n) =>
        rowwise('string', args, n, (vals) => vals.map((v, i) => scalarToString(v, types[i]!)).join('')),
    },
  }),
});
