import { Gunzip, Unzip, UnzipInflate, UnzipPassThrough, type UnzipFile } from 'fflate';
import { makeTable } from '../table/table';
import { throwIfAborted } from './abort-error';
import { ByteQueue } from './byte-queue';
import type { IngestReport } from './ingest-report';
import type { IngestOptions, IngestResult } from './read-csv-table';
import { tableNameFromFile } from './recognise-table';

/** Shared by an archive and every archive nested in it, so nesting cannot multiply the cap. */
export interface ArchiveBudget {
  /** Decompressed bytes still allowed. */
  remaining: number;
  readonly limit: number;
  readonly maxRatio: number;
  readonly depth: number;
}

export const DEFAULT_MAX_UNCOMPRESSED = 8 * 1024 ** 3;
export const DEFAULT_MAX_RATIO = 200;
/** The ratio test starts after this much output: small, very repetitive files are normal. */
const RATIO_GRACE = 64 * 1024 ** 2;
export const MAX_ARCHIVE_DEPTH = 4;

export type IngestNested = (
  name: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: IngestOptions,
  budget: ArchiveBudget,
) => Promise<IngestResult[]>;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isAbort(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}

function gib(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** A result holding only a fatal message (nothing loaded). */
export function fatalResult(
  file: string,
  format: IngestReport['format'],
  bytes: number,
  why: string,
  opts: IngestOptions,
): IngestResult {
  const table = opts.tableName ?? tableNameFromFile(file);
  return {
    table: makeTable(table, [], []),
    report: {
      file,
      format,
      table,
      recognised: null,
      bytes,
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
  };
}

/** A result whose rows cannot be trusted (cut by the bomb guard): dropped, with the reason. */
function cutResults(results: IngestResult[], why: string, opts: IngestOptions): IngestResult[] {
  return results.map((r) => ({
    ...fatalResult(r.report.file, r.report.format, r.report.bytes, why, opts),
  }));
}

interface Entry {
  readonly name: string;
  readonly queue: ByteQueue;
  readonly compressed: number | undefined;
  out: number;
  cut: string | null;
}

/**
 * Reads every file of a zip archive as it streams (fflate's `Unzip`: local headers in order, no
 * seek to the central directory), ingesting each entry with `ingestNested`; results are named
 * `archive.zip/entry.csv`. Directories and `__MACOSX/` resource forks are skipped. Decompressed
 * bytes are capped in total (shared with nested archives) and per entry by compression ratio,
 * so a zip bomb ends in a clear fatal instead of exhausting memory or time.
 */
export async function readZip(
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: IngestOptions,
  budget: ArchiveBudget,
  ingestNested: IngestNested,
): Promise<IngestResult[]> {
  if (budget.depth > MAX_ARCHIVE_DEPTH)
    return [
      fatalResult(file, 'unsupported', 0, `archives nested more than ${MAX_ARCHIVE_DEPTH} deep are not read`, opts),
    ];
  const entries: Entry[] = [];
  const pending: Promise<IngestResult[]>[] = [];
  const skipped: string[] = [];
  let corrupt: string | null = null;
  let bytes = 0;
  let rowsDone = 0;

  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.register(UnzipPassThrough);
  unzip.onfile = (f: UnzipFile) => {
    const base = f.name.split('/').pop() ?? '';
    if (f.name.endsWith('/') || f.name.startsWith('__MACOSX/') || base === '.DS_Store' || base === '') {
      skipped.push(f.name);
      return;
    }
    const entry: Entry = { name: f.name, queue: new ByteQueue(), compressed: f.size, out: 0, cut: null };
    entries.push(entry);
    const cut = (why: string): void => {
      entry.cut = why;
      f.terminate();
      entry.queue.end();
    };
    if (f.originalSize !== undefined && f.originalSize > budget.remaining) {
      entry.cut = `${f.name}: declares ${gib(f.originalSize)} uncompressed, more than the ${gib(budget.limit)} limit for an archive (zip bomb guard); not read`;
      entry.queue.end();
    } else {
      f.ondata = (err, data, final) => {
        if (entry.cut !== null) return;
        if (err) {
          entry.cut = `${f.name}: cannot be decompressed: ${err.message}`;
          entry.queue.end();
          return;
        }
        entry.out += data.byteLength;
        budget.remaining -= data.byteLength;
        if (budget.remaining < 0) {
          cut(
            `decompressed data passed the ${gib(budget.limit)} limit for an archive (zip bomb guard); ${f.name} was not loaded`,
          );
          return;
        }
        if (
          entry.compressed !== undefined &&
          entry.out > RATIO_GRACE &&
          entry.out > entry.compressed * budget.maxRatio
        ) {
          cut(`${f.name}: expands more than ${budget.maxRatio}x (zip bomb guard); not loaded`);
          return;
        }
        entry.queue.push(data);
        if (final) entry.queue.end();
      };
      try {
        f.start();
      } catch (e) {
        entry.cut = `${f.name}: ${message(e)}`;
        entry.queue.end();
      }
    }
    const rowsBefore = rowsDone;
    const inner: IngestOptions = {
      ...opts,
      onProgress: opts.onProgress ? (_b, rows) => opts.onProgress?.(bytes, rowsBefore + rows) : undefined,
    };
    pending.push(
      ingestNested(`${file}/${f.name}`, entry.queue, inner, { ...budget, depth: budget.depth + 1 }).then((rs) => {
        rowsDone += rs.reduce((n, r) => n + r.report.rowsRead, 0);
        return entry.cut !== null
          ? cutResults(
              rs.length > 0 ? rs : [fatalResult(`${file}/${f.name}`, 'unsupported', 0, '', opts)],
              entry.cut,
              opts,
            )
          : rs;
      }),
    );
  };

  throwIfAborted(opts.signal);
  try {
    for await (const chunk of chunks) {
      throwIfAborted(opts.signal);
      bytes += chunk.byteLength;
      if (corrupt === null) {
        try {
          unzip.push(chunk);
        } catch (e) {
          corrupt = `the zip archive is corrupt after ${bytes} bytes: ${message(e)}`;
        }
      }
      // Back-pressure: let each entry's reader take what this chunk produced.
      await Promise.all(entries.map((e) => e.queue.drained()));
    }
    if (corrupt === null) {
      try {
        unzip.push(new Uint8Array(0), true);
      } catch (e) {
        corrupt = `the zip archive is corrupt at its end: ${message(e)}`;
      }
    }
  } catch (e) {
    for (const en of entries) en.queue.end();
    await Promise.allSettled(pending);
    throw e;
  }
  for (const en of entries) {
    if (!en.queue.isEnded) {
      en.cut ??= `${en.name}: the archive ends inside this entry (truncated download?); not loaded`;
      en.queue.end();
    }
  }
  const results: IngestResult[] = [];
  for (const p of pending) {
    try {
      results.push(...(await p));
    } catch (e) {
      if (isAbort(e)) throw e;
      results.push(fatalResult(file, 'unsupported', bytes, message(e), opts));
    }
  }
  if (corrupt !== null) results.push(fatalResult(file, 'unsupported', bytes, corrupt, opts));
  if (results.length === 0)
    results.push(
      fatalResult(file, 'unsupported', bytes, bytes === 0 ? 'empty file' : 'the zip archive holds no files', opts),
    );
  if (skipped.length > 0) {
    const first = results[0]!;
    results[0] = {
      table: first.table,
      report: {
        ...first.report,
        warnings: [...first.report.warnings, `${file}: ${skipped.length} director(ies)/metadata entr(ies) skipped`],
      },
    };
  }
  return results;
}

/**
 * Decompresses a `.gz` file as it streams (fflate `Gunzip`, multi-member aware) and ingests the
 * content; the results keep the outer file name. Capped like zip entries.
 */
export async function readGzip(
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: IngestOptions,
  budget: ArchiveBudget,
  ingestNested: IngestNested,
): Promise<IngestResult[]> {
  if (budget.depth > MAX_ARCHIVE_DEPTH)
    return [
      fatalResult(file, 'unsupported', 0, `archives nested more than ${MAX_ARCHIVE_DEPTH} deep are not read`, opts),
    ];
  const queue = new ByteQueue();
  let bytes = 0;
  let out = 0;
  let cut: string | null = null;
  const gunzip = new Gunzip((data, final) => {
    if (cut !== null) return;
    out += data.byteLength;
    budget.remaining -= data.byteLength;
    if (budget.remaining < 0)
      cut = `decompressed data passed the ${gib(budget.limit)} limit (zip bomb guard); not loaded`;
    else if (out > RATIO_GRACE && out > bytes * budget.maxRatio)
      cut = `expands more than ${budget.maxRatio}x (zip bomb guard); not loaded`;
    if (cut !== null) {
      queue.end();
      return;
    }
    queue.push(data);
    if (final) queue.end();
  });
  const inner = file.toLowerCase().endsWith('.gz') ? file.slice(0, -3) : file;
  const pending = ingestNested(
    inner,
    queue,
    { ...opts, onProgress: opts.onProgress ? (_b, rows) => opts.onProgress?.(bytes, rows) : undefined },
    { ...budget, depth: budget.depth + 1 },
  );
  throwIfAborted(opts.signal);
  try {
    for await (const chunk of chunks) {
      throwIfAborted(opts.signal);
      bytes += chunk.byteLength;
      if (cut === null) {
        try {
          gunzip.push(chunk);
        } catch (e) {
          cut = `the gzip stream is corrupt after ${bytes} bytes: ${message(e)}`;
          queue.end();
        }
      }
      await queue.drained();
    }
    if (cut === null) {
      try {
        gunzip.push(new Uint8Array(0), true);
      } catch (e) {
        cut = `the gzip stream is truncated or corrupt at its end: ${message(e)}`;
      }
    }
  } catch (e) {
    queue.end();
    await pending.catch(() => undefined);
    throw e;
  }
  if (!queue.isEnded) cut ??= 'the gzip stream ends early (truncated download?)';
  queue.end();
  const rs = await pending;
  if (cut !== null)
    return cutResults(rs, cut, opts).map((r) => ({ table: r.table, report: { ...r.report, file, bytes } }));
  return rs.map((r) => ({
    table: r.table,
    report: {
      ...r.report,
      file,
      bytes,
      warnings: [...r.report.warnings, `gzip-compressed: ${out} bytes after decompression`],
    },
  }));
}
