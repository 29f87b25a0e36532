import { fromEvtxECmdRow, isWindowsEventRecord, WindowsEventNormaliser } from './windows';
import type { IngestOptions, IngestResult } from './read-csv-table';

/**
 * The seam to the Sysmon / Windows Security normaliser in `./windows/` (owned separately):
 * the readers here only route records to it through this interface.
 */
export interface WindowsEventNormaliserLike {
  add(rec: Record<string, unknown>, line: number): void;
  finish(): IngestResult[];
}

export interface WindowsEventSupport {
  isWindowsEventRecord(rec: Record<string, unknown>): boolean;
  createNormaliser(file: string, opts: IngestOptions): WindowsEventNormaliserLike;
  fromEvtxECmdRow(row: Record<string, string>): Record<string, unknown>;
}

function find(): WindowsEventSupport | null {
  return {
    isWindowsEventRecord,
    createNormaliser: (file, opts) => new WindowsEventNormaliser(file, opts),
    fromEvtxECmdRow,
  };
}

let cached: WindowsEventSupport | null | undefined;

/** The normaliser module, or null while it is not available. */
export function windowsEventSupport(): WindowsEventSupport | null {
  if (cached === undefined) cached = find();
  return cached;
}

/**
 * Without the normaliser: the shapes of Windows event records (OTRF / NXLog `EventID` +
 * `Channel`, winlogbeat `winlog`, EVTX dumps `ProviderName` + `EventID`), so they are counted
 * as skipped rather than mistaken for an unknown table.
 */
export function looksLikeWindowsEvent(rec: Record<string, unknown>): boolean {
  if (typeof rec.winlog === 'object' && rec.winlog !== null) return true;
  const id = rec.EventID ?? rec.EventId ?? rec.event_id;
  return id !== undefined && ('Channel' in rec || 'ProviderName' in rec || 'SourceName' in rec || 'Hostname' in rec);
}

/** EvtxECmd's CSV header: these columns together, whatever else it has. */
export function isEvtxECmdHeader(fields: readonly string[]): boolean {
  const have = new Set(fields.map((f) => f.trim()));
  return ['TimeCreated', 'EventId', 'Computer', 'Payload'].every((n) => have.has(n));
}
