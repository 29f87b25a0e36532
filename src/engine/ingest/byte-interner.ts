/**
 * Codes for distinct byte runs (each run is a slice of a caller's buffer, kept by reference): the
 * first run with given bytes gets the next code (0, 1, 2, ...), an equal run gets the same code.
 * It is the duplicate check of Arrow dictionary entries (arrow-dict-sink.ts), where a dictionary
 * of long, almost always distinct values (command lines) is the common case.
 *
 * Runs are bucketed by a hash of a *sample* of their bytes (the length, the first and last 16
 * bytes and four words spread over the middle), so a long run costs the same as a short one; a
 * bucket match is confirmed by comparing every byte. Equal runs have equal samples, so a
 * duplicate is always found. Distinct runs that share their sample (hostile or unlucky data)
 * would all land in one bucket and be compared byte by byte; once the bytes spent on such
 * mismatches exceed the bytes interned so far (plus a margin), every run is rehashed over all
 * of its bytes and the table continues that way, so the total work stays within a small factor
 * of hashing everything.
 */

const SAMPLE_FULL = 48;
/** Bytes of failed comparisons allowed beyond the interned bytes before switching to full hashes. */
export const MISMATCH_MARGIN = 1 << 20;

function mix(h: number, w: number): number {
  return Math.imul(h ^ w, 16777619);
}

function word(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function finalise(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

/** FNV-style hash of every byte of b[s..e). */
export function fullHash(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5 ^ (e - s);
  let i = s;
  for (; i + 4 <= e; i += 4) h = mix(h, word(b, i));
  for (; i < e; i++) h = mix(h, b[i]!);
  return finalise(h);
}

/** Hash of a sample of b[s..e): every byte up to SAMPLE_FULL bytes, else ends and four inner words. */
export function sampleHash(b: Uint8Array, s: number, e: number): number {
  const len = e - s;
  if (len <= SAMPLE_FULL) return fullHash(b, s, e);
  let h = 0x811c9dc5 ^ len;
  h = mix(h, word(b, s));
  h = mix(h, word(b, s + 4));
  h = mix(h, word(b, s + 8));
  h = mix(h, word(b, s + 12));
  h = mix(h, word(b, e - 16));
  h = mix(h, word(b, e - 12));
  h = mix(h, word(b, e - 8));
  h = mix(h, word(b, e - 4));
  const step = Math.floor((len - 36) / 5);
  for (let k = 1; k <= 4; k++) h = mix(h, word(b, s + 16 + k * step));
  return finalise(h);
}

export class ByteInterner {
  private slots = new Int32Array(1024);
  private count = 0;
  private hashes = new Int32Array(256);
  private starts = new Int32Array(256);
  private lengths = new Int32Array(256);
  private readonly sources: Uint8Array[] = [];
  private full = false;
  private internedBytes = 0;
  private mismatchBytes = 0;

  /** Number of distinct runs (the next new code). */
  get size(): number {
    return this.count;
  }

  /** Whether runs are now hashed over all their bytes (after too many sample collisions). */
  get fullHashing(): boolean {
    return this.full;
  }

  /** Makes room for `k` more runs (one allocation instead of doubling steps). */
  reserve(k: number): void {
    const need = this.count + k;
    if (need > this.hashes.length) this.widen(need);
    let size = this.slots.length;
    while (need * 2 > size) size *= 2;
    if (size !== this.slots.length) this.rebuildSlots(size);
  }

  private widen(cap: number): void {
    const widen = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const w = new Int32Array(cap);
      w.set(a.subarray(0, this.count));
      return w;
    };
    this.hashes = widen(this.hashes);
    this.starts = widen(this.starts);
    this.lengths = widen(this.lengths);
  }

  /** The code of b[s..e): an earlier equal run's, else the next code. */
  intern(b: Uint8Array, s: number, e: number): number {
    const len = e - s;
    const h = this.full ? fullHash(b, s, e) : sampleHash(b, s, e);
    const mask = this.slots.length - 1;
    for (let p = h & mask; ; p = (p + 1) & mask) {
      const c = this.slots[p]! - 1;
      if (c < 0) break;
      if (this.hashes[c] !== h || this.lengths[c] !== len) continue;
      const other = this.sources[c]!;
      const o = this.starts[c]! - s;
      let j = s;
      while (j < e && other[o + j] === b[j]) j++;
      if (j === e) return c;
      this.mismatchBytes += j - s + 1;
    }
    const code = this.add(b, s, e, h);
    if (!this.full && this.mismatchBytes > this.internedBytes + MISMATCH_MARGIN) this.rehashFull();
    return code;
  }

  private add(b: Uint8Array, s: number, e: number, h: number): number {
    const code = this.count++;
    if (code >= this.hashes.length) this.widen(this.hashes.length * 2);
    this.hashes[code] = h;
    this.starts[code] = s;
    this.lengths[code] = e - s;
    this.sources[code] = b;
    this.internedBytes += e - s;
    if (this.count * 2 > this.slots.length) this.rebuildSlots(this.slots.length * 2);
    else this.place(code);
    return code;
  }

  private place(code: number): void {
    const m = this.slots.length - 1;
    let q = this.hashes[code]! & m;
    while (this.slots[q] !== 0) q = (q + 1) & m;
    this.slots[q] = code + 1;
  }

  private rebuildSlots(size: number): void {
    this.slots = new Int32Array(size);
    for (let c = 0; c < this.count; c++) this.place(c);
  }

  private rehashFull(): void {
    this.full = true;
    for (let c = 0; c < this.count; c++) {
      const s = this.starts[c]!;
      this.hashes[c] = fullHash(this.sources[c]!, s, s + this.lengths[c]!);
    }
    this.rebuildSlots(this.slots.length);
  }
}
