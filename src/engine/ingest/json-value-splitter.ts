/**
 * Splits a stream of JSON text into its record values without parsing them: JSON lines
 * (one value per line, or pretty-printed values one after another) and top-level arrays
 * `[ {...}, {...} ]` alike. Each complete value's text goes to `JSON.parse` on its own.
 *
 * Why not `JSON.parse` the whole file: an export is often several GB, past V8's string limit
 * (~512 MB) and far past memory for a parsed tree; and a JSON array has no line structure to
 * split on. Tracking only string / escape / bracket depth is enough to find value boundaries
 * exactly, costs one pass over the characters, and keeps memory to one record.
 */

export interface JsonValueSink {
  /** The text of one record value (an element of a top-level array, or a top-level value). */
  value(text: string, line: number): void;
  /** Text that cannot be a value (stray bracket, truncated value, over-long record). */
  junk(line: number, what: string): void;
}

const LF = 10;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff;
}

const enum Kind {
  /** Between values. */
  None,
  /** An object or array value: ends when depth returns to the base. */
  Nested,
  /** A string value at the base level. */
  Str,
  /** A number / literal / junk word at the base level: ends at a space, comma or bracket. */
  Bare,
}

export class JsonValueSplitter {
  /** 1-based line of the next character. */
  private line = 1;
  private depth = 0;
  /** Depth at which record values sit: 0 for JSON lines, 1 inside a top-level array. */
  private base = 0;
  private inString = false;
  private escaped = false;
  private kind = Kind.None;
  private startLine = 0;
  private parts: string[] = [];
  private partsLen = 0;
  /** Skipping an over-long record up to the next line end. */
  private skipping = false;
  /** Characters seen; for progress and tests. */
  chars = 0;

  constructor(
    private readonly sink: JsonValueSink,
    private readonly maxRecordLength = 64 * 1024 * 1024,
  ) {}

  push(text: string): void {
    this.chars += text.length;
    const n = text.length;
    let start = this.kind === Kind.None ? -1 : 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (this.skipping) {
        if (c === LF) {
          this.skipping = false;
          this.line++;
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.kind === Kind.Str) {
            this.emit(text, start, i + 1);
            start = -1;
          }
        } else if (c === LF) this.line++;
        continue;
      }
      if (this.kind === Kind.Bare) {
        // A bare word ends before any structural character or space; that character is then
        // handled below as if between values.
        if (
          isSpace(c) ||
          c === COMMA ||
          c === OPEN_BRACE ||
          c === CLOSE_BRACE ||
          c === OPEN_BRACKET ||
          c === CLOSE_BRACKET ||
          c === QUOTE
        ) {
          this.emit(text, start, i);
          start = -1;
        } else continue;
      }
      if (this.kind === Kind.None) {
        if (c === LF) {
          this.line++;
          continue;
        }
        if (isSpace(c)) continue;
        if (c === COMMA && this.base > 0) continue;
        if (c === CLOSE_BRACKET && this.base > 0 && this.depth === this.base) {
          this.depth--;
          this.base--;
          continue;
        }
        if (c === OPEN_BRACKET && this.depth === 0 && this.base === 0) {
          // A top-level array: its elements are the records.
          this.depth = 1;
          this.base = 1;
          continue;
        }
        if (c === CLOSE_BRACE || c === CLOSE_BRACKET || c === COMMA) {
          this.sink.junk(this.line, `unexpected ${String.fromCharCode(c)} between records`);
          continue;
        }
        start = i;
        this.startLine = this.line;
        if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          this.kind = Kind.Nested;
          this.depth++;
        } else if (c === QUOTE) {
          this.kind = Kind.Str;
          this.inString = true;
        } else this.kind = Kind.Bare;
        continue;
      }
      // Inside a nested value.
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === this.base) {
          this.emit(text, start, i + 1);
          start = -1;
        }
      } else if (c === LF) this.line++;
      if (start >= 0 && this.partsLen + (i - start) > this.maxRecordLength) {
        this.sink.junk(
          this.startLine,
          `record longer than ${this.maxRecordLength} characters; skipped to the next line`,
        );
        this.resetValue();
        this.depth = this.base;
        this.skipping = true;
        start = -1;
      }
    }
    if (start >= 0 && this.kind !== Kind.None) {
      const piece = text.slice(start);
      this.parts.push(piece);
      this.partsLen += piece.length;
      if (this.partsLen > this.maxRecordLength) {
        this.sink.junk(
          this.startLine,
          `record longer than ${this.maxRecordLength} characters; skipped to the next line`,
        );
        this.resetValue();
        this.depth = this.base;
        this.skipping = true;
      }
    }
  }

  /** Ends the input: a value still open is reported as truncated. */
  finish(): void {
    if (this.kind === Kind.Bare) {
      const t = this.parts.join('');
      this.resetValue();
      this.sink.value(t, this.startLine);
    } else if (this.kind !== Kind.None) {
      this.sink.junk(this.startLine, 'the file ends inside this record (truncated)');
      this.resetValue();
    } else if (this.base > 0) this.sink.junk(this.line, 'the file ends inside the top-level array (truncated)');
  }

  private emit(text: string, start: number, end: number): void {
    const last = text.slice(start, end);
    const t = this.parts.length === 0 ? last : this.parts.join('') + last;
    const line = this.startLine;
    this.resetValue();
    this.sink.value(t, line);
  }

  private resetValue(): void {
    this.kind = Kind.None;
    this.parts = [];
    this.partsLen = 0;
    this.inString = false;
    this.escaped = false;
  }
}
