import { MAX_DATETIME_TICKS, UNIX_EPOCH_TICKS } from '../time/ticks';

/**
 * Arrow 64-bit time values (seconds, ms, µs or ns since the Unix epoch, or a duration) into exact
 * 100 ns ticks, one typed-array pass and no BigInt per cell: each value is read as two 32-bit
 * halves (hi signed, lo unsigned) and scaled with partial products that stay below 2^53.
 * Nanoseconds floor toward -infinity (Kusto's tick clock), the other units multiply exactly.
 */

const TWO_16 = 65536;
const TWO_32 = 4294967296;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function halves(v: bigint): [number, number] {
  const u = BigInt.asUintN(64, v);
  return [Number(BigInt.asIntN(32, u >> 32n)), Number(u & 0xffffffffn)];
}
const [EPOCH_HI, EPOCH_LO] = halves(UNIX_EPOCH_TICKS);
const [MAX_HI, MAX_LO] = halves(MAX_DATETIME_TICKS);

/** Ticks per unit (0 = nanoseconds: divide by 100). Index: Arrow TimeUnit (SECOND=0 .. NANOSECOND=3). */
const PER_UNIT = [10_000_000, 10_000, 10, 0] as const;

/** Result of a conversion: ok, or the value is outside the datetime range / int64 overflow. */
export const TICKS_OK = 0;
export const TICKS_RANGE = 1;

/**
 * Converts `n` values of `src` (int64 as [lo, hi] int32 pairs, little-endian) of Arrow time
 * unit `unit` to ticks written to `dst` (same layout) at pair index `at`. `epoch`: add the Unix
 * epoch and require the result within years 1-9999 (datetimes); else a duration (only int64
 * overflow fails). `isNull(i)` (or null) skips a slot, writing 0. Calls `onRange(i)` for each
 * value out of range, then writes its slot 0; returns their count. `dst` may be `src` itself
 * (with `at` 0: each value is read before its own slot is written, and before `onRange`).
 * `range`, if given, is widened to the values written.
 */
export function convertTicks(
  src: Int32Array,
  n: number,
  unit: number,
  epoch: boolean,
  dst: Int32Array,
  at: number,
  isNull: ((i: number) => boolean) | null,
  onRange: (i: number) => void,
  range: TickRange | null = null,
): number {
  const r = range ?? new TickRange();
  let bad = 0;
  for (let from = 0; from < n;) {
    const to = nextSlice(from, n);
    bad += convertSlice(src, from, to, unit, epoch, dst, at, isNull, onRange, r);
    from = to;
  }
  return bad;
}

/** Rows per call of a kernel loop. */
const SLICE = 1 << 16;

/**
 * The end of the slice of rows starting at `from`: a short first slice, then SLICE rows. A kernel
 * that runs once over millions of rows is optimised mid-loop (on-stack replacement) without type
 * feedback for the code after its loop, and thrown away when it gets there; a short first call
 * gives it that feedback, and calls per slice let it be optimised as a whole function.
 */
export function nextSlice(from: number, n: number): number {
  return Math.min(n, from === 0 ? 1024 : from + SLICE);
}

function convertSlice(
  src: Int32Array,
  from: number,
  to: number,
  unit: number,
  epoch: boolean,
  dst: Int32Array,
  at: number,
  isNull: ((i: number) => boolean) | null,
  onRange: (i: number) => void,
  range: TickRange,
): number {
  const m = PER_UNIT[unit] ?? 0;
  let bad = 0;
  // Smallest and largest ticks written (hi signed, lo unsigned), in the same pass.
  let any = range.any;
  let minHi = range.minHi;
  let minLo = range.minLo;
  let maxHi = range.maxHi;
  let maxLo = range.maxLo;
  // Nanoseconds: hi's share of the quotient, kept while hi repeats (it changes every ~4.3 s).
  let lastHi = 0;
  let qh = 0;
  let restHi = 0;
  for (let i = from; i < to; i++) {
    const o = 2 * (at + i);
    if (isNull !== null && isNull(i)) {
      dst[o] = 0;
      dst[o + 1] = 0;
      continue;
    }
    const lo = src[2 * i]! >>> 0;
    const hi = src[2 * i + 1]!;
    let tHi: number;
    let tLo: number;
    if (m === 0) {
      // floor(v / 100): hi = qh*100 + rh (floor division), then (rh*2^32 + lo) / 100 < 2^32.
      if (hi !== lastHi || i === from) {
        lastHi = hi;
        qh = Math.floor(hi / 100);
        restHi = (hi - qh * 100) * TWO_32;
      }
      // rest is an integer below 100 * 2^32, so rest / 100 is an integer k or at least 0.01 from
      // one. rest * 0.01 (the double just above 1/100) is within 1e-6 of rest / 100 and never
      // below k when rest = 100k (k is a double): its floor is exact, without a division.
      tHi = qh;
      tLo = Math.floor((restHi + lo) * 0.01);
    } else {
      // v * m with lo split into 16-bit halves so each product is exact.
      const a = lo >>> 16;
      const b = lo & 0xffff;
      const am = a * m;
      const amHi = Math.floor(am / TWO_16);
      const low = b * m + (am - amHi * TWO_16) * TWO_16;
      const carry = Math.floor(low / TWO_32);
      tLo = low - carry * TWO_32;
      tHi = hi * m + amHi + carry;
    }
    if (epoch) {
      tLo += EPOCH_LO;
      if (tLo >= TWO_32) {
        tLo -= TWO_32;
        tHi += EPOCH_HI + 1;
      } else tHi += EPOCH_HI;
      if (tHi < 0 || tHi > MAX_HI || (tHi === MAX_HI && tLo > MAX_LO)) {
        bad++;
        onRange(i);
        dst[o] = 0;
        dst[o + 1] = 0;
        continue;
      }
    } else if (tHi < -2147483648 || tHi > 2147483647) {
      bad++;
      onRange(i);
      dst[o] = 0;
      dst[o + 1] = 0;
      continue;
    }
    dst[o] = tLo | 0;
    dst[o + 1] = tHi;
    if (!any) {
      any = true;
      minHi = maxHi = tHi;
      minLo = maxLo = tLo;
    } else {
      if (tHi < minHi || (tHi === minHi && tLo < minLo)) {
        minHi = tHi;
        minLo = tLo;
      }
      if (tHi > maxHi || (tHi === maxHi && tLo > maxLo)) {
        maxHi = tHi;
        maxLo = tLo;
      }
    }
  }
  range.any = any;
  range.minHi = minHi;
  range.minLo = minLo;
  range.maxHi = maxHi;
  range.maxLo = maxLo;
  return bad;
}

/** The smallest and largest ticks `convertTicks` wrote (over every call it was passed to). */
export class TickRange {
  any = false;
  minHi = 0;
  minLo = 0;
  maxHi = 0;
  maxLo = 0;

  get(): { min: bigint; max: bigint } | null {
    if (!this.any) return null;
    const big = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);
    return { min: big(this.minHi, this.minLo), max: big(this.maxHi, this.maxLo) };
  }
}

/** Whether `convertTicks` may be used (it writes the little-endian word order). */
export const CAN_CONVERT_TICKS = LITTLE_ENDIAN;

/** Reference conversion with BigInt (big-endian platforms, tests). */
export function ticksOfUnits(v: bigint, unit: number, epoch: boolean): bigint | null {
  const m = BigInt(PER_UNIT[unit] ?? 0);
  let t: bigint;
  if (m === 0n) {
    const q = v / 100n;
    t = v % 100n < 0n ? q - 1n : q;
  } else t = v * m;
  if (epoch) {
    t += UNIX_EPOCH_TICKS;
    return t < 0n || t > MAX_DATETIME_TICKS ? null : t;
  }
  return t < -(1n << 63n) || t >= 1n << 63n ? null : t;
}
