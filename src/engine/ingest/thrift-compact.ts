/**
 * A generic Thrift compact-protocol codec, just enough for Parquet's footer (`FileMetaData`):
 * a struct decodes to its fields in order, each kept with its wire type, so `encodeStruct`
 * writes back the same bytes and a caller can edit a few fields (row groups, offsets) without
 * knowing the rest of the schema. Every read is bounds-checked: corrupt bytes end in a
 * `ThriftError` naming the offset, never in an endless loop or a huge allocation.
 */

export const T_TRUE = 1;
export const T_FALSE = 2;
export const T_BYTE = 3;
export const T_I16 = 4;
export const T_I32 = 5;
export const T_I64 = 6;
export const T_DOUBLE = 7;
export const T_BINARY = 8;
export const T_LIST = 9;
export const T_SET = 10;
export const T_MAP = 11;
export const T_STRUCT = 12;

export type ThriftValue =
  | { readonly t: typeof T_TRUE | typeof T_FALSE | typeof T_BYTE; readonly v: number }
  | { readonly t: typeof T_I16 | typeof T_I32; readonly v: number }
  | { readonly t: typeof T_I64; readonly v: bigint }
  | { readonly t: typeof T_DOUBLE; readonly v: Uint8Array }
  | { readonly t: typeof T_BINARY; readonly v: Uint8Array }
  | { readonly t: typeof T_LIST | typeof T_SET; readonly elem: number; readonly v: ThriftValue[] }
  | { readonly t: typeof T_MAP; readonly key: number; readonly val: number; readonly v: [ThriftValue, ThriftValue][] }
  | { readonly t: typeof T_STRUCT; readonly v: ThriftStruct };

export interface ThriftField {
  readonly id: number;
  value: ThriftValue;
}

export type ThriftStruct = ThriftField[];

export class ThriftError extends Error {
  constructor(why: string, at: number) {
    super(`${why} at byte ${at} of the metadata`);
    this.name = 'ThriftError';
  }
}

/** Deepest nesting accepted (Parquet's footer needs about 6). */
const MAX_DEPTH = 64;

class Reader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.b.length) throw new ThriftError('unexpected end', this.pos);
    return this.b[this.pos++]!;
  }

  varint(): bigint {
    let shift = 0n;
    let out = 0n;
    for (let i = 0; i < 10; i++) {
      const c = this.byte();
      out |= BigInt(c & 0x7f) << shift;
      if ((c & 0x80) === 0) return out;
      shift += 7n;
    }
    throw new ThriftError('varint longer than 10 bytes', this.pos);
  }

  size(): number {
    const n = this.varint();
    // Every element takes at least one byte, so a size beyond what is left is corrupt.
    if (n > BigInt(this.b.length - this.pos)) throw new ThriftError(`size ${n} exceeds the data`, this.pos);
    return Number(n);
  }

  zigzag(): bigint {
    const n = this.varint();
    return (n >> 1n) ^ -(n & 1n);
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.b.length) throw new ThriftError('unexpected end', this.pos);
    const out = this.b.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  value(t: number, depth: number, inCollection: boolean): ThriftValue {
    if (depth > MAX_DEPTH) throw new ThriftError('nesting too deep', this.pos);
    switch (t) {
      case T_TRUE:
      case T_FALSE:
        // In a field the type carries the value; in a list each bool is a byte of its own.
        return inCollection ? { t: T_BYTE, v: this.byte() } : { t, v: t === T_TRUE ? 1 : 0 };
      case T_BYTE:
        return { t, v: this.byte() };
      case T_I16:
      case T_I32:
        return { t, v: Number(BigInt.asIntN(32, this.zigzag())) };
      case T_I64:
        return { t, v: BigInt.asIntN(64, this.zigzag()) };
      case T_DOUBLE:
        return { t, v: this.bytes(8) };
      case T_BINARY:
        return { t, v: this.bytes(this.size()) };
      case T_LIST:
      case T_SET: {
        const h = this.byte();
        const elem = h & 0x0f;
        const n = h >> 4 === 15 ? this.size() : h >> 4;
        const v: ThriftValue[] = [];
        for (let i = 0; i < n; i++) v.push(this.value(elem, depth + 1, true));
        return { t, elem, v };
      }
      case T_MAP: {
        const n = this.size();
        if (n === 0) return { t, key: 0, val: 0, v: [] };
        const kv = this.byte();
        const v: [ThriftValue, ThriftValue][] = [];
        for (let i = 0; i < n; i++)
          v.push([this.value(kv >> 4, depth + 1, true), this.value(kv & 0x0f, depth + 1, true)]);
        return { t, key: kv >> 4, val: kv & 0x0f, v };
      }
      case T_STRUCT:
        return { t, v: this.struct(depth + 1) };
      default:
        throw new ThriftError(`unknown type ${t}`, this.pos - 1);
    }
  }

  struct(depth: number): ThriftStruct {
    const out: ThriftStruct = [];
    let last = 0;
    for (;;) {
      const h = this.byte();
      if (h === 0) return out;
      const delta = h >> 4;
      const id = delta === 0 ? Number(BigInt.asIntN(16, this.zigzag())) : last + delta;
      out.push({ id, value: this.value(h & 0x0f, depth, false) });
      last = id;
    }
  }
}

/** Decodes one struct from the start of `bytes`; `end` is where it stopped. */
export function decodeStruct(bytes: Uint8Array): { struct: ThriftStruct; end: number } {
  const r = new Reader(bytes);
  const struct = r.struct(0);
  return { struct, end: r.pos };
}

class Writer {
  private buf = new Uint8Array(1024);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  varint(n: bigint): void {
    let x = BigInt.asUintN(64, n);
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  zigzag(n: bigint): void {
    this.varint((n << 1n) ^ (n >> 63n));
  }

  value(x: ThriftValue, inCollection: boolean): void {
    switch (x.t) {
      case T_TRUE:
      case T_FALSE:
        if (inCollection) this.byte(x.v);
        return; // in a field, the header's type is the value
      case T_BYTE:
        this.byte(x.v);
        return;
      case T_I16:
      case T_I32:
        this.zigzag(BigInt(x.v));
        return;
      case T_I64:
        this.zigzag(x.v);
        return;
      case T_DOUBLE:
        this.bytes(x.v);
        return;
      case T_BINARY:
        this.varint(BigInt(x.v.length));
        this.bytes(x.v);
        return;
      case T_LIST:
      case T_SET:
        if (x.v.length < 15) this.byte((x.v.length << 4) | x.elem);
        else {
          this.byte(0xf0 | x.elem);
          this.varint(BigInt(x.v.length));
        }
        for (const e of x.v) this.value(e, true);
        return;
      case T_MAP:
        this.varint(BigInt(x.v.length));
        if (x.v.length === 0) return;
        this.byte((x.key << 4) | x.val);
        for (const [k, v] of x.v) {
          this.value(k, true);
          this.value(v, true);
        }
        return;
      case T_STRUCT:
        this.struct(x.v);
        return;
    }
  }

  struct(s: ThriftStruct): void {
    let last = 0;
    for (const f of s) {
      const delta = f.id - last;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | f.value.t);
      else {
        this.byte(f.value.t);
        this.zigzag(BigInt(f.id));
      }
      this.value(f.value, false);
      last = f.id;
    }
    this.byte(0);
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export function encodeStruct(s: ThriftStruct): Uint8Array {
  const w = new Writer();
  w.struct(s);
  return w.result();
}

/** The field `id` of a struct, or undefined. */
export function field(s: ThriftStruct, id: number): ThriftValue | undefined {
  return s.find((f) => f.id === id)?.value;
}
