/**
 * Parallel CSV parsing: a large UTF-8 CSV that can be read by range is cut into parts at line
 * starts; this thread reads the first part (header included) while other threads (`CsvSplitter`:
 * Web Workers in the browser, worker threads in Node) read the others. Justified by the bench:
 * parsing is the end-to-end cost on CSV (bench/README.md), and it splits almost perfectly.
 *
 * Exactness does not depend on where the cuts fall. A cut is a line start, but a line start may
 * lie inside a quoted field; whether it does depends on everything before it. So nothing is
 * assumed: this thread's scanner reads up to each cut and only when it stands at a record
 * boundary exactly there (`ByteCsvScanner.atRecordBoundary`) is the next part taken from its
 * reader, which started at that cut with the same header. Its rows are appended in file order
 * and its lines, records and bytes skipped over. A part is taken only when it is clean: no
 * rejected row, no warning, no text-path fallback, and (unless it is the last) ending at a record
 * boundary itself. Otherwise, or when a part's reader failed, this thread simply reads that part
 * too, so rejects, warnings and their line numbers are exactly those of a sequential read. The
 * result is always the sequential read's: same rows in the same order, same report.
 */
import type { Column } from '../table/column';
import type { BytePartSpan, ByteCsvScanner } from './byte-csv-reader';
import type { CsvDelimiter } from './csv-reader';
import type { FileSource } from './byte-source';
import type { ColumnSelection } from './plan-columns';
import { readCsvTableWith, type CsvTableTap, type IngestOptions, type IngestResult } from './read-csv-table';

/**
 * Each part is at least this large, so a file is split from 64 MiB on. A part worker costs a fixed
 * start-up (thread or worker start, its JIT warming up, the hand-over of the columns): measured by
 * the bench on 2 busy cores, splitting 25-50 MB files made them slower (46 MB: 2.0 s against 1.65
 * s in one piece) while 500 MB files gained 1.5-2x.
 */
export const MIN_PART_BYTES = 32 * 1024 * 1024;
/** How far past a cut a line start is looked for (a longer line is not cut there). */
const CUT_SEARCH_BYTES = 1024 * 1024;
/** Bytes per read of a part (Chromium reads a File at 250 MB/s in 4 MiB slices, 440 in 16 MiB ones). */
const READ_BYTES = 16 * 1024 * 1024;
/** Bytes per push to the scanner (its stop index is 5 bytes per byte pushed). */
const PUSH_BYTES = 4 * 1024 * 1024;

/** What a part's reader is asked to read. */
export interface CsvPartRequest {
  /** Byte range of the file; `start` is a line start. */
  readonly start: number;
  readonly end: number;
  readonly last: boolean;
  readonly header: readonly string[];
  readonly delimiter: CsvDelimiter;
  /** The read's column selection and limits (a part decodes the same columns as the first). */
  readonly options: CsvPartOptions;
}

export type CsvPartOptions = ColumnSelection & { readonly maxRecordLength?: number };

/** What a part's reader returns. Columns follow the plan of the request's header and options. */
export interface CsvPartResult {
  /** Rows, columns and span are usable only when clean. */
  readonly clean: boolean;
  /** Why not, for tests and diagnostics. */
  readonly why?: string;
  readonly columns: readonly Column[];
  readonly rows: number;
  readonly usCells: number;
  readonly span: BytePartSpan;
}

/** Runs parts of one file elsewhere (a worker per part). */
export interface CsvSplitter {
  /** Parts to cut a large file into (this thread's included); 1 disables splitting. */
  readonly parts: number;
  /** Smallest part (default `MIN_PART_BYTES`); a file is split only when at least two fit. */
  readonly minPartBytes?: number;
  /** Reads one part. Rejects with an `AbortError` when `signal` aborts; any other failure means "read it here". */
  run(
    request: CsvPartRequest,
    onProgress: (bytes: number, rows: number) => void,
    signal: AbortSignal | undefined,
  ): Promise<CsvPartResult>;
}

function partOptions(opts: IngestOptions): CsvPartOptions {
  return {
    ...(opts.columns ? { columns: opts.columns } : {}),
    ...(opts.columnsByTable ? { columnsByTable: opts.columnsByTable } : {}),
    ...(opts.table ? { table: opts.table } : {}),
    ...(opts.maxRecordLength !== undefined ? { maxRecordLength: opts.maxRecordLength } : {}),
  };
}

/**
 * Reads a part in this thread: what a part worker runs (`readCsvPart` over its byte range).
 * Never throws on content; an abort throws an `AbortError`.
 */
export async function readCsvPart(
  chunks: AsyncIterable<Uint8Array>,
  req: CsvPartRequest,
  onProgress?: (bytes: number, rows: number) => void,
  signal?: AbortSignal,
): Promise<CsvPartResult> {
  let scanner: ByteCsvScanner | null = null;
  let boundary = false;
  let span: BytePartSpan | null = null;
  async function* tracked(): AsyncGenerator<Uint8Array> {
    yield* chunks;
    // Before `finish`, which would end a cut record as if the file ended there.
    boundary = scanner!.atRecordBoundary();
    span = scanner!.span();
  }
  const { result, summary, usCells } = await readCsvTableWith(
    'part',
    tracked(),
    { ...req.options, signal, onProgress },
    {
      part: { header: req.header, delimiter: req.delimiter, expectedFields: req.header.length },
      onStart: (sc) => {
        scanner = sc;
      },
    },
  );
  const why =
    !req.last && !boundary
      ? 'ends inside a record'
      : result.report.rowsRejected > 0
        ? 'rejected rows'
        : summary.warnings.length > 0
          ? 'warnings'
          : summary.textPath
            ? 'text path'
            : undefined;
  // The last part ends at the end of the file: its span is taken after `finish`.
  const finalSpan = req.last ? scanner!.span() : span!;
  return why !== undefined
    ? { clean: false, why, columns: [], rows: 0, usCells: 0, span: finalSpan }
    : { clean: true, columns: result.table.columns, rows: result.report.rowsLoaded, usCells, span: finalSpan };
}

/** Line starts near `parts - 1` evenly spaced offsets (fewer when lines are very long). */
async function findCuts(source: FileSource, parts: number): Promise<number[]> {
  const cuts: number[] = [];
  for (let i = 1; i < parts; i++) {
    const at = Math.floor((source.size * i) / parts);
    if (cuts.length > 0 && at <= cuts[cuts.length - 1]!) continue;
    const window = await source.read(at, Math.min(source.size, at + CUT_SEARCH_BYTES));
    const lf = window.indexOf(10);
    if (lf < 0) continue;
    const cut = at + lf + 1;
    if (cut >= source.size) break;
    cuts.push(cut);
  }
  return cuts;
}

function readRange(source: FileSource, start: number, end: number): AsyncGenerator<Uint8Array> {
  return prefetchedRange((a, b) => source.read(a, b), start, end);
}

/**
 * Bytes [start, end) through `read`, with the next read already in flight while the current one
 * is scanned (the file is read by another thread: the browser's, or Node's I/O pool), in views of
 * `PUSH_BYTES`. A read that fails ends the range with its error; one in flight when the consumer
 * stops is awaited and dropped.
 */
export async function* prefetchedRange(
  read: (start: number, end: number) => Promise<Uint8Array>,
  start: number,
  end: number,
): AsyncGenerator<Uint8Array> {
  const next = (at: number): Promise<Uint8Array> | null => (at < end ? read(at, Math.min(end, at + READ_BYTES)) : null);
  let pending = next(start);
  let at = start;
  try {
    while (pending !== null) {
      const block = await pending;
      at += READ_BYTES;
      pending = next(at);
      for (let p = 0; p < block.length; p += PUSH_BYTES)
        yield block.subarray(p, Math.min(block.length, p + PUSH_BYTES));
    }
  } finally {
    // Leave no read unobserved (its failure would be an unhandled rejection).
    await pending?.catch(() => undefined);
  }
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(v: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Reads a CSV/TSV by parts in parallel when `source` is large and the splitter offers more than
 * one part; otherwise (and always with the same result) sequentially. See the file comment.
 */
export async function readCsvTableSplit(
  file: string,
  source: FileSource,
  opts: IngestOptions,
  splitter: CsvSplitter,
): Promise<IngestResult> {
  const parts = Math.min(
    splitter.parts,
    Math.floor(source.size / Math.max(1, splitter.minPartBytes ?? MIN_PART_BYTES)),
  );
  const cuts = parts > 1 ? await findCuts(source, parts) : [];
  const bounds = [...cuts, source.size];
  // Part i runs from cuts[i] to bounds[i + 1]; each can be stopped on its own.
  const stops = cuts.map(() => new AbortController());
  const onAbort = (): void => stops.forEach((c) => c.abort(opts.signal?.reason));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const outcomes = cuts.map(() => deferred<CsvPartResult | null>());
  const pending = cuts.map(() => ({ bytes: 0, rows: 0 }));
  let readHere = 0;
  let taken = 0;
  let rowsHere = 0;
  let shown = 0;
  const showProgress = (): void => {
    let bytes = readHere + taken;
    let rows = rowsHere;
    for (const p of pending) {
      bytes += p.bytes;
      rows += p.rows;
    }
    // A part read here after all counts twice for a while: never move the bar back.
    if (bytes < shown) return;
    shown = bytes;
    opts.onProgress?.(bytes, rows);
  };
  /** Part i is read here after all (or was taken): its reader stops and its progress is dropped. */
  const settle = (i: number): void => {
    stops[i]!.abort();
    pending[i] = { bytes: 0, rows: 0 };
  };

  let started = false;
  const start = (header: readonly string[], delimiter: CsvDelimiter): void => {
    started = true;
    const options = partOptions(opts);
    cuts.forEach((cut, i) => {
      const req: CsvPartRequest = {
        start: cut,
        end: bounds[i + 1]!,
        last: i === cuts.length - 1,
        header,
        delimiter,
        options,
      };
      const onPartProgress = (bytes: number, rows: number): void => {
        if (stops[i]!.signal.aborted) return;
        pending[i] = { bytes, rows };
        showProgress();
      };
      splitter.run(req, onPartProgress, stops[i]!.signal).then(
        (r) => outcomes[i]!.resolve(r),
        () => outcomes[i]!.resolve(null),
      );
    });
  };

  let scanner: ByteCsvScanner | null = null;
  let tap: CsvTableTap | null = null;
  let takenParts = 0;
  async function* local(): AsyncGenerator<Uint8Array> {
    let at = 0;
    for (let i = 0; i < cuts.length; i++) {
      for await (const chunk of readRange(source, at, cuts[i]!)) {
        readHere += chunk.length;
        yield chunk;
      }
      at = cuts[i]!;
      // Only where this scanner stands at a record boundary does part i start at a record.
      const r = started && scanner!.atRecordBoundary() ? await outcomes[i]!.promise : null;
      settle(i);
      if (opts.signal?.aborted) return;
      if (r === null || !r.clean) continue;
      tap!.appendPart(r.columns, r.rows, r.usCells);
      scanner!.skipPart(r.span);
      taken += r.span.bytes;
      takenParts++;
      at = bounds[i + 1]!;
    }
    for await (const chunk of readRange(source, at, source.size)) {
      readHere += chunk.length;
      yield chunk;
    }
  }

  try {
    const { result } = await readCsvTableWith(
      file,
      local(),
      {
        ...opts,
        onProgress: (_bytes, rows) => {
          rowsHere = rows;
          showProgress();
        },
      },
      {
        onStart: (sc, t) => {
          scanner = sc;
          tap = t;
        },
        onHeader: (fields) => {
          const d = scanner?.delimiterInUse;
          if (cuts.length > 0 && d) start(fields, d);
        },
      },
    );
    return takenParts > 0 ? { ...result, partsInParallel: takenParts } : result;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    cuts.forEach((_, i) => settle(i));
  }
}

/**
 * A splitter that reads the other parts in this same thread, interleaved with the first: no
 * speed-up, but the exact protocol of the worker splitters (tests; and where no worker can start).
 */
export function inThreadSplitter(source: FileSource, parts: number, minPartBytes?: number): CsvSplitter {
  return {
    parts,
    ...(minPartBytes !== undefined ? { minPartBytes } : {}),
    run: (req, onProgress, signal) => readCsvPart(readRange(source, req.start, req.end), req, onProgress, signal),
  };
}
