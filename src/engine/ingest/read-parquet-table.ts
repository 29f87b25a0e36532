import { tableFromIPC } from 'apache-arrow';
import { makeTable } from '../table/table';
import { isAllocationFailure, throwIfAborted } from './abort-error';
import { readArrowTable } from './arrow-reader';
import { bytesChunks } from './chunk-sources';
import type { IngestReport } from './ingest-report';
import { loadParquet, type ParquetWasm } from './parquet-runtime';
import { planColumns } from './plan-columns';
import type { IngestOptions, IngestResult } from './read-csv-table';
import { tableNameFromFile } from './recognise-table';

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1" at both ends of every Parquet file

function isAbort(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  // A Rust panic inside the wasm surfaces as "unreachable": say what it means.
  return /unreachable/i.test(m) ? 'the Parquet decoder failed on this file (corrupt data?)' : m;
}

/**
 * Reads a Parquet file (ADX / Sentinel data-lake exports: INT96 or TIMESTAMP(us/ns) times,
 * UTF8 byte-array strings, INT64 longs) by decoding only the needed columns with parquet-wasm
 * into Arrow IPC and reusing the Arrow reader, so types, rejects and the report match Arrow's.
 * Parquet's footer is at the end, so the file is held in memory once (the decoded columns
 * are only the kept ones). Never throws on content; throws only an `AbortError`.
 */
export async function readParquetTable(
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
  const name0 = opts.tableName ?? tableNameFromFile(file);
  const fatal = (why: string): IngestResult => ({
    table: makeTable(name0, [], []),
    report: {
      file,
      format: 'parquet',
      table: name0,
      recognised: null,
      bytes: size,
      rowsRead: 0,
      rowsLoaded: 0,
      rowsRejected: 0,
      rejects: [],
      rejectCounts: {},
      columnsMapped: [],
      columnsMissing: opts.columns ? [...opts.columns] : [],
      columnsIgnored: [],
      timeRange: null,
      devices: null,
      warnings: [],
      fatal: why,
    },
  });
  const tail = size - 4;
  if (size < 12 || !MAGIC.every((b, i) => bytes[i] === b)) return fatal('not a Parquet file (no PAR1 header)');
  if (!MAGIC.every((b, i) => bytes[tail + i] === b))
    return fatal('truncated Parquet file: the footer (PAR1 at the end) is missing; re-export or copy the whole file');

  let wasm: ParquetWasm;
  try {
    wasm = await loadParquet();
  } catch (e) {
    return fatal(`the Parquet decoder could not be loaded: ${message(e)}`);
  }
  throwIfAborted(opts.signal);
  let names: string[];
  let ipc: Uint8Array;
  try {
    names = tableFromIPC(wasm.readSchema(bytes).intoIPCStream()).schema.fields.map((f) => f.name);
    const plan = planColumns(names, opts);
    const wanted = plan.kept.map((c) => c.source);
    // Decode only the kept columns: the rest of a wide export never leaves the compressed pages.
    ipc = wasm.readParquet(bytes, wanted.length > 0 ? { columns: wanted } : null).intoIPCStream();
  } catch (e) {
    if (isAbort(e) || isAllocationFailure(e)) throw e;
    return fatal(`unreadable Parquet file: ${message(e)}`);
  }
  const r = await readArrowTable(file, bytesChunks(ipc), {
    ...opts,
    onProgress: opts.onProgress ? (_b, rows) => opts.onProgress?.(size, rows) : undefined,
  });
  const decoded = new Set(r.report.columnsMapped.map((c) => c.source));
  const report: IngestReport = {
    ...r.report,
    format: 'parquet',
    bytes: size,
    columnsIgnored: names.filter((n) => !decoded.has(n)),
    warnings: r.report.warnings.map((w) => w.replace(/^Arrow data unreadable/, 'Parquet data unreadable')),
    ...(r.report.fatal !== undefined ? { fatal: `Parquet decoded, but ${r.report.fatal}` } : {}),
  };
  return { table: r.table, report };
}
