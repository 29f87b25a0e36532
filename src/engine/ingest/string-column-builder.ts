import type { StringColumn } from '../table/column';
import { fullHash, MISMATCH_MARGIN, sampleHash } from './byte-interner';

/**
 * The string column builder of streaming ingest (re-exported by column-builder.ts with the
 * others): dictionary codes per row, values interned from text, from UTF-8 bytes (the CSV byte
 * path, Parquet and plain Arrow strings) or whole dictionaries (Arrow), one code per distinct value.
 */

/** First capacity of every builder (rows). */
export const INITIAL_CAPACITY = 1024;
/** Pending new values' bytes decoded per call (see `StringColumnBuilder.pendingFrom`). */
const PENDING_BYTES = 1 << 20;

/** Decodes new distinct values of the byte path (spans are whole UTF-8 sequences: see byte-csv-reader.ts). */
const byteDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Capacity for `need` rows: doubled from `cap` (at least `INITIAL_CAPACITY`). */
export function nextCapacity(cap: number, need: number): number {
  let c = Math.max(cap, INITIAL_CAPACITY);
  while (c < need) c *= 2;
  return c;
}

/**
 * V8 keeps a substring as a view of its parent when it is 13+ code units long, so a dictionary
 * entry sliced from a 1 MB chunk would pin the whole chunk. Concatenate-then-slice forces a flat
 * copy of just the value (done once per distinct value, not per cell).
 */
function ownString(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

export class StringColumnBuilder {
  readonly type = 'string' as const;
  private codes = new Int32Array(INITIAL_CAPACITY);
  private readonly dict: string[] = [];
  private readonly index = new Map<string, number>();
  /**
   * `dict[0 .. indexed)` are in `index`. Values interned from bytes are added to `index` only
   * when a string route (`set`, `setRange`, `intern`) next needs it: the byte path keeps its own
   * table, and skipping the `Map` (hashing the whole string) and the `ownString` copy for each new
   * value was ~20% of the 1M-row sbench CSV ingest (88k distinct command lines of ~310 bytes).
   */
  private indexed = 0;
  /** A string route added a value, so a byte-table miss must also consult `index`. */
  private textAdded = false;
  // Consecutive rows often repeat a value (DeviceName, ActionType): skip the hash lookup then.
  private last = '';
  private lastCode = -1;

  ensure(n: number): void {
    if (n > this.codes.length) {
      const c = new Int32Array(nextCapacity(this.codes.length, n));
      c.set(this.codes);
      this.codes = c;
    }
  }

  /** Interns `value` and writes its code; `value` may be a slice of a big chunk (see `ownString`). */
  set(row: number, value: string): void {
    if (row >= this.codes.length) this.ensure(row + 1);
    if (this.pendingFrom >= 0) this.flushPending();
    if (this.lastCode >= 0 && value === this.last) {
      this.codes[row] = this.lastCode;
      return;
    }
    if (this.indexed < this.dict.length) this.syncIndex();
    let code = this.index.get(value);
    if (code === undefined) {
      code = this.dict.length;
      const own = ownString(value);
      this.dict.push(own);
      this.index.set(own, code);
      this.indexed++;
      this.textAdded = true;
      this.last = own;
    } else {
      this.last = this.dict[code]!;
    }
    this.lastCode = code;
    this.codes[row] = code;
  }

  /**
   * Interns the text `src[s..e)` without slicing it first: an FNV-1a hash over the code units
   * probes an open-addressing table of codes, and a hit is confirmed with `startsWith` at `s`.
   * Only a new distinct value is sliced (and copied, see `ownString`). On CSV this avoids one
   * substring allocation and one V8 string hash per cell, the largest cost of string columns.
   */
  setRange(row: number, src: string, s: number, e: number): void {
    if (row >= this.codes.length) this.ensure(row + 1);
    if (this.pendingFrom >= 0) this.flushPending();
    const len = e - s;
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ src.charCodeAt(i), 16777619);
    const mask = this.slots.length - 1;
    let p = h & mask;
    for (;;) {
      const c = this.slots[p]! - 1;
      if (c < 0) break;
      if (this.hashes[c] === h) {
        const d = this.dict[c]!;
        if (d.length === len && src.startsWith(d, s)) {
          this.codes[row] = c;
          return;
        }
      }
      p = (p + 1) & mask;
    }
    const value = len === 0 ? '' : src.slice(s, e);
    const code = this.intern(value);
    this.addSlot(code, h);
    this.codes[row] = code;
  }

  private slots = new Int32Array(1024);
  private hashes: number[] = [];
  private slotted = 0;

  private addSlot(code: number, h: number): void {
    while (this.hashes.length <= code) this.hashes.push(0);
    this.hashes[code] = h;
    if (++this.slotted * 2 > this.slots.length) {
      const next = new Int32Array(this.slots.length * 2);
      const m = next.length - 1;
      for (let i = 0; i < this.slots.length; i++) {
        const c = this.slots[i]! - 1;
        if (c < 0) continue;
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
  }

  // Byte interning (the UTF-8 CSV path): distinct values' bytes in one arena, a probe table of
  // codes keyed by a hash of the bytes. Kept apart from the code-unit table above, whose hash
  // differs for non-ASCII text; both feed the same dictionary (`index` joins them).
  private arena = new Uint8Array(0);
  private arenaLen = 0;
  private bOff = new Int32Array(0);
  private bLen = new Int32Array(0);
  private bHash = new Int32Array(0);
  private bSlots = new Int32Array(0);
  private bSlotted = 0;
  private lastB = -1;
  private fullBytes = false;
  /** Bytes compared in vain after a hash match (distinct values that share their sample). */
  private mismatchBytes = 0;

  /**
   * Interns the UTF-8 bytes `b[s..e)`: a hash of the bytes probes the byte table, a hit is
   * confirmed byte by byte, and only a new distinct value is decoded to a string. A run of equal
   * values (DeviceId, ActionType) is caught by comparing with the previous one before hashing.
   */
  setBytes(row: number, b: Uint8Array, s: number, e: number): void {
    if (row >= this.codes.length) this.ensure(row + 1);
    const len = e - s;
    // Hash and compare read 4 bytes per step through DataViews (unaligned loads, one per word):
    // the command lines of the 1M-row sbench data average ~310 bytes and are hashed and compared
    // on every repeat, which a byte loop made the builder's largest cost.
    const dv = b === this.dvOf ? this.dv : this.viewOf(b);
    const last = this.lastB;
    if (last >= 0 && this.bLen[last] === len && this.equalAt(this.bOff[last]!, dv, s, e)) {
      this.codes[row] = last;
      return;
    }
    // A hash of a sample of the bytes (a long command line costs what a short one does), or of
    // every byte once sample collisions cost too much (see byte-interner.ts).
    const h = this.fullBytes ? fullHash(b, s, e) : sampleHash(b, s, e);
    const slots = this.bSlots;
    const mask = slots.length - 1;
    if (mask > 0) {
      let p = h & mask;
      for (;;) {
        const c = slots[p]! - 1;
        if (c < 0) break;
        if (this.bHash[c] === h && this.bLen[c] === len) {
          const at = this.differAt(this.bOff[c]!, dv, s, e);
          if (at < 0) {
            this.codes[row] = c;
            this.lastB = c;
            return;
          }
          // Distinct values that share their sample: counted, to switch to full hashes when costly.
          this.mismatchBytes += at;
        }
        p = (p + 1) & mask;
      }
    }
    let code: number;
    if (this.textAdded) {
      // A string route added values: the new bytes may spell one of them (checked on the string).
      code = this.internDecoded(len === 0 ? '' : byteDecoder.decode(b.subarray(s, e)));
    } else {
      // New: its string is decoded later, with the other new values, in one call (`flushPending`).
      code = this.dict.length;
      this.dict.push('');
      if (this.pendingFrom < 0) this.pendingFrom = code;
    }
    this.addBytes(code, h, b, s, e);
    this.codes[row] = code;
    this.lastB = code;
    if (this.pendingFrom >= 0 && this.arenaLen - this.bOff[this.pendingFrom]! >= PENDING_BYTES) this.flushPending();
  }

  /**
   * First code whose string is not decoded yet (-1: none). Codes from it on were all interned
   * from bytes, so their bytes lie one after another in the arena: one `TextDecoder` call decodes
   * them all, and each string is a slice of the result. In Chromium a call per new value cost
   * ~0.9 s of a 1M-row load (the dashboard decodes ~30 columns, some with a value per row).
   */
  private pendingFrom = -1;

  /** Decodes the strings of the pending codes (see `pendingFrom`). */
  private flushPending(): void {
    const from = this.pendingFrom;
    if (from < 0) return;
    this.pendingFrom = -1;
    const dict = this.dict;
    const base = this.bOff[from]!;
    const bytes = this.arena.subarray(base, this.arenaLen);
    let ascii = true;
    for (let i = 0; i < bytes.length; i++)
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    if (ascii) {
      // One byte per UTF-16 unit: the byte offsets are the string's offsets.
      const text = byteDecoder.decode(bytes);
      for (let c = from; c < dict.length; c++) {
        const o = this.bOff[c]! - base;
        dict[c] = text.slice(o, o + this.bLen[c]!);
      }
    } else {
      for (let c = from; c < dict.length; c++) {
        const o = this.bOff[c]!;
        dict[c] = byteDecoder.decode(this.arena.subarray(o, o + this.bLen[c]!));
      }
    }
  }

  private dvOf: Uint8Array | null = null;
  private dv: DataView = new DataView(new ArrayBuffer(0));
  private arenaView: DataView = new DataView(new ArrayBuffer(0));

  // The previous view: CSV alternates between a chunk and the scratch bytes of unescaped fields.
  private dvOf2: Uint8Array | null = null;
  private dv2 = this.dv;

  private viewOf(b: Uint8Array): DataView {
    const prev = this.dvOf;
    const prevView = this.dv;
    this.dvOf = b;
    this.dv = b === this.dvOf2 ? this.dv2 : new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.dvOf2 = prev;
    this.dv2 = prevView;
    return this.dv;
  }

  /** Whether the arena's bytes from `o` equal `b[s..e)` (`dv` views `b`). */
  private equalAt(o: number, dv: DataView, s: number, e: number): boolean {
    return this.differAt(o, dv, s, e) < 0;
  }

  /** -1 when the arena's bytes from `o` equal `b[s..e)`, else bytes compared up to the first difference. */
  private differAt(o: number, dv: DataView, s: number, e: number): number {
    const av = this.arenaView;
    const d = o - s;
    let i = s;
    for (; i + 8 <= e; i += 8)
      if (((av.getInt32(i + d) ^ dv.getInt32(i)) | (av.getInt32(i + d + 4) ^ dv.getInt32(i + 4))) !== 0)
        return i - s + 8;
    if (i + 4 <= e) {
      if (av.getInt32(i + d) !== dv.getInt32(i)) return i - s + 4;
      i += 4;
    }
    for (; i < e; i++) if (av.getUint8(i + d) !== dv.getUint8(i)) return i - s + 1;
    return -1;
  }

  private addBytes(code: number, h: number, b: Uint8Array, s: number, e: number): void {
    const len = e - s;
    if (this.arenaLen + len > this.arena.length) {
      const a = new Uint8Array(Math.max(4096, (this.arenaLen + len) * 2));
      a.set(this.arena.subarray(0, this.arenaLen));
      this.arena = a;
      this.arenaView = new DataView(a.buffer);
    }
    this.arena.set(b.subarray(s, e), this.arenaLen);
    if (code >= this.bOff.length) {
      const cap = Math.max(256, (code + 1) * 2);
      const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
        const n = new Int32Array(cap);
        n.set(a);
        return n;
      };
      this.bOff = grow(this.bOff);
      this.bLen = grow(this.bLen);
      this.bHash = grow(this.bHash);
    }
    this.bOff[code] = this.arenaLen;
    this.bLen[code] = len;
    this.bHash[code] = h;
    this.arenaLen += len;
    if (++this.bSlotted * 2 > this.bSlots.length) {
      const next = new Int32Array(Math.max(1024, this.bSlots.length * 2));
      const m = next.length - 1;
      for (let i = 0; i < this.bSlots.length; i++) {
        const c = this.bSlots[i]! - 1;
        if (c < 0) continue;
        let q = this.bHash[c]! & m;
        while (next[q] !== 0) q = (q + 1) & m;
        next[q] = c + 1;
      }
      this.bSlots = next;
    }
    const m = this.bSlots.length - 1;
    let q = h & m;
    while (this.bSlots[q] !== 0) q = (q + 1) & m;
    this.bSlots[q] = code + 1;
    if (!this.fullBytes && this.mismatchBytes > this.arenaLen + MISMATCH_MARGIN) this.rehashBytes();
  }

  /** From sampled to full hashes for every byte entry (too many sample collisions). */
  private rehashBytes(): void {
    this.fullBytes = true;
    const old = this.bSlots;
    const next = new Int32Array(old.length);
    const m = next.length - 1;
    for (let i = 0; i < old.length; i++) {
      const c = old[i]! - 1;
      if (c < 0) continue;
      const h = fullHash(this.arena, this.bOff[c]!, this.bOff[c]! + this.bLen[c]!);
      this.bHash[c] = h;
      let q = h & m;
      while (next[q] !== 0) q = (q + 1) & m;
      next[q] = c + 1;
    }
    this.bSlots = next;
  }

  /** Whether byte entries are hashed over every byte (after too many sample collisions). */
  get fullByteHashing(): boolean {
    return this.fullBytes;
  }

  /** Code of `value`, interning it; for callers that map whole dictionaries (Arrow). */
  intern(value: string): number {
    if (this.indexed < this.dict.length) this.syncIndex();
    let code = this.index.get(value);
    if (code === undefined) {
      code = this.dict.length;
      const own = ownString(value);
      this.dict.push(own);
      this.index.set(own, code);
      this.indexed++;
      this.textAdded = true;
    }
    return code;
  }

  private syncIndex(): void {
    this.flushPending();
    const dict = this.dict;
    for (let c = this.indexed; c < dict.length; c++) this.index.set(dict[c]!, c);
    this.indexed = dict.length;
  }

  /**
   * Code of a value decoded from bytes that the byte table does not hold. Unless a string route
   * added values, the byte table holds every value, so it is new: no `Map`, and no `ownString`
   * (a decoded string is its own copy, never a view of a chunk).
   */
  private internDecoded(value: string): number {
    if (this.textAdded) {
      if (this.indexed < this.dict.length) this.syncIndex();
      const code = this.index.get(value);
      if (code !== undefined) return code;
    }
    this.dict.push(value);
    return this.dict.length - 1;
  }

  setCode(row: number, code: number): void {
    if (row >= this.codes.length) this.ensure(row + 1);
    this.codes[row] = code;
  }

  /** Copies row `from` to row `to` (compaction after rejects). */
  moveRow(from: number, to: number): void {
    this.codes[to] = this.codes[from]!;
  }

  get dictionarySize(): number {
    return this.dict.length;
  }

  /** Appends a column read elsewhere at row `at`: its distinct values are interned once, codes mapped. */
  append(col: StringColumn, at: number): void {
    this.ensure(at + col.length);
    const map = new Int32Array(col.dict.length);
    if (this.indexed < this.dict.length) this.syncIndex();
    const dict = this.dict;
    const index = this.index;
    for (let i = 0; i < col.dict.length; i++) {
      // The part's strings are its own (a structured clone), not slices of a chunk: no `ownString`.
      const value = col.dict[i]!;
      let code = index.get(value);
      if (code === undefined) {
        code = dict.length;
        dict.push(value);
        index.set(value, code);
        this.indexed++;
        // Not in the byte table: a later byte-table miss must consult `index`.
        this.textAdded = true;
      }
      map[i] = code;
    }
    const codes = this.codes;
    const src = col.codes;
    for (let r = 0; r < col.length; r++) codes[at + r] = map[src[r]!]!;
    this.lastCode = -1;
    this.lastB = -1;
  }

  finish(n: number): StringColumn {
    this.flushPending();
    return { type: 'string', length: n, codes: this.codes.slice(0, n), dict: this.dict };
  }
}
