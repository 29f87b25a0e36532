/**
 * Ticks (BigInt64Array) read as exact doubles relative to a base tick, through their 32-bit halves:
 * no BigInt per row. Loaded event times span hours or days, far inside the 2^52 ticks (~14 years)
 * where the offsets stay exact.
 */
import type { TimeColumn } from '../table/column';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = 1 - LO;
const TWO_32 = 4294967296;

/** A base tick as its high half and its unsigned low half. */
export interface TickBase {
  readonly hi: number;
  readonly lo: number;
}

function halvesOf(col: TimeColumn): Int32Array {
  return new Int32Array(col.values.buffer, col.values.byteOffset, col.values.length * 2);
}

/** The column's first valid tick as a base, or null when no row is valid. */
export function firstValidBase(col: TimeColumn): TickBase | null {
  const halves = halvesOf(col);
  for (let r = 0; r < col.length; r++)
    if (col.valid === null || col.valid[r] === 1) return { hi: halves[2 * r + HI]!, lo: halves[2 * r + LO]! >>> 0 };
  return null;
}

/**
 * Ticks minus `base` as doubles: exact when the high halves differ by less than 2^20 (the offset is
 * then below 2^52 + 2^32 in magnitude), else ±Infinity (at least 2^52 - 2^32 away). Invalid rows: any value.
 */
export function tickOffsets(col: TimeColumn, base: TickBase): Float64Array {
  const halves = halvesOf(col);
  const out = new Float64Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const dh = halves[2 * i + HI]! - base.hi;
    out[i] =
      dh >= 1 << 20 ? Infinity : dh <= -(1 << 20) ? -Infinity : dh * TWO_32 + ((halves[2 * i + LO]! >>> 0) - base.lo);
  }
  return out;
}
