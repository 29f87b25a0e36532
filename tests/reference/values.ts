/**
 * Scalar helpers of the reference interpreter: plain, obviously-correct functions over JS values.
 * Deliberately independent of src/engine/{bind,plan,execute,functions}; only the data model and
 * the tick arithmetic of src/engine/time are shared.
 */
import type { Scalar, ScalarType } from '../../src/engine/table/column';
import {
  civilFromDays,
  floorDivTicks,
  formatDateTime,
  formatTimespan,
  TICKS_PER_DAY,
  TICKS_PER_HOUR,
  TICKS_PER_MICROSECOND,
  TICKS_PER_MILLISECOND,
  TICKS_PER_MINUTE,
  TICKS_PER_SECOND,
} from '../../src/engine/time/ticks';

export type NumericType = 'int' | 'long' | 'real';

export function isNumericType(t: ScalarType): t is NumericType {
  return t === 'int' || t === 'long' || t === 'real';
}

/** The empty value of a type: strings are never null (kql-semantics §1), everything else is null. */
export function emptyValue(t: ScalarType): Scalar {
  return t === 'string' ? '' : null;
}

/** int op int -> int, anything with long -> long, anything with real -> real (K.L promotion). */
export function promoteNumeric(a: NumericType, b: NumericType): NumericType {
  if (a === 'real' || b === 'real') return 'real';
  if (a === 'long' || b === 'long') return 'long';
  return 'int';
}

/**
 * Case folding for `=~`, `in~`, `has`, `contains`...: each UTF-16 code unit is upper-cased only when
 * its upper-case form is a single code unit, so `ß` stays `ß` and never becomes `SS` (§1, Decisions).
 */
export function fold(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const u = c.toUpperCase();
    out += u.length === 1 ? u : c;
  }
  return out;
}

/** `tolower`: the same 1:1 code-unit rule in the other direction. */
export function lower1to1(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const l = c.toLowerCase();
    out += l.length === 1 ? l : c;
  }
  return out;
}

/** `toupper`: same as the folding used for comparisons. */
export const upper1to1 = fold;

const TERM_CHAR = /^[\p{L}\p{N}]$/u;

/** Term characters are Unicode letters and digits; `_` and all punctuation separate terms (§2). */
export function isTermChar(c: string | undefined): boolean {
  return c !== undefined && TERM_CHAR.test(c);
}

/**
 * `has_cs` per the §2 model: some occurrence of the needle whose ends are term boundaries, except
 * that an end of the needle which is itself punctuation needs no boundary. The empty needle is an
 * open question (§2, open item 2); the model read literally matches at position 0, so it is true.
 */
export function hasCs(haystack: string, needle: string): boolean {
  if (needle.length === 0) return true;
  const first = needle[0];
  const last = needle[needle.length - 1];
  const needStart = isTermChar(first);
  const needEnd = isTermChar(last);
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
    const end = i + needle.length;
    const startOk = !needStart || i === 0 || !isTermChar(haystack[i - 1]);
    const endOk = !needEnd || end === haystack.length || !isTermChar(haystack[end]);
    if (startOk && endOk) return true;
  }
  return false;
}

/** `has`: `has_cs` after folding both sides (§2). */
export function hasCi(haystack: string, needle: string): boolean {
  return hasCs(fold(haystack), fold(needle));
}

/** Deterministic text key of any value, used for grouping, distinct and set membership. */
export function valueKey(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return `t:${v}`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isNaN(v) ? 'n:NaN' : `n:${Object.is(v, -0) ? 0 : v}`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(valueKey).join(',')}]`;
  const obj = v as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${valueKey(obj[k])}`)
    .join(',')}}`;
}

/**
 * Equality of two non-null values of comparable types. Strings compare ordinally, or after
 * folding when `caseInsensitive`; numbers of any numeric type compare by value.
 */
export function sameValue(a: Scalar, b: Scalar, caseInsensitive: boolean): boolean {
  if (typeof a === 'string' && typeof b === 'string') return caseInsensitive ? fold(a) === fold(b) : a === b;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) return valueKey(a) === valueKey(b);
  return false;
}

/** Three-way ordering of two non-null values of the same kind; strings are ordinal (UTF-16). */
export function compareNonNull(a: Scalar, b: Scalar): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  throw new Error(`reference: cannot order ${typeof a} against ${typeof b}`);
}

/** `tostring` (§14 for datetimes: 7 fraction digits and `Z`; null -> "" per tostring-function.md). */
export function toKustoString(v: Scalar, type: ScalarType): string {
  if (v === null) return '';
  switch (type) {
    case 'string':
      return v as string;
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
    case 'long':
    case 'real':
      return String(v);
    case 'datetime':
      return formatDateTime(v as bigint);
    case 'timespan':
      return formatTimespan(v as bigint);
    case 'dynamic':
      return typeof v === 'string' ? v : JSON.stringify(v);
  }
}

/** Integer text accepted by `tolong`/`toint`; anything else (including "1.5" and "") is null. */
export function parseIntegerText(s: string): number | null {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** Sunday-start week index: day 0 (0001-01-01) is a Monday, so day 6 is the first Sunday (§5). */
function weekIndex(days: bigint): bigint {
  return floorDivTicks(days + 1n, 7n);
}

function calendar(t: bigint): { year: number; month: number } {
  const { year, month } = civilFromDays(Number(floorDivTicks(t, TICKS_PER_DAY)));
  return { year, month };
}

const FIXED_UNITS: Readonly<Record<string, bigint>> = {
  day: TICKS_PER_DAY,
  hour: TICKS_PER_HOUR,
  minute: TICKS_PER_MINUTE,
  second: TICKS_PER_SECOND,
  millisecond: TICKS_PER_MILLISECOND,
  microsecond: TICKS_PER_MICROSECOND,
};

/**
 * `datetime_diff(period, t1, t2)` by boundary counting (Decisions table, §5): truncate both to the
 * period on the calendar and subtract. Weeks start on Sunday. Nanoseconds are exact (100 per tick).
 */
export function datetimeDiff(period: string, t1: bigint, t2: bigint): number {
  const p = period.toLowerCase();
  switch (p) {
    case 'year':
      return calendar(t1).year - calendar(t2).year;
    case 'quarter': {
      const a = calendar(t1);
      const b = calendar(t2);
      return a.year * 4 + Math.floor((a.month - 1) / 3) - (b.year * 4 + Math.floor((b.month - 1) / 3));
    }
    case 'month': {
      const a = calendar(t1);
      const b = calendar(t2);
      return a.year * 12 + a.month - (b.year * 12 + b.month);
    }
    case 'week':
      return Number(weekIndex(floorDivTicks(t1, TICKS_PER_DAY)) - weekIndex(floorDivTicks(t2, TICKS_PER_DAY)));
    case 'nanosecond':
      return Number((t1 - t2) * 100n);
    default: {
      const unit = FIXED_UNITS[p];
      if (unit === undefined) throw new Error(`reference: datetime_diff period '${period}' is not supported`);
      return Number(floorDivTicks(t1, unit) - floorDivTicks(t2, unit));
    }
  }
}
