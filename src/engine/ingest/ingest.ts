import { throwIfAborted } from './csv-reader';
import { detectDelimiter, parseCsvText } from './csv-reader';
import { readArrowTable } from './arrow-reader';
import { randomAccessOf, withRandomAccess } from './chunk-sources';
import {
  DEFAULT_MAX_RATIO,
  DEFAULT_MAX_UNCOMPRESSED,
  fatalResult,
  readGzip,
  readZip,
  type ArchiveBudget,
} from './read-archive';
import { readCsvTable, type IngestOptions, type IngestResult } from './read-csv-table';
import { MIN_PART_BYTES, readCsvTableSplit } from './csv-split';
import { readEvtxECmdCsv } from './read-evtxecmd-csv';
import { readJsonTables } from './read-json-tables';
import { readParquetStream, readParquetTable } from './read-parquet-table';
import { isFileSource, sourceRandomAccess, type FileSource } from './byte-source';
import { isEvtxECmdHeader } from './windows-bridge';
import { normaliseHeaderName, schemaOf } from './recognise-table';
import type { ColumnSchema } from '../table/table';

export { concatTables, type ConcatResult } from './concat-tables';
export type { IngestOptions, IngestResult } from './read-csv-table';
export type { IngestReport, IngestReject, RejectCode, MappedColumn, IngestFormat } from './ingest-report';
export { combineReports, rowsAccountedFor } from './ingest-report';
export { blobSource, bytesSource, type FileSource } from './byte-source';

export type SniffedFormat =
  | { readonly kind: 'arrow' }
  | { readonly kind: 'parquet' }
  | { readonly kind: 'zip' }
  | { readonly kind: 'gzip' }
  | { readonly kind: 'json' }
  | { readonly kind: 'text' }
  | { readonly kind: 'unsupported'; readonly why: string };

const SNIFF_BYTES = 64;
/** Text files: the header line is read ahead (up to this much) to spot EvtxECmd exports. */
const HEADER_PEEK_BYTES = 64 * 1024;

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  return bytes.every((b, i) => head[at + i] === b);
}

/** Decides the reader from the first bytes (magic numbers), never from the file name. */
export function sniffFormat(head: Uint8Array): SniffedFormat {
  if (startsWith(head, [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31])) return { kind: 'arrow' }; // "ARROW1": IPC file
  if (startsWith(head, [0xff, 0xff, 0xff, 0xff])) return { kind: 'arrow' }; // IPC stream continuation marker
  if (startsWith(head, [0x50, 0x41, 0x52, 0x31])) return { kind: 'parquet' }; // "PAR1"
  if (startsWith(head, [0x1f, 0x8b])) return { kind: 'gzip' };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return { kind: 'zip' }; // also .xlsx: its entries then fail as unknown
  if (startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return { kind: 'unsupported', why: 'an empty zip archive' };
  if (startsWith(head, [0x45, 0x6c, 0x66, 0x46, 0x69, 0x6c, 0x65, 0x00])) {
    return {
      kind: 'unsupported',
      why: 'binary Windows event logs (.evtx) are not read directly: convert them with EvtxECmd (CSV) or export JSON lines',
    };
  }
  // UTF-16 text with a BOM: look at the first character after it.
  if (
    (head[0] === 0xff && head[1] === 0xfe && head[3] === 0) ||
    (head[0] === 0xfe && head[1] === 0xff && head[2] === 0)
  ) {
    const c = head[0] === 0xff ? head[2] : head[3];
    return c === 0x7b || c === 0x5b ? { kind: 'json' } : { kind: 'text' };
  }
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (head[i] === 0x7b || head[i] === 0x5b) return { kind: 'json' };
  return { kind: 'text' };
}

/** Reads ahead until `enough(head)` or the stream ends; returns the head and a replay of everything. */
async function peek(
  chunks: AsyncIterable<Uint8Array>,
  enough: (head: Uint8Array) => boolean,
): Promise<{
  head: Uint8Array;
  replay: AsyncIterable<Uint8Array>;
  more: (e: (h: Uint8Array) => boolean) => Promise<Uint8Array>;
  close: () => Promise<void>;
}> {
  const it = chunks[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let len = 0;
  let ended = false;
  let head: Uint8Array = new Uint8Array(0);
  const fill = async (stop: (h: Uint8Array) => boolean): Promise<Uint8Array> => {
    while (!ended && !stop(head)) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      if (r.value.byteLength === 0) continue;
      parts.push(r.value);
      len += r.value.byteLength;
      const j = new Uint8Array(len);
      let o = 0;
      for (const p of parts) {
        j.set(p, o);
        o += p.byteLength;
      }
      parts.length = 0;
      parts.push(j);
      head = j;
    }
    return head;
  };
  await fill(enough);
  // The peeked bytes go first, then the rest of the same iterator.
  async function* replay(): AsyncGenerator<Uint8Array> {
    let done = false;
    try {
      if (head.length > 0) yield head;
      if (ended) {
        done = true;
        return;
      }
      for (;;) {
        const r = await it.next();
        if (r.done) {
          done = true;
          return;
        }
        yield r.value;
      }
    } finally {
      if (!done && !ended) await it.return?.();
    }
  }
  const close = async (): Promise<void> => {
    if (!ended) await it.return?.();
  };
  return { head, replay: replay(), more: fill, close };
}

/** The header line of a text file from its first bytes (UTF-8, or UTF-16 with BOM). */
function firstLine(head: Uint8Array): string {
  const enc =
    head[0] === 0xff && head[1] === 0xfe ? 'utf-16le' : head[0] === 0xfe && head[1] === 0xff ? 'utf-16be' : 'utf-8';
  const text = new TextDecoder(enc).decode(head);
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}

function hasNewline(h: Uint8Array): boolean {
  return h.indexOf(0x0a) >= 0 || h.length >= HEADER_PEEK_BYTES;
}

/** The zip-bomb budget for a top-level file. */
function budgetOf(opts: IngestOptions): ArchiveBudget {
  const limit = opts.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED;
  return { remaining: limit, limit, maxRatio: opts.maxCompressionRatio ?? DEFAULT_MAX_RATIO, depth: 0 };
}

async function ingestNested(
  name: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: IngestOptions,
  budget: ArchiveBudget,
): Promise<IngestResult[]> {
  throwIfAborted(opts.signal);
  const p = await peek(chunks, (h) => h.length >= SNIFF_BYTES);
  const fmt = sniffFormat(p.head);
  switch (fmt.kind) {
    case 'unsupported': {
      await p.close();
      return [fatalResult(name, 'unsupported', p.head.length, fmt.why, opts)];
    }
    case 'arrow': {
      // The Arrow file format is read by byte ranges when the source offers them.
      const access = randomAccessOf(chunks);
      return [await readArrowTable(name, access ? withRandomAccess(p.replay, access) : p.replay, opts)];
    }
    case 'parquet':
      // Inside an archive there is no reading by range: the entry is gathered in memory.
      return [await readParquetStream(name, p.replay, opts)];
    case 'zip':
      return readZip(name, p.replay, opts, budget, ingestNested);
    case 'gzip':
      return readGzip(name, p.replay, opts, budget, ingestNested);
    case 'json':
      return readJsonTables(name, p.replay, opts);
    case 'text': {
      // EvtxECmd CSVs are Windows events, not a table: they go to the event normaliser.
      const head = await p.more(hasNewline);
      const line = firstLine(head);
      const fields = parseCsvText(line, { delimiter: opts.delimiter ?? detectDelimiter(line) }).header ?? [];
      if (isEvtxECmdHeader(fields)) return readEvtxECmdCsv(name, p.replay, opts);
      return [await readCsvTable(name, p.replay, opts)];
    }
  }
}

/**
 * Reads one file into every table it holds, the format chosen from the content: CSV / TSV,
 * Arrow IPC, Parquet, JSON lines / arrays (flat rows, Defender streaming API, Windows events),
 * EvtxECmd CSV, and zip / gzip archives of those (entries named `archive.zip/entry.csv`).
 * `input` is a stream of chunks, or a `FileSource` that can also be read by range (then Parquet
 * reads only the byte ranges it keeps). Always at least one result; each report accounts for its rows (loaded + rejected + skipped),
 * and together they cover every record of the file. Never throws on file content; throws only
 * an `AbortError` when `opts.signal` aborts.
 */
export async function ingestAny(
  name: string,
  input: AsyncIterable<Uint8Array> | FileSource,
  opts: IngestOptions = {},
): Promise<IngestResult[]> {
  if (!isFileSource(input)) return (await ingestNested(name, input, opts, budgetOf(opts))).map(withOmittedColumns);
  try {
    throwIfAborted(opts.signal);
    // A file that can be read by range: Parquet is (footer, then the kept column chunks only), and
    // so is the Arrow file format (footer, then the kept columns' buffers), through the chunks' access.
    const head = await input.read(0, Math.min(SNIFF_BYTES, input.size));
    const kind = sniffFormat(head).kind;
    const results =
      kind === 'parquet'
        ? [await readParquetTable(name, input, opts)]
        : kind === 'text' && (await splittable(input, opts))
          ? [await readCsvTableSplit(name, input, opts, opts.csvSplitter!)]
          : await ingestNested(name, rangedChunks(input), opts, budgetOf(opts));
    return results.map(withOmittedColumns);
  } finally {
    await input.close?.();
  }
}

/** A large UTF-8 CSV/TSV (not an EvtxECmd export) that a splitter can read in parallel. */
async function splittable(source: FileSource, opts: IngestOptions): Promise<boolean> {
  if (!opts.csvSplitter || opts.csvSplitter.parts < 2 || opts.byteFastPath === false) return false;
  if (source.size < 2 * (opts.csvSplitter.minPartBytes ?? MIN_PART_BYTES)) return false;
  const head = await source.read(0, Math.min(HEADER_PEEK_BYTES, source.size));
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false;
  const line = firstLine(head);
  const fields = parseCsvText(line, { delimiter: opts.delimiter ?? detectDelimiter(line) }).header ?? [];
  return !isEvtxECmdHeader(fields);
}

/** The source's chunks, carrying its byte ranges for the Arrow file reader. */
function rangedChunks(source: FileSource): AsyncIterable<Uint8Array> {
  return withRandomAccess(source.chunks(), sourceRandomAccess(source));
}

/** Records the file's undecoded columns on the table, typed as the Defender schema says (else string). */
function withOmittedColumns(r: IngestResult): IngestResult {
  if (r.report.columnsIgnored.length === 0 || r.table.omitted) return r;
  const known = new Map((r.report.recognised ? schemaOf(r.report.recognised) : []).map((c) => [c.name, c.type]));
  const have = new Set(r.table.schema.map((c) => c.name));
  const omitted: ColumnSchema[] = [];
  for (const raw of r.report.columnsIgnored) {
    const name = normaliseHeaderName(raw).name;
    if (name === '' || have.has(name)) continue;
    have.add(name);
    omitted.push({ name, type: known.get(name) ?? 'string' });
  }
  return omitted.length ? { ...r, table: { ...r.table, omitted } } : r;
}

/**
 * One table from one export (the single-table API of CSV / Arrow callers). When the file holds
 * several tables, the one forced by `opts.table`, else the first loaded, is returned and the
 * report names the others (use `ingestAny` for all of them).
 */
export async function ingestFile(
  name: string,
  chunks: AsyncIterable<Uint8Array> | FileSource,
  opts: IngestOptions = {},
): Promise<IngestResult> {
  const results = await ingestAny(name, chunks, opts);
  if (results.length === 1) return results[0]!;
  const pick =
    results.find((r) => opts.table !== undefined && r.report.recognised === opts.table) ??
    results.find((r) => r.report.fatal === undefined && r.report.rowsLoaded > 0) ??
    results[0]!;
  const others = results.filter((r) => r !== pick).map((r) => `${r.report.table} (${r.report.rowsLoaded} rows)`);
  return {
    table: pick.table,
    report: {
      ...pick.report,
      warnings: [...pick.report.warnings, `the file also holds ${others.join(', ')}, not returned by ingestFile`],
    },
  };
}
