import type { ScalarType } from '../../table/column';
import { DEVICE_NETWORK_EVENTS, DEVICE_PROCESS_EVENTS } from '../../table/defender-schema';
import type { ColumnSchema } from '../../table/table';

/** A cell of a normalised row: strings for string columns, numbers, ticks, or null. */
export type Cell = string | number | bigint | null;

/**
 * Per-row list of the columns whose value on that row was inferred, comma-separated (empty when
 * nothing was). Not a Defender column: it lets the views mark inferred values (issue 3).
 */
export const INFERRED_COLUMNS = 'InferredColumns';

interface EventBase {
  /** 1-based line / record number in its file. */
  readonly line: number;
  /** Computer name as written in the record. */
  readonly host: string;
  /** Record time in UTC ticks, or null when only `timeLocal` is known. */
  readonly timeUtc: bigint | null;
  /** NXLog local EventTime (ticks read as UTC); converted once the offset is learnt. */
  readonly timeLocal: bigint | null;
  /** Defender columns read directly from this record. */
  readonly cells: Record<string, Cell>;
}

/** Sysmon EID 1 or Security 4688 (schemas.md §7b). */
export interface ProcEvent extends EventBase {
  readonly kind: 'sysmon-1' | 'security-4688';
  readonly pid: number | null;
  readonly ppid: number | null;
  /** Sysmon ProcessGuid / ParentProcessGuid, lower case; `''` when absent (4688). */
  readonly guid: string;
  readonly parentGuid: string;
  /** Full image paths as written. */
  readonly image: string;
  readonly parentImage: string;
}

/** Sysmon EID 3 or Security 5156 / 5154 (schemas.md §7a). */
export interface NetEvent extends EventBase {
  readonly kind: 'sysmon-3' | 'security-5156' | 'security-5154';
  /** true inbound, false outbound, null for a listen (5154). */
  readonly inbound: boolean | null;
  readonly srcIp: string;
  readonly srcPort: number | null;
  readonly dstIp: string;
  readonly dstPort: number | null;
  /** Sysmon SourceHostname / DestinationHostname (`''` when `-` or absent). */
  readonly srcHostname: string;
  readonly dstHostname: string;
  readonly pid: number | null;
  readonly guid: string;
  /** File name of the socket owner (basename of Image / Application). */
  readonly fileName: string;
}

/** A row of an output table: Defender column -> value, plus the inferred column names. */
export interface OutRow {
  readonly cells: Record<string, Cell>;
  readonly inferred: Set<string>;
}

function pick(schema: readonly ColumnSchema[], names: readonly string[]): ColumnSchema[] {
  const want = new Set(names);
  // AdditionalFields is dynamic in Defender; held as its JSON text, typed string, as the CSV reader does.
  const out = schema
    .filter((c) => want.has(c.name))
    .map((c): ColumnSchema => (c.type === 'dynamic' ? { name: c.name, type: 'string' as ScalarType } : c));
  out.push({ name: INFERRED_COLUMNS, type: 'string' });
  return out;
}

/** The DeviceProcessEvents columns these events can fill (Defender order), then InferredColumns. */
export const PROC_SCHEMA: readonly ColumnSchema[] = pick(DEVICE_PROCESS_EVENTS, [
  'Timestamp',
  'DeviceId',
  'DeviceName',
  'ActionType',
  'FileName',
  'FolderPath',
  'SHA1',
  'SHA256',
  'MD5',
  'ProcessVersionInfoCompanyName',
  'ProcessVersionInfoProductName',
  'ProcessVersionInfoOriginalFileName',
  'ProcessVersionInfoFileDescription',
  'ProcessId',
  'ProcessCommandLine',
  'ProcessIntegrityLevel',
  'ProcessTokenElevation',
  'ProcessCreationTime',
  'AccountDomain',
  'AccountName',
  'AccountSid',
  'LogonId',
  'InitiatingProcessAccountDomain',
  'InitiatingProcessAccountName',
  'InitiatingProcessAccountSid',
  'InitiatingProcessLogonId',
  'InitiatingProcessIntegrityLevel',
  'InitiatingProcessFileName',
  'InitiatingProcessId',
  'InitiatingProcessCommandLine',
  'InitiatingProcessCreationTime',
  'InitiatingProcessFolderPath',
  'InitiatingProcessParentId',
  'InitiatingProcessParentFileName',
  'InitiatingProcessParentCreationTime',
  'AdditionalFields',
]);

/** The DeviceNetworkEvents columns these events can fill (Defender order), then InferredColumns. */
export const NET_SCHEMA: readonly ColumnSchema[] = pick(DEVICE_NETWORK_EVENTS, [
  'Timestamp',
  'DeviceId',
  'DeviceName',
  'ActionType',
  'RemoteIP',
  'RemotePort',
  'RemoteUrl',
  'LocalIP',
  'LocalPort',
  'Protocol',
  'InitiatingProcessSHA1',
  'InitiatingProcessSHA256',
  'InitiatingProcessMD5',
  'InitiatingProcessFileName',
  'InitiatingProcessId',
  'InitiatingProcessCommandLine',
  'InitiatingProcessCreationTime',
  'InitiatingProcessFolderPath',
  'InitiatingProcessParentFileName',
  'InitiatingProcessParentId',
  'InitiatingProcessAccountDomain',
  'InitiatingProcessAccountName',
  'InitiatingProcessAccountSid',
  'InitiatingProcessIntegrityLevel',
  'AdditionalFields',
]);
