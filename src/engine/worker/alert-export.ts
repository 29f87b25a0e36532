/**
 * The alerts export: the rule's output columns first (as the CLI writes them), then one column per
 * entity mapping (Host, IP, Process), the tactic and technique, and the analyst's verdict.
 */
import { formatCsv, formatJson, jsonCell } from '../output/format-results';
import type { RuleDefinition } from '../rule/rule';
import { columnFromValues, getValue } from '../table/column';
import { makeTable, type Table } from '../table/table';
import type { ExportOptions, Verdict } from './protocol';
import { stringAt, valueAt } from './row-record';

export const VERDICT_TEXT: Readonly<Record<Verdict, string>> = {
  'true-positive': 'true positive',
  benign: 'benign, expected',
  'false-positive': 'false positive',
};

/** The key verdicts and notes hang on: device, both exact times, server PID. */
export function alertKey(table: Table, row: number): string {
  const iso = (name: string): string => {
    const i = table.schema.findIndex((c) => c.name === name);
    return i < 0 ? '' : String(jsonCell(valueAt(table, name, row), table.schema[i]!.type) ?? '');
  };
  return [
    stringAt(table, 'DeviceId', row),
    iso('TimestampNetwEventExact'),
    iso('TimestampProcEventExact'),
    String(valueAt(table, 'InitiatingProcessId', row) ?? ''),
  ].join('|');
}

/**
 * `alertKey` of every row, column by column (the columns are looked up once, not per row):
 * the same strings as `alertKey(table, r)` for each `r`.
 */
export function alertKeys(table: Table): string[] {
  // As `alertKey`: the device and PID as their raw values, the times as their JSON cells (ISO text).
  const text = (name: string, asCell: boolean): ((row: number) => string) => {
    const i = table.schema.findIndex((c) => c.name === name);
    if (i < 0) return () => '';
    const col = table.columns[i]!;
    const type = table.schema[i]!.type;
    return (row) => {
      const raw = getValue(col, row);
      const v = asCell ? jsonCell(raw, type) : raw;
      return v === null || v === undefined ? '' : String(v);
    };
  };
  const device = text('DeviceId', false);
  const net = text('TimestampNetwEventExact', true);
  const proc = text('TimestampProcEventExact', true);
  const pid = text('InitiatingProcessId', false);
  return Array.from({ length: table.rowCount }, (_, r) => `${device(r)}|${net(r)}|${proc(r)}|${pid(r)}`);
}

/** Entity columns named by type (`Host`), or `Type_Identifier` when a type maps several fields. */
export function entityColumns(rule: RuleDefinition): { name: string; source: string }[] {
  return rule.entityMappings.flatMap((m) =>
    m.fieldMappings.map((f) => ({
      name: m.fieldMappings.length === 1 ? m.entityType : `${m.entityType}_${f.identifier}`,
      source: f.columnName,
    })),
  );
}

/** The result table with the export's extra columns appended. */
export function exportTable(result: Table, rule: RuleDefinition, verdicts: ExportOptions['verdicts']): Table {
  const extra: { name: string; values: string[] }[] = entityColumns(rule).map((e) => ({
    name: e.name,
    values: Array.from({ length: result.rowCount }, (_, r) => {
      const i = result.schema.findIndex((c) => c.name === e.source);
      if (i < 0) return '';
      const v = jsonCell(valueAt(result, e.source, r), result.schema[i]!.type);
      return v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    }),
  }));
  const constant = (v: string): string[] => Array.from({ length: result.rowCount }, () => v);
  extra.push({ name: 'Tactic', values: constant(rule.tactics.join(', ')) });
  extra.push({ name: 'Technique', values: constant(rule.relevantTechniques.join(', ')) });
  extra.push({
    name: 'Verdict',
    values: alertKeys(result).map((key) => {
      const v = verdicts?.[key];
      return v ? VERDICT_TEXT[v] : '';
    }),
  });
  const taken = new Set(result.schema.map((c) => c.name));
  const added = extra.filter((e) => !taken.has(e.name));
  return makeTable(
    result.name,
    [...result.schema, ...added.map((e) => ({ name: e.name, type: 'string' as const }))],
    [...result.columns, ...added.map((e) => columnFromValues('string', e.values))],
  );
}

export function exportAlerts(
  format: 'csv' | 'json',
  result: Table,
  rule: RuleDefinition,
  leading: readonly string[],
  options: ExportOptions = {},
): string {
  const table = exportTable(result, rule, options.verdicts);
  const opts = { leadingColumns: leading, raw: options.raw === true };
  return format === 'csv' ? formatCsv(table, opts) : formatJson(table, opts);
}
