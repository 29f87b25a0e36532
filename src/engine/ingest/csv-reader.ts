/**
 * Streaming RFC 4180 CSV / TSV reader.
 *
 * Hand-written rather than a library because (1) correctness at chunk boundaries is the whole
 * point of streaming a multi-GB `File.stream()`: a popular JS streaming CSV parser corrupts rows
 * when a chunk ends inside a quoted field / an escaped `""`, and we need every boundary case
 * tested against a whole-buffer oracle; (2) speed: the caller decodes typed cells straight from
 * the chunk text by offset (`CsvRecordView.src/start/end`), so no per-field array or object is
 * allocated and unrequested columns are never sliced into strings.
 *
 * Text level: bytes go through one streaming `TextDecoder` (UTF-8 with or without BOM, UTF-16
 * LE/BE with BOM or sniffed from NUL patterns), so a multi-byte character split across chunks is
 * the decoder's job. The scanner is a resumable state machine over the decoded chunks; a record
 * spanning chunks is kept as a list of pieces and joined once when it ends (linear, even for a
 * record of tens of MB arriving in 64 KB chunks).
 *
 * It never throws on input: malformed records are handed to `sink.reject` with the 1-based
 * physical line and column (in UTF-16 code units) and parsing resumes. Every data record is
 * delivered to exactly one of `sink.record` / `sink.reject`.
 */

import { throwIfAborted } from './abort-error';
import { CsvRecordView, FLAG_ESCAPES, FLAG_QUOTED } from './csv-record-view';

export { CsvRecordView } from './csv-record-view';
export { abortError, throwIfAborted } from './abort-error';

export type CsvDelimiter = ',' | '\t' | ';';

export type CsvIssueCode =
  'unterminated-quote' | 'stray-quote' | 'text-after-quote' | 'field-count' | 'record-too-long' | 'nul-char';

export interface CsvIssue {
  readonly code: CsvIssueCode;
  /** 1-based physical line of the problem. */
  readonly line: number;
  /** 1-based column (UTF-16 code units) within that line. */
  readonly column: number;
  /** 1-based physical line where the rejected record starts. */
  readonly recordLine: number;
  readonly message: string;
}

export interface CsvSink {
  /** The first record when `header` is on (raw, unescaped field text). */
  header?(fields: readonly string[], line: number): void;
  /** A well-formed data record. The view is reused: copy what you keep before returning. */
  record(rec: CsvRecordView): void;
  /** A malformed data record (it counts as a row read). */
  reject(issue: CsvIssue): void;
}

export interface CsvReaderOptions {
  /** Given, or auto-detected from the first line (the most frequent of `,` `\t` `;` outside quotes). */
  readonly delimiter?: CsvDelimiter;
  /** Default true: the first record is the header; later records must have as many fields. */
  readonly header?: boolean;
  /** Longest record accepted, in UTF-16 code units; default 64 Mi. Longer ones are rejected and skipped to the next line end. */
  readonly maxRecordLength?: number;
}

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface CsvReadSummary {
  readonly encoding: TextEncodingName;
  readonly bom: boolean;
  readonly delimiter: CsvDelimiter;
  /** Bytes consumed. */
  readonly bytes: number;
  /** Physical lines seen (a final line without newline counts). */
  readonly lines: number;
  /** Data records delivered to `record` or `reject` (header excluded). */
  readonly records: number;
  readonly headerSeen: boolean;
  /** Empty lines between records, skipped (they are not rows). */
  readonly blankLines: number;
  readonly warnings: readonly string[];
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteSeen,
  SkipLine,
}

function quoteForMessage(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

// Issue messages, shared with the byte-level reader (byte-csv-reader.ts) so both paths say the same.
/** @internal */
export function strayQuoteMessage(line: number, col: number): string {
  return `a quote inside an unquoted field at line ${line}, column ${col} (quote the field and double the quote: "")`;
}
/** @internal */
export function textAfterQuoteMessage(line: number, col: number): string {
  return `text after the closing quote at line ${line}, column ${col} (a quote inside a quoted field must be doubled: "")`;
}
/** @internal */
export function nulMessage(line: number, col: number): string {
  return `NUL character at line ${line}, column ${col} (binary data?)`;
}
/** @internal */
export function tooLongMessage(recLine: number, max: number): string {
  return `record starting at line ${recLine} is longer than ${max} characters`;
}
/** @internal */
export function unterminatedMessage(fieldLine: number, fieldCol: number, recLine: number, lastLine: number): string {
  return `quoted field opened at line ${fieldLine}, column ${fieldCol} is never closed; lines ${recLine}-${lastLine} (to the end of the file) form one rejected record`;
}
/** @internal */
export function fieldCountMessage(
  recLine: number,
  lastLine: number,
  nFields: number,
  expected: number,
  first: () => string,
): string {
  return `record at line ${recLine}${lastLine !== recLine ? `-${lastLine}` : ''} has ${nFields} field(s), the header has ${expected}${
    nFields === 1 && expected > 1 ? ` (wrong delimiter? content ${quoteForMessage(first())})` : ''
  }`;
}

/**
 * Scanner state at a record boundary: what the byte-level reader hands over when it gives a file
 * back to this text path mid-stream (see byte-csv-reader.ts). Everything else a scanner holds is
 * per record and starts afresh at a record boundary.
 * @internal
 */
export interface CsvResumeState {
  readonly delimiter: CsvDelimiter;
  readonly line: number;
  readonly pendingLF: boolean;
  readonly headerDone: boolean;
  readonly expectedFields: number;
  readonly records: number;
  readonly blankLines: number;
  readonly bytes: number;
  readonly bom: boolean;
  readonly warnings: readonly string[];
}

/**
 * The resumable scanner. Feed bytes (`pushBytes`) or already-decoded text (`pushText`), then
 * `finish()`. Synchronous so tests can drive exact chunkings; `readCsv` wraps it for streams.
 */
export class CsvScanner {
  private readonly sink: CsvSink;
  private readonly headerMode: boolean;
  private readonly maxRecordLength: number;
  private delimiter: CsvDelimiter | null;
  private delimCode = 44;
  /** Characters that stop the unquoted-field loop (delimiter, CR, LF, quote, NUL). */
  private special = new Uint8Array(64);

  // Byte-level state.
  private decoder: TextDecoder | null = null;
  private sniff: Uint8Array | null = new Uint8Array(0);
  private encoding: TextEncodingName = 'utf-8';
  private bom = false;
  private bytes = 0;
  /** Text before the delimiter is known (first line not complete yet). */
  private headText = '';

  // Text-level state.
  private state: State = State.FieldStart;
  private pendingLF = false;
  private base = 0;
  private text = '';
  private line = 1;
  private lineStartAbs = 0;
  private inRecord = false;
  private recStartAbs = 0;
  private recLine = 1;
  private pieces: string[] = [];
  private fieldStartAbs = 0;
  private fieldLine = 1;
  private fieldCol = 1;
  private fieldFlags = 0;
  private quoteEndAbs = 0;
  private issue: CsvIssue | null = null;
  private nFields = 0;
  private readonly view = new CsvRecordView();
  private expectedFields = -1;
  private headerDone = false;
  private records = 0;
  private blankLines = 0;
  private sawText = false;
  private replacementChars = 0;
  private firstReplacement = '';
  private readonly warnings: string[] = [];
  private finished = false;

  constructor(sink: CsvSink, opts: CsvReaderOptions = {}) {
    this.sink = sink;
    this.headerMode = opts.header ?? true;
    this.maxRecordLength = Math.max(1, opts.maxRecordLength ?? 64 * 1024 * 1024);
    this.delimiter = opts.delimiter ?? null;
    if (this.delimiter !== null) this.setDelimiter(this.delimiter);
  }

  /**
   * A UTF-8 scanner continuing a stream at a record boundary (the byte-level reader's fallback).
   * The decoder must not strip a U+FEFF here: it is not at the start of the stream.
   * @internal
   */
  static resume(sink: CsvSink, opts: CsvReaderOptions, st: CsvResumeState): CsvScanner {
    const sc = new CsvScanner(sink, { ...opts, delimiter: st.delimiter });
    sc.sniff = null;
    sc.sawText = true;
    sc.decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
    sc.bom = st.bom;
    sc.bytes = st.bytes;
    sc.line = st.line;
    sc.pendingLF = st.pendingLF;
    sc.headerDone = st.headerDone;
    sc.expectedFields = st.expectedFields;
    sc.records = st.records;
    sc.blankLines = st.blankLines;
    sc.warnings.push(...st.warnings);
    return sc;
  }

  private setDelimiter(d: CsvDelimiter): void {
    this.delimiter = d;
    this.delimCode = d.charCodeAt(0);
    this.special = new Uint8Array(64);
    this.special[this.delimCode] = 1;
    this.special[LF] = 1;
    this.special[CR] = 1;
    this.special[QUOTE] = 1;
    this.special[0] = 1;
  }

  /** Feeds raw bytes; the encoding is sniffed from the first 4 bytes (BOM or UTF-16 NUL pattern). */
  pushBytes(chunk: Uint8Array): void {
    this.bytes += chunk.byteLength;
    if (this.sniff !== null) {
      const joined = new Uint8Array(this.sniff.length + chunk.length);
      joined.set(this.sniff);
      joined.set(chunk, this.sniff.length);
      // A BOM may itself be split across chunks of 1 byte: wait for 4 bytes before deciding.
      if (joined.length < 4) {
        this.sniff = joined;
        return;
      }
      this.sniff = null;
      this.startDecoder(joined);
      this.pushText(this.decoder!.decode(joined, { stream: true }));
      return;
    }
    this.pushText(this.decoder!.decode(chunk, { stream: true }));
  }

  private startDecoder(head: Uint8Array): void {
    const b0 = head[0] ?? -1;
    const b1 = head[1] ?? -1;
    const b2 = head[2] ?? -1;
    const b3 = head[3] ?? -1;
    if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) {
      this.bom = true;
    } else if (b0 === 0xff && b1 === 0xfe) {
      this.encoding = 'utf-16le';
      this.bom = true;
    } else if (b0 === 0xfe && b1 === 0xff) {
      this.encoding = 'utf-16be';
      this.bom = true;
    } else if (b0 > 0 && b1 === 0 && b2 > 0 && b3 === 0) {
      // ASCII header text as UTF-16 without a BOM ("T\0i\0"): some tools write that.
      this.encoding = 'utf-16le';
      this.warnings.push('no byte-order mark, but the NUL pattern says UTF-16 LE: decoded as UTF-16 LE');
    } else if (b0 === 0 && b1 > 0 && b2 === 0 && b3 > 0) {
      this.encoding = 'utf-16be';
      this.warnings.push('no byte-order mark, but the NUL pattern says UTF-16 BE: decoded as UTF-16 BE');
    }
    // ignoreBOM false: the decoder strips a leading BOM of its own encoding.
    this.decoder = new TextDecoder(this.encoding, { fatal: false, ignoreBOM: false });
  }

  /** Feeds decoded text (the byte path ends here too). */
  pushText(text: string): void {
    if (text.length === 0) return;
    if (!this.sawText) {
      this.sawText = true;
      // A BOM that reached us as text (pushText used directly).
      if (text.charCodeAt(0) === 0xfeff) {
        this.bom = true;
        text = text.slice(1);
        if (text.length === 0) return;
      }
    }
    this.noteReplacements(text);
    if (this.delimiter === null) {
      this.headText += text;
      const nl = firstLineEnd(this.headText);
      if (nl < 0 && this.headText.length <= this.maxRecordLength) return;
      this.setDelimiter(detectDelimiter(nl < 0 ? this.headText : this.headText.slice(0, nl)));
      text = this.headText;
      this.headText = '';
    }
    this.scan(text);
  }

  private noteReplacements(text: string): void {
    let k = text.indexOf('\uFFFD');
    if (k < 0) return;
    if (this.firstReplacement === '') {
      // Line of the first one, counted from where this chunk starts (close enough for a warning).
      let line = this.line + (this.delimiter === null ? countLines(this.headText) : 0);
      let col = 1;
      for (let i = 0; i < k; i++) {
        const c = text.charCodeAt(i);
        if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) {
          line++;
          col = 1;
        } else col++;
      }
      this.firstReplacement = `line ${line}, column ${col}`;
    }
    while (k >= 0) {
      this.replacementChars++;
      k = text.indexOf('\uFFFD', k + 1);
    }
  }

  /** Ends the input: flushes the decoder, closes an open record, and returns what was seen. */
  finish(): CsvReadSummary {
    if (!this.finished) {
      this.finished = true;
      if (this.sniff !== null) {
        const head = this.sniff;
        this.sniff = null;
        this.startDecoder(head);
        this.pushText(this.decoder!.decode(head, { stream: true }));
      }
      if (this.decoder !== null) this.pushText(this.decoder.decode());
      if (this.delimiter === null) {
        this.setDelimiter(detectDelimiter(this.headText));
        const t = this.headText;
        this.headText = '';
        if (t.length > 0) this.scan(t);
      }
      this.endOfInput();
      if (this.replacementChars > 0) {
        this.warnings.push(
          `${this.replacementChars} invalid ${this.encoding.toUpperCase()} byte sequence(s) replaced by U+FFFD (first at ${this.firstReplacement}); is the file in another encoding?`,
        );
      }
    }
    return {
      encoding: this.encoding,
      bom: this.bom,
      delimiter: this.delimiter ?? ',',
      bytes: this.bytes,
      lines: this.lineCount(),
      records: this.records,
      headerSeen: this.headerDone,
      blankLines: this.blankLines,
      warnings: this.warnings,
    };
  }

  private lineCount(): number {
    // `line` is the line being read; it only counts if something is on it.
    const lastHasText = this.base + this.text.length > this.lineStartAbs;
    return this.line - 1 + (lastHasText ? 1 : 0);
  }

  private newline(absAfter: number, wasCR: boolean): void {
    this.line++;
    this.lineStartAbs = absAfter;
    this.pendingLF = wasCR;
  }

  private setIssue(code: CsvIssueCode, line: number, column: number, message: string): void {
    if (this.issue === null) this.issue = { code, line, column, recordLine: this.recLine, message };
  }

  private scan(text: string): void {
    const base = this.base + this.text.length;
    this.base = base;
    this.text = text;
    const n = text.length;
    const special = this.special;
    const delim = this.delimCode;
    let i = 0;
    while (i < n) {
      if (this.pendingLF) {
        this.pendingLF = false;
        if (text.charCodeAt(i) === LF) {
          i++;
          this.lineStartAbs = base + i;
          continue;
        }
      }
      switch (this.state) {
        case State.FieldStart: {
          const c = text.charCodeAt(i);
          if (!this.inRecord) {
            if (c === LF || c === CR) {
              this.blankLines++;
              i++;
              this.newline(base + i, c === CR);
              continue;
            }
            this.inRecord = true;
            this.recStartAbs = base + i;
            this.recLine = this.line;
            this.nFields = 0;
            this.issue = null;
          } else if (c === LF || c === CR) {
            // A record ending in a delimiter: its last field is empty.
            this.fieldStartAbs = base + i;
            this.fieldLine = this.line;
            this.fieldCol = base + i - this.lineStartAbs + 1;
            this.fieldFlags = 0;
            this.endField(base + i);
            this.endRecord(base + i);
            i++;
            this.newline(base + i, c === CR);
            continue;
          }
          this.fieldLine = this.line;
          this.fieldCol = base + i - this.lineStartAbs + 1;
          if (c === QUOTE) {
            this.fieldFlags = FLAG_QUOTED;
            this.fieldStartAbs = base + i + 1;
            this.state = State.Quoted;
            i++;
          } else {
            this.fieldFlags = 0;
            this.fieldStartAbs = base + i;
            this.state = State.Unquoted;
          }
          break;
        }
        case State.Unquoted: {
          let j = i;
          let c = 0;
          for (; j < n; j++) {
            c = text.charCodeAt(j);
            if (c < 64 && special[c] === 1) {
              if (c === delim || c === LF || c === CR) break;
              if (c === QUOTE) {
                this.setIssue(
                  'stray-quote',
                  this.line,
                  base + j - this.lineStartAbs + 1,
                  strayQuoteMessage(this.line, base + j - this.lineStartAbs + 1),
                );
              } else {
                this.nulIssue(base + j);
              }
            }
          }
          if (j === n) {
            i = n;
            break;
          }
          this.endField(base + j);
          i = j + 1;
          this.state = State.FieldStart;
          if (c !== delim) {
            this.endRecord(base + j);
            this.newline(base + i, c === CR);
          }
          break;
        }
        case State.Quoted: {
          let j = i;
          for (; j < n; j++) {
            const c = text.charCodeAt(j);
            if (c <= QUOTE) {
              if (c === QUOTE) break;
              if (c === LF) {
                this.line++;
                this.lineStartAbs = base + j + 1;
              } else if (c === CR) {
                this.line++;
                if (j + 1 < n && text.charCodeAt(j + 1) === LF) j++;
                else if (j + 1 === n) this.pendingLF = true;
                this.lineStartAbs = base + j + 1;
              } else if (c === 0) {
                this.nulIssue(base + j);
              }
            }
          }
          if (j === n) {
            i = n;
            break;
          }
          this.quoteEndAbs = base + j;
          this.state = State.QuoteSeen;
          i = j + 1;
          break;
        }
        case State.QuoteSeen: {
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            this.fieldFlags |= FLAG_ESCAPES;
            this.state = State.Quoted;
            i++;
          } else if (c === delim) {
            this.endField(this.quoteEndAbs);
            this.state = State.FieldStart;
            i++;
          } else if (c === LF || c === CR) {
            this.endField(this.quoteEndAbs);
            this.endRecord(base + i);
            this.state = State.FieldStart;
            i++;
            this.newline(base + i, c === CR);
          } else {
            const col = base + i - this.lineStartAbs + 1;
            this.setIssue('text-after-quote', this.line, col, textAfterQuoteMessage(this.line, col));
            // Carry on as an unquoted tail so the record's extent is still found.
            this.state = State.Unquoted;
          }
          break;
        }
        case State.SkipLine: {
          let j = i;
          let c = 0;
          for (; j < n; j++) {
            c = text.charCodeAt(j);
            if (c === LF || c === CR) break;
          }
          if (j === n) {
            i = n;
            break;
          }
          i = j + 1;
          this.newline(base + i, c === CR);
          this.state = State.FieldStart;
          break;
        }
      }
    }
    if (this.inRecord) {
      const from = this.recStartAbs - base;
      const len = base + n - this.recStartAbs;
      if (len > this.maxRecordLength) {
        this.tooLong();
      } else {
        this.pieces.push(from > 0 ? text.slice(from) : text);
      }
    }
  }

  private nulIssue(abs: number): void {
    const col = abs - this.lineStartAbs + 1;
    this.setIssue('nul-char', this.line, col, nulMessage(this.line, col));
  }

  private tooLong(): void {
    const issue: CsvIssue = {
      code: 'record-too-long',
      line: this.recLine,
      column: 1,
      recordLine: this.recLine,
      message: `${tooLongMessage(this.recLine, this.maxRecordLength)}${
        this.state === State.Quoted ? ' (inside a quoted field: an unterminated quote?)' : ''
      }; skipped to the next line end`,
    };
    this.pieces = [];
    this.inRecord = false;
    this.nFields = 0;
    this.state = State.SkipLine;
    this.deliverReject(issue);
  }

  private endField(endAbs: number): void {
    const k = this.nFields++;
    const v = this.view;
    if (k >= v.starts.length) v.ensure(k + 1);
    v.starts[k] = this.fieldStartAbs;
    v.ends[k] = endAbs;
    v.flags[k] = this.fieldFlags;
    v.lines[k] = this.fieldLine;
    v.columns[k] = this.fieldCol;
  }

  private deliverReject(issue: CsvIssue): void {
    if (this.headerMode && !this.headerDone) {
      // A malformed header is still the header; the table reader judges its names.
      this.headerDone = true;
      this.warnings.push(`header: ${issue.message}`);
      this.sink.header?.([], issue.recordLine);
      return;
    }
    this.records++;
    this.sink.reject(issue);
  }

  private endRecord(endAbs: number): void {
    const v = this.view;
    v.fieldCount = this.nFields;
    v.line = this.recLine;
    if (this.pieces.length > 0 || this.recStartAbs < this.base) {
      const tail = this.text.slice(0, Math.max(0, endAbs - this.base));
      v.src = this.pieces.join('') + tail;
      v.base = this.recStartAbs;
      this.pieces = [];
    } else {
      v.src = this.text;
      v.base = this.base;
    }
    this.inRecord = false;
    const nFields = this.nFields;
    this.nFields = 0;
    if (endAbs - this.recStartAbs > this.maxRecordLength) {
      this.deliverReject({
        code: 'record-too-long',
        line: this.recLine,
        column: 1,
        recordLine: this.recLine,
        message: tooLongMessage(this.recLine, this.maxRecordLength),
      });
      return;
    }
    if (this.headerMode && !this.headerDone) {
      this.headerDone = true;
      this.expectedFields = nFields;
      if (this.issue !== null) this.warnings.push(`header: ${this.issue.message}`);
      this.sink.header?.(v.fields(), this.recLine);
      return;
    }
    if (this.issue !== null) {
      this.deliverReject(this.issue);
      return;
    }
    if (this.expectedFields < 0) this.expectedFields = nFields;
    if (nFields !== this.expectedFields) {
      const lastLine = nFields > 0 ? v.lines[nFields - 1]! : this.recLine;
      this.deliverReject({
        code: 'field-count',
        line: this.recLine,
        column: 1,
        recordLine: this.recLine,
        message: fieldCountMessage(this.recLine, lastLine, nFields, this.expectedFields, () => v.field(0)),
      });
      return;
    }
    this.records++;
    v.index = this.records;
    this.sink.record(v);
  }

  private endOfInput(): void {
    switch (this.state) {
      case State.FieldStart:
        if (this.inRecord) {
          // "a,b," at EOF: the trailing delimiter opened an empty last field.
          const end = this.base + this.text.length;
          this.fieldStartAbs = end;
          this.fieldLine = this.line;
          this.fieldCol = end - this.lineStartAbs + 1;
          this.fieldFlags = 0;
          this.endField(end);
          this.endRecord(end);
        }
        break;
      case State.Unquoted:
        this.endField(this.base + this.text.length);
        this.endRecord(this.base + this.text.length);
        break;
      case State.QuoteSeen:
        this.endField(this.quoteEndAbs);
        this.endRecord(this.base + this.text.length);
        break;
      case State.Quoted: {
        const lastLine = this.lineCount();
        this.issue = null;
        this.setIssue(
          'unterminated-quote',
          this.fieldLine,
          this.fieldCol,
          unterminatedMessage(this.fieldLine, this.fieldCol, this.recLine, lastLine),
        );
        const issue = this.issue as CsvIssue | null;
        this.pieces = [];
        this.inRecord = false;
        if (issue !== null) this.deliverReject(issue);
        break;
      }
      case State.SkipLine:
        break;
    }
    this.state = State.FieldStart;
  }
}

/** Index of the first CR or LF, or -1. */
function firstLineEnd(text: string): number {
  const a = text.indexOf('\n');
  const b = text.indexOf('\r');
  if (a < 0) return b;
  if (b < 0) return a;
  return Math.min(a, b);
}

function countLines(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) n++;
  }
  return n;
}

/** The most frequent of tab, semicolon, comma outside quotes in the first line; comma on a tie or none. */
export function detectDelimiter(firstLine: string): CsvDelimiter {
  let comma = 0;
  let tab = 0;
  let semi = 0;
  let quoted = false;
  for (let i = 0; i < firstLine.length; i++) {
    const c = firstLine.charCodeAt(i);
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted) {
      if (c === 44) comma++;
      else if (c === 9) tab++;
      else if (c === 59) semi++;
    }
  }
  if (tab > comma && tab >= semi) return '\t';
  if (semi > comma && semi > tab) return ';';
  return ',';
}

export interface ReadCsvOptions extends CsvReaderOptions {
  readonly signal?: AbortSignal;
  /** Called after each chunk with bytes consumed so far. */
  readonly onChunk?: (bytes: number) => void;
}

/** Streams byte chunks through a `CsvScanner`. Throws only an `AbortError` when `signal` aborts. */
export async function readCsv(
  chunks: AsyncIterable<Uint8Array>,
  sink: CsvSink,
  opts: ReadCsvOptions = {},
): Promise<CsvReadSummary> {
  const scanner = new CsvScanner(sink, opts);
  let bytes = 0;
  throwIfAborted(opts.signal);
  for await (const chunk of chunks) {
    throwIfAborted(opts.signal);
    scanner.pushBytes(chunk);
    bytes += chunk.byteLength;
    opts.onChunk?.(bytes);
  }
  throwIfAborted(opts.signal);
  return scanner.finish();
}

/** Whole-string convenience (tests, small inputs): records as string arrays plus rejects. */
export function parseCsvText(
  text: string,
  opts: CsvReaderOptions = {},
): { header: string[] | null; records: string[][]; rejects: CsvIssue[]; summary: CsvReadSummary } {
  let header: string[] | null = null;
  const records: string[][] = [];
  const rejects: CsvIssue[] = [];
  const scanner = new CsvScanner(
    {
      header: (f) => {
        header = [...f];
      },
      record: (r) => {
        records.push(r.fields());
      },
      reject: (i) => {
        rejects.push(i);
      },
    },
    opts,
  );
  scanner.pushText(text);
  const summary = scanner.finish();
  return { header, records, rejects, summary };
}
