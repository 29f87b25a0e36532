/**
 * UTF-8 validation for the byte-level CSV reader, streaming across chunk boundaries.
 *
 * The byte reader never decodes whole chunks, so it must know before scanning a chunk whether the
 * text path's `TextDecoder` would have produced a U+FFFD in it (an invalid sequence, or a literal
 * U+FFFD): those files get the text path, which owns the replacement warning and its position.
 * The state machine is the WHATWG UTF-8 decoder's (bytes needed, lower/upper boundary), so
 * "clean" here means exactly "no U+FFFD in the decoder's output".
 */
export class Utf8Checker {
  private needed = 0;
  private seen = 0;
  private lower = 0x80;
  private upper = 0xbf;
  private cp = 0;

  /** True when a multi-byte sequence is open at the end of what was checked (a flush would emit U+FFFD). */
  get pending(): boolean {
    return this.needed > 0;
  }

  /**
   * Checks the next chunk. False: the decoder would emit a U+FFFD in this chunk's text (the
   * checker's state is then meaningless; the caller stops using it).
   */
  check(b: Uint8Array): boolean {
    const n = b.length;
    // Aligned 32-bit words let pure-ASCII stretches (most of a Defender export) be skipped 16
    // bytes per step; only words with a high bit set are walked byte by byte.
    const head = (4 - (b.byteOffset & 3)) & 3;
    const nw = n > head ? (n - head) >> 2 : 0;
    const words = nw > 0 ? new Int32Array(b.buffer, b.byteOffset + head, nw) : null;
    let i = 0;
    while (i < n) {
      const c = b[i]!;
      if (c < 0x80 && this.needed === 0) {
        if (words !== null && i >= head && ((i - head) & 3) === 0) {
          let w = (i - head) >> 2;
          while (w + 4 <= nw && ((words[w]! | words[w + 1]! | words[w + 2]! | words[w + 3]!) & 0x80808080) === 0)
            w += 4;
          while (w < nw && (words[w]! & 0x80808080) === 0) w++;
          const next = head + w * 4;
          if (next > i) {
            i = next;
            continue;
          }
        }
        i++;
        continue;
      }
      if (this.needed === 0) {
        if (c >= 0xc2 && c <= 0xdf) {
          this.needed = 1;
          this.cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
          if (c === 0xe0) this.lower = 0xa0;
          else if (c === 0xed) this.upper = 0x9f;
          this.needed = 2;
          this.cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
          if (c === 0xf0) this.lower = 0x90;
          else if (c === 0xf4) this.upper = 0x8f;
          this.needed = 3;
          this.cp = c & 0x07;
        } else return false;
        this.seen = 0;
      } else {
        if (c < this.lower || c > this.upper) return false;
        this.lower = 0x80;
        this.upper = 0xbf;
        this.cp = (this.cp << 6) | (c & 0x3f);
        if (++this.seen === this.needed) {
          this.needed = 0;
          // A literal U+FFFD in valid input is counted by the text path's warning too.
          if (this.cp === 0xfffd) return false;
        }
      }
      i++;
    }
    return true;
  }
}

/** UTF-16 code units of valid UTF-8 bytes `b[s..e)`: one per sequence, two for 4-byte ones. */
export function utf16Units(b: Uint8Array, s: number, e: number): number {
  let u = 0;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if ((c & 0xc0) !== 0x80) u += c >= 0xf0 ? 2 : 1;
  }
  return u;
}
