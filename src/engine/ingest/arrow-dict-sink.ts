/**
 * Dictionary-encoded Arrow strings kept as an engine dictionary (the `dict` fast path of
 * arrow-column.ts). Each Arrow dictionary chunk (a new dictionary, or a delta's new entries) is
 * decoded with one TextDecoder call over its data buffer, split by offsets, and checked against
 * the entries seen so far: the engine's dictionaries are duplicate-free (other code finds a
 * value's rows by its one code), while an Arrow dictionary may repeat a value.
 *
 * The usual file has one duplicate-free dictionary per column. Its entries then become the
 * engine's entries in the same order, so an Arrow index *is* the engine code: the rows are one
 * typed-array `set` (after a range check of the indices), or, when the index buffer is a whole
 * buffer of its own (a ranged read), that buffer itself, without a copy.
 */
import { makeVector, Type, type Data, type DataType, type Vector } from 'apache-arrow';
import type { StringColumn } from '../table/column';
import { ownsBuffer } from './arrow-file';
import { nextSlice } from './arrow-ticks';
import { stringify, validBytes } from './arrow-sinks';
import { ByteInterner } from './byte-interner';

const utf8 = new TextDecoder('utf-8');
const EMPTY_BYTES = new Uint8Array(0);

type Indices = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

/** Whether every index is in 0..m-1 (read-only passes, in slices: see `nextSlice`). */
function indicesInRange(idx: Indices, n: number, m: number): boolean {
  for (let from = 0; from < n;) {
    const to = nextSlice(from, n);
    if (!(idx instanceof Int32Array ? int32InRange(idx, from, to, m) : anyInRange(idx, from, to, m))) return false;
    from = to;
  }
  return true;
}

/** No branch per row: a negative k, or k > top (top - k < 0), sets the sign bit of an accumulator. */
function int32InRange(idx: Int32Array, from: number, to: number, m: number): boolean {
  const top = m - 1;
  let lo = 0;
  let hi = 0;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    const a = idx[i]!;
    const b = idx[i + 1]!;
    const c = idx[i + 2]!;
    const d = idx[i + 3]!;
    lo |= a | b | c | d;
    hi |= (top - a) | (top - b) | (top - c) | (top - d);
  }
  for (; i < to; i++) {
    const k = idx[i]!;
    lo |= k;
    hi |= top - k;
  }
  return (lo | hi) >= 0;
}

function anyInRange(idx: Indices, from: number, to: number, m: number): boolean {
  for (let i = from; i < to; i++) {
    const k = idx[i]!;
    if (k < 0 || k >= m) return false;
  }
  return true;
}

function isIdentity(lut: Int32Array): boolean {
  for (let k = 0; k < lut.length; k++) if (lut[k] !== k) return false;
  return true;
}

export class DictStringSink {
  private codes: Int32Array = new Int32Array(0);
  /** Rows the file holds (0: unknown); `codes` is allocated at the first write that needs it. */
  private reserved = 0;
  private written = false;
  private readonly dict: string[] = [];
  /** Non-ASCII mode: interning by string (see below). */
  private readonly index = new Map<string, number>();
  /** Per Arrow dictionary chunk: its entries' codes (a delta adds one chunk to the vector). */
  private readonly chunkCodes = new WeakMap<Data, Int32Array>();
  private readonly luts = new WeakMap<Vector, { lut: Int32Array; identity: boolean }>();
  private empty = -1;

  // While every dictionary chunk is ASCII, entries are interned by their bytes (byte equality is
  // then string equality; see ByteInterner), and only a new value is sliced to a string. A chunk
  // with other text switches the sink to a Map of strings for good (two invalid UTF-8 byte runs
  // may decode to the same string).
  private ascii = true;
  private readonly bytes = new ByteInterner();

  private intern(s: string): number {
    let c = this.index.get(s);
    if (c === undefined) {
      c = this.dict.length;
      this.dict.push(s);
      this.index.set(s, c);
    }
    return c;
  }

  private switchToMap(): void {
    this.ascii = false;
    this.dict.forEach((v, c) => this.index.set(v, c));
  }

  private lut(dict: Vector): { lut: Int32Array; identity: boolean } {
    let got = this.luts.get(dict);
    if (got !== undefined) return got;
    const chunks = dict.data as Data[];
    let lut: Int32Array;
    if (chunks.length === 1) lut = this.codesOf(chunks[0]!);
    else {
      lut = new Int32Array(dict.length);
      let at = 0;
      for (const ch of chunks) {
        lut.set(this.codesOf(ch), at);
        at += ch.length;
      }
    }
    got = { lut, identity: isIdentity(lut) };
    this.luts.set(dict, got);
    return got;
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
      const v = makeVector(ch);
      for (let j = 0; j < n; j++) codes[j] = this.intern(stringify(v.get(j)));
      return codes;
    }
    const offsets = ch.valueOffsets as Int32Array | BigInt64Array;
    const bytes = ch.values as Uint8Array;
    const valid = validBytes(ch, n);
    const o0 = Number(offsets[0]!);
    const oN = Number(offsets[n]!);
    const text = utf8.decode(bytes.subarray(o0, oN));
    // ASCII exactly when one code unit per byte and no U+FFFD (an invalid byte decodes to it).
    const isAscii = text.length === oN - o0 && text.indexOf('\uFFFD') < 0;
    if (!isAscii && this.ascii) this.switchToMap();
    if (this.ascii) this.bytes.reserve(n);
    for (let from = 0; from < n;) {
      const to = nextSlice(from, n);
      this.entrySlice({ offsets, bytes, valid, text, o0, isAscii }, codes, from, to);
      from = to;
    }
    return codes;
  }

  /** Codes of a dictionary chunk's entries from..to-1 (see `nextSlice` for why in slices). */
  private entrySlice(
    ch: {
      offsets: Int32Array | BigInt64Array;
      bytes: Uint8Array;
      valid: Uint8Array | null;
      text: string;
      o0: number;
      isAscii: boolean;
    },
    codes: Int32Array,
    from: number,
    to: number,
  ): void {
    const { offsets, bytes, valid, text, o0, isAscii } = ch;
    const dict = this.dict;
    const wide = !(offsets instanceof Int32Array);
    for (let j = from; j < to; j++) {
      if (valid !== null && valid[j] === 0) {
        codes[j] = this.emptyCode();
        continue;
      }
      const s = wide ? Number(offsets[j]!) : (offsets[j] as number);
      const e = wide ? Number(offsets[j + 1]!) : (offsets[j + 1] as number);
      if (this.ascii) {
        const c = this.bytes.intern(bytes, s, e);
        if (c === dict.length) dict.push(text.slice(s - o0, e - o0));
        codes[j] = c;
      } else codes[j] = this.intern(isAscii ? text.slice(s - o0, e - o0) : utf8.decode(bytes.subarray(s, e)));
    }
  }

  /** The file's row count: the codes are allocated (or adopted) once at the first write. */
  ensure(rows: number): void {
    if (!this.written) this.reserved = Math.max(this.reserved, rows);
    else this.grow(rows);
  }

  private grow(need: number): void {
    if (need <= this.codes.length) return;
    let c = this.codes.length === 0 ? Math.max(need, this.reserved) : Math.max(this.codes.length, 1024);
    while (c < need) c *= 2;
    const next = new Int32Array(c);
    next.set(this.codes);
    this.codes = next;
  }

  write(d: Data, slot0: number): void {
    const n = d.length;
    const { lut, identity } = this.lut(d.dictionary!);
    const idx = (d.values as Indices).subarray(0, n);
    const m = lut.length;
    const valid = validBytes(d, n);
    if (identity && valid === null && indicesInRange(idx, n, m)) {
      // The Arrow indices are the codes. A buffer of their own (a ranged read: arrow-file.ts reads
      // a large buffer alone) holding the whole file's rows becomes the column: nothing else is
      // retained and nothing is copied.
      if (
        !this.written &&
        slot0 === 0 &&
        (this.reserved === 0 || this.reserved === n) &&
        idx instanceof Int32Array &&
        ownsBuffer(idx, idx.byteLength)
      ) {
        this.codes = idx;
        this.written = true;
        return;
      }
      this.written = true;
      this.grow(slot0 + n);
      this.codes.set(idx, slot0);
      return;
    }
    this.written = true;
    this.grow(slot0 + n);
    const out = this.codes;
    for (let i = 0; i < n; i++) {
      const k = idx[i]!;
      // An index outside the dictionary (corrupt file) reads as "", like a null.
      out[slot0 + i] = (valid === null || valid[i] === 1) && k >= 0 && k < m ? lut[k]! : this.emptyCode();
    }
  }

  private emptyCode(): number {
    if (this.empty >= 0) return this.empty;
    if (this.ascii) {
      this.empty = this.bytes.intern(EMPTY_BYTES, 0, 0);
      if (this.empty === this.dict.length) this.dict.push('');
    } else this.empty = this.intern('');
    return this.empty;
  }

  moveRow(from: number, to: number): void {
    this.codes[to] = this.codes[from]!;
  }

  finish(n: number): StringColumn {
    if (!this.written) this.grow(n);
    return {
      type: 'string',
      length: n,
      codes: this.codes.length === n ? this.codes : this.codes.slice(0, n),
      dict: this.dict,
    };
  }
}
