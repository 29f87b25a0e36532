/**
 * The fast-path sinks of the Arrow column writer (arrow-column.ts): numbers by typed-array passes,
 * datetimes/timespans as int32 tick halves, and strings interned once per dictionary chunk or per
 * distinct byte run. Each grows its arrays once to the file's row count and finishes into an
 * engine column.
 */
import { makeVector, Type, type Data, type DataType, type Vector } from 'apache-arrow';
import type { NumberColumn, StringColumn, TimeColumn } from '../table/column';

const utf8 = new TextDecoder('utf-8');

/** A cell of any Arrow type as text (JSON for nested values; bigints as digits). */
export function stringify(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  const json = (v as { toJSON?: () => unknown }).toJSON?.() ?? v;
  return JSON.stringify(json, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? '';
}

function stringsOf(d: Data): string[] {
  const v = makeVector(d);
  const out: string[] = [];
  for (let j = 0; j < d.length; j++) out.push(stringify(v.get(j)));
  return out;
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
export class TickSink {
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

export class DictStringSink {
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
