import type { BoolColumn, Column, NumberColumn, ScalarType, TimeColumn } from '../table/column';
import { INITIAL_CAPACITY, nextCapacity, StringColumnBuilder } from './string-column-builder';

export { StringColumnBuilder };

/**
 * Growable typed columns for streaming ingest. Capacity doubles, so memory follows the kept
 * columns, not the file. Writes go to a row slot; a reader that rejects a row after writing some
 * of its cells simply reuses the slot (every setter overwrites value and validity).
 */

/** Validity of `rows` rows appended at `at` (null source = all valid); allocates the mask at the first null. */
function appendValid(
  valid: Uint8Array | null,
  capacity: number,
  hi: number,
  src: Uint8Array | null,
  at: number,
  rows: number,
): Uint8Array | null {
  if (src === null) {
    if (valid !== null) valid.fill(1, at, at + rows);
    return valid;
  }
  let v = valid;
  if (v === null) {
    v = new Uint8Array(capacity);
    v.fill(1, 0, hi);
  }
  v.set(src.subarray(0, rows), at);
  return v;
}

export class NumberColumnBuilder {
  private values = new Float64Array(INITIAL_CAPACITY);
  /** Allocated at the first null (1 = valid), so all-valid columns carry none. */
  private valid: Uint8Array | null = null;
  private hi = 0;

  constructor(readonly type: 'int' | 'long' | 'real') {}

  ensure(n: number): void {
    if (n > this.values.length) {
      const cap = nextCapacity(this.values.length, n);
      const v = new Float64Array(cap);
      v.set(this.values);
      this.values = v;
      if (this.valid !== null) {
        const m = new Uint8Array(cap);
        m.set(this.valid);
        this.valid = m;
      }
    }
  }

  set(row: number, value: number): void {
    if (row >= this.values.length) this.ensure(row + 1);
    this.values[row] = value;
    if (this.valid !== null) this.valid[row] = 1;
    if (row >= this.hi) this.hi = row + 1;
  }

  setNull(row: number): void {
    if (row >= this.values.length) this.ensure(row + 1);
    if (this.valid === null) {
      this.valid = new Uint8Array(this.values.length);
      this.valid.fill(1, 0, this.hi);
    }
    this.values[row] = 0;
    this.valid[row] = 0;
    if (row >= this.hi) this.hi = row + 1;
  }

  moveRow(from: number, to: number): void {
    this.values[to] = this.values[from]!;
    if (this.valid !== null) this.valid[to] = this.valid[from]!;
  }

  /** Appends a column read elsewhere at row `at`. */
  append(col: NumberColumn, at: number): void {
    this.ensure(at + col.length);
    this.values.set(col.values.subarray(0, col.length), at);
    this.valid = appendValid(this.valid, this.values.length, this.hi, col.valid, at, col.length);
    this.hi = Math.max(this.hi, at + col.length);
  }

  finish(n: number): NumberColumn {
    return {
      type: this.type,
      length: n,
      values: this.values.slice(0, n),
      valid: this.valid === null ? null : this.valid.slice(0, n),
    };
  }
}

export class BoolColumnBuilder {
  readonly type = 'bool' as const;
  private values = new Uint8Array(INITIAL_CAPACITY);
  private valid: Uint8Array | null = null;
  private hi = 0;

  ensure(n: number): void {
    if (n > this.values.length) {
      const cap = nextCapacity(this.values.length, n);
      const v = new Uint8Array(cap);
      v.set(this.values);
      this.values = v;
      if (this.valid !== null) {
        const m = new Uint8Array(cap);
        m.set(this.valid);
        this.valid = m;
      }
    }
  }

  set(row: number, value: boolean): void {
    if (row >= this.values.length) this.ensure(row + 1);
    this.values[row] = value ? 1 : 0;
    if (this.valid !== null) this.valid[row] = 1;
    if (row >= this.hi) this.hi = row + 1;
  }

  setNull(row: number): void {
    if (row >= this.values.length) this.ensure(row + 1);
    if (this.valid === null) {
      this.valid = new Uint8Array(this.values.length);
      this.valid.fill(1, 0, this.hi);
    }
    this.values[row] = 0;
    this.valid[row] = 0;
    if (row >= this.hi) this.hi = row + 1;
  }

  moveRow(from: number, to: number): void {
    this.values[to] = this.values[from]!;
    if (this.valid !== null) this.valid[to] = this.valid[from]!;
  }

  /** Appends a column read elsewhere at row `at`. */
  append(col: BoolColumn, at: number): void {
    this.ensure(at + col.length);
    this.values.set(col.values.subarray(0, col.length), at);
    this.valid = appendValid(this.valid, this.values.length, this.hi, col.valid, at, col.length);
    this.hi = Math.max(this.hi, at + col.length);
  }

  finish(n: number): BoolColumn {
    return {
      type: 'bool',
      length: n,
      values: this.values.slice(0, n),
      valid: this.valid === null ? null : this.valid.slice(0, n),
    };
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO_24 = 16777216;
const TWO_32 = 4294967296;

/**
 * Datetime / timespan ticks. `setParts(secs, frac)` writes the 64-bit tick count as two int32
 * halves computed in exact double arithmetic, so the hot path allocates no BigInt per cell.
 */
export class TimeColumnBuilder {
  private buffer = new ArrayBuffer(INITIAL_CAPACITY * 8);
  private big = new BigInt64Array(this.buffer);
  private i32 = new Int32Array(this.buffer);
  private valid: Uint8Array | null = null;
  private hi = 0;

  constructor(readonly type: 'datetime' | 'timespan') {}

  ensure(n: number): void {
    if (n > this.big.length) {
      const cap = nextCapacity(this.big.length, n);
      const buffer = new ArrayBuffer(cap * 8);
      const big = new BigInt64Array(buffer);
      big.set(this.big);
      this.buffer = buffer;
      this.big = big;
      this.i32 = new Int32Array(buffer);
      if (this.valid !== null) {
        const m = new Uint8Array(cap);
        m.set(this.valid);
        this.valid = m;
      }
    }
  }

  private mark(row: number): void {
    if (this.valid !== null) this.valid[row] = 1;
    if (row >= this.hi) this.hi = row + 1;
  }

  /**
   * ticks = secs * 10^7 + frac for 0 <= secs < 2^39, 0 <= frac < 10^7 (any datetime up to 9999).
   * Split secs = s1 * 2^24 + s0 so every partial product stays below 2^53, then carry into
   * the high 32-bit word.
   */
  setParts(row: number, secs: number, frac: number): void {
    if (row >= this.big.length) this.ensure(row + 1);
    if (!LITTLE_ENDIAN) {
      this.big[row] = BigInt(secs) * 10_000_000n + BigInt(frac);
    } else {
      const s1 = Math.floor(secs / TWO_24);
      const s0 = secs - s1 * TWO_24;
      const t = s1 * 10_000_000;
      const low = s0 * 10_000_000 + frac;
      const tHi = Math.floor(t / 256);
      const m = (t - tHi * 256) * TWO_24 + low;
      const carry = Math.floor(m / TWO_32);
      this.i32[2 * row] = (m - carry * TWO_32) | 0;
      this.i32[2 * row + 1] = tHi + carry;
    }
    this.mark(row);
  }

  setTicks(row: number, ticks: bigint): void {
    if (row >= this.big.length) this.ensure(row + 1);
    this.big[row] = ticks;
    this.mark(row);
  }

  setNull(row: number): void {
    if (row >= this.big.length) this.ensure(row + 1);
    if (this.valid === null) {
      this.valid = new Uint8Array(this.big.length);
      this.valid.fill(1, 0, this.hi);
    }
    this.big[row] = 0n;
    this.valid[row] = 0;
    if (row >= this.hi) this.hi = row + 1;
  }

  moveRow(from: number, to: number): void {
    this.i32[2 * to] = this.i32[2 * from]!;
    this.i32[2 * to + 1] = this.i32[2 * from + 1]!;
    if (this.valid !== null) this.valid[to] = this.valid[from]!;
  }

  /** Appends a column read elsewhere at row `at`. */
  append(col: TimeColumn, at: number): void {
    this.ensure(at + col.length);
    this.big.set(col.values.subarray(0, col.length), at);
    this.valid = appendValid(this.valid, this.big.length, this.hi, col.valid, at, col.length);
    this.hi = Math.max(this.hi, at + col.length);
  }

  finish(n: number): TimeColumn {
    return {
      type: this.type,
      length: n,
      values: this.big.slice(0, n),
      valid: this.valid === null ? null : this.valid.slice(0, n),
    };
  }
}

export type ColumnBuilder = StringColumnBuilder | NumberColumnBuilder | BoolColumnBuilder | TimeColumnBuilder;

/** A builder for a column of `type`; `dynamic` is held as its raw text (string) in this version. */
export function makeColumnBuilder(type: ScalarType): ColumnBuilder {
  switch (type) {
    case 'string':
    case 'dynamic':
      return new StringColumnBuilder();
    case 'int':
    case 'long':
    case 'real':
      return new NumberColumnBuilder(type);
    case 'bool':
      return new BoolColumnBuilder();
    case 'datetime':
    case 'timespan':
      return new TimeColumnBuilder(type);
  }
}

/** An all-empty column (`""` strings, null otherwise) of `n` rows. */
export function emptyColumn(type: ScalarType, n: number): Column {
  const b = makeColumnBuilder(type);
  if (b instanceof StringColumnBuilder) {
    if (n > 0) b.intern('');
    const col = b.finish(0);
    return { ...col, length: n, codes: new Int32Array(n) };
  }
  for (let i = 0; i < n; i++) b.setNull(i);
  return b.finish(n);
}
