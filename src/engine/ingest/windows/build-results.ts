import type { Column } from '../../table/column';
import { DEVICE_NETWORK_EVENTS, DEVICE_PROCESS_EVENTS } from '../../table/defender-schema';
import { makeTable, type ColumnSchema } from '../../table/table';
import { makeColumnBuilder, NumberColumnBuilder, StringColumnBuilder, TimeColumnBuilder } from '../column-builder';
import {
  distinctNonEmpty,
  timeRangeOf,
  type EnrichedColumnNote,
  type IngestReport,
  type InferredColumnNote,
  type MappedColumn,
  type RejectLog,
} from '../ingest-report';
import type { IngestOptions, IngestResult } from '../read-csv-table';
import type { WindowsTable, WorkRow } from './event-bundle';
import { INFERRED_COLUMNS, NET_SCHEMA, PROC_SCHEMA } from './normalised-event';
import type { ResolvedBundle } from './resolve-events';

/** What `add` counted for one file: records read, skipped by reason, rejected per table. */
export interface FileLedger {
  readonly rowsRead: number;
  readonly skipCounts: ReadonlyMap<string, number>;
  readonly rejects: Readonly<Record<WindowsTable, RejectLog>>;
  readonly opts: IngestOptions;
}

/** Where each column comes from, for `columnsMapped` (schemas.md §7). */
const SOURCES: Readonly<Record<string, string>> = {
  Timestamp: 'Sysmon UtcTime / record TimeCreated (NXLog EventTime + learnt offset); 5156 time on merged connections',
  DeviceId: 'synthesized: lower-case computer name',
  DeviceName: 'Computer / Hostname / winlog.computer_name',
  ActionType:
    'ProcessCreated; Initiated / Direction -> InboundConnectionAccepted / ConnectionSuccess; 5154 -> ListeningConnectionCreated',
  FileName: 'basename(Image / NewProcessName)',
  FolderPath: 'Image / NewProcessName (full path)',
  ProcessId: 'ProcessId / hex(NewProcessId)',
  ProcessCommandLine: 'CommandLine',
  ProcessCreationTime: 'the event time',
  InitiatingProcessFileName: 'basename(ParentImage / ParentProcessName / Image / Application)',
  InitiatingProcessId: 'ParentProcessId / hex(ProcessId) / ProcessId / ProcessID',
  InitiatingProcessCommandLine: 'ParentCommandLine, or the initiating process creation (enriched), or inferred (RpcSs)',
  InitiatingProcessParentId: "the initiating process's own creation (enriched)",
  InitiatingProcessParentFileName: "the initiating process's own creation (enriched)",
  LocalIP: 'Source/Destination end with the device own IP',
  LocalPort: 'Source/Destination end with the device own IP',
  RemoteIP: 'the other end',
  RemotePort: 'the other end',
  AdditionalFields: 'source event, ProcessGuid, 5156 Application (JSON text)',
  [INFERRED_COLUMNS]: 'columns inferred on the row (not a Defender column)',
};

function buildTable(name: WindowsTable, schema: readonly ColumnSchema[], rows: readonly WorkRow[]) {
  const builders = schema.map((c) => makeColumnBuilder(c.type));
  rows.forEach((r, i) => {
    schema.forEach((c, k) => {
      const b = builders[k]!;
      const v = c.name === INFERRED_COLUMNS ? [...r.inferred].sort().join(',') : r.cells[c.name];
      if (b instanceof StringColumnBuilder) b.set(i, typeof v === 'string' ? v : '');
      else if (b instanceof NumberColumnBuilder) {
        if (typeof v === 'number') b.set(i, v);
        else b.setNull(i);
      } else if (b instanceof TimeColumnBuilder) {
        if (typeof v === 'bigint') b.setTicks(i, v);
        else b.setNull(i);
      } else b.setNull(i);
    });
  });
  const columns: Column[] = builders.map((b) => b.finish(rows.length));
  return makeTable(name, schema, columns);
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/** Rule columns still empty after enrichment: said, never filled by guessing. */
const GAP_CHECKS: Readonly<Record<WindowsTable, readonly [string, string][]>> = {
  DeviceProcessEvents: [
    ['ProcessId', 'no PID in the record and none from its children or a 4688'],
    ['InitiatingProcessCommandLine', 'a 4688 whose parent has no process creation in the data'],
    [
      'InitiatingProcessParentFileName',
      "the parent's own process creation is not in the data (e.g. started at boot, before the recording)",
    ],
  ],
  DeviceNetworkEvents: [
    ['InitiatingProcessId', 'no PID in the record and no process creation of the socket owner'],
    ['InitiatingProcessCommandLine', "the socket owner's process creation is not in the data"],
  ],
};

function tallyNotes<T>(
  m: Map<string, Map<string, number>> | undefined,
  make: (column: string, n: number, why: string) => T,
): T[] {
  const out: T[] = [];
  if (m === undefined) return out;
  for (const [column, whys] of m) for (const [why, n] of whys) out.push(make(column, n, why));
  return out;
}

function reportFor(
  name: WindowsTable,
  rows: readonly WorkRow[],
  resolved: ResolvedBundle,
  ledger: FileLedger,
  table: ReturnType<typeof buildTable>,
  fileLevel: boolean,
): IngestReport {
  const { bundle, stats } = resolved;
  const log = ledger.rejects[name];
  const skipCounts: Record<string, number> = {};
  if (fileLevel) for (const [k, n] of ledger.skipCounts) skipCounts[k] = n;
  for (const [k, n] of stats.merged.get(name) ?? []) skipCounts[k] = (skipCounts[k] ?? 0) + n;
  const skipped = Object.values(skipCounts).reduce((a, b) => a + b, 0);
  const schema = name === 'DeviceProcessEvents' ? PROC_SCHEMA : NET_SCHEMA;
  const defender = name === 'DeviceProcessEvents' ? DEVICE_PROCESS_EVENTS : DEVICE_NETWORK_EVENTS;
  const produced = new Set(schema.map((c) => c.name));
  const wanted = ledger.opts.columns ?? defender.map((c) => c.name);
  const columnsMapped: MappedColumn[] = schema.map((c) => ({
    name: c.name,
    source: SOURCES[c.name] ?? 'EventData (schemas.md §7)',
    type: c.type,
  }));

  // Inferred counts are of the rows as loaded (a merged-away record's marks moved with it).
  const inferredRows = new Map<string, number>();
  for (const r of rows) for (const c of r.inferred) inferredRows.set(c, (inferredRows.get(c) ?? 0) + 1);
  const reasons = new Map<string, string[]>();
  for (const n of tallyNotes(stats.inferred.get(name), (column, _n, why) => ({ column, why }))) {
    const list = reasons.get(n.column) ?? [];
    if (!list.includes(n.why)) list.push(n.why);
    reasons.set(n.column, list);
  }
  const columnsInferred: InferredColumnNote[] = [...inferredRows].map(([column, n]) => ({
    column,
    rows: n,
    reason: (reasons.get(column) ?? ['inferred']).join('; '),
  }));
  const columnsEnriched: EnrichedColumnNote[] = tallyNotes(stats.enriched.get(name), (column, n, how) => ({
    column,
    rows: n,
    how,
  }));

  const warnings = [...stats.warnings];
  for (const [col, why] of GAP_CHECKS[name]) {
    const n = rows.filter((r) => isEmpty(r.cells[col])).length;
    if (n > 0) warnings.push(`${col} unknown on ${n} of ${rows.length} row(s): ${why}`);
  }
  if (name === 'DeviceProcessEvents' && rows.length > 0) {
    const devices = [...new Set(rows.map((r) => r.cells.DeviceName as string))];
    const booted = new Set(
      rows
        .filter((r) => String(r.cells.FileName).toLowerCase() === 'services.exe')
        .map((r) => r.cells.DeviceName as string),
    );
    const unbooted = devices.filter((d) => !booted.has(d)).sort();
    if (unbooted.length > 0)
      warnings.push(
        `no services.exe start found on ${unbooted.join(', ')}: the rule's boot filter drops every candidate there (kql-semantics.md §7) unless unknown boot times are kept`,
      );
  }
  const wholeSeconds = rows.filter((r) => r.wholeSeconds).length;
  const tr = timeRangeOf(table.columns[0]);
  const devIdx = schema.findIndex((c) => c.name === 'DeviceName');
  return {
    file: bundle.file,
    format: bundle.format,
    table: name,
    recognised: name,
    bytes: fileLevel ? bundle.bytes : 0,
    rowsRead: rows.length + log.total + skipped,
    rowsLoaded: rows.length,
    rowsRejected: log.total,
    ...(skipped > 0 ? { rowsSkipped: skipped, skipCounts } : {}),
    rejects: log.rejects,
    rejectCounts: log.counts,
    columnsMapped,
    columnsMissing: wanted.filter((c) => !produced.has(c)),
    columnsIgnored: [],
    timeRange: tr,
    devices: distinctNonEmpty(table.columns[devIdx]),
    ...(wholeSeconds > 0
      ? {
          precisionNote: `${wholeSeconds} row(s) timed by NXLog EventTime: whole seconds only (OTRF README "Three different clocks")`,
        }
      : {}),
    warnings,
    columnsInferred,
    columnsEnriched,
    notes: fileLevel ? stats.notes : stats.notes.filter((n) => !n.startsWith('DeviceId')),
  };
}

/**
 * The file's DeviceNetworkEvents and DeviceProcessEvents results (those with rows; both, empty,
 * when it has none). File-level skips are accounted on the first, so the reports together add up
 * to every record of the file.
 */
export function buildResults(resolved: ResolvedBundle, ledger: FileLedger, both = false): IngestResult[] {
  const parts: [WindowsTable, readonly WorkRow[], readonly ColumnSchema[], number][] = [
    [
      'DeviceNetworkEvents',
      resolved.net,
      NET_SCHEMA,
      resolved.bundle.net.length + ledger.rejects.DeviceNetworkEvents.total,
    ],
    [
      'DeviceProcessEvents',
      resolved.proc,
      PROC_SCHEMA,
      resolved.bundle.proc.length + ledger.rejects.DeviceProcessEvents.total,
    ],
  ];
  const withEvents = parts.filter((p) => p[3] > 0);
  const chosen = both || withEvents.length === 0 ? parts : withEvents;
  // File-level skips go on the same table whether or not both are returned (see enrichAcrossFiles).
  const holder = (withEvents[0] ?? parts[0]!)[0];
  return chosen.map(([name, rows, schema]) => {
    const table = buildTable(name, schema, rows);
    const report = reportFor(name, rows, resolved, ledger, table, name === holder);
    if (withEvents.length === 0 && name === holder)
      return {
        table,
        report: {
          ...report,
          warnings: [
            ...report.warnings,
            'no Sysmon 1/3 or Security 4688/5154/5156 events in this file: nothing loaded',
          ],
        },
      };
    return { table, report };
  });
}
