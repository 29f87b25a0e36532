import { WindowsEventNormaliser } from '../../../../src/engine/ingest/windows';
import type { IngestResult } from '../../../../src/engine/ingest/read-csv-table';
import { getValue } from '../../../../src/engine/table/column';
import type { Table } from '../../../../src/engine/table/table';

/** Flat EVTX records (the evtx-attack-samples jsonl shape), built field by field for unit tests. */
export type Rec = Record<string, unknown>;

export function sysmon1(host: string, time: string, f: Record<string, string>): Rec {
  return {
    ProviderName: 'Microsoft-Windows-Sysmon',
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    EventID: 1,
    Computer: host,
    TimeCreated: `${time}Z`,
    UtcTime: time.replace('T', ' '),
    ...f,
  };
}

export function sysmon3(host: string, time: string, f: Record<string, string>): Rec {
  return {
    ProviderName: 'Microsoft-Windows-Sysmon',
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    EventID: 3,
    Computer: host,
    TimeCreated: `${time}Z`,
    UtcTime: time.replace('T', ' '),
    Protocol: 'tcp',
    ...f,
  };
}

export function security(id: number, host: string, time: string, f: Record<string, string>): Rec {
  return {
    ProviderName: 'Microsoft-Windows-Security-Auditing',
    Channel: 'Security',
    EventID: id,
    Computer: host,
    TimeCreated: `${time}Z`,
    ...f,
  };
}

export function normalise(file: string, recs: readonly Rec[]): IngestResult[] {
  const n = new WindowsEventNormaliser(file, {});
  recs.forEach((r, i) => n.add(r, i + 1));
  return n.finish();
}

export function tableOf(results: readonly IngestResult[], name: string): Table {
  const r = results.find((x) => x.table.name === name);
  if (!r) throw new Error(`no ${name} in ${results.map((x) => x.table.name).join(', ')}`);
  return r.table;
}

/** Rows as objects (datetimes as bigint ticks). */
export function rows(t: Table): Record<string, unknown>[] {
  return Array.from({ length: t.rowCount }, (_, r) =>
    Object.fromEntries(t.schema.map((c, i) => [c.name, getValue(t.columns[i]!, r)])),
  );
}
