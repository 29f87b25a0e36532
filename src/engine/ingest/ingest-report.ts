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
  | 'no-header';

export interface IngestReject {
  /** CSV/TSV: 1-based physical line. Arrow: 1-based record number in the file. */
  readonly line: number;
  /** Column name, when one cell caused the reject. */
  readonly column?: string;
  /** CSV/TSV: 1-based character column of the cell or problem within its line. */
  readonly position?: number;
  readonly code: RejectCode;
  readonly reason: string;
}

export type IngestFormat = 'csv' | 'tsv' | 'arrow' | 'unsupported';

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
  /** Data rows seen (header excluded); always rowsLoaded + rowsRejected. */
  readonly rowsRead: number;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
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

/** Shows a cell value in a message: JSON-quoted, cut at 80 characters. */
export function showValue(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
}

/** Min / max over a datetime column, ignoring nulls. */
export function timeRangeOf(col: Column | undefined): { min: bigint; max: bigint } | null {
  if (col === undefined || col.type !== 'datetime') return null;
  let min: bigint | null = null;
  let max: bigint | null = null;
  for (let i = 0; i < col.length; i++) {
    if (col.valid !== null && col.valid[i] === 0) continue;
    const v = col.values[i]!;
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
