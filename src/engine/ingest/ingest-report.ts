import type { ScalarType } from '../table/column';
import type { Column } from '../table/column';
import type { CsvIssueCode } from './csv-reader';
import type { DefenderTableName } from './recognise-table';

/** Why a row was not loaded. Stable codes: tests and the UI key on them. */
export type RejectCode =
  | CsvIssueCode
  /** Not a decimal number where the schema wants int / long / real. */
  | 'bad-number'
  /** An integer beyond ±(2^53 - 1): a long column is a Float64 and would round it. */
  | 'unsafe-integer'
  /** An `int` column value outside the 32-bit range. */
  | 'int-out-of-range'
  | 'bad-bool'
  | 'bad-datetime'
  /** CSV/TSV rows of a file whose header line is unusable. */
  | 'no-header'
  /** JSON: text that is not valid JSON (or not an object where a record was expected). */
  | 'bad-json'
  /** JSON: a record whose shape names no table (no Defender columns, no known category). */
  | 'unknown-record'
  /** Windows event records (ingest/windows): a field the mapping cannot do without is absent. */
  | 'missing-field';

export interface IngestReject {
  /** CSV/TSV/JSON: 1-based physical line (JSON: where the record starts). Arrow/Parquet: 1-based record number. */
  readonly line: number;
  /** Column name, when one cell caused the reject. */
  readonly column?: string;
  /** CSV/TSV: 1-based character column of the cell or problem within its line. */
  readonly position?: number;
  readonly code: RejectCode;
  readonly reason: string;
}

export type IngestFormat = 'csv' | 'tsv' | 'arrow' | 'parquet' | 'json' | 'evtx-csv' | 'unsupported';

/** A column whose values on some rows were inferred rather than read (the rows say so in `InferredColumns`). */
export interface InferredColumnNote {
  readonly column: string;
  readonly rows: number;
  readonly reason: string;
}

/** A column filled on some rows from another event of the same process or connection. */
export interface EnrichedColumnNote {
  readonly column: string;
  readonly rows: number;
  readonly how: string;
}

export interface MappedColumn {
  /** Name in the table (Defender name when recognised). */
  readonly name: string;
  /** Header text / Arrow field name as found in the file. */
  readonly source: string;
  readonly type: ScalarType;
  /** Arrow only: the Arrow type it was read from. */
  readonly sourceType?: string;
}

export interface IngestReport {
  readonly file: string;
  readonly format: IngestFormat;
  /** Name of the returned table: the recognised Defender table, or the given / file-derived name. */
  readonly table: string;
  /** The Defender table recognised from the column names, or null. */
  readonly recognised: DefenderTableName | null;
  readonly bytes: number;
  /** Data rows seen (header excluded); always rowsLoaded + rowsRejected + (rowsSkipped ?? 0). */
  readonly rowsRead: number;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
  /**
   * Records deliberately not loaded because they belong to no table the rule reads (another
   * streaming-API category, a Windows event other than Sysmon 1/3 or Security 4688/5156);
   * absent means 0. Counted per reason in `skipCounts`.
   */
  readonly rowsSkipped?: number;
  /** Skipped records by reason (e.g. the streaming-API category); the counts add up to rowsSkipped. */
  readonly skipCounts?: Readonly<Record<string, number>>;
  /** The first `maxRejects` rejects, in file order. */
  readonly rejects: readonly IngestReject[];
  readonly rejectCounts: Readonly<Partial<Record<RejectCode, number>>>;
  readonly columnsMapped: readonly MappedColumn[];
  /** Requested (or, by default, schema) columns the file does not have. */
  readonly columnsMissing: readonly string[];
  /** File columns present but not decoded (not requested, or unknown and not requested). */
  readonly columnsIgnored: readonly string[];
  /** Min / max of the `Timestamp` column in 100 ns ticks, or null (no such column / no values). */
  readonly timeRange: { readonly min: bigint; readonly max: bigint } | null;
  /** Distinct non-empty DeviceName values among loaded rows, or null when not decoded. */
  readonly devices: number | null;
  /** Set when some datetime cells carry less than 100 ns precision (US portal form: ms). */
  readonly precisionNote?: string;
  readonly warnings: readonly string[];
  /** Set when the file could not be read at all (unsupported format, no header, unknown layout). */
  readonly fatal?: string;
  /** Columns with inferred values on some rows (Windows events; schemas.md §7a). */
  readonly columnsInferred?: readonly InferredColumnNote[];
  /** Columns filled from other events (Windows events; schemas.md §7). */
  readonly columnsEnriched?: readonly EnrichedColumnNote[];
  /** How the data was mapped (synthesized DeviceId, time-zone offset used, ...): facts, not problems. */
  readonly notes?: readonly string[];
}

/** Collects rejects: keeps the first `max` with their reason text, counts all by code. */
export class RejectLog {
  readonly rejects: IngestReject[] = [];
  readonly counts: Partial<Record<RejectCode, number>> = {};
  total = 0;

  constructor(private readonly max: number) {}

  /** `make` runs only for the kept ones, so a file of a million bad rows builds 100 messages. */
  add(code: RejectCode, make: () => IngestReject): void {
    this.total++;
    this.counts[code] = (this.counts[code] ?? 0) + 1;
    if (this.rejects.length < this.max) this.rejects.push(make());
  }
}

/** The accounting invariant every report keeps: each row read is loaded, rejected or skipped. */
export function rowsAccountedFor(r: IngestReport): boolean {
  return r.rowsRead === r.rowsLoaded + r.rowsRejected + (r.rowsSkipped ?? 0);
}

/** Counts skipped records by reason. */
export class SkipLog {
  readonly counts: Record<string, number> = {};
  total = 0;

  add(reason: string, n = 1): void {
    this.total += n;
    this.counts[reason] = (this.counts[reason] ?? 0) + n;
  }
}

/** Shows a cell value in a message: JSON-quoted, cut at 80 characters. */
export function showValue(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
}

/** Min / max over a datetime column, ignoring nulls. */
export function timeRangeOf(col: Column | undefined): { min: bigint; max: bigint } | null {
  if (col === undefined || col.type !== 'datetime') return null;
  const { values, valid } = col;
  if (!LITTLE_ENDIAN) return timeRangeBig(values, valid, col.length);
  // Compared as int32 halves (hi signed, then lo unsigned): no BigInt per row.
  const w = new Int32Array(values.buffer, values.byteOffset, col.length * 2);
  let at = -1;
  let minHi = 0;
  let minLo = 0;
  let maxHi = 0;
  let maxLo = 0;
  for (let i = 0; i < col.length; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const lo = w[2 * i]! >>> 0;
    const hi = w[2 * i + 1]!;
    if (at < 0) {
      at = i;
      minHi = maxHi = hi;
      minLo = maxLo = lo;
      continue;
    }
    if (hi < minHi || (hi === minHi && lo < minLo)) {
      minHi = hi;
      minLo = lo;
    }
    if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
      maxHi = hi;
      maxLo = lo;
    }
  }
  if (at < 0) return null;
  return { min: (BigInt(minHi) << 32n) | BigInt(minLo), max: (BigInt(maxHi) << 32n) | BigInt(maxLo) };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The BigInt reference (big-endian platforms, tests). */
export function timeRangeBig(
  values: BigInt64Array,
  valid: Uint8Array | null,
  n: number,
): { min: bigint; max: bigint } | null {
  let min: bigint | null = null;
  let max: bigint | null = null;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const v = values[i]!;
    if (min === null || v < min) min = v;
    if (max === null || v > max) max = v;
  }
  return min === null || max === null ? null : { min, max };
}

/** Distinct non-empty values of a string column. */
export function distinctNonEmpty(col: Column | undefined): number | null {
  if (col === undefined || col.type !== 'string') return null;
  const seen = new Uint8Array(col.dict.length);
  let n = 0;
  for (let i = 0; i < col.length; i++) {
    const c = col.codes[i]!;
    if (seen[c] === 0) {
      seen[c] = 1;
      if (col.dict[c] !== '') n++;
    }
  }
  return n;
}

export const US_PRECISION_NOTE =
  'datetimes in the US portal form (M/D/YYYY, h:mm:ss.fff AM/PM) carry millisecond precision only and were taken as UTC; ' +
  'sub-millisecond ordering and exact equality with other exports are lost';

/**
 * One report summing the reports of a file that held several tables (zip entries, a streaming-API
 * export): for views that show one line per file. Each part's table, counts and problems are
 * listed in `warnings`; fatal only when no part could be read.
 */
export function combineReports(file: string, parts: readonly IngestReport[], maxRejects = 100): IngestReport {
  if (parts.length === 1) return parts[0]!;
  const ok = parts.filter((p) => p.fatal === undefined);
  const counts: Partial<Record<RejectCode, number>> = {};
  const skipCounts: Record<string, number> = {};
  for (const p of parts) {
    for (const [k, n] of Object.entries(p.rejectCounts) as [RejectCode, number][]) counts[k] = (counts[k] ?? 0) + n;
    for (const [k, n] of Object.entries(p.skipCounts ?? {})) skipCounts[k] = (skipCounts[k] ?? 0) + n;
  }
  const sum = (f: (p: IngestReport) => number): number => parts.reduce((n, p) => n + f(p), 0);
  const skipped = sum((p) => p.rowsSkipped ?? 0);
  let range: { min: bigint; max: bigint } | null = null;
  for (const p of parts) {
    const r = p.timeRange;
    if (r === null) continue;
    range =
      range === null ? r : { min: r.min < range.min ? r.min : range.min, max: r.max > range.max ? r.max : range.max };
  }
  const tables = [...new Set(ok.map((p) => p.table))];
  const formats = [...new Set(parts.map((p) => p.format))];
  const warnings: string[] = [];
  for (const p of parts) {
    const head = `${p.file}: ${p.table} (${p.format})`;
    if (p.fatal !== undefined) warnings.push(`${head}: ${p.fatal}`);
    else
      warnings.push(
        `${head}: ${p.rowsLoaded} loaded, ${p.rowsRejected} rejected${p.rowsSkipped ? `, ${p.rowsSkipped} skipped` : ''}`,
      );
    for (const w of p.warnings) warnings.push(`${p.file}: ${w}`);
  }
  return {
    file,
    format: formats.length === 1 ? formats[0]! : (ok[0]?.format ?? 'unsupported'),
    table: tables.join(', ') || (parts[0]?.table ?? file),
    recognised: ok.length === 1 ? ok[0]!.recognised : null,
    bytes: Math.max(...parts.map((p) => p.bytes)),
    rowsRead: sum((p) => p.rowsRead),
    rowsLoaded: sum((p) => p.rowsLoaded),
    rowsRejected: sum((p) => p.rowsRejected),
    ...(skipped > 0 ? { rowsSkipped: skipped, skipCounts } : {}),
    rejects: parts
      .flatMap((p) => p.rejects.map((r) => (p.file === file ? r : { ...r, reason: `${p.file}: ${r.reason}` })))
      .slice(0, maxRejects),
    rejectCounts: counts,
    columnsMapped: ok.flatMap((p) => p.columnsMapped),
    columnsMissing: [...new Set(ok.flatMap((p) => p.columnsMissing))],
    columnsIgnored: [...new Set(ok.flatMap((p) => p.columnsIgnored))],
    timeRange: range,
    devices: ok.some((p) => p.devices !== null) ? Math.max(...ok.map((p) => p.devices ?? 0)) : null,
    warnings,
    ...(ok.length === 0 ? { fatal: parts.map((p) => p.fatal).join('; ') } : {}),
  };
}
