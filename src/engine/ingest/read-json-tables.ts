import { makeTable } from '../table/table';
import { throwIfAborted } from './abort-error';
import { RejectLog, SkipLog, type IngestReject, type IngestReport, type RejectCode } from './ingest-report';
import { isPlainObject, JsonTableBuilder } from './json-table-builder';
import { JsonValueSplitter } from './json-value-splitter';
import { selectedColumns } from './plan-columns';
import type { IngestOptions, IngestResult } from './read-csv-table';
import { tableNameFromFile, type DefenderTableName } from './recognise-table';
import { looksLikeWindowsEvent, windowsEventSupport, type WindowsEventNormaliserLike } from './windows-bridge';

const DEFENDER: readonly DefenderTableName[] = ['DeviceNetworkEvents', 'DeviceProcessEvents'];

// Same distinguishing columns as recognise-table, tested with `in` so a record costs 16 lookups.
const NET_KEYS = [
  'RemoteIP',
  'RemotePort',
  'LocalIP',
  'LocalPort',
  'Protocol',
  'RemoteUrl',
  'LocalIPType',
  'RemoteIPType',
];
const PROC_KEYS = [
  'ProcessId',
  'ProcessCommandLine',
  'FileName',
  'FolderPath',
  'ProcessCreationTime',
  'ProcessIntegrityLevel',
  'AccountName',
  'SHA1',
];

function recogniseRecord(rec: Record<string, unknown>): DefenderTableName | null {
  let net = 0;
  let proc = 0;
  for (const k of NET_KEYS) if (k in rec) net++;
  for (const k of PROC_KEYS) if (k in rec) proc++;
  if (net >= 3 && net > proc) return 'DeviceNetworkEvents';
  if (proc >= 3 && proc > net) return 'DeviceProcessEvents';
  return null;
}

const STREAMING_PREFIX = 'AdvancedHunting-';

/**
 * Reads JSON lines / JSON arrays of records into as many tables as the records name:
 * flat advanced-hunting rows (table recognised per record from its keys), Defender streaming-API
 * records (`category` AdvancedHunting-<Table>, row in `properties`; other categories skipped and
 * counted), Event Hub batches (`{"records": [...]}`), and Windows event records (handed to the
 * Sysmon / Security normaliser). Never throws on content; throws only an `AbortError`.
 */
export async function readJsonTables(
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: IngestOptions = {},
): Promise<IngestResult[]> {
  const maxRejects = opts.maxRejects ?? 100;
  const fileLog = new RejectLog(maxRejects);
  const skips = new SkipLog();
  const builders = new Map<string, JsonTableBuilder>();
  let untyped: JsonTableBuilder | null = null;
  let windows: WindowsEventNormaliserLike | null = null;
  const support = windowsEventSupport();
  const forced = opts.table;
  const fileName = opts.tableName ?? tableNameFromFile(file);
  let fileRows = 0;
  let bytes = 0;

  const reject = (code: RejectCode, line: number, reason: string): void => {
    fileRows++;
    fileLog.add(code, () => ({ line, code, reason: `line ${line}: ${reason}` }));
  };

  const defender = (t: DefenderTableName): JsonTableBuilder => {
    let b = builders.get(t);
    if (b === undefined) {
      b = JsonTableBuilder.forDefender(t, selectedColumns(opts, t), maxRejects);
      builders.set(t, b);
    }
    return b;
  };

  const route = (v: unknown, line: number, nested: boolean): void => {
    if (Array.isArray(v)) {
      for (const x of v) route(x, line, true);
      return;
    }
    if (!isPlainObject(v)) {
      reject('bad-json', line, `a ${v === null ? 'null' : typeof v} where a record object was expected`);
      return;
    }
    // Event Hub delivers streaming-API records in batches: {"records": [...]}.
    if (!nested && Array.isArray(v.records) && !('category' in v)) {
      for (const x of v.records) route(x, line, true);
      return;
    }
    if (typeof v.category === 'string' && isPlainObject(v.properties)) {
      const t = v.category.startsWith(STREAMING_PREFIX) ? v.category.slice(STREAMING_PREFIX.length) : '';
      const table = DEFENDER.find((d) => d === t);
      if (table === undefined || (forced !== undefined && forced !== table)) {
        fileRows++;
        skips.add(v.category);
        return;
      }
      defender(table).add(v.properties, line, typeof v.time === 'string' ? { Timestamp: v.time } : undefined);
      return;
    }
    if (support !== null ? support.isWindowsEventRecord(v) : looksLikeWindowsEvent(v)) {
      if (support === null) {
        fileRows++;
        skips.add('Windows event (Sysmon/Security normaliser not available)');
        return;
      }
      windows ??= support.createNormaliser(file, opts);
      windows.add(v, line);
      return;
    }
    const table = forced ?? recogniseRecord(v);
    if (table !== null) {
      defender(table).add(v, line);
      return;
    }
    if (untyped === null) {
      untyped = new JsonTableBuilder(fileName, null, [], maxRejects);
      if (opts.columns !== undefined) untyped.fixColumns(opts.columns);
    }
    untyped.add(v, line);
  };

  const splitter = new JsonValueSplitter(
    {
      value(text, line) {
        let v: unknown;
        try {
          v = JSON.parse(text);
        } catch (e) {
          reject('bad-json', line, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
          return;
        }
        route(v, line, false);
      },
      junk(line, what) {
        reject(what.includes('longer than') ? 'record-too-long' : 'bad-json', line, what);
      },
    },
    opts.maxRecordLength,
  );

  let decoder: TextDecoder | null = null;
  let bomBytes: Uint8Array | null = null;
  throwIfAborted(opts.signal);
  for await (const chunk of chunks) {
    throwIfAborted(opts.signal);
    bytes += chunk.byteLength;
    let c = chunk;
    if (decoder === null) {
      // The encoding is fixed by the first bytes; wait for two of them to see a UTF-16 BOM.
      if (bomBytes !== null) {
        const j = new Uint8Array(bomBytes.length + c.length);
        j.set(bomBytes);
        j.set(c, bomBytes.length);
        c = j;
        bomBytes = null;
      }
      if (c.length < 2) {
        bomBytes = c;
        continue;
      }
      decoder = new TextDecoder(
        c[0] === 0xff && c[1] === 0xfe ? 'utf-16le' : c[0] === 0xfe && c[1] === 0xff ? 'utf-16be' : 'utf-8',
      );
    }
    splitter.push(decoder.decode(c, { stream: true }));
    opts.onProgress?.(bytes, rowsSoFar());
  }
  throwIfAborted(opts.signal);
  if (bomBytes !== null) splitter.push(new TextDecoder('utf-8').decode(bomBytes));
  if (decoder !== null) splitter.push(decoder.decode());
  splitter.finish();

  function rowsSoFar(): number {
    let n = fileRows + (untyped?.read ?? 0);
    for (const b of builders.values()) n += b.read;
    return n;
  }

  const results: IngestResult[] = [];
  for (const t of DEFENDER) {
    const b = builders.get(t);
    if (b !== undefined) results.push(b.finish(file, bytes));
  }
  const u = untyped as JsonTableBuilder | null;
  const w = windows as WindowsEventNormaliserLike | null;
  const windowResults = w === null ? [] : w.finish();
  if (u !== null) {
    if (results.length > 0 || windowResults.length > 0) {
      // Records of no known shape next to recognised ones are not a table of their own.
      for (const line of u.lines)
        reject(
          'unknown-record',
          line,
          'a record with neither Defender columns, a streaming-API category nor a Windows event shape',
        );
    } else results.push(u.finish(file, bytes));
  }
  results.push(...windowResults);

  if (results.length === 0) {
    results.push({
      table: makeTable(fileName, [], []),
      report: emptyReport(file, fileName, bytes, opts, fileRows === 0 ? 'no JSON records found' : undefined),
    });
  }
  // File-level rows (unparseable, unknown, skipped) are accounted on the first result, so the
  // reports together add up to every record of the file.
  if (fileRows > 0) results[0] = withFileLevel(results[0]!, fileLog, skips, fileRows, maxRejects);
  return results;
}

function emptyReport(file: string, table: string, bytes: number, opts: IngestOptions, fatal?: string): IngestReport {
  return {
    file,
    format: 'json',
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
    warnings: fatal === undefined ? ['no DeviceProcessEvents or DeviceNetworkEvents records in this file'] : [],
    ...(fatal === undefined ? {} : { fatal }),
  };
}

/** Adds rows the file rejected or skipped outside any table to a result's report. */
export function withFileLevel(
  r: IngestResult,
  log: RejectLog,
  skips: SkipLog,
  rows: number,
  maxRejects: number,
): IngestResult {
  const rep = r.report;
  const rejects: IngestReject[] = [...rep.rejects, ...log.rejects].sort((a, b) => a.line - b.line).slice(0, maxRejects);
  const counts: Partial<Record<RejectCode, number>> = { ...rep.rejectCounts };
  for (const [k, n] of Object.entries(log.counts) as [RejectCode, number][]) counts[k] = (counts[k] ?? 0) + n;
  const skipCounts: Record<string, number> = { ...(rep.skipCounts ?? {}) };
  for (const [k, n] of Object.entries(skips.counts)) skipCounts[k] = (skipCounts[k] ?? 0) + n;
  const skipped = (rep.rowsSkipped ?? 0) + skips.total;
  const warnings = [...rep.warnings];
  if (skips.total > 0)
    warnings.push(
      `${skips.total} record(s) skipped (not read by the rule): ` +
        Object.entries(skips.counts)
          .map(([k, n]) => `${k} ${n}`)
          .join(', '),
    );
  return {
    table: r.table,
    report: {
      ...rep,
      rowsRead: rep.rowsRead + rows,
      rowsRejected: rep.rowsRejected + log.total,
      rejects,
      rejectCounts: counts,
      ...(skipped > 0 ? { rowsSkipped: skipped, skipCounts } : {}),
      warnings,
    },
  };
}
