import { makeTable } from '../table/table';
import { readCsv } from './csv-reader';
import { RejectLog, SkipLog } from './ingest-report';
import type { IngestOptions, IngestResult } from './read-csv-table';
import { withFileLevel } from './read-json-tables';
import { tableNameFromFile } from './recognise-table';
import { windowsEventSupport, type WindowsEventNormaliserLike } from './windows-bridge';

/**
 * EvtxECmd CSV exports (one Windows event per row, the event data as JSON in `Payload`): rows
 * become event records for the Sysmon / Security normaliser, which decides what each yields.
 */
export async function readEvtxECmdCsv(
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: IngestOptions = {},
): Promise<IngestResult[]> {
  const maxRejects = opts.maxRejects ?? 100;
  const log = new RejectLog(maxRejects);
  const skips = new SkipLog();
  const support = windowsEventSupport();
  let normaliser: WindowsEventNormaliserLike | null = null;
  let header: readonly string[] = [];
  let fileRows = 0;
  let delivered = 0;
  const summary = await readCsv(
    chunks,
    {
      header(fields) {
        header = fields.map((f) => f.trim());
      },
      record(rec) {
        if (support === null) {
          fileRows++;
          skips.add('Windows event (Sysmon/Security normaliser not available)');
          return;
        }
        const row: Record<string, string> = {};
        for (let i = 0; i < header.length && i < rec.fieldCount; i++) row[header[i]!] = rec.field(i);
        normaliser ??= support.createNormaliser(file, opts);
        normaliser.add(support.fromEvtxECmdRow(row), rec.line);
        delivered++;
      },
      reject(issue) {
        fileRows++;
        log.add(issue.code, () => ({
          line: issue.recordLine,
          position: issue.column,
          code: issue.code,
          reason: issue.message,
        }));
      },
    },
    {
      delimiter: opts.delimiter,
      maxRecordLength: opts.maxRecordLength,
      signal: opts.signal,
      onChunk: (bytes) => opts.onProgress?.(bytes, fileRows + delivered),
    },
  );
  const n = normaliser as WindowsEventNormaliserLike | null;
  const results = n === null ? [] : n.finish();
  if (results.length === 0) {
    const table = opts.tableName ?? tableNameFromFile(file);
    results.push({
      table: makeTable(table, [], []),
      report: {
        file,
        format: 'evtx-csv',
        table,
        recognised: null,
        bytes: summary.bytes,
        rowsRead: 0,
        rowsLoaded: 0,
        rowsRejected: 0,
        rejects: [],
        rejectCounts: {},
        columnsMapped: [],
        columnsMissing: [],
        columnsIgnored: [],
        timeRange: null,
        devices: null,
        warnings:
          support === null ? ['EvtxECmd CSV: the Sysmon/Security normaliser is not available in this build'] : [],
      },
    });
  }
  if (fileRows > 0) results[0] = withFileLevel(results[0]!, log, skips, fileRows, maxRejects);
  return results;
}
