import { closeSync, openSync, writeSync } from 'node:fs';
import type { ColumnSchema } from '../../src/engine/table/table';
import type { Clock } from './clock';
import type { Cell, RowSink } from './model';

/** A text destination written in order; implementations buffer. */
export interface TextSink {
  write(text: string): void;
  close(): void;
}

/**
 * Buffered synchronous file output. Text is encoded straight into one reused 4 MiB buffer and
 * written with one syscall when it fills: joining strings and letting writeSync allocate a fresh
 * buffer per flush made the garbage collector the bottleneck at millions of rows.
 */
export class FileTextSink implements TextSink {
  private readonly fd: number;
  private readonly buf: Buffer;
  private used = 0;

  constructor(path: string, capacity = 4 << 20) {
    this.fd = openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(capacity);
  }

  write(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (this.used + text.length * 3 > this.buf.length) {
      this.flush();
      if (text.length * 3 > this.buf.length) {
        writeSync(this.fd, text, null, 'utf8');
        return;
      }
    }
    this.used += this.buf.write(text, this.used, 'utf8');
  }

  private flush(): void {
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.buf, off, this.used - off);
    this.used = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Collects text in memory (tests, samples). */
export class MemoryTextSink implements TextSink {
  private readonly parts: string[] = [];

  write(text: string): void {
    this.parts.push(text);
  }

  close(): void {}

  text(): string {
    return this.parts.join('');
  }
}

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180: quote a field holding a comma, quote, CR or LF, and double the embedded quotes. */
export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes rows as an advanced-hunting CSV export: header of the real column names, CRLF record ends
 * (RFC 4180; a LF inside a quoted field stays LF), empty cells for null numbers, timestamps in the
 * trimmed ISO form.
 */
export class CsvRowWriter implements RowSink {
  private readonly kinds: readonly string[];
  rows = 0;

  constructor(
    private readonly out: TextSink,
    schema: readonly ColumnSchema[],
    private readonly clock: Clock,
  ) {
    this.kinds = schema.map((c) => c.type);
    out.write(schema.map((c) => csvField(c.name)).join(',') + '\r\n');
  }

  writeRow(cells: readonly Cell[]): void {
    if (cells.length !== this.kinds.length)
      throw new Error(`row has ${cells.length} cells, schema ${this.kinds.length}`);
    let line = '';
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i];
      if (i > 0) line += ',';
      if (v === null || v === undefined) continue;
      switch (typeof v) {
        case 'string':
          line += csvField(v);
          break;
        case 'number':
          line += this.kinds[i] === 'datetime' ? this.clock.csv(v) : String(v);
          break;
        case 'boolean':
          line += v ? 'true' : 'false';
          break;
      }
    }
    this.out.write(line + '\r\n');
    this.rows++;
  }
}
