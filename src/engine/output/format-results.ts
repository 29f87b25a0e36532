/**
 * Result tables as CSV or JSON, the way the CLI and the dashboard export them: times as ISO 8601
 * UTC with 7 fraction digits and `Z`, dynamic arrays as JSON with set elements sorted, rows in a
 * stable order, and (by default) spreadsheet formulas neutralised.
 */
import { compareStrings } from '../functions/compare';
import type { Scalar, ScalarType } from '../table/column';
import { getValue } from '../table/column';
import type { Table } from '../table/table';
import { formatDateTime, formatTimespan } from '../time/ticks';

export interface FormatOptions {
  /** Columns to put first, in this order (the rest follow in table order). */
  readonly leadingColumns?: readonly string[];
  /** Keep cells exactly as they are (no formula neutralisation). Default false. */
  readonly raw?: boolean;
  /** Sort rows by their formatted cells, left to right. Default true. */
  readonly sortRows?: boolean;
}

/** A JSON-ready cell: datetimes as ISO text, sets sorted, null as null. */
export function jsonCell(v: Scalar, type: ScalarType): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'datetime':
      return formatDateTime(v as bigint);
    case 'timespan':
      return formatTimespan(v as bigint);
    case 'dynamic':
      // make_set's element order is undefined in Kusto; exports sort it so they are reproducible.
      return Array.isArray(v) ? sortDynamic(v) : v;
    default:
      return v;
  }
}

function sortDynamic(values: readonly unknown[]): unknown[] {
  return [...values].sort((a, b) =>
    compareStrings(typeof a === 'string' ? a : JSON.stringify(a), typeof b === 'string' ? b : JSON.stringify(b)),
  );
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * A cell a spreadsheet would execute (`=`, `+`, `-`, `@`, tab, CR at the start) gets a leading
 * apostrophe, which spreadsheets show as text (OWASP CSV injection guidance).
 */
export function neutraliseFormula(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

interface Prepared {
  readonly names: string[];
  readonly rows: unknown[][];
}

function prepare(table: Table, options: FormatOptions): Prepared {
  const lead = (options.leadingColumns ?? []).filter((n) => table.schema.some((c) => c.name === n));
  const order = [...lead.map((n) => table.schema.findIndex((c) => c.name === n))];
  table.schema.forEach((_, i) => {
    if (!order.includes(i)) order.push(i);
  });
  const rows: unknown[][] = [];
  for (let r = 0; r < table.rowCount; r++) {
    rows.push(order.map((i) => jsonCell(getValue(table.columns[i]!, r), table.schema[i]!.type)));
  }
  if (options.sortRows !== false) {
    const keys = rows.map((row) => row.map(cellText));
    const idx = rows.map((_, i) => i);
    idx.sort((a, b) => {
      const ka = keys[a]!;
      const kb = keys[b]!;
      for (let c = 0; c < ka.length; c++) {
        const x = rows[a]![c];
        const y = rows[b]![c];
        const cmp = typeof x === 'number' && typeof y === 'number' ? x - y : compareStrings(ka[c]!, kb[c]!);
        if (cmp !== 0) return cmp;
      }
      return a - b;
    });
    return { names: order.map((i) => table.schema[i]!.name), rows: idx.map((i) => rows[i]!) };
  }
  return { names: order.map((i) => table.schema[i]!.name), rows };
}

/** RFC 4180 CSV with a header row; `\r\n` line ends. */
export function formatCsv(table: Table, options: FormatOptions = {}): string {
  const { names, rows } = prepare(table, options);
  const fix = options.raw ? (s: string) => s : neutraliseFormula;
  const lines = [names.map((n) => csvField(fix(n))).join(',')];
  for (const row of rows) lines.push(row.map((v) => csvCell(v, fix)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A number is never a formula (`-1` is minus one), so only text is neutralised. */
function csvCell(v: unknown, fix: (s: string) => string): string {
  return typeof v === 'number' || typeof v === 'bigint' ? String(v) : csvField(fix(cellText(v)));
}

/** RFC 4180 CSV of plain rows (already in order), with the same neutralisation as `formatCsv`. */
export function formatCsvRows(
  names: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
  options: Pick<FormatOptions, 'raw'> = {},
): string {
  const fix = options.raw ? (s: string) => s : neutraliseFormula;
  const lines = [names.map((n) => csvField(fix(n))).join(',')];
  for (const row of rows) lines.push(row.map((v) => csvCell(v, fix)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** `{ "columns": [...], "rows": [[...], ...] }` with the same cell conventions as the CSV. */
export function formatJson(table: Table, options: FormatOptions = {}): string {
  const { names, rows } = prepare(table, options);
  return `${JSON.stringify({ columns: names, rows }, null, 1)}\n`;
}
