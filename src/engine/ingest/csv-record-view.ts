/** Field flags kept per field by the scanner. */
export const FLAG_QUOTED = 1;
export const FLAG_ESCAPES = 2;

/**
 * A record as offsets into `src`. Reused for every record; `field(i)` materialises a string,
 * `start/end/hasEscapes` let typed decoders read the text without slicing.
 */
export class CsvRecordView {
  /** 1-based physical line where the record starts. */
  line = 0;
  /** 1-based data record number (header excluded). */
  index = 0;
  fieldCount = 0;
  /** Text holding the record; offsets below index into it. */
  src = '';
  /** @internal absolute offset of src[0]. */
  base = 0;
  /** @internal */
  starts = new Float64Array(64);
  /** @internal */
  ends = new Float64Array(64);
  /** @internal */
  flags = new Uint8Array(64);
  /** @internal */
  lines = new Float64Array(64);
  /** @internal */
  columns = new Float64Array(64);

  start(i: number): number {
    return this.starts[i]! - this.base;
  }
  end(i: number): number {
    return this.ends[i]! - this.base;
  }
  /** True when a quoted field contains `""` escapes (the raw range needs unescaping). */
  hasEscapes(i: number): boolean {
    return (this.flags[i]! & FLAG_ESCAPES) !== 0;
  }
  quoted(i: number): boolean {
    return (this.flags[i]! & FLAG_QUOTED) !== 0;
  }
  fieldLine(i: number): number {
    return this.lines[i]!;
  }
  fieldColumn(i: number): number {
    return this.columns[i]!;
  }
  /** The field's text with quotes removed and `""` unescaped. */
  field(i: number): string {
    const s = this.starts[i]! - this.base;
    const e = this.ends[i]! - this.base;
    if (s === e) return '';
    const raw = this.src.slice(s, e);
    return (this.flags[i]! & FLAG_ESCAPES) !== 0 ? raw.replaceAll('""', '"') : raw;
  }
  fields(): string[] {
    const out = new Array<string>(this.fieldCount);
    for (let i = 0; i < this.fieldCount; i++) out[i] = this.field(i);
    return out;
  }

  /** @internal */
  ensure(n: number): void {
    if (n <= this.starts.length) return;
    let cap = this.starts.length;
    while (cap < n) cap *= 2;
    const grow = <T extends Float64Array | Uint8Array>(a: T, make: (k: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.starts = grow(this.starts, (k) => new Float64Array(k));
    this.ends = grow(this.ends, (k) => new Float64Array(k));
    this.flags = grow(this.flags, (k) => new Uint8Array(k));
    this.lines = grow(this.lines, (k) => new Float64Array(k));
    this.columns = grow(this.columns, (k) => new Float64Array(k));
  }
}
