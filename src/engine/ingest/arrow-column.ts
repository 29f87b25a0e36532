import { DateUnit, makeVector, TimeUnit, Type, type Data, type DataType, type Vector } from 'apache-arrow';
import type { Column, NumberColumn, ScalarType, StringColumn, TimeColumn } from '../table/column';
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
import { CAN_CONVERT_TICKS, convertTicks } from './arrow-ticks';

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

function stringify(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  const json = (v as { toJSON?: () => unknown }).toJSON?.() ?? v;
  return JSON.stringify(json, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? '';
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

/** Packed validity bitmap (Arrow) -> one byte per row (1 = valid), or null when all are valid. */
function validBytes(d: Data, n: number): Uint8Array | null {
  if (d.typeId === Type.Null) return new Uint8Array(n);
  const bm = d.nullBitmap;
  if (d.nullCount === 0 || bm === undefined || bm.length === 0) return null;
  const out = new Uint8Array(n);
  const off = d.offset;
  for (let i = 0; i < n; i++) out[i] = (bm[(off + i) >> 3]! >> ((off + i) & 7)) & 1;
  return out;
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, need: number, make: (n: number) => T): T {
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
class NumberSink {
  values = new Float64Array(0);
  valid: Uint8Array | null = null;
  constructor(readonly type: 'int' | 'long' | 'real') {}

  ensure(n: number): void {
    this.values = grow(this.values, n, (c) => new Float64Array(c));
    if (this.valid !== null) this.valid = grow(this.valid, n, (c) => new Uint8Array(c).fill(1));
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
class TickSink {
  private buffer = new ArrayBuffer(0);
  i32 = new Int32Array(0);
  valid: Uint8Array | null = null;
  constructor(readonly type: 'datetime' | 'timespan') {}

  ensure(n: number): void {
    const have = this.i32.length / 2;
    if (n <= have) return;
    let c = have === 0 ? n : Math.max(have, 1024);
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

  moveRow(from: number, to: number): void {
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

/**
 * Dictionary-encoded strings kept as a dictionary: each Arrow dictionary chunk is decoded and
 * interned once (a new dictionary, or a delta's new entries), and rows map through a lookup table
 * of the dictionary's indices to our codes, one typed-array pass per chunk, no string per row.
 * The dictionary stays duplicate-free (other code finds a value's rows by its one code).
 */
const EMPTY_BYTES = new Uint8Array(0);

class DictStringSink {
  codes = new Int32Array(0);
  private readonly dict: string[] = [];
  private readonly index = new Map<string, number>();
  /** Per Arrow dictionary chunk: its entries' codes (a delta adds one chunk to the vector). */
  private readonly chunkCodes = new WeakMap<Data, Int32Array>();
  private readonly luts = new WeakMap<Vector, Int32Array>();
  private empty = -1;

  private intern(s: string): number {
    let c = this.index.get(s);
    if (c === undefined) {
      c = this.dict.length;
      this.dict.push(s);
      this.index.set(s, c);
    }
    return c;
  }

  // While every dictionary chunk is ASCII, entries are interned by their bytes (byte equality is
  // then string equality): a hash of the bytes probes a table of codes, and only a new value is
  // sliced to a string. Hashing long values (command lines) this way costs well under a Map of
  // strings. A chunk with other text switches the sink to the Map for good.
  private ascii = true;
  private slots = new Int32Array(1024);
  private filled = 0;
  private hashes = new Int32Array(256);
  private srcStart = new Int32Array(256);
  private srcLen = new Int32Array(256);
  private readonly srcBytes: Uint8Array[] = [];

  private switchToMap(): void {
    this.ascii = false;
    this.dict.forEach((v, c) => this.index.set(v, c));
  }

  private internBytes(b: Uint8Array, s: number, e: number, text: string, o0: number): number {
    const len = e - s;
    let h = 0x811c9dc5 ^ len;
    let i = s;
    for (; i + 4 <= e; i += 4)
      h = Math.imul(h ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)), 16777619);
    for (; i < e; i++) h = Math.imul(h ^ b[i]!, 16777619);
    h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
    h ^= h >>> 16;
    const mask = this.slots.length - 1;
    for (let p = h & mask; ; p = (p + 1) & mask) {
      const c = this.slots[p]! - 1;
      if (c < 0) break;
      if (this.hashes[c] !== h || this.srcLen[c] !== len) continue;
      const other = this.srcBytes[c]!;
      const o = this.srcStart[c]! - s;
      let j = s;
      while (j < e && other[o + j] === b[j]) j++;
      if (j === e) return c;
    }
    const code = this.dict.length;
    this.dict.push(text.slice(s - o0, e - o0));
    if (code >= this.hashes.length) {
      const cap = this.hashes.length * 2;
      const widen = (a: Int32Array): Int32Array<ArrayBuffer> => {
        const w = new Int32Array(cap);
        w.set(a);
        return w;
      };
      this.hashes = widen(this.hashes);
      this.srcStart = widen(this.srcStart);
      this.srcLen = widen(this.srcLen);
    }
    this.hashes[code] = h;
    this.srcStart[code] = s;
    this.srcLen[code] = len;
    this.srcBytes[code] = b;
    if (++this.filled * 2 > this.slots.length) {
      const next = new Int32Array(this.slots.length * 2);
      const m = next.length - 1;
      for (let c = 0; c < code; c++) {
        let q = this.hashes[c]! & m;
        while (next[q] !== 0) q = (q + 1) & m;
        next[q] = c + 1;
      }
      this.slots = next;
    }
    const m = this.slots.length - 1;
    let q = h & m;
    while (this.slots[q] !== 0) q = (q + 1) & m;
    this.slots[q] = code + 1;
    return code;
  }

  private lut(dict: Vector): Int32Array {
    let lut = this.luts.get(dict);
    if (lut !== undefined) return lut;
    const chunks = dict.data as Data[];
    if (chunks.length === 1) lut = this.codesOf(chunks[0]!);
    else {
      lut = new Int32Array(dict.length);
      let at = 0;
      for (const ch of chunks) {
        lut.set(this.codesOf(ch), at);
        at += ch.length;
      }
    }
    this.luts.set(dict, lut);
    return lut;
  }

  private codesOf(ch: Data): Int32Array {
    let codes = this.chunkCodes.get(ch);
    if (codes !== undefined) return codes;
    const n = ch.length;
    codes = new Int32Array(n);
    this.chunkCodes.set(ch, codes);
    const t = ch.type as DataType;
    if (t.typeId !== Type.Utf8 && t.typeId !== Type.LargeUtf8) {
      if (this.ascii) this.switchToMap();
      const texts = stringsOf(ch);
      for (let j = 0; j < n; j++) codes[j] = this.intern(texts[j]!);
      return codes;
    }
    const offsets = ch.valueOffsets as Int32Array | BigInt64Array;
    const bytes = ch.values as Uint8Array;
    const valid = validBytes(ch, n);
    const o0 = Number(offsets[0]!);
    const oN = Number(offsets[n]!);
    const text = utf8.decode(bytes.subarray(o0, oN));
    // ASCII exactly when one code unit per byte and no U+FFFD (see utf8Reader).
    const isAscii = text.length === oN - o0 && text.indexOf('\uFFFD') < 0;
    if (!isAscii && this.ascii) this.switchToMap();
    for (let j = 0; j < n; j++) {
      if (valid !== null && valid[j] === 0) {
        codes[j] = this.emptyCode();
        continue;
      }
      const s = Number(offsets[j]!);
      const e = Number(offsets[j + 1]!);
      if (this.ascii) codes[j] = this.internBytes(bytes, s, e, text, o0);
      else codes[j] = this.intern(isAscii ? text.slice(s - o0, e - o0) : utf8.decode(bytes.subarray(s, e)));
    }
    return codes;
  }

  ensure(rows: number): void {
    this.codes = grow(this.codes, rows, (c) => new Int32Array(c));
  }

  write(d: Data, slot0: number): void {
    const n = d.length;
    this.ensure(slot0 + n);
    const lut = this.lut(d.dictionary!);
    const idx = d.values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
    const out = this.codes;
    const valid = validBytes(d, n);
    const m = lut.length;
    for (let i = 0; i < n; i++) {
      const k = idx[i]!;
      // An index past the dictionary (corrupt file) reads as "", like a null.
      out[slot0 + i] = (valid === null || valid[i] === 1) && k < m ? lut[k]! : this.emptyCode();
    }
  }

  private emptyCode(): number {
    if (this.empty < 0) this.empty = this.ascii ? this.internBytes(EMPTY_BYTES, 0, 0, '', 0) : this.intern('');
    return this.empty;
  }

  moveRow(from: number, to: number): void {
    this.codes[to] = this.codes[from]!;
  }

  finish(n: number): StringColumn {
    return {
      type: 'string',
      length: n,
      codes: this.codes.length === n ? this.codes : this.codes.slice(0, n),
      dict: this.dict,
    };
  }
}

function stringsOf(d: Data): string[] {
  const v = makeVector(d);
  const out: string[] = [];
  for (let j = 0; j < d.length; j++) out.push(stringify(v.get(j)));
  return out;
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
    if (this.nums) this.nums.ensure(rows);
    else if (this.ticks) this.ticks.ensure(rows);
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
        s.ensure(slot0 + n);
        const t = d.type as DataType;
        const big = d.values as BigInt64Array;
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
            s.setNull(slot0 + i);
            fail.push({
              row: i,
              code: 'bad-datetime',
              value: String(big[i]),
              what: datetime ? 'is outside the datetime range (years 1-9999)' : 'is outside the timespan range',
            });
          },
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
    s.ensure(slot0 + n);
    const vals = (d.values as Float64Array).subarray(0, n);
    s.values.set(vals, slot0);
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
    s.ensure(slot0 + n);
    const valid = validBytes(d, n);
    s.applyValid(valid, slot0, n);
    const signed = (d.type as unknown as { isSigned: boolean }).isSigned;
    const big = d.values as BigInt64Array | BigUint64Array;
    // Read the two 32-bit halves: no BigInt per cell, and |v| <= 2^53 - 1 is decided exactly.
    const w = new Int32Array(big.buffer, big.byteOffset, n * 2);
    const out = s.values;
    const integral = s.type !== 'real';
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const lo = w[2 * i]! >>> 0;
      const hi = signed ? w[2 * i + 1]! : w[2 * i + 1]! >>> 0;
      if (hi >= -2097152 && hi < 2097152) {
        const v = hi * TWO_32 + lo;
        if (s.type === 'int' && (v > 2147483647 || v < -2147483648)) {
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
