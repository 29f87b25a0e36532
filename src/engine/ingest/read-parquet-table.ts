import { isAllocationFailure, throwIfAborted } from './abort-error';
import { readArrowTable } from './arrow-reader';
import { bytesSource, type FileSource } from './byte-source';
import type { IngestReport } from './ingest-report';
import { joinIpcStreams } from './ipc-stream-join';
import { pruneArrowSchema } from './parquet-arrow-schema';
import {
  footerLength,
  miniParquet,
  parseFooter,
  projectFooter,
  type ParquetFooter,
  type ParquetProjection,
} from './parquet-footer';
import { loadParquet, type ParquetWasm } from './parquet-runtime';
import { planColumns } from './plan-columns';
import { fatalResult } from './read-archive';
import type { IngestOptions, IngestResult } from './read-csv-table';

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1" at both ends of every Parquet file

function isAbort(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  // A Rust panic inside the wasm surfaces as "unreachable": say what it means.
  return /unreachable/i.test(m) ? 'the Parquet decoder failed on this file (corrupt data?)' : m;
}

/** What the reader asked of its source: for progress, and for tests that check boundedness. */
export interface ParquetReadStats {
  /** Requests made to the source and the bytes they returned. */
  requests: number;
  bytesRead: number;
  /** The largest single request, in bytes. */
  largestRead: number;
}

/**
 * Reads a Parquet file (ADX / Sentinel data-lake exports: INT96 or TIMESTAMP(us/ns) times, UTF8
 * byte-array strings, INT64 longs) by byte range: the footer first, then row group by row group
 * only the column chunks the rule and the views need (`planColumns`), each row group decoded
 * with parquet-wasm into Arrow IPC and fed to the Arrow reader, so types, rejects and the report
 * match Arrow's. Memory is one row group's kept chunks plus the kept columns built so far, never
 * the file; progress and cancellation come between row groups. Never throws on content; throws
 * only an `AbortError`.
 */
export async function readParquetTable(
  file: string,
  source: FileSource,
  opts: IngestOptions = {},
  stats?: ParquetReadStats,
): Promise<IngestResult> {
  const size = source.size;
  const fatal = (why: string): IngestResult => fatalResult(file, 'parquet', size, why, opts);
  const read = async (start: number, end: number): Promise<Uint8Array> => {
    const b = await source.read(start, end);
    if (b.length !== end - start)
      throw new Error(`the file ended at byte ${start + b.length} while reading bytes ${start}-${end} (was it cut?)`);
    if (stats) {
      stats.requests++;
      stats.bytesRead += b.length;
      stats.largestRead = Math.max(stats.largestRead, b.length);
    }
    return b;
  };

  throwIfAborted(opts.signal);
  let footer: ParquetFooter;
  try {
    if (size < 12) return fatal('not a Parquet file (too short)');
    const head = await read(0, 4);
    if (!MAGIC.every((b, i) => head[i] === b)) return fatal('not a Parquet file (no PAR1 header)');
    const len = footerLength(await read(size - 8, size), size);
    footer = parseFooter(await read(size - 8 - len, size - 8), size);
  } catch (e) {
    if (isAbort(e) || isAllocationFailure(e)) throw e;
    return fatal(message(e));
  }

  let wasm: ParquetWasm;
  try {
    wasm = await loadParquet();
  } catch (e) {
    return fatal(`the Parquet decoder could not be loaded: ${message(e)}`);
  }
  throwIfAborted(opts.signal);

  const names = [...footer.columns];
  if (names.length === 0) return fatal('the Parquet file has no columns');
  const plan = planColumns(names, opts);
  let wanted = plan.kept.map((c) => c.source);
  // With nothing to keep, the cheapest column is still decoded: the rows must be counted.
  if (wanted.length === 0) wanted = [cheapestColumn(footer, names)];
  const keep = new Set(wanted);
  let proj: ParquetProjection;
  try {
    proj = projectFooter(footer, keep, pruneArrowSchema);
  } catch (e) {
    return fatal(`unreadable Parquet file: ${message(e)}`);
  }

  let covered = 0;
  let failure: string | null = null;
  async function* rowGroups(): AsyncGenerator<Uint8Array> {
    // The schema first, on its own: a file without row groups, or whose first one fails, still has it.
    yield wasm.readParquet(miniParquet(footer, proj, null, new Map())).intoIPCStream();
    for (let group = 0; group < footer.rowGroups.length; group++) {
      throwIfAborted(opts.signal);
      const rg = footer.rowGroups[group]!;
      let ipc: Uint8Array;
      try {
        const data = new Map<number, Uint8Array>();
        for (let c = 0; c < rg.chunks.length; c++) {
          const ch = rg.chunks[c]!;
          if (proj.keptLeaves[c]) data.set(c, await read(ch.start, ch.end));
        }
        throwIfAborted(opts.signal);
        ipc = wasm.readParquet(miniParquet(footer, proj, group, data)).intoIPCStream();
      } catch (e) {
        if (isAbort(e) || isAllocationFailure(e)) throw e;
        // The stream ends cleanly here, so the Arrow reader keeps every row group before this one.
        failure = `Parquet data unreadable in row group ${group + 1} of ${footer.rowGroups.length}: ${message(e)}`;
        return;
      }
      covered = Math.max(covered, rg.end);
      yield ipc;
    }
  }

  // The Arrow reader sees only the kept columns: it is told the table recognised from all of them.
  const arrowOpts: IngestOptions = {
    ...opts,
    ...(plan.recognised !== null && opts.table === undefined ? { table: plan.recognised } : {}),
    onProgress: opts.onProgress ? (_b, rows) => opts.onProgress?.(covered, rows) : undefined,
  };
  const r = await readArrowTable(file, joinIpcStreams(rowGroups()), arrowOpts);
  opts.onProgress?.(size, r.report.rowsRead);
  // Warnings about the header are the whole file's, not the decoded subset's.
  const subsetWarnings = new Set(planColumns(wanted, arrowOpts).warnings);
  const decoded = new Set(r.report.columnsMapped.map((c) => c.source));
  const unread = footer.numRows - r.report.rowsRead;
  const warnings = [
    ...plan.warnings,
    ...r.report.warnings
      .filter((w) => !subsetWarnings.has(w))
      .map((w) => w.replace(/^Arrow data unreadable/, 'Parquet data unreadable')),
    ...(failure !== null ? [`${failure}; the ${r.report.rowsRead} records before it were loaded`] : []),
    ...(r.report.fatal === undefined && unread > 0
      ? [`${unread} of the ${footer.numRows} records the footer announces were not read`]
      : []),
  ];
  const report: IngestReport = {
    ...r.report,
    format: 'parquet',
    bytes: size,
    recognised: plan.recognised,
    columnsIgnored: names.filter((n) => !decoded.has(n)),
    warnings: [...new Set(warnings)],
    ...(r.report.fatal !== undefined
      ? { fatal: `Parquet decoded, but ${r.report.fatal}` }
      : failure !== null && r.report.rowsRead === 0
        ? { fatal: failure }
        : {}),
  };
  return { table: r.table, report };
}

/** The column whose chunks take the fewest bytes. */
function cheapestColumn(footer: ParquetFooter, names: readonly string[]): string {
  const cost = new Map<string, number>(names.map((n) => [n, 0]));
  for (const rg of footer.rowGroups)
    for (const ch of rg.chunks) cost.set(ch.column, (cost.get(ch.column) ?? 0) + ch.end - ch.start);
  return [...cost.entries()].filter(([n]) => names.includes(n)).sort((a, b) => a[1] - b[1])[0]![0];
}

/**
 * A Parquet file that arrives as a stream (an entry of a zip or gzip, which cannot be read by
 * range): gathered in memory, then read as above.
 */
export async function readParquetStream(
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: IngestOptions = {},
): Promise<IngestResult> {
  const parts: Uint8Array[] = [];
  let size = 0;
  throwIfAborted(opts.signal);
  for await (const c of chunks) {
    throwIfAborted(opts.signal);
    parts.push(c);
    size += c.byteLength;
    opts.onProgress?.(size, 0);
  }
  const bytes = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.byteLength;
  }
  parts.length = 0;
  return readParquetTable(file, bytesSource(bytes), opts);
}
