import { daysFromCivil, parseIsoDateTime } from '../time/ticks';

/**
 * Typed cell decoding straight from a range of the chunk text (no slicing on the common paths).
 * One reusable instance per reader: results land in its fields so nothing is allocated per cell.
 */

export const CELL_OK = 0;
export const CELL_EMPTY = 1;
export const CELL_BAD = 2;
/** An integer whose magnitude exceeds 2^53 - 1: a Float64 would round it. */
export const CELL_UNSAFE = 3;
/** A Kusto `int` outside -2^31 .. 2^31-1. */
export const CELL_RANGE = 4;

export type CellStatus = typeof CELL_OK | typeof CELL_EMPTY | typeof CELL_BAD | typeof CELL_UNSAFE | typeof CELL_RANGE;

const SECONDS_PER_DAY = 86400;
/** Seconds from 0001-01-01 to 9999-12-31T23:59:59 (datetime range, kql-semantics §14). */
const MAX_SECONDS = daysFromCivil(9999, 12, 31) * SECONDS_PER_DAY + 86399;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

function digit(src: string, i: number): number {
  const d = src.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

export class CellParser {
  /** Number result. */
  value = 0;
  /** Datetime result: whole seconds since 0001-01-01T00:00:00Z ... */
  secs = 0;
  /** ... plus 100 ns ticks 0..9_999_999. */
  frac = 0;
  /** Set by `dateTime` when the last value was in the US portal form (millisecond precision). */
  usForm = false;

  private lastDayKey = -1;
  private lastDays = 0;

  /** Decimal integer with optional sign and surrounding spaces. Sets `value`. */
  integer(src: string, s: number, e: number): CellStatus {
    while (s < e && isSpace(src.charCodeAt(s))) s++;
    while (e > s && isSpace(src.charCodeAt(e - 1))) e--;
    if (s === e) return CELL_EMPTY;
    let neg = false;
    const c0 = src.charCodeAt(s);
    if (c0 === 45 || c0 === 43) {
      neg = c0 === 45;
      s++;
      if (s === e) return CELL_BAD;
    }
    let v = 0;
    for (let i = s; i < e; i++) {
      const d = src.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return CELL_BAD;
      // Exact while v < 2^53; once the true value passes 2^53 - 1 the computed one is >= 2^53
      // (rounding is monotonic and 2^53 is representable), so the safe-integer test below is exact.
      v = v * 10 + d;
    }
    if (!Number.isSafeInteger(v)) return CELL_UNSAFE;
    this.value = neg ? -v : v;
    return CELL_OK;
  }

  /** A Kusto `int`: an integer in the 32-bit range. */
  int32(src: string, s: number, e: number): CellStatus {
    const st = this.integer(src, s, e);
    if (st === CELL_OK && (this.value > 2147483647 || this.value < -2147483648)) return CELL_RANGE;
    if (st === CELL_UNSAFE) return CELL_RANGE;
    return st;
  }

  /** Decimal / exponent real, `NaN`, `Infinity`, `-Infinity`. Hex and other JS number forms are rejected. */
  real(src: string, s: number, e: number): CellStatus {
    while (s < e && isSpace(src.charCodeAt(s))) s++;
    while (e > s && isSpace(src.charCodeAt(e - 1))) e--;
    if (s === e) return CELL_EMPTY;
    const t = src.slice(s, e);
    if (t === 'NaN' || t === 'nan') {
      this.value = NaN;
      return CELL_OK;
    }
    let ok = true;
    for (let i = 0; i < t.length && ok; i++) {
      const c = t.charCodeAt(i);
      ok = (c >= 48 && c <= 57) || c === 46 || c === 43 || c === 45 || c === 101 || c === 69;
    }
    if (!ok && t !== 'Infinity' && t !== '+Infinity' && t !== '-Infinity') return CELL_BAD;
    const v = Number(t);
    if (Number.isNaN(v)) return CELL_BAD;
    this.value = v;
    return CELL_OK;
  }

  /** true/false (any case) or 1/0. Sets `value` to 1 or 0. */
  bool(src: string, s: number, e: number): CellStatus {
    while (s < e && isSpace(src.charCodeAt(s))) s++;
    while (e > s && isSpace(src.charCodeAt(e - 1))) e--;
    const n = e - s;
    if (n === 0) return CELL_EMPTY;
    if (n === 1) {
      const c = src.charCodeAt(s);
      if (c === 49 || c === 48) {
        this.value = c === 49 ? 1 : 0;
        return CELL_OK;
      }
      return CELL_BAD;
    }
    // Case-insensitive "true" / "false" by code unit (| 32 lower-cases ASCII letters): no slice per cell.
    const lower = (i: number): number => src.charCodeAt(s + i) | 32;
    if (n === 4 && lower(0) === 116 && lower(1) === 114 && lower(2) === 117 && lower(3) === 101) this.value = 1;
    else if (n === 5 && lower(0) === 102 && lower(1) === 97 && lower(2) === 108 && lower(3) === 115 && lower(4) === 101)
      this.value = 0;
    else return CELL_BAD;
    return CELL_OK;
  }

  private civilSeconds(y: number, mo: number, d: number, h: number, mi: number, sec: number): number {
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return -1;
    if (h > 23 || mi > 59 || sec > 59) return -1;
    // Most cells of a file share a day: memoise the calendar arithmetic.
    const key = y * 10000 + mo * 100 + d;
    if (key !== this.lastDayKey) {
      this.lastDayKey = key;
      this.lastDays = daysFromCivil(y, mo, d);
    }
    return this.lastDays * SECONDS_PER_DAY + h * 3600 + mi * 60 + sec;
  }

  /**
   * ISO 8601 (0-7 fraction digits, more are truncated; `Z` / `±hh:mm` / none = UTC) or the US
   * portal form `M/D/YYYY, h:mm:ss.fff AM|PM` (taken as UTC, sets `usForm`). Sets `secs`/`frac`.
   */
  dateTime(src: string, s: number, e: number): CellStatus {
    while (s < e && isSpace(src.charCodeAt(s))) s++;
    while (e > s && isSpace(src.charCodeAt(e - 1))) e--;
    if (s === e) return CELL_EMPTY;
    this.usForm = false;
    if (this.isoFast(src, s, e)) return CELL_OK;
    if (this.usPortal(src, s, e)) {
      this.usForm = true;
      return CELL_OK;
    }
    // Rarer ISO shapes (offsets, date only, 1-digit month, 8-9 fraction digits): the engine's own
    // parser, so ingest and `datetime(...)` literals agree.
    const t = parseIsoDateTime(src.slice(s, e));
    if (t === null) return CELL_BAD;
    this.secs = Number(t / 10_000_000n);
    this.frac = Number(t % 10_000_000n);
    return CELL_OK;
  }

  /** `YYYY-MM-DD[T ]HH:MM:SS[.f{1,7}][Z]`, fixed widths: the shape of every Defender export. */
  private isoFast(src: string, s: number, e: number): boolean {
    const n = e - s;
    if (n < 19) return false;
    if (src.charCodeAt(s + 4) !== 45 || src.charCodeAt(s + 7) !== 45) return false;
    const sep = src.charCodeAt(s + 10);
    if (sep !== 84 && sep !== 32) return false;
    if (src.charCodeAt(s + 13) !== 58 || src.charCodeAt(s + 16) !== 58) return false;
    const y0 = digit(src, s);
    const y1 = digit(src, s + 1);
    const y2 = digit(src, s + 2);
    const y3 = digit(src, s + 3);
    const m0 = digit(src, s + 5);
    const m1 = digit(src, s + 6);
    const d0 = digit(src, s + 8);
    const d1 = digit(src, s + 9);
    const h0 = digit(src, s + 11);
    const h1 = digit(src, s + 12);
    const i0 = digit(src, s + 14);
    const i1 = digit(src, s + 15);
    const s0 = digit(src, s + 17);
    const s1 = digit(src, s + 18);
    if ((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1 | h0 | h1 | i0 | i1 | s0 | s1) < 0) return false;
    let p = s + 19;
    let frac = 0;
    if (p < e && src.charCodeAt(p) === 46) {
      p++;
      let k = 0;
      for (; p < e; p++) {
        const d = src.charCodeAt(p) - 48;
        if (d < 0 || d > 9) break;
        if (k < 7) frac = frac * 10 + d;
        k++;
      }
      if (k === 0 || k > 7) return false;
      for (; k < 7; k++) frac *= 10;
    }
    if (p < e && (src.charCodeAt(p) === 90 || src.charCodeAt(p) === 122)) p++;
    if (p !== e) return false;
    const secs = this.civilSeconds(
      y0 * 1000 + y1 * 100 + y2 * 10 + y3,
      m0 * 10 + m1,
      d0 * 10 + d1,
      h0 * 10 + h1,
      i0 * 10 + i1,
      s0 * 10 + s1,
    );
    if (secs < 0) return false;
    this.secs = secs;
    this.frac = frac;
    return true;
  }

  // Byte versions for the UTF-8 CSV path. They accept only ASCII shapes, and a byte span that is
  // all ASCII is the same text as its decoding, so each answers exactly as its text version; the
  // byte path falls back to the text versions (on the decoded field) when these return false.

  /** `integer` over UTF-8 bytes (spaces, sign and digits are ASCII; anything else is CELL_BAD there too). */
  integerBytes(b: Uint8Array, s: number, e: number): CellStatus {
    while (s < e && isSpace(b[s]!)) s++;
    while (e > s && isSpace(b[e - 1]!)) e--;
    if (s === e) return CELL_EMPTY;
    let neg = false;
    const c0 = b[s]!;
    if (c0 === 45 || c0 === 43) {
      neg = c0 === 45;
      s++;
      if (s === e) return CELL_BAD;
    }
    let v = 0;
    for (let i = s; i < e; i++) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) return CELL_BAD;
      v = v * 10 + d;
    }
    if (!Number.isSafeInteger(v)) return CELL_UNSAFE;
    this.value = neg ? -v : v;
    return CELL_OK;
  }

  int32Bytes(b: Uint8Array, s: number, e: number): CellStatus {
    const st = this.integerBytes(b, s, e);
    if (st === CELL_OK && (this.value > 2147483647 || this.value < -2147483648)) return CELL_RANGE;
    if (st === CELL_UNSAFE) return CELL_RANGE;
    return st;
  }

  /** `bool` over UTF-8 bytes. */
  boolBytes(b: Uint8Array, s: number, e: number): CellStatus {
    while (s < e && isSpace(b[s]!)) s++;
    while (e > s && isSpace(b[e - 1]!)) e--;
    const n = e - s;
    if (n === 0) return CELL_EMPTY;
    if (n === 1) {
      const c = b[s]!;
      if (c === 49 || c === 48) {
        this.value = c === 49 ? 1 : 0;
        return CELL_OK;
      }
      return CELL_BAD;
    }
    if (
      n === 4 &&
      (b[s]! | 32) === 116 &&
      (b[s + 1]! | 32) === 114 &&
      (b[s + 2]! | 32) === 117 &&
      (b[s + 3]! | 32) === 101
    )
      this.value = 1;
    else if (
      n === 5 &&
      (b[s]! | 32) === 102 &&
      (b[s + 1]! | 32) === 97 &&
      (b[s + 2]! | 32) === 108 &&
      (b[s + 3]! | 32) === 115 &&
      (b[s + 4]! | 32) === 101
    )
      this.value = 0;
    else return CELL_BAD;
    return CELL_OK;
  }

  /**
   * The `isoFast` shape over UTF-8 bytes, no surrounding spaces: the Defender export's timestamps.
   * False means "ask `dateTime` with the decoded text" (which trims and tries the other forms).
   */
  isoBytes(b: Uint8Array, s: number, e: number): boolean {
    const n = e - s;
    if (n < 19) return false;
    if (b[s + 4] !== 45 || b[s + 7] !== 45) return false;
    const sep = b[s + 10];
    if (sep !== 84 && sep !== 32) return false;
    if (b[s + 13] !== 58 || b[s + 16] !== 58) return false;
    const y0 = b[s]! - 48;
    const y1 = b[s + 1]! - 48;
    const y2 = b[s + 2]! - 48;
    const y3 = b[s + 3]! - 48;
    const m0 = b[s + 5]! - 48;
    const m1 = b[s + 6]! - 48;
    const d0 = b[s + 8]! - 48;
    const d1 = b[s + 9]! - 48;
    const h0 = b[s + 11]! - 48;
    const h1 = b[s + 12]! - 48;
    const i0 = b[s + 14]! - 48;
    const i1 = b[s + 15]! - 48;
    const s0 = b[s + 17]! - 48;
    const s1 = b[s + 18]! - 48;
    // Each is a digit iff it is 0..9: one unsigned test over the OR catches any out of range.
    if (((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1 | h0 | h1 | i0 | i1 | s0 | s1) & ~15) !== 0) return false;
    if (y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9) return false;
    if (h0 > 9 || h1 > 9 || i0 > 9 || i1 > 9 || s0 > 9 || s1 > 9) return false;
    let p = s + 19;
    let frac = 0;
    if (p < e && b[p] === 46) {
      p++;
      let k = 0;
      for (; p < e; p++) {
        const d = b[p]! - 48;
        if (d < 0 || d > 9) break;
        if (k < 7) frac = frac * 10 + d;
        k++;
      }
      if (k === 0 || k > 7) return false;
      for (; k < 7; k++) frac *= 10;
    }
    if (p < e && (b[p] === 90 || b[p] === 122)) p++;
    if (p !== e) return false;
    const secs = this.civilSeconds(
      y0 * 1000 + y1 * 100 + y2 * 10 + y3,
      m0 * 10 + m1,
      d0 * 10 + d1,
      h0 * 10 + h1,
      i0 * 10 + i1,
      s0 * 10 + s1,
    );
    if (secs < 0) return false;
    this.secs = secs;
    this.frac = frac;
    this.usForm = false;
    return true;
  }

  /** `M/D/YYYY[,] h:mm[:ss[.f{1,7}]] [AM|PM]` or `M/D/YYYY`; 12 AM is 00h, 12 PM is 12h. */
  private usPortal(src: string, s: number, e: number): boolean {
    let p = s;
    const num = (maxDigits: number): number => {
      let v = 0;
      let k = 0;
      while (p < e && k < maxDigits) {
        const d = src.charCodeAt(p) - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        p++;
        k++;
      }
      return k === 0 ? -1 : v;
    };
    const mo = num(2);
    if (mo < 0 || src.charCodeAt(p) !== 47) return false;
    p++;
    const d = num(2);
    if (d < 0 || src.charCodeAt(p) !== 47) return false;
    p++;
    const yStart = p;
    const y = num(4);
    if (y < 0 || p - yStart !== 4) return false;
    let h = 0;
    let mi = 0;
    let sec = 0;
    let frac = 0;
    if (p < e) {
      if (src.charCodeAt(p) === 44) p++;
      const sp = p;
      while (p < e && isSpace(src.charCodeAt(p))) p++;
      if (p === sp) return false;
      h = num(2);
      if (h < 0 || src.charCodeAt(p) !== 58) return false;
      p++;
      const miStart = p;
      mi = num(2);
      if (mi < 0 || p - miStart !== 2) return false;
      if (p < e && src.charCodeAt(p) === 58) {
        p++;
        const sStart = p;
        sec = num(2);
        if (sec < 0 || p - sStart !== 2) return false;
        if (p < e && src.charCodeAt(p) === 46) {
          p++;
          let k = 0;
          for (; p < e; p++) {
            const dd = src.charCodeAt(p) - 48;
            if (dd < 0 || dd > 9) break;
            if (k < 7) frac = frac * 10 + dd;
            k++;
          }
          if (k === 0) return false;
          for (; k < 7; k++) frac *= 10;
        }
      }
      while (p < e && isSpace(src.charCodeAt(p))) p++;
      if (p < e) {
        if (e - p !== 2) return false;
        const a = src.charCodeAt(p) | 32;
        const m = src.charCodeAt(p + 1) | 32;
        if (m !== 109 || (a !== 97 && a !== 112)) return false;
        if (h < 1 || h > 12) return false;
        if (a === 97) h = h === 12 ? 0 : h;
        else h = h === 12 ? 12 : h + 12;
        p = e;
      }
    }
    if (p !== e) return false;
    const secs = this.civilSeconds(y, mo, d, h, mi, sec);
    if (secs < 0) return false;
    this.secs = secs;
    this.frac = frac;
    return true;
  }
}

/** Whole seconds since 0001-01-01 and the 100 ns remainder, as one exact tick count. */
export function partsToTicks(secs: number, frac: number): bigint {
  return BigInt(secs) * 10_000_000n + BigInt(frac);
}

export function isDateTimeSecondsInRange(secs: number): boolean {
  return secs >= 0 && secs <= MAX_SECONDS;
}
