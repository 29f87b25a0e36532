/**
 * Out-of-memory handling for the engine: a budget check before a file is read (its kept columns
 * estimated from its size and format), a projection while it loads (rows so far scaled to the
 * file's size), and the translation of allocation failures (`RangeError: Array buffer allocation
 * failed`, `Invalid typed array length`, ...) into one clear message that names the file, how far
 * it got and what to do. The server frees the partial data and keeps every earlier file.
 */

/** The error name every memory failure carries across the wire (the UI keys its banner on it). */
export const OUT_OF_MEMORY = 'OutOfMemory';

const GiB = 1024 ** 3;

/**
 * Bytes of kept columns per byte of file, an upper estimate by format: text formats keep a few
 * columns of each line as 4-9 bytes each (a 28-character timestamp becomes 8 bytes); columnar and
 * compressed formats decode to about their size or more (Parquet pages are compressed ~4×).
 */
const KEPT_PER_FILE_BYTE: Readonly<Record<string, number>> = {
  csv: 0.35,
  json: 0.2,
  arrow: 1.1,
  parquet: 4,
  archive: 4,
};

/** A user-facing out-of-memory failure (already a full sentence). */
export class OutOfMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = OUT_OF_MEMORY;
  }
}

export { isAllocationFailure } from '../ingest/abort-error';

/**
 * The memory the engine may use for loaded data: half the device memory the browser reports
 * (`navigator.deviceMemory`, GB, capped by Chromium at 8), at most 8 GiB (a renderer's practical
 * limit), 4 GiB where the browser does not say.
 */
export function defaultMemoryBudget(): number {
  const nav = (globalThis as { navigator?: { deviceMemory?: number } }).navigator;
  const gb = typeof nav?.deviceMemory === 'number' && nav.deviceMemory > 0 ? nav.deviceMemory : 8;
  return Math.min(8 * GiB, (gb / 2) * GiB);
}

export function formatGiB(bytes: number): string {
  return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1024 ** 2))} MB`;
}

/** Sniffed format → the estimate's key. */
export function formatFamily(head: Uint8Array): string {
  if (head.length >= 6 && String.fromCharCode(...head.subarray(0, 6)) === 'ARROW1') return 'arrow';
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff) return 'arrow';
  if (head.length >= 4 && String.fromCharCode(...head.subarray(0, 4)) === 'PAR1') return 'parquet';
  if (head.length >= 2 && ((head[0] === 0x50 && head[1] === 0x4b) || (head[0] === 0x1f && head[1] === 0x8b)))
    return 'archive';
  const first = head.find(
    (b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0xef && b !== 0xbb && b !== 0xbf,
  );
  return first === 0x7b || first === 0x5b ? 'json' : 'csv';
}

/** Estimated bytes a file's kept columns take once loaded. */
export function estimateKeptBytes(fileBytes: number, family: string): number {
  return fileBytes * (KEPT_PER_FILE_BYTE[family] ?? 1);
}

/** Bytes held by a table's columns (typed arrays; dictionary strings estimated at 2 bytes a char + 32). */
export function columnBytes(columns: readonly unknown[]): number {
  let n = 0;
  for (const c of columns as readonly Record<string, unknown>[]) {
    for (const k of ['codes', 'values', 'valid'] as const) {
      const v = c[k];
      if (ArrayBuffer.isView(v)) n += v.byteLength;
      else if (Array.isArray(v)) n += v.length * 16;
    }
    const dict = c.dict;
    if (Array.isArray(dict)) for (const s of dict as string[]) n += 32 + s.length * 2;
  }
  return n;
}

export interface LoadPoint {
  readonly bytes: number;
  readonly totalBytes: number;
  readonly rows: number;
}

function progressText(at: LoadPoint): string {
  const pct = at.totalBytes > 0 ? Math.floor((at.bytes / at.totalBytes) * 100) : 0;
  return `${at.rows.toLocaleString('en-US')} rows read, ${formatGiB(at.bytes)} of ${formatGiB(at.totalBytes)} (${pct} %)`;
}

const ADVICE =
  'Load a smaller export (a shorter time range or fewer devices, or only the columns the rule reads), ' +
  'or close other tabs and load it again. The files loaded before it are still loaded.';

/** Before reading: the estimate would not fit next to what is loaded. */
export function tooLargeBeforeLoad(
  name: string,
  fileBytes: number,
  needed: number,
  held: number,
  budget: number,
): OutOfMemoryError {
  return new OutOfMemoryError(
    `Not enough memory to load ${name}: its ${formatGiB(fileBytes)} would take about ${formatGiB(needed)} in memory, ` +
      `with ${formatGiB(held)} already loaded and a memory budget of ${formatGiB(budget)} for this tab. ${ADVICE}`,
  );
}

/** An allocation failure during a load, as a clear message. */
export function outOfMemoryWhileLoading(name: string, at: LoadPoint, err: unknown): OutOfMemoryError {
  if (err instanceof OutOfMemoryError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new OutOfMemoryError(
    `Out of memory while loading ${name}: the browser refused an allocation (${why}) after ${progressText(at)}. ` +
      `Its partial data was dropped. ${ADVICE}`,
  );
}

/** An allocation failure during a detection, as a clear message. */
export function outOfMemoryWhileDetecting(rows: number, err: unknown): OutOfMemoryError {
  const why = err instanceof Error ? err.message : String(err);
  return new OutOfMemoryError(
    `Out of memory while running the rule over ${rows.toLocaleString('en-US')} loaded rows: the browser refused an ` +
      `allocation (${why}). The loaded files are kept; run it again after closing other tabs, or clear and load a ` +
      `smaller export.`,
  );
}
