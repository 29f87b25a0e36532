import type { ColumnSchema } from '../table/table';
import { DEFENDER_TABLES } from '../table/defender-schema';

export type DefenderTableName = 'DeviceProcessEvents' | 'DeviceNetworkEvents';

/**
 * Columns only one of the two tables has. A file is that table when it has at least 3 of them
 * (and more than of the other's): robust to trimmed exports that keep a subset of columns.
 */
const DISTINGUISHING: Readonly<Record<DefenderTableName, readonly string[]>> = {
  DeviceNetworkEvents: [
    'RemoteIP',
    'RemotePort',
    'LocalIP',
    'LocalPort',
    'Protocol',
    'RemoteUrl',
    'LocalIPType',
    'RemoteIPType',
  ],
  DeviceProcessEvents: [
    'ProcessId',
    'ProcessCommandLine',
    'FileName',
    'FolderPath',
    'ProcessCreationTime',
    'ProcessIntegrityLevel',
    'AccountName',
    'SHA1',
  ],
};

/** Columns the DCOM Lateral Movement rule reads from each table; a missing one is warned about. */
export const REQUIRED_COLUMNS: Readonly<Record<DefenderTableName, readonly string[]>> = {
  DeviceNetworkEvents: [
    'Timestamp',
    'DeviceId',
    'DeviceName',
    'ActionType',
    'LocalIP',
    'LocalPort',
    'RemoteIP',
    'InitiatingProcessFileName',
    'InitiatingProcessCommandLine',
    'InitiatingProcessId',
  ],
  DeviceProcessEvents: [
    'Timestamp',
    'DeviceId',
    'DeviceName',
    'FileName',
    'ProcessId',
    'ProcessCommandLine',
    'InitiatingProcessFileName',
    'InitiatingProcessCommandLine',
    'InitiatingProcessId',
    'InitiatingProcessParentFileName',
    'InitiatingProcessParentId',
  ],
};

export interface HeaderName {
  readonly name: string;
  /** The time-zone suffix the header carried, if any. */
  readonly zone: 'UTC' | 'Local Time' | null;
}

/**
 * `"Timestamp [UTC]"` -> Timestamp (zone UTC). Strips surrounding whitespace and stray quotes
 * (some tools double-quote headers) and a ` [UTC]` / ` [Local Time]` suffix (portal exports).
 */
export function normaliseHeaderName(raw: string): HeaderName {
  let s = raw.trim();
  while (s.length >= 2 && ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'"))))
    s = s.slice(1, -1).trim();
  let zone: HeaderName['zone'] = null;
  const m = /^(.*?)\s*\[\s*(UTC|Local Time)\s*\]$/i.exec(s);
  if (m) {
    s = m[1]!.trim();
    zone = m[2]!.toLowerCase() === 'utc' ? 'UTC' : 'Local Time';
  }
  return { name: s, zone };
}

export interface Recognised {
  readonly table: DefenderTableName;
  readonly schema: readonly ColumnSchema[];
}

export function recogniseTable(names: readonly string[]): Recognised | null {
  const have = new Set(names);
  const score = (t: DefenderTableName): number => DISTINGUISHING[t].filter((c) => have.has(c)).length;
  const net = score('DeviceNetworkEvents');
  const proc = score('DeviceProcessEvents');
  if (net >= 3 && net > proc) return { table: 'DeviceNetworkEvents', schema: DEFENDER_TABLES.DeviceNetworkEvents! };
  if (proc >= 3 && proc > net) return { table: 'DeviceProcessEvents', schema: DEFENDER_TABLES.DeviceProcessEvents! };
  return null;
}

export function schemaOf(table: DefenderTableName): readonly ColumnSchema[] {
  return DEFENDER_TABLES[table]!;
}

/** `C:\x\DeviceProcessEvents (3).csv` -> `DeviceProcessEvents (3)`: the table name for an unrecognised file. */
export function tableNameFromFile(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  const dot = base.lastIndexOf('.');
  return (dot > 0 ? base.slice(0, dot) : base) || 'table';
}
