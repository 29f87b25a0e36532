import type { Cell, NetEvent, OutRow, ProcEvent } from './normalised-event';

/** Everything one file contributed, kept so a later cross-file pass can resolve it again. */
export interface EventBundle {
  readonly file: string;
  readonly format: 'json' | 'evtx-csv';
  readonly bytes: number;
  readonly proc: readonly ProcEvent[];
  readonly net: readonly NetEvent[];
  /**
   * Per host name: NXLog local EventTime minus Sysmon UtcTime (non-EID-3 records), rounded to
   * 15 minutes, in seconds -> count. Learns the collector's UTC offset from the data.
   */
  readonly utcOffsetSamples: ReadonlyMap<string, ReadonlyMap<number, number>>;
  /** Per host name: EventReceivedTime minus @timestamp, rounded the same way (fallback). */
  readonly receivedOffsetSamples: ReadonlyMap<string, ReadonlyMap<number, number>>;
}

/** A normalised row under construction: its bundle, its source event, time and cells. */
export interface WorkRow extends OutRow {
  readonly bundle: number;
  readonly event: ProcEvent | NetEvent;
  /** Event time in UTC ticks (resolved), or null when unknown. */
  time: bigint | null;
  readonly cells: Record<string, Cell>;
  /** Set when this row was folded into another row (the same process / connection). */
  mergedInto: WorkRow | null;
  /** The time came from NXLog's whole-second EventTime (for the report's precision note). */
  wholeSeconds: boolean;
}

export type WindowsTable = 'DeviceProcessEvents' | 'DeviceNetworkEvents';

export function tableOf(r: WorkRow): WindowsTable {
  return r.event.kind === 'sysmon-1' || r.event.kind === 'security-4688'
    ? 'DeviceProcessEvents'
    : 'DeviceNetworkEvents';
}

type Tally = Map<string, Map<string, number>>;

/** Counters a resolution keeps per bundle and table, for its reports. */
export class BundleStats {
  /** Records folded into another row, by table and reason. */
  readonly merged = new Map<WindowsTable, Map<string, number>>();
  /** By table: column -> how / why -> rows. */
  readonly enriched = new Map<WindowsTable, Tally>();
  readonly inferred = new Map<WindowsTable, Tally>();
  readonly notes: string[] = [];
  readonly warnings: string[] = [];
}

function tally(m: Map<WindowsTable, Tally>, table: WindowsTable): Tally {
  let t = m.get(table);
  if (t === undefined) m.set(table, (t = new Map()));
  return t;
}

/** Counts one enriched / inferred value of `row`'s column in its bundle's stats. */
export function countValue(
  stats: readonly BundleStats[],
  which: 'enriched' | 'inferred',
  row: WorkRow,
  column: string,
  why: string,
): void {
  const t = tally(stats[row.bundle]![which], tableOf(row));
  let m = t.get(column);
  if (m === undefined) t.set(column, (m = new Map()));
  m.set(why, (m.get(why) ?? 0) + 1);
}

/** Counts a record of `row` folded into another row. */
export function countMerged(stats: readonly BundleStats[], row: WorkRow, reason: string): void {
  const table = tableOf(row);
  const s = stats[row.bundle]!;
  let m = s.merged.get(table);
  if (m === undefined) s.merged.set(table, (m = new Map()));
  m.set(reason, (m.get(reason) ?? 0) + 1);
}
