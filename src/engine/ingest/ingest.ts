import { makeTable } from '../table/table';
import { readArrowTable } from './arrow-reader';
import { throwIfAborted } from './csv-reader';
import { readCsvTable, type IngestOptions, type IngestResult } from './read-csv-table';
import { tableNameFromFile } from './recognise-table';

export { concatTables, type ConcatResult } from './concat-tables';
export type { IngestOptions, IngestResult } from './read-csv-table';
export type { IngestReport, IngestReject, RejectCode, MappedColumn, IngestFormat } from './ingest-report';

export type SniffedFormat =
  { readonly kind: 'arrow' } | { readonly kind: 'text' } | { readonly kind: 'unsupported'; readonly why: string };

const SNIFF_BYTES = 64;

function startsWith(head: Uint8Array, bytes: readonly number[]): boolean {
  return bytes.every((b, i) => head[i] === b);
}

/** Decides the reader from the first bytes (magic numbers), never from the file name. */
export function sniffFormat(head: Uint8Array): SniffedFormat {
  if (startsWith(head, [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31])) return { kind: 'arrow' }; // "ARROW1": IPC file
  if (startsWith(head, [0xff, 0xff, 0xff, 0xff])) return { kind: 'arrow' }; // IPC stream continuation marker
  if (startsWith(head, [0x50, 0x41, 0x52, 0x31]))
    return { kind: 'unsupported', why: 'Parquet is not supported yet: export the table as CSV or Arrow' };
  if (startsWith(head, [0x1f, 0x8b])) return { kind: 'unsupported', why: 'gzip-compressed file: decompress it first' };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    return {
      kind: 'unsupported',
      why: 'a zip archive or Excel workbook (.xlsx) is not supported: export the results as CSV',
    };
  }
  if (startsWith(head, [0x45, 0x6c, 0x66, 0x46, 0x69, 0x6c, 0x65, 0x00])) {
    return { kind: 'unsupported', why: 'Windows event logs (.evtx) are not supported yet' };
  }
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (head[i] === 0x7b || head[i] === 0x5b)
    return { kind: 'unsupported', why: 'JSON / JSON lines is not supported yet: export the table as CSV or Arrow' };
  return { kind: 'text' };
}

/**
 * Reads one export (CSV, TSV or Arrow IPC, chosen from the content) into a typed table plus a
 * report of every row loaded or rejected. Never throws on file content; throws only an
 * `AbortError` when `opts.signal` aborts.
 */
export async function ingestFile(
  name: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: IngestOptions = {},
): Promise<IngestResult> {
  throwIfAborted(opts.signal);
  const it = chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLen = 0;
  let ended = false;
  while (headLen < SNIFF_BYTES) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    if (r.value.byteLength === 0) continue;
    head.push(r.value);
    headLen += r.value.byteLength;
  }
  const joined = new Uint8Array(headLen);
  let o = 0;
  for (const h of head) {
    joined.set(h, o);
    o += h.byteLength;
  }
  // The sniffed bytes go first, then the rest of the same iterator.
  async function* replay(): AsyncGenerator<Uint8Array> {
    if (joined.length > 0) yield joined;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  const fmt = sniffFormat(joined);
  if (fmt.kind === 'unsupported') {
    if (!ended) await it.return?.();
    const table = opts.tableName ?? tableNameFromFile(name);
    return {
      table: makeTable(table, [], []),
      report: {
        file: name,
        format: 'unsupported',
        table,
        recognised: null,
        bytes: headLen,
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
        fatal: fmt.why,
      },
    };
  }
  return fmt.kind === 'arrow' ? readArrowTable(name, replay(), opts) : readCsvTable(name, replay(), opts);
}
