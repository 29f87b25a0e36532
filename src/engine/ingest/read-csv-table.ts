import { makeTable, type ColumnSchema, type Table } from '../table/table';
import { CELL_BAD, CELL_EMPTY, CELL_OK, CELL_RANGE, CellParser, type CellStatus } from './cell-parser';
import type { BoolColumnBuilder, NumberColumnBuilder, StringColumnBuilder, TimeColumnBuilder } from './column-builder';
import { type ColumnBuilder, makeColumnBuilder } from './column-builder';
import type { Column } from '../table/column';
import {
  readCsvBytes,
  type ByteCsvScanner,
  type ByteCsvSink,
  type BytePartStart,
  type ByteRecordView,
} from './byte-csv-reader';
import { readCsv, type CsvDelimiter, type CsvIssue, type CsvReadSummary, type CsvRecordView } from './csv-reader';
import {
  distinctNonEmpty,
  RejectLog,
  showValue,
  timeRangeOf,
  US_PRECISION_NOTE,
  type IngestReport,
  type RejectCode,
} from './ingest-report';
import type { CsvSplitter } from './csv-split';
import { planColumns, type ColumnPlan, type ColumnSelection } from './plan-columns';
import { tableNameFromFile } from './recognise-table';

export interface IngestOptions extends ColumnSelection {
  /** Name of the table when it is not recognised (default: the file name without extension). */
  readonly tableName?: string;
  /** CSV/TSV: given, or detected from the header line. */
  readonly delimiter?: CsvDelimiter;
  /** CSV/TSV: longest record, in UTF-16 code units (default 64 Mi). */
  readonly maxRecordLength?: number;
  /** How many rejects keep their full description (default 100); all are counted. */
  readonly maxRejects?: number;
  /** Called after each input chunk: bytes consumed, data rows read so far. */
  readonly onProgress?: (bytes: number, rows: number) => void;
  /** Aborting makes the ingest throw an error named `AbortError` (the only thing it throws). */
  readonly signal?: AbortSignal;
  /** Zip / gzip: most decompressed bytes per file, nested archives included (default 8 GiB). */
  readonly maxUncompressedBytes?: number;
  /** Zip / gzip: most decompressed-to-compressed ratio of an entry past its first 64 MiB (default 200). */
  readonly maxCompressionRatio?: number;
  /**
   * CSV/TSV: scan UTF-8 input as bytes (byte-csv-reader.ts), default true. False forces the
   * text path (decode, then scan); both give the same table and report.
   */
  readonly byteFastPath?: boolean;
  /**
   * CSV/TSV read from a `FileSource`: reads parts of a large file in other threads (csv-split.ts).
   * Same table and report as without.
   */
  readonly csvSplitter?: CsvSplitter;
}

export interface IngestResult {
  readonly table: Table;
  readonly report: IngestReport;
  /** CSV read in parts at once (csv-split.ts): how many parts other threads read. Diagnostics only. */
  readonly partsInParallel?: number;
}

const K_STRING = 0;
const K_LONG = 1;
const K_INT = 2;
const K_REAL = 3;
const K_BOOL = 4;
const K_DATETIME = 5;

const CSV_CODES: Readonly<Record<CsvIssue['code'], RejectCode>> = {
  'unterminated-quote': 'unterminated-quote',
  'stray-quote': 'stray-quote',
  'text-after-quote': 'text-after-quote',
  'field-count': 'field-count',
  'record-too-long': 'record-too-long',
  'nul-char': 'nul-char',
};

const ONES = 0x01010101;
const QUOTES = 0x22222222;
const HIGHS = 0x80808080 | 0;

/**
 * Copies `src[s..e)` (a quoted field's content) to `dst` with each `""` made `"`; returns the
 * length. Words without a quote are copied 4 bytes per step (`sv`, `dv` view `src`, `dst`):
 * Defender command lines are often `"""C:\...\app.exe"" args"`, ~300 bytes with two escapes, and
 * the byte loop was half of `recordBytes` on the 1M-row sbench CSV. `dst` holds `e - s` bytes.
 */
function unescapeQuotes(src: Uint8Array, sv: DataView, s: number, e: number, dst: Uint8Array, dv: DataView): number {
  let w = 0;
  let i = s;
  while (i < e) {
    if (i + 4 <= e) {
      const x = sv.getInt32(i, true);
      const q = x ^ QUOTES;
      if (((q - ONES) & ~q & HIGHS) === 0) {
        dv.setInt32(w, x, true);
        i += 4;
        w += 4;
        continue;
      }
    }
    const c = src[i]!;
    dst[w++] = c;
    i += c === 34 ? 2 : 1;
  }
  return w;
}

/** Reads a Defender CSV/TSV export into a typed table, decoding only the selected columns. */
export async function readCsvTable(
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: IngestOptions = {},
): Promise<IngestResult> {
  return (await readCsvTableWith(file, chunks, opts, {})).result;
}

/**
 * Rows another reader parsed from a later part of the same file (csv-split.ts): appended after
 * the rows read so far, as if read here. Their columns follow this reader's plan.
 */
export interface CsvTableTap {
  appendPart(columns: readonly Column[], rows: number, usCells: number): void;
}

/** @internal Hooks of csv-split.ts into one CSV read (byte path only). */
export interface CsvReadHooks {
  /** Read a part that starts at a record boundary after the header, with these header fields. */
  readonly part?: BytePartStart & { readonly header: readonly string[] };
  /** The scanner and the table's tap, before the first chunk. */
  readonly onStart?: (scanner: ByteCsvScanner, tap: CsvTableTap) => void;
  /** The header fields, once read (not called in part mode). */
  readonly onHeader?: (fields: readonly string[]) => void;
}

/** @internal One CSV read with what csv-split.ts needs besides the result. */
export interface CsvTableRead {
  readonly result: IngestResult;
  readonly summary: CsvReadSummary & { readonly textPath?: boolean };
  readonly usCells: number;
}

/** @internal `readCsvTable` with csv-split.ts's hooks. */
export async function readCsvTableWith(
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: IngestOptions,
  hooks: CsvReadHooks,
): Promise<CsvTableRead> {
  const log = new RejectLog(opts.maxRejects ?? 100);
  const cells = new CellParser();
  let plan: ColumnPlan | null = null;
  let headerFields: readonly string[] = [];
  // Typed columns are decoded before strings so a rejected row interns nothing.
  let order: number[] = [];
  let kinds: number[] = [];
  let fieldIdx: number[] = [];
  let builders: ColumnBuilder[] = [];
  let loaded = 0;
  let usCells = 0;
  let rowsRead = 0;

  const reject = (
    code: RejectCode,
    rec: CsvRecordView | ByteRecordView,
    k: number,
    value: string,
    what: string,
  ): void => {
    rowsRead++;
    const p = plan!.kept[k]!;
    const fi = fieldIdx[k]!;
    log.add(code, () => ({
      line: rec.line,
      column: p.name,
      position: rec.fieldColumn(fi),
      code,
      reason: `line ${rec.fieldLine(fi)}, column ${p.name} (field ${fi + 1}, character ${rec.fieldColumn(fi)}): ${showValue(value)} ${what}`,
    }));
  };

  const noHeader = (line: number): void => {
    rowsRead++;
    log.add('no-header', () => ({
      line,
      code: 'no-header',
      reason: `line ${line}: no usable header line, so the row cannot be mapped`,
    }));
  };
  // Scratch for unescaping `""` in string fields of the byte path (grown on demand), and the
  // DataViews the unescaping copies 4 bytes at a time through.
  let unescaped = new Uint8Array(256);
  let unescapedView: DataView = new DataView(unescaped.buffer);
  let srcOf: Uint8Array | null = null;
  let srcView = unescapedView;

  const sink: ByteCsvSink = {
    header(fields) {
      headerFields = fields;
      plan = planColumns(fields, opts);
      const kept = plan.kept;
      builders = kept.map((c) => makeColumnBuilder(c.type));
      fieldIdx = kept.map((c) => c.sourceIndex);
      kinds = kept.map((c) =>
        c.type === 'long'
          ? K_LONG
          : c.type === 'int'
            ? K_INT
            : c.type === 'real'
              ? K_REAL
              : c.type === 'bool'
                ? K_BOOL
                : c.type === 'datetime'
                  ? K_DATETIME
                  : K_STRING,
      );
      order = kept.map((_, k) => k).sort((a, b) => (kinds[a] === K_STRING ? 1 : 0) - (kinds[b] === K_STRING ? 1 : 0));
      if (!hooks.part) hooks.onHeader?.(fields);
    },
    record(rec) {
      if (plan === null || headerFields.length === 0) {
        noHeader(rec.line);
        return;
      }
      const slot = loaded;
      const n = order.length;
      let us = false;
      for (let o = 0; o < n; o++) {
        const k = order[o]!;
        const kind = kinds[k]!;
        const fi = fieldIdx[k]!;
        if (kind === K_STRING) {
          const b = builders[k] as StringColumnBuilder;
          if (rec.hasEscapes(fi)) b.set(slot, rec.field(fi));
          else b.setRange(slot, rec.src, rec.start(fi), rec.end(fi));
          continue;
        }
        let src = rec.src;
        let s = rec.start(fi);
        let e = rec.end(fi);
        if (rec.hasEscapes(fi)) {
          src = rec.field(fi);
          s = 0;
          e = src.length;
        }
        let st: CellStatus;
        switch (kind) {
          case K_LONG:
          case K_INT: {
            st = kind === K_LONG ? cells.integer(src, s, e) : cells.int32(src, s, e);
            const b = builders[k] as NumberColumnBuilder;
            if (st === CELL_OK) b.set(slot, cells.value);
            else if (st === CELL_EMPTY) b.setNull(slot);
            else {
              const v = src.slice(s, e);
              if (st === CELL_BAD) reject('bad-number', rec, k, v, 'is not an integer');
              else if (st === CELL_RANGE)
                reject('int-out-of-range', rec, k, v, 'is outside the int range (-2^31 .. 2^31-1)');
              else reject('unsafe-integer', rec, k, v, 'is beyond 2^53 and cannot be held exactly');
              return;
            }
            break;
          }
          case K_REAL: {
            st = cells.real(src, s, e);
            const b = builders[k] as NumberColumnBuilder;
            if (st === CELL_OK) b.set(slot, cells.value);
            else if (st === CELL_EMPTY) b.setNull(slot);
            else {
              reject('bad-number', rec, k, src.slice(s, e), 'is not a number');
              return;
            }
            break;
          }
          case K_BOOL: {
            st = cells.bool(src, s, e);
            const b = builders[k] as BoolColumnBuilder;
            if (st === CELL_OK) b.set(slot, cells.value === 1);
            else if (st === CELL_EMPTY) b.setNull(slot);
            else {
              reject('bad-bool', rec, k, src.slice(s, e), 'is not a bool (true/false/1/0)');
              return;
            }
            break;
          }
          default: {
            st = cells.dateTime(src, s, e);
            const b = builders[k] as TimeColumnBuilder;
            if (st === CELL_OK) {
              b.setParts(slot, cells.secs, cells.frac);
              if (cells.usForm) us = true;
            } else if (st === CELL_EMPTY) b.setNull(slot);
            else {
              reject(
                'bad-datetime',
                rec,
                k,
                src.slice(s, e),
                'is not a datetime (ISO 8601 or M/D/YYYY, h:mm:ss AM/PM)',
              );
              return;
            }
          }
        }
      }
      loaded++;
      rowsRead++;
      if (us) usCells++;
    },
    /**
     * The byte path's twin of `record`: same order (typed cells first, so a rejected row interns
     * nothing), same statuses and reject texts; cells are read from the UTF-8 bytes, and only
     * shapes the byte parsers do not cover are decoded and given to the text parsers.
     */
    recordBytes(rec) {
      if (plan === null || headerFields.length === 0) {
        noHeader(rec.line);
        return;
      }
      const slot = loaded;
      const n = order.length;
      const buf = rec.buf;
      let us = false;
      for (let o = 0; o < n; o++) {
        const k = order[o]!;
        const kind = kinds[k]!;
        const fi = fieldIdx[k]!;
        const s = rec.starts[fi]!;
        const e = rec.ends[fi]!;
        const esc = rec.hasEscapes(fi);
        if (kind === K_STRING) {
          const b = builders[k] as StringColumnBuilder;
          if (!esc) b.setBytes(slot, buf, s, e);
          else {
            // Unescape `""` into scratch bytes (quotes are ASCII, so this is byte-exact).
            if (unescaped.length < e - s) {
              unescaped = new Uint8Array((e - s) * 2);
              unescapedView = new DataView(unescaped.buffer);
            }
            if (buf !== srcOf) {
              srcOf = buf;
              srcView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
            }
            b.setBytes(slot, unescaped, 0, unescapeQuotes(buf, srcView, s, e, unescaped, unescapedView));
          }
          continue;
        }
        let st: CellStatus;
        switch (kind) {
          case K_LONG:
          case K_INT: {
            // `""` makes a field non-numeric either way; the text parser words the reject.
            if (esc) {
              const t = rec.field(fi);
              st = kind === K_LONG ? cells.integer(t, 0, t.length) : cells.int32(t, 0, t.length);
            } else st = kind === K_LONG ? cells.integerBytes(buf, s, e) : cells.int32Bytes(buf, s, e);
            const b = builders[k] as NumberColumnBuilder;
            if (st === CELL_OK) b.set(slot, cells.value);
            else if (st === CELL_EMPTY) b.setNull(slot);
            else {
              const v = rec.field(fi);
              if (st === CELL_BAD) reject('bad-number', rec, k, v, 'is not an integer');
              else if (st === CELL_RANGE)
                reject('int-out-of-range', rec, k, v, 'is outside the int range (-2^31 .. 2^31-1)');
              else reject('unsafe-integer', rec, k, v, 'is beyond 2^53 and cannot be held exactly');
              return;
            }
            break;
          }
          case K_REAL: {
            // Reals go through the text parser (exact `Number()` rounding); not in the hot columns.
            const t = rec.field(fi);
            st = cells.real(t, 0, t.length);
            const b = builders[k] as NumberColumnBuilder;
            if (st === CELL_OK) b.set(slot, cells.value);
            else if (st === CELL_EMPTY) b.setNull(slot);
            else {
              reject('bad-number', rec, k, t, 'is not a number');
              return;
            }
            break;
          }
          case K_BOOL: {
            if (esc) {
              const t = rec.field(fi);
              st = cells.bool(t, 0, t.length);
            } else st = cells.boolBytes(buf, s, e);
            const b = builders[k] as BoolColumnBuilder;
            if (st === CELL_OK) b.set(slot, cells.value === 1);
            else if (st === CELL_EMPTY) b.setNull(slot);
            else {
              reject('bad-bool', rec, k, rec.field(fi), 'is not a bool (true/false/1/0)');
              return;
            }
            break;
          }
          default: {
            const b = builders[k] as TimeColumnBuilder;
            if (!esc && cells.isoBytes(buf, s, e)) {
              b.setParts(slot, cells.secs, cells.frac);
              break;
            }
            const t = rec.field(fi);
            st = cells.dateTime(t, 0, t.length);
            if (st === CELL_OK) {
              b.setParts(slot, cells.secs, cells.frac);
              if (cells.usForm) us = true;
            } else if (st === CELL_EMPTY) b.setNull(slot);
            else {
              reject('bad-datetime', rec, k, t, 'is not a datetime (ISO 8601 or M/D/YYYY, h:mm:ss AM/PM)');
              return;
            }
          }
        }
      }
      loaded++;
      rowsRead++;
      if (us) usCells++;
    },
    reject(issue) {
      rowsRead++;
      const code = CSV_CODES[issue.code];
      log.add(code, () => ({ line: issue.recordLine, position: issue.column, code, reason: issue.message }));
    },
  };
  const readOpts = {
    delimiter: opts.delimiter,
    maxRecordLength: opts.maxRecordLength,
    signal: opts.signal,
    onChunk: (bytes: number) => opts.onProgress?.(bytes, rowsRead),
  };
  const tap: CsvTableTap = {
    appendPart(columns, rows, us) {
      for (let k = 0; k < builders.length; k++) appendColumn(builders[k]!, columns[k]!, loaded, rows);
      loaded += rows;
      rowsRead += rows;
      usCells += us;
    },
  };
  if (hooks.part) sink.header!(hooks.part.header, 1);
  const summary =
    opts.byteFastPath === false && !hooks.part
      ? await readCsv(chunks, sink, readOpts)
      : await readCsvBytes(chunks, sink, {
          ...readOpts,
          ...(hooks.part ? { part: hooks.part } : {}),
          ...(hooks.onStart ? { onScanner: (sc: ByteCsvScanner) => hooks.onStart!(sc, tap) } : {}),
        });

  const warnings: string[] = [...summary.warnings];
  const finalPlan = plan as ColumnPlan | null;
  const format = summary.delimiter === '\t' ? 'tsv' : 'csv';
  if (finalPlan === null || headerFields.length === 0) {
    const fatal = summary.bytes === 0 ? 'empty file' : 'no header line: the file has no column names';
    const result: IngestResult = {
      table: makeTable(opts.tableName ?? tableNameFromFile(file), [], []),
      report: {
        file,
        format,
        table: opts.tableName ?? tableNameFromFile(file),
        recognised: null,
        bytes: summary.bytes,
        rowsRead,
        rowsLoaded: 0,
        rowsRejected: log.total,
        rejects: log.rejects,
        rejectCounts: log.counts,
        columnsMapped: [],
        columnsMissing: opts.columns ? [...opts.columns] : [],
        columnsIgnored: [],
        timeRange: null,
        devices: null,
        warnings,
        fatal,
      },
    };
    return { result, summary, usCells };
  }
  warnings.push(...finalPlan.warnings);
  if (summary.blankLines > 0) warnings.push(`${summary.blankLines} blank line(s) skipped`);
  if (summary.encoding !== 'utf-8') warnings.push(`decoded as ${summary.encoding.toUpperCase()}`);

  const schema: ColumnSchema[] = finalPlan.kept.map((c) => ({ name: c.name, type: c.type }));
  const columns: Column[] = builders.map((b) => b.finish(loaded));
  const name = finalPlan.recognised ?? opts.tableName ?? tableNameFromFile(file);
  const table = makeTable(name, schema, columns);
  const col = (n: string): Column | undefined => {
    const i = schema.findIndex((c) => c.name === n);
    return i < 0 ? undefined : columns[i];
  };
  // CSV skips no rows (rowsSkipped absent), so read = loaded + rejected.
  if (rowsRead !== loaded + log.total)
    warnings.push(`internal: ${rowsRead} rows read but ${loaded} loaded + ${log.total} rejected`);
  const report: IngestReport = {
    file,
    format,
    table: name,
    recognised: finalPlan.recognised,
    bytes: summary.bytes,
    rowsRead,
    rowsLoaded: loaded,
    rowsRejected: log.total,
    rejects: log.rejects,
    rejectCounts: log.counts,
    columnsMapped: finalPlan.kept.map(({ name: n, source, type }) => ({ name: n, source, type })),
    columnsMissing: finalPlan.missing,
    columnsIgnored: finalPlan.ignored,
    timeRange: timeRangeOf(col('Timestamp')),
    devices: distinctNonEmpty(col('DeviceName')),
    warnings,
    ...(usCells > 0 ? { precisionNote: `${usCells} row(s): ${US_PRECISION_NOTE}` } : {}),
  };
  return { result: { table, report }, summary, usCells };
}

/** Appends `rows` rows of `col` (same type as the builder) at row `at`. */
function appendColumn(b: ColumnBuilder, col: Column, at: number, rows: number): void {
  if (col.length !== rows || col.type !== b.type)
    throw new Error(`appendPart: a ${col.type} column of ${col.length} rows`);
  b.append(col as never, at);
}
