import {
  CsvScanner,
  type CsvIssue,
  type CsvReaderOptions,
  type CsvReadSummary,
} from '../../../src/engine/ingest/csv-reader';
import type { IngestResult } from '../../../src/engine/ingest/read-csv-table';
import { getValue } from '../../../src/engine/table/column';

/** What a parse produced, in a comparable shape. */
export interface Parsed {
  header: string[] | null;
  records: string[][];
  /** Line of each record (same order as `records`). */
  lines: number[];
  rejects: Pick<CsvIssue, 'code' | 'line' | 'column' | 'recordLine'>[];
  summary: CsvReadSummary;
}

/** Parses `bytes` fed in chunks ending at `cuts` (sorted byte offsets). */
export function parseChunked(bytes: Uint8Array, cuts: readonly number[], opts: CsvReaderOptions = {}): Parsed {
  const out: Omit<Parsed, 'summary'> = { header: null, records: [], lines: [], rejects: [] };
  const scanner = new CsvScanner(
    {
      header: (f) => {
        out.header = [...f];
      },
      record: (r) => {
        out.records.push(r.fields());
        out.lines.push(r.line);
      },
      reject: (i) => {
        out.rejects.push({ code: i.code, line: i.line, column: i.column, recordLine: i.recordLine });
      },
    },
    opts,
  );
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > prev) scanner.pushBytes(bytes.subarray(prev, c));
    prev = Math.max(prev, c);
  }
  const summary = scanner.finish();
  return { ...out, summary };
}

export function parseWhole(bytes: Uint8Array, opts: CsvReaderOptions = {}): Parsed {
  return parseChunked(bytes, [], opts);
}

/** Cut points every `size` bytes. */
export function everyN(len: number, size: number): number[] {
  const cuts: number[] = [];
  for (let i = size; i < len; i += size) cuts.push(i);
  return cuts;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function utf16(s: string, endian: 'le' | 'be', bom = true): Uint8Array {
  const out = new Uint8Array((s.length + (bom ? 1 : 0)) * 2);
  let o = 0;
  const put = (u: number): void => {
    if (endian === 'le') {
      out[o++] = u & 0xff;
      out[o++] = u >> 8;
    } else {
      out[o++] = u >> 8;
      out[o++] = u & 0xff;
    }
  };
  if (bom) put(0xfeff);
  for (let i = 0; i < s.length; i++) put(s.charCodeAt(i));
  return out;
}

/** RFC 4180 writer: quotes a field when it holds the delimiter, a quote, CR or LF. */
export function toCsv(rows: readonly (readonly string[])[], delimiter = ',', eol = '\r\n'): string {
  return rows
    .map((r) =>
      r
        .map((f) =>
          f.includes(delimiter) || /["\r\n]/.test(f) || (f === '' && r.length === 1)
            ? `"${f.replaceAll('"', '""')}"`
            : f,
        )
        .join(delimiter),
    )
    .join(eol);
}

export async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
}

/** Table and report in a comparable shape (string dictionaries as sorted sets: codes may differ). */
export function shape(r: IngestResult): unknown {
  const t = r.table;
  return {
    name: t.name,
    schema: t.schema,
    rows: t.rowCount,
    cells: t.columns.map((c) => Array.from({ length: t.rowCount }, (_, i) => getValue(c, i))),
    dicts: t.columns.map((c) => (c.type === 'string' ? [...c.dict].sort() : null)),
    report: r.report,
  };
}
