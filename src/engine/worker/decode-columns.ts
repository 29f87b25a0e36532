/**
 * Which columns the worker decodes from each Defender table: what the rule reads (column
 * pruning from its plan) plus what the views show (timeline, process tree, node fields, why it
 * fired). Every other column of the file is skipped at parse time but still known to the binder
 * (Table.omitted), so a query that reads one gets a clear error instead of nulls.
 */
import type { RuleDefinition } from '../rule/rule';
import { compileQuery } from '../run';
import { DEFENDER_TABLES } from '../table/defender-schema';

/** Columns the dashboard's views read or show for a process or network row. */
const VIEW_COLUMNS = [
  'Timestamp',
  'DeviceId',
  'DeviceName',
  'ActionType',
  'FileName',
  'FolderPath',
  'SHA1',
  'SHA256',
  'ProcessId',
  'ProcessCommandLine',
  'ProcessIntegrityLevel',
  'ProcessCreationTime',
  'AccountDomain',
  'AccountName',
  'InitiatingProcessAccountDomain',
  'InitiatingProcessAccountName',
  'InitiatingProcessFileName',
  'InitiatingProcessFolderPath',
  'InitiatingProcessId',
  'InitiatingProcessCommandLine',
  'InitiatingProcessCreationTime',
  'InitiatingProcessParentId',
  'InitiatingProcessParentFileName',
  'InitiatingProcessParentCreationTime',
  'ProcessUniqueId',
  'InitiatingProcessUniqueId',
  'ReportId',
  'RemoteIP',
  'RemotePort',
  'LocalIP',
  'LocalPort',
  'Protocol',
  'InferredColumns',
];

export function decodeColumns(rule: RuleDefinition | null): Record<string, string[]> {
  const schemas = new Map(Object.entries(DEFENDER_TABLES).map(([name, schema]) => [name, { schema }]));
  const needed = rule ? compileQuery(rule.query, schemas, 0n).plan?.tables : undefined;
  const out: Record<string, string[]> = {};
  for (const [name, schema] of Object.entries(DEFENDER_TABLES)) {
    const want = new Set([...VIEW_COLUMNS, ...(needed?.get(name) ?? [])]);
    // Windows-event tables carry InferredColumns, which is not a Defender column: keep it too.
    out[name] = [...schema.map((c) => c.name).filter((c) => want.has(c)), 'InferredColumns'];
  }
  return out;
}
