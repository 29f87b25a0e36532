/**
 * Kusto datetimes and timespans as exact 100 ns ticks in a `bigint`.
 *
 * A datetime is ticks since 0001-01-01T00:00:00Z (Kusto's epoch, kql-semantics §4, §14), always
 * UTC. Present-day tick counts (~6.4e17) exceed 2^53, so a JS number or `Date` would merge
 * distinct timestamps; nothing here goes through `Date`. Calendar arithmetic uses Howard
 * Hinnant's days-from-civil algorithm on plain integers.
 */

export const TICKS_PER_MICROSECOND = 10n;
export const TICKS_PER_MILLISECOND = 10_000n;
export const TICKS_PER_SECOND = 10_000_000n;
export const TICKS_PER_MINUTE = 60n * TICKS_PER_SECOND;
export const TICKS_PER_HOUR = 60n * TICKS_PER_MINUTE;
export const TICKS_PER_DAY = 24n * TICKS_PER_HOUR;

/** Ticks of 1970-01-01T00:00:00Z. */
export const UNIX_EPOCH_TICKS = 621_355_968_000_000_000n;
/** Largest valid datetime: 9999-12-31T23:59:59.9999999. */
export const MAX_DATETIME_TICKS = 3_155_378_975_999_999_999n;

/** Days since 0001-01-01 of a proleptic Gregorian date (month 1..12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  // era*146097 + doe counts from 0000-03-01; 0001-01-01 is day 306 of that count.
  return era * 146097 + doe - 306;
}

/** Inverse of `daysFromCivil`. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 306;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** Ticks of a UTC calendar time; `fractionTicks` is 0..9_999_999. Returns null when out of range. */
export function ticksFromParts(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  fractionTicks = 0,
): bigint | null {
  if (year < 1 || year > 9999 || month < 1 || month > 12) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59 || hour < 0 || minute < 0 || second < 0) return null;
  const days = daysFromCivil(year, month, day);
  const secs = days * 86400 + hour * 3600 + minute * 60 + second;
  return BigInt(secs) * TICKS_PER_SECOND + BigInt(fractionTicks);
}

/** Fraction digits (after the dot, 1..n) as ticks; digits past the 7th are truncated. */
export function fractionToTicks(digits: string): number {
  const d = digits.length >= 7 ? digits.slice(0, 7) : digits + '0000000'.slice(digits.length);
  return Number(d);
}

const ISO_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses the ISO 8601 forms Kusto accepts in `datetime(...)` and `todatetime()`:
 * `2014-05-25T08:20:03.123456Z`, `2014-11-08 15:55:55`, `2014-11-08 15:55`, `2014-11-08`,
 * with 0-7 fraction digits and an optional `Z` or `±hh:mm` offset (converted to UTC).
 * Returns null when the text is not such a datetime.
 */
export function parseIsoDateTime(text: string): bigint | null {
  const m = ISO_RE.exec(text.trim());
  if (!m) return null;
  const base = ticksFromParts(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    m[4] === undefined ? 0 : Number(m[4]),
    m[5] === undefined ? 0 : Number(m[5]),
    m[6] === undefined ? 0 : Number(m[6]),
    m[7] === undefined ? 0 : fractionToTicks(m[7]),
  );
  if (base === null) return null;
  const zone = m[8];
  if (zone === undefined || zone === 'Z' || zone === 'z' || zone === 'UTC' || zone === 'GMT') return base;
  const sign = zone[0] === '-' ? -1n : 1n;
  const digits = zone.slice(1).replace(':', '');
  const offset = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * TICKS_PER_MINUTE;
  const utc = base - sign * offset;
  return utc < 0n || utc > MAX_DATETIME_TICKS ? null : utc;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Ticks whose whole seconds are below 2^53 (far beyond year 9999): the number path of `formatDateTime`. */
const MAX_FAST_TICKS = BigInt(Number.MAX_SAFE_INTEGER) * TICKS_PER_SECOND;

/** `2024-05-01T10:00:00.1234567Z`: always 7 fraction digits, the export format (design.md). */
export function formatDateTime(ticks: bigint): string {
  if (ticks >= 0n && ticks <= MAX_FAST_TICKS) {
    // Whole seconds fit a double exactly here: two bigint operations, the rest in numbers.
    const sec = Number(ticks / TICKS_PER_SECOND);
    const frac = Number(ticks % TICKS_PER_SECOND);
    const days = Math.floor(sec / 86_400);
    const secOfDay = sec - days * 86_400;
    const { year, month, day } = civilFromDays(days);
    const h = Math.floor(secOfDay / 3600);
    const mi = Math.floor((secOfDay % 3600) / 60);
    const s = secOfDay % 60;
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(frac, 7)}Z`;
  }
  const days = floorDiv(ticks, TICKS_PER_DAY);
  const inDay = ticks - days * TICKS_PER_DAY;
  const { year, month, day } = civilFromDays(Number(days));
  const secOfDay = Number(inDay / TICKS_PER_SECOND);
  const frac = Number(inDay % TICKS_PER_SECOND);
  const h = Math.floor(secOfDay / 3600);
  const mi = Math.floor((secOfDay % 3600) / 60);
  const s = secOfDay % 60;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(frac, 7)}Z`;
}

/** Kusto's timespan text: `[-][d.]hh:mm:ss[.fffffff]`, e.g. `00:00:05`, `1.02:03:04.5000000`. */
export function formatTimespan(ticks: bigint): string {
  const neg = ticks < 0n;
  let t = neg ? -ticks : ticks;
  const days = t / TICKS_PER_DAY;
  t -= days * TICKS_PER_DAY;
  const h = Number(t / TICKS_PER_HOUR);
  t -= BigInt(h) * TICKS_PER_HOUR;
  const m = Number(t / TICKS_PER_MINUTE);
  t -= BigInt(m) * TICKS_PER_MINUTE;
  const s = Number(t / TICKS_PER_SECOND);
  const frac = Number(t - BigInt(s) * TICKS_PER_SECOND);
  const head = `${neg ? '-' : ''}${days > 0n ? `${days}.` : ''}${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}`;
  return frac === 0 ? head : `${head}.${pad(frac, 7)}`;
}

/** Ticks per unit for timespan literal suffixes (kql-semantics §7; `m` is minutes). */
const TIMESPAN_UNITS: Readonly<Record<string, bigint>> = {
  d: TICKS_PER_DAY,
  day: TICKS_PER_DAY,
  days: TICKS_PER_DAY,
  h: TICKS_PER_HOUR,
  hr: TICKS_PER_HOUR,
  hrs: TICKS_PER_HOUR,
  hour: TICKS_PER_HOUR,
  hours: TICKS_PER_HOUR,
  m: TICKS_PER_MINUTE,
  min: TICKS_PER_MINUTE,
  minute: TICKS_PER_MINUTE,
  minutes: TICKS_PER_MINUTE,
  s: TICKS_PER_SECOND,
  sec: TICKS_PER_SECOND,
  second: TICKS_PER_SECOND,
  seconds: TICKS_PER_SECOND,
  ms: TICKS_PER_MILLISECOND,
  milli: TICKS_PER_MILLISECOND,
  millis: TICKS_PER_MILLISECOND,
  millisecond: TICKS_PER_MILLISECOND,
  milliseconds: TICKS_PER_MILLISECOND,
  microsecond: TICKS_PER_MICROSECOND,
  microseconds: TICKS_PER_MICROSECOND,
  tick: 1n,
  ticks: 1n,
};

/**
 * A timespan literal such as `5s`, `5m`, `1.5h`, `10ms`, `2d`, `100tick`. Returns ticks, or null
 * when the text is not one. Fractional amounts are exact to the tick (truncated below a tick).
 */
export function parseTimespanLiteral(text: string): bigint | null {
  const m = /^(\d+)(?:\.(\d+))?([a-zA-Z]+)$/.exec(text);
  if (!m) return null;
  const unit = TIMESPAN_UNITS[m[3]!.toLowerCase()];
  if (unit === undefined) return null;
  const whole = BigInt(m[1]!);
  const fracDigits = m[2] ?? '';
  const frac = fracDigits === '' ? 0n : (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
  return whole * unit + frac;
}

/** The suffix forms the lexer must treat as part of a number token. */
export function isTimespanUnit(word: string): boolean {
  return Object.prototype.hasOwnProperty.call(TIMESPAN_UNITS, word.toLowerCase());
}

/**
 * `time(...)` / `timespan(...)` contents: `1.02:03:04.5`, `02:03:04`, `02:03`, or a literal such
 * as `5s` / `2d`, or a bare number of days (Kusto: `time(2)` is two days).
 */
export function parseTimespanText(text: string): bigint | null {
  const t = text.trim();
  const lit = parseTimespanLiteral(t);
  if (lit !== null) return lit;
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    const neg = t.startsWith('-');
    const v = parseTimespanLiteral(`${neg ? t.slice(1) : t}d`);
    return v === null ? null : neg ? -v : v;
  }
  const m = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(t);
  if (!m) return null;
  const ticks =
    BigInt(m[2] ?? '0') * TICKS_PER_DAY +
    BigInt(m[3]!) * TICKS_PER_HOUR +
    BigInt(m[4]!) * TICKS_PER_MINUTE +
    BigInt(m[5] ?? '0') * TICKS_PER_SECOND +
    BigInt(m[6] === undefined ? 0 : fractionToTicks(m[6]));
  return m[1] ? -ticks : ticks;
}

/** Floor division on ticks toward -infinity (bin/floor semantics, kql-semantics §4). */
export function floorTicks(value: bigint, size: bigint): bigint {
  return floorDiv(value, size) * size;
}

export { floorDiv as floorDivTicks };
