import { DateUnit, makeVector, TimeUnit, Type, type Data, type DataType, type Vector } from 'apache-arrow';
import type { Column, ScalarType } from '../table/column';
import { MAX_DATETIME_TICKS, UNIX_EPOCH_TICKS } from '../time/ticks';
import type { CellParser } from './cell-parser';
import { CELL_BAD, CELL_EMPTY, CELL_OK, CELL_RANGE, type CellStatus } from './cell-parser';
import {
  BoolColumnBuilder,
  NumberColumnBuilder,
  StringColumnBuilder,
  TimeColumnBuilder,
  makeColumnBuilder,
  type ColumnBuilder,
} from './column-builder';
import type { RejectCode } from './ingest-report';
import { CAN_CONVERT_TICKS, convertTicks, nextSlice } from './arrow-ticks';
import { NumberSink, stringify, TickSink, validBytes } from './arrow-sinks';
import { DictStringSink } from './arrow-dict-sink';

/**
 * One Arrow column chunk (`Data`) into an engine column, converting to the Kusto type the plan
 * chose. The path is chosen once per column from (Arrow type, target):
 * - Dictionary<Utf8> -> string: the dictionary is decoded and interned once per dictionary chunk,
 *   rows map through a lookup table (no string per row);
 * - Utf8 / LargeUtf8 -> string: byte-level interning (only new distinct values are decoded);
 * - 8-32-bit ints and floats -> int/long/real: one typed-array `set`, checks only where the
 *   target can refuse a value; Int64 read as two 32-bit halves;
 * - Timestamp / Duration of any unit -> exact ticks in one pass (arrow-ticks.ts);
 * - anything else value by value through a column builder (text parsed like CSV cells).
 */

/** The Kusto type an Arrow type maps to when no schema says otherwise. */
export function naturalKustoType(t: DataType): ScalarType {
  switch (t.typeId) {
    case Type.Int: {
      const { bitWidth, isSigned } = t as unknown as { bitWidth: number; isSigned: boolean };
      return bitWidth < 32 || (bitWidth === 32 && isSigned) ? 'int' : 'long';
    }
    case Type.Float:
      return 'real';
    case Type.Bool:
      return 'bool';
    case Type.Timestamp:
    case Type.Date:
      return 'datetime';
    case Type.Duration:
      return 'timespan';
    case Type.Dictionary:
      return naturalKustoType((t as unknown as { dictionary: DataType }).dictionary);
    default:
      return 'string';
  }
}

function isStringType(t: DataType): boolean {
  return t.typeId === Type.Utf8 || t.typeId === Type.LargeUtf8 || t.typeId === Type.Utf8View;
}

/** Whether a column of Arrow type `t` can be read as Kusto `target` (else it is not loaded). */
export function canConvert(t: DataType, target: ScalarType): boolean {
  if (t.typeId === Type.Null || target === 'string' || target === 'dynamic') return true;
  const src = t.typeId === Type.Dictionary ? (t as unknown as { dictionary: DataType }).dictionary : t;
  if (isStringType(src)) return target !== 'timespan';
  switch (target) {
    case 'int':
    case 'long':
    case 'real':
      return src.typeId === Type.Int || src.typeId === Type.Float || src.typeId === Type.Bool;
    case 'bool':
      return src.typeId === Type.Bool || src.typeId === Type.Int;
    case 'datetime':
      return src.typeId === Type.Timestamp || src.typeId === Type.Date;
    case 'timespan':
      return src.typeId === Type.Duration;
  }
}

/** A failed cell: batch-relative row, reason code, and text for the message. */
export interface CellFailure {
  readonly row: number;
  readonly code: RejectCode;
  readonly value: string;
  readonly what: string;
}

const TWO_32 = 4294967296;
const EPOCH_SECONDS = Number(UNIX_EPOCH_TICKS / 10_000_000n);
const utf8 = new TextDecoder('utf-8');

function validity(d: Data): ((i: number) => boolean) | null {
  if (d.typeId === Type.Null) return () => false;
  const bm = d.nullBitmap;
  if (d.nullCount === 0 || bm === undefined || bm.length === 0) return null;
  const off = d.offset;
  return (i) => ((bm[(off + i) >> 3]! >> ((off + i) & 7)) & 1) === 1;
}

/** Text of each value of a Utf8 / LargeUtf8 chunk (null slots give ""). */
function utf8Reader(d: Data): (i: number) => string {
  if (d.typeId === Type.Utf8View) {
    const v = makeVector(d);
    return (i) => (v.get(i) as string | null) ?? '';
  }
  const offsets = d.valueOffsets as Int32Array | BigInt64Array;
  const bytes = d.values as Uint8Array;
  const off = (i: number): number => Number(offsets[i]!);
  const o0 = off(0);
  const oN = off(d.length);
  // All ASCII exactly when the decoded text has one code unit per byte and no replacement
  // character (an invalid byte decodes to U+FFFD): checked natively, no loop over the bytes here.
  const text = utf8.decode(bytes.subarray(o0, oN));
  if (text.length === oN - o0 && text.indexOf('\uFFFD') < 0) {
    // Byte offsets equal UTF-16 offsets for ASCII: decode once, slice per value.
    return (i) => text.slice(off(i) - o0, off(i + 1) - o0);
  }
  return (i) => utf8.decode(bytes.subarray(off(i), off(i + 1)));
}

/** Ticks per unit, and whether the unit is finer than a tick (ns: divide by 100). */
function unitTicks(unit: TimeUnit): bigint {
  switch (unit) {
    case TimeUnit.SECOND:
      return 10_000_000n;
    case TimeUnit.MILLISECOND:
      return 10_000n;
    case TimeUnit.MICROSECOND:
      return 10n;
    case TimeUnit.NANOSECOND:
      return 0n;
  }
}

/** Unit count -> ticks; nanoseconds truncate toward -infinity (floor), like Kusto's tick clock. */
function toTicks(v: bigint, perUnit: bigint): bigint {
  if (perUnit !== 0n) return v * perUnit;
  const q = v / 100n;
  return v % 100n < 0n ? q - 1n : q;
}

function isSmallInt(t: DataType): boolean {
  return t.typeId === Type.Int && (t as unknown as { bitWidth: number }).bitWidth < 64;
}

/** How a column is written: a fast path chosen once from (Arrow type, target), else the builder. */
type Mode = 'dict' | 'utf8' | 'number' | 'int64' | 'ticks' | 'builder';

function modeOf(t: DataType, target: ScalarType): Mode {
  if (target === 'string') {
    if (t.typeId === Type.Dictionary) {
      const dt = (t as unknown as { dictionary: DataType; indices: DataType }).dictionary;
      return isStringType(dt) && dt.typeId !== Type.Utf8View ? 'dict' : 'builder';
    }
    return t.typeId === Type.Utf8 || t.typeId === Type.LargeUtf8 ? 'utf8' : 'builder';
  }
  if (target === 'int' || target === 'long' || target === 'real') {
    if (isSmallInt(t)) return 'number';
    if (t.typeId === Type.Float && (t as unknown as { precision: number }).precision !== 0) return 'number';
    if (t.typeId === Type.Int) return 'int64';
    return 'builder';
  }
  if (
    CAN_CONVERT_TICKS &&
    ((target === 'datetime' && t.typeId === Type.Timestamp) || (target === 'timespan' && t.typeId === Type.Duration))
  )
    return 'ticks';
  return 'builder';
}

export class ArrowColumnWriter {
  /** Per Utf8 dictionary vector: dictionary index -> our code (string targets). */
  private dictCodes = new WeakMap<Vector, Int32Array>();
  private dictTexts = new WeakMap<Vector, string[]>();
  usedSlowPath = false;
  private readonly mode: Mode;
  private readonly builder: ColumnBuilder | null = null;
  private readonly nums: NumberSink | null = null;
  private readonly ticks: TickSink | null = null;
  private readonly dict: DictStringSink | null = null;

  constructor(
    private readonly target: ScalarType,
    source: DataType,
    private readonly cells: CellParser,
  ) {
    this.mode = modeOf(source, target);
    if (this.mode === 'number' || this.mode === 'int64') this.nums = new NumberSink(target as 'int' | 'long' | 'real');
    else if (this.mode === 'ticks') this.ticks = new TickSink(target as 'datetime' | 'timespan');
    else if (this.mode === 'dict') this.dict = new DictStringSink();
    else this.builder = makeColumnBuilder(target);
  }

  /** Sizes the column for `rows` rows up front (the file format knows its row count). */
  reserve(rows: number): void {
    if (this.nums) this.nums.reserve(rows);
    else if (this.ticks) this.ticks.reserve(rows);
    else if (this.dict) this.dict.ensure(rows);
    else this.builder!.ensure(rows);
  }

  /** Copies row `from` to row `to` (compaction after rejects). */
  moveRow(from: number, to: number): void {
    if (this.nums) this.nums.moveRow(from, to);
    else if (this.ticks) this.ticks.moveRow(from, to);
    else if (this.dict) this.dict.moveRow(from, to);
    else this.builder!.moveRow(from, to);
  }

  /**
   * The smallest and largest datetime of the column when the tick path saw every row in the same
   * pass (null: no value); undefined when not known that way (compute it from the column).
   */
  timeRange(): { min: bigint; max: bigint } | null | undefined {
    return this.ticks !== null && this.target === 'datetime' ? this.ticks.timeRange() : undefined;
  }

  finish(n: number): Column {
    if (this.nums) return this.nums.finish(n);
    if (this.ticks) return this.ticks.finish(n);
    if (this.dict) return this.dict.finish(n);
    return this.builder!.finish(n);
  }

  /** Writes rows 0..d.length-1 of `d` to slots slot0.. ; returns failed cells (row not loadable). */
  write(d: Data, slot0: number, fail: CellFailure[]): void {
    const n = d.length;
    switch (this.mode) {
      case 'dict':
        this.dict!.write(d, slot0);
        return;
      case 'utf8': {
        const b = this.builder as StringColumnBuilder;
        b.ensure(slot0 + n);
        const offsets = d.valueOffsets as Int32Array | BigInt64Array;
        const bytes = d.values as Uint8Array;
        const valid = validBytes(d, n);
        if (offsets instanceof Int32Array) {
          for (let i = 0; i < n; i++) {
            if (valid === null || valid[i] === 1) b.setBytes(slot0 + i, bytes, offsets[i]!, offsets[i + 1]!);
            else b.setBytes(slot0 + i, bytes, 0, 0);
          }
        } else {
          for (let i = 0; i < n; i++) {
            if (valid === null || valid[i] === 1)
              b.setBytes(slot0 + i, bytes, Number(offsets[i]!), Number(offsets[i + 1]!));
            else b.setBytes(slot0 + i, bytes, 0, 0);
          }
        }
        return;
      }
      case 'number':
        this.writeNumbers(d, slot0, fail);
        return;
      case 'int64':
        this.writeInt64(d, slot0, fail);
        return;
      case 'ticks': {
        const s = this.ticks!;
        const t = d.type as DataType;
        const big = d.values as BigInt64Array;
        // A read of this column alone is converted in place (no second buffer of n slots).
        if (!s.adopt(big, slot0, n)) s.ensure(slot0 + n);
        const src = new Int32Array(big.buffer, big.byteOffset, n * 2);
        const valid = validBytes(d, n);
        s.applyValid(valid, slot0, n);
        const datetime = t.typeId === Type.Timestamp;
        convertTicks(
          src,
          n,
          (t as unknown as { unit: TimeUnit }).unit,
          datetime,
          s.i32,
          slot0,
          valid === null ? null : (i) => valid[i] === 0,
          (i) => {
            const value = String(big[i]); // before setNull: in place, it is the same slot
            s.setNull(slot0 + i);
            fail.push({
              row: i,
              code: 'bad-datetime',
              value,
              what: datetime ? 'is outside the datetime range (years 1-9999)' : 'is outside the timespan range',
            });
          },
          s.range,
        );
        return;
      }
      case 'builder':
        this.writeBuilder(d, slot0, fail);
    }
  }

  private writeNumbers(d: Data, slot0: number, fail: CellFailure[]): void {
    const n = d.length;
    const s = this.nums!;
    const vals = (d.values as Float64Array).subarray(0, n);
    // Float64 read of this column alone: it is the column (no copy).
    if (!(vals instanceof Float64Array && s.adopt(vals, slot0, n))) {
      s.ensure(slot0 + n);
      s.values.set(vals, slot0);
    }
    const valid = validBytes(d, n);
    s.applyValid(valid, slot0, n);
    const t = d.type as DataType;
    // Only these can refuse a value: a float into int/long, a uint32 into int.
    const check =
      (t.typeId === Type.Float && s.type !== 'real') ||
      (s.type === 'int' &&
        !(t as unknown as { isSigned?: boolean }).isSigned &&
        (t as unknown as { bitWidth: number }).bitWidth === 32);
    if (!check) return;
    const out = s.values;
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const v = out[slot0 + i]!;
      if (this.numberFails(s.type, v, i, fail)) s.setNull(slot0 + i);
    }
  }

  private writeInt64(d: Data, slot0: number, fail: CellFailure[]): void {
    const n = d.length;
    const s = this.nums!;
    const big = d.values as BigInt64Array | BigUint64Array;
    // A read of this column alone is converted in place: each row's double over its own int64.
    if (!s.adopt(big, slot0, n)) s.ensure(slot0 + n);
    const valid = validBytes(d, n);
    s.applyValid(valid, slot0, n);
    for (let from = 0; from < n;) {
      const to = nextSlice(from, n);
      this.int64Slice(d, big, valid, from, to, slot0, fail);
      from = to;
    }
  }

  private int64Slice(
    d: Data,
    big: BigInt64Array | BigUint64Array,
    valid: Uint8Array | null,
    from: number,
    to: number,
    slot0: number,
    fail: CellFailure[],
  ): void {
    const s = this.nums!;
    const signed = (d.type as unknown as { isSigned: boolean }).isSigned;
    // Read the two 32-bit halves: no BigInt per cell, and |v| <= 2^53 - 1 is decided exactly.
    const w = new Int32Array(big.buffer, big.byteOffset, to * 2);
    const out = s.values;
    const integral = s.type !== 'real';
    const toInt = s.type === 'int';
    for (let i = from; i < to; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const lo = w[2 * i]! >>> 0;
      const hi = signed ? w[2 * i + 1]! : w[2 * i + 1]! >>> 0;
      if (hi >= -2097152 && hi < 2097152) {
        const v = hi * TWO_32 + lo;
        if (toInt && (v > 2147483647 || v < -2147483648)) {
          this.numberFails('int', v, i, fail);
          s.setNull(slot0 + i);
        } else out[slot0 + i] = v;
      } else if (integral) {
        fail.push({
          row: i,
          code: 'unsafe-integer',
          value: String(big[i]),
          what: 'is beyond 2^53 and cannot be held exactly',
        });
        s.setNull(slot0 + i);
      } else out[slot0 + i] = Number(big[i]!);
    }
  }

  /** Whether `v` cannot be held by `type` (pushes the failure). */
  private numberFails(type: 'int' | 'long' | 'real', v: number, row: number, fail: CellFailure[]): boolean {
    if (type === 'real') return false;
    if (!Number.isInteger(v)) {
      fail.push({ row, code: 'bad-number', value: String(v), what: 'is not an integer' });
      return true;
    }
    if (type === 'int' && (v > 2147483647 || v < -2147483648)) {
      fail.push({
        row,
        code: 'int-out-of-range',
        value: String(v),
        what: 'is outside the int range (-2^31 .. 2^31-1)',
      });
      return true;
    }
    if (!Number.isSafeInteger(v)) {
      fail.push({ row, code: 'unsafe-integer', value: String(v), what: 'is beyond 2^53 and cannot be held exactly' });
      return true;
    }
    return false;
  }

  /** The general path: any convertible type, value by value into a column builder. */
  private writeBuilder(d: Data, slot0: number, fail: CellFailure[]): void {
    const n = d.length;
    const valid = validity(d);
    const b = this.builder!;
    const t = d.type as DataType;
    if (b instanceof StringColumnBuilder) {
      b.ensure(slot0 + n);
      if (isStringType(t)) {
        const text = utf8Reader(d);
        for (let i = 0; i < n; i++) b.set(slot0 + i, valid === null || valid(i) ? text(i) : '');
      } else if (t.typeId === Type.Dictionary && isStringType((t as unknown as { dictionary: DataType }).dictionary)) {
        const codes = this.dictionaryCodes(d.dictionary!, b);
        const idx = d.values as ArrayLike<number | bigint>;
        let empty = -1;
        for (let i = 0; i < n; i++) {
          if (valid === null || valid(i)) b.setCode(slot0 + i, codes[Number(idx[i]!)]!);
          else b.setCode(slot0 + i, empty < 0 ? (empty = b.intern('')) : empty);
        }
      } else {
        this.usedSlowPath = true;
        const v = makeVector(d);
        for (let i = 0; i < n; i++) b.set(slot0 + i, stringify(v.get(i)));
      }
      return;
    }
    if (b instanceof TimeColumnBuilder) {
      b.ensure(slot0 + n);
      if (t.typeId === Type.Timestamp || t.typeId === Type.Duration) {
        const per = unitTicks((t as unknown as { unit: TimeUnit }).unit);
        const epoch = t.typeId === Type.Timestamp ? UNIX_EPOCH_TICKS : 0n;
        const vals = d.values as BigInt64Array;
        for (let i = 0; i < n; i++) {
          if (valid !== null && !valid(i)) {
            b.setNull(slot0 + i);
            continue;
          }
          const ticks = toTicks(vals[i]!, per) + epoch;
          if (epoch !== 0n && (ticks < 0n || ticks > MAX_DATETIME_TICKS)) {
            fail.push({
              row: i,
              code: 'bad-datetime',
              value: String(vals[i]),
              what: 'is outside the datetime range (years 1-9999)',
            });
            b.setNull(slot0 + i);
          } else b.setTicks(slot0 + i, ticks);
        }
      } else if (t.typeId === Type.Date) {
        const unit = (t as unknown as { unit: DateUnit }).unit;
        const vals = d.values as Int32Array | BigInt64Array;
        for (let i = 0; i < n; i++) {
          if (valid !== null && !valid(i)) {
            b.setNull(slot0 + i);
            continue;
          }
          const ticks =
            unit === DateUnit.DAY
              ? BigInt(Number(vals[i]!) * 86400 + EPOCH_SECONDS) * 10_000_000n
              : BigInt(vals[i]!) * 10_000n + UNIX_EPOCH_TICKS;
          if (ticks < 0n || ticks > MAX_DATETIME_TICKS) {
            fail.push({
              row: i,
              code: 'bad-datetime',
              value: String(vals[i]),
              what: 'is outside the datetime range (years 1-9999)',
            });
            b.setNull(slot0 + i);
          } else b.setTicks(slot0 + i, ticks);
        }
      } else {
        this.parseText(d, slot0, fail);
      }
      return;
    }
    if (b instanceof NumberColumnBuilder) {
      b.ensure(slot0 + n);
      const integral = b.type !== 'real';
      if (t.typeId === Type.Int && (t as unknown as { bitWidth: number }).bitWidth === 64) {
        const signed = (t as unknown as { isSigned: boolean }).isSigned;
        const big = d.values as BigInt64Array | BigUint64Array;
        // Read the two 32-bit halves: no BigInt per cell, and |v| <= 2^53 - 1 is decided exactly.
        const w = new Int32Array(big.buffer, big.byteOffset, big.length * 2);
        for (let i = 0; i < n; i++) {
          if (valid !== null && !valid(i)) {
            b.setNull(slot0 + i);
            continue;
          }
          const lo = w[2 * i]! >>> 0;
          const hi = signed ? w[2 * i + 1]! : w[2 * i + 1]! >>> 0;
          const v = hi * TWO_32 + lo;
          if (!(hi >= -2097152 && hi < 2097152 && Number.isSafeInteger(v)) && integral) {
            fail.push({
              row: i,
              code: 'unsafe-integer',
              value: String(big[i]),
              what: 'is beyond 2^53 and cannot be held exactly',
            });
            b.setNull(slot0 + i);
          } else this.setNumber(b, slot0 + i, hi >= -2097152 && hi < 2097152 ? v : Number(big[i]!), i, fail);
        }
      } else if (
        t.typeId === Type.Int ||
        (t.typeId === Type.Float && (t as unknown as { precision: number }).precision !== 0)
      ) {
        const vals = d.values as Int32Array | Float64Array;
        for (let i = 0; i < n; i++) {
          if (valid !== null && !valid(i)) b.setNull(slot0 + i);
          else this.setNumber(b, slot0 + i, vals[i]!, i, fail);
        }
      } else if (t.typeId === Type.Bool) {
        const bits = d.values as Uint8Array;
        for (let i = 0; i < n; i++) {
          const k = d.offset + i;
          if (valid !== null && !valid(i)) b.setNull(slot0 + i);
          else b.set(slot0 + i, (bits[k >> 3]! >> (k & 7)) & 1);
        }
      } else if (isStringType(t) || t.typeId === Type.Dictionary) {
        this.parseText(d, slot0, fail);
      } else {
        // Float16 and anything else numeric: through the vector's own accessor.
        this.usedSlowPath = true;
        const v = makeVector(d);
        for (let i = 0; i < n; i++) {
          const x = v.get(i) as number | null;
          if (x === null) b.setNull(slot0 + i);
          else this.setNumber(b, slot0 + i, Number(x), i, fail);
        }
      }
      return;
    }
    // bool target
    b.ensure(slot0 + n);
    if (t.typeId === Type.Bool) {
      const bits = d.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        const k = d.offset + i;
        if (valid !== null && !valid(i)) b.setNull(slot0 + i);
        else b.set(slot0 + i, ((bits[k >> 3]! >> (k & 7)) & 1) === 1);
      }
    } else if (t.typeId === Type.Int) {
      const v = makeVector(d);
      for (let i = 0; i < n; i++) {
        const x = v.get(i) as number | bigint | null;
        if (x === null) b.setNull(slot0 + i);
        else if (x === 0 || x === 1 || x === 0n || x === 1n) b.set(slot0 + i, x === 1 || x === 1n);
        else {
          fail.push({ row: i, code: 'bad-bool', value: String(x), what: 'is not a bool (0/1)' });
          b.setNull(slot0 + i);
        }
      }
    } else this.parseText(d, slot0, fail);
  }

  private setNumber(b: NumberColumnBuilder, slot: number, v: number, row: number, fail: CellFailure[]): void {
    if (b.type === 'real') {
      b.set(slot, v);
      return;
    }
    if (!Number.isInteger(v)) {
      fail.push({ row, code: 'bad-number', value: String(v), what: 'is not an integer' });
      b.setNull(slot);
    } else if (b.type === 'int' && (v > 2147483647 || v < -2147483648)) {
      fail.push({
        row,
        code: 'int-out-of-range',
        value: String(v),
        what: 'is outside the int range (-2^31 .. 2^31-1)',
      });
      b.setNull(slot);
    } else if (!Number.isSafeInteger(v)) {
      fail.push({ row, code: 'unsafe-integer', value: String(v), what: 'is beyond 2^53 and cannot be held exactly' });
      b.setNull(slot);
    } else b.set(slot, v);
  }

  private dictionaryCodes(dict: Vector, b: StringColumnBuilder): Int32Array {
    let codes = this.dictCodes.get(dict);
    if (codes === undefined) {
      codes = new Int32Array(dict.length);
      for (let j = 0; j < dict.length; j++) codes[j] = b.intern((dict.get(j) as string | null) ?? '');
      this.dictCodes.set(dict, codes);
    }
    return codes;
  }

  private dictionaryTexts(dict: Vector): string[] {
    let texts = this.dictTexts.get(dict);
    if (texts === undefined) {
      texts = [];
      for (let j = 0; j < dict.length; j++) texts.push(stringify(dict.get(j)));
      this.dictTexts.set(dict, texts);
    }
    return texts;
  }

  /** Utf8 / dictionary text into a typed target, with the CSV cell parsers. */
  private parseText(d: Data, slot0: number, fail: CellFailure[]): void {
    const n = d.length;
    const valid = validity(d);
    let text: (i: number) => string;
    if (d.typeId === Type.Dictionary) {
      const texts = this.dictionaryTexts(d.dictionary!);
      const idx = d.values as ArrayLike<number | bigint>;
      text = (i) => texts[Number(idx[i]!)] ?? '';
    } else if (isStringType(d.type as DataType)) text = utf8Reader(d);
    else {
      const v = makeVector(d);
      text = (i) => stringify(v.get(i));
    }
    const cells = this.cells;
    const b = this.builder!;
    for (let i = 0; i < n; i++) {
      const slot = slot0 + i;
      const s = valid === null || valid(i) ? text(i) : '';
      let st: CellStatus;
      if (b instanceof TimeColumnBuilder) {
        st = cells.dateTime(s, 0, s.length);
        if (st === CELL_OK) b.setParts(slot, cells.secs, cells.frac);
      } else if (b instanceof BoolColumnBuilder) {
        st = cells.bool(s, 0, s.length);
        if (st === CELL_OK) b.set(slot, cells.value === 1);
      } else if (b instanceof NumberColumnBuilder) {
        st =
          b.type === 'real'
            ? cells.real(s, 0, s.length)
            : b.type === 'int'
              ? cells.int32(s, 0, s.length)
              : cells.integer(s, 0, s.length);
        if (st === CELL_OK) b.set(slot, cells.value);
      } else {
        b.set(slot, s);
        continue;
      }
      if (st === CELL_OK) continue;
      (b as TimeColumnBuilder | BoolColumnBuilder | NumberColumnBuilder).setNull(slot);
      if (st === CELL_EMPTY) continue;
      const code: RejectCode =
        b instanceof TimeColumnBuilder
          ? 'bad-datetime'
          : b instanceof BoolColumnBuilder
            ? 'bad-bool'
            : st === CELL_BAD
              ? 'bad-number'
              : st === CELL_RANGE
                ? 'int-out-of-range'
                : 'unsafe-integer';
      fail.push({ row: i, code, value: s, what: `cannot be read as ${this.target}` });
    }
  }
}
