/**
 * The fast-path sinks of the Arrow column writer (arrow-column.ts): numbers by typed-array passes,
 * datetimes/timespans as int32 tick halves (dictionary strings: arrow-dict-sink.ts). Each grows
 * its arrays once to the file's row count and finishes into an engine column.
 */
import { Type, type Data } from 'apache-arrow';
import type { NumberColumn, TimeColumn } from '../table/column';
import { ownsBuffer } from './arrow-file';
import { TickRange } from './arrow-ticks';

/** A cell of any Arrow type as text (JSON for nested values; bigints as digits). */
export function stringify(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  const json = (v as { toJSON?: () => unknown }).toJSON?.() ?? v;
  return JSON.stringify(json, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? '';
}

/** Packed validity bitmap (Arrow) -> one byte per row (1 = valid), or null when all are valid. */
export function validBytes(d: Data, n: number): Uint8Array | null {
  if (d.typeId === Type.Null) return new Uint8Array(n);
  const bm = d.nullBitmap;
  if (d.nullCount === 0 || bm === undefined || bm.length === 0) return null;
  const out = new Uint8Array(n);
  const off = d.offset;
  for (let i = 0; i < n; i++) out[i] = (bm[(off + i) >> 3]! >> ((off + i) & 7)) & 1;
  return out;
}

export function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  // The first allocation is exact (a file's row count, or the first batch); then doubling.
  let c = a.length === 0 ? need : Math.max(a.length, 1024);
  while (c < need) c *= 2;
  const b = make(c);
  b.set(a);
  return b;
}

/**
 * Numbers (int / long / real) in a Float64Array: 8/16/32-bit integers and floats are converted by
 * one typed-array `set`, then checked only where the target can refuse a value.
 */
export class NumberSink {
  values: Float64Array = new Float64Array(0);
  valid: Uint8Array | null = null;
  /** The file's row count, allocated (or taken over) at the first write. */
  private reserved = 0;
  constructor(readonly type: 'int' | 'long' | 'real') {}

  reserve(rows: number): void {
    if (this.values.length === 0) this.reserved = Math.max(this.reserved, rows);
    else this.ensure(rows);
  }

  ensure(n: number): void {
    this.values = grow(
      this.values,
      Math.max(n, this.values.length === 0 ? this.reserved : 0),
      (c) => new Float64Array(c),
    );
    if (this.valid !== null) this.valid = grow(this.valid, n, (c) => new Uint8Array(c).fill(1));
  }

  /**
   * Takes the 8-byte slots of `source` (a buffer the range reader read for this column alone,
   * holding the whole file's `n` rows) as the column's storage; the caller then writes each
   * row's number over its own source slot. False (nothing changed) in any other case.
   */
  adopt(source: ArrayBufferView, slot0: number, n: number): boolean {
    if (slot0 !== 0 || this.values.length !== 0 || (this.reserved !== 0 && this.reserved !== n)) return false;
    if (!ownsBuffer(source, n * 8)) return false;
    this.values = new Float64Array(source.buffer as ArrayBuffer, 0, n);
    return true;
  }

  /** Marks slot invalid (value 0), allocating the mask at the first null. */
  setNull(slot: number): void {
    if (this.valid === null) this.valid = new Uint8Array(this.values.length).fill(1);
    this.valid[slot] = 0;
    this.values[slot] = 0;
  }

  /** Applies a chunk's validity to slots slot0..; `null` marks them all valid. */
  applyValid(v: Uint8Array | null, slot0: number, n: number): void {
    if (v === null) {
      if (this.valid !== null) this.valid.fill(1, slot0, slot0 + n);
      return;
    }
    if (this.valid === null) this.valid = new Uint8Array(this.values.length).fill(1);
    this.valid.set(v, slot0);
    for (let i = 0; i < n; i++) if (v[i] === 0) this.values[slot0 + i] = 0;
  }

  moveRow(from: number, to: number): void {
    this.values[to] = this.values[from]!;
    if (this.valid !== null) this.valid[to] = this.valid[from]!;
  }

  finish(n: number): NumberColumn {
    return {
      type: this.type,
      length: n,
      values: this.values.length === n ? this.values : this.values.slice(0, n),
      valid: this.valid === null ? null : this.valid.slice(0, n),
    };
  }
}

/** Datetime / timespan ticks written as int32 halves (see arrow-ticks.ts). */
export class TickSink {
  /** The range of the ticks written, while every row was written by `convertTicks` (see `timeRange`). */
  readonly range = new TickRange();
  private tracked = true;
  private buffer = new ArrayBuffer(0);
  i32 = new Int32Array(0);
  valid: Uint8Array | null = null;
  constructor(readonly type: 'datetime' | 'timespan') {}

  private reserved = 0;

  reserve(rows: number): void {
    if (this.i32.length === 0) this.reserved = Math.max(this.reserved, rows);
    else this.ensure(rows);
  }

  /** As NumberSink.adopt: `source`'s int64 slots become the tick slots, converted in place. */
  adopt(source: ArrayBufferView, slot0: number, n: number): boolean {
    if (slot0 !== 0 || this.i32.length !== 0 || (this.reserved !== 0 && this.reserved !== n)) return false;
    if (!ownsBuffer(source, n * 8)) return false;
    this.buffer = source.buffer as ArrayBuffer;
    this.i32 = new Int32Array(this.buffer, 0, n * 2);
    return true;
  }

  ensure(n: number): void {
    const have = this.i32.length / 2;
    if (n <= have) return;
    let c = have === 0 ? Math.max(n, this.reserved) : Math.max(have, 1024);
    while (c < n) c *= 2;
    const buffer = new ArrayBuffer(c * 8);
    const i32 = new Int32Array(buffer);
    i32.set(this.i32);
    this.buffer = buffer;
    this.i32 = i32;
    if (this.valid !== null) this.valid = grow(this.valid, n, (k) => new Uint8Array(k).fill(1));
  }

  applyValid(v: Uint8Array | null, slot0: number, n: number): void {
    if (v === null) {
      if (this.valid !== null) this.valid.fill(1, slot0, slot0 + n);
      return;
    }
    if (this.valid === null) this.valid = new Uint8Array(this.i32.length / 2).fill(1);
    this.valid.set(v, slot0);
  }

  setNull(slot: number): void {
    if (this.valid === null) this.valid = new Uint8Array(this.i32.length / 2).fill(1);
    this.valid[slot] = 0;
    this.i32[2 * slot] = 0;
    this.i32[2 * slot + 1] = 0;
  }

  /** The smallest and largest ticks of the column, or undefined when not tracked (rows moved). */
  timeRange(): { min: bigint; max: bigint } | null | undefined {
    return this.tracked ? this.range.get() : undefined;
  }

  moveRow(from: number, to: number): void {
    // Compaction drops rows: the tracked range may include one of them.
    this.tracked = false;
    this.i32[2 * to] = this.i32[2 * from]!;
    this.i32[2 * to + 1] = this.i32[2 * from + 1]!;
    if (this.valid !== null) this.valid[to] = this.valid[from]!;
  }

  finish(n: number): TimeColumn {
    const all = new BigInt64Array(this.buffer, 0, this.i32.length / 2);
    return {
      type: this.type,
      length: n,
      values: all.length === n ? all : all.slice(0, n),
      valid: this.valid === null ? null : this.valid.slice(0, n),
    };
  }
}
