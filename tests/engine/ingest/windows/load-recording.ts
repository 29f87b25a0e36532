import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { enrichAcrossFiles, WindowsEventNormaliser } from '../../../../src/engine/ingest/windows';
import type { IngestResult } from '../../../../src/engine/ingest/read-csv-table';
import { loadRule, replaceLetList, setUnknownBoot } from '../../../../src/engine/rule/rule';
import { runQuery } from '../../../../src/engine/run';
import { getValue } from '../../../../src/engine/table/column';
import { columnIndex, type Table } from '../../../../src/engine/table/table';
import { concatTables } from '../../../../src/engine/ingest/concat-tables';

/** The shared recordings, read in place (never copied into the repo). */
export const DATASETS = join(__dirname, '../../../../../shared/datasets');

/** Feeds a JSON-lines file to the normaliser, as the JSON reader does. */
export function normaliseFile(path: string): IngestResult[] {
  const text = readFileSync(path, 'utf8');
  const n = new WindowsEventNormaliser(path.split('/').pop()!, {});
  let line = 0;
  for (const l of text.split('\n')) {
    line++;
    if (l.trim() === '') continue;
    n.add(JSON.parse(l) as Record<string, unknown>, line);
  }
  return n.finish(Buffer.byteLength(text));
}

export function tablesOf(results: readonly IngestResult[]): Map<string, Table> {
  const parts = new Map<string, Table[]>();
  for (const r of enrichAcrossFiles(results)) parts.set(r.table.name, [...(parts.get(r.table.name) ?? []), r.table]);
  const out = new Map<string, Table>();
  for (const [name, list] of parts) out.set(name, list.length === 1 ? list[0]! : concatTables(list, name).table);
  return out;
}

const RULE = loadRule(readFileSync(join(__dirname, '../../../../src/rules/dcom-lateral-movement.yaml'), 'utf8')).rule!;

/** Runs the shipped rule (as written, or keeping devices with no services.exe start). */
export function detect(tables: Map<string, Table>, boot: 'drop' | 'keep'): Promise<Record<string, unknown>[]> {
  return detectWith(tables, { boot });
}

/** The shipped rule with the boot filter and the allow-list tuned. */
export async function detectWith(
  tables: Map<string, Table>,
  opts: { readonly boot: 'drop' | 'keep'; readonly allowList?: readonly string[] },
): Promise<Record<string, unknown>[]> {
  let query = opts.boot === 'keep' ? setUnknownBoot(RULE.query, 'keep')! : RULE.query;
  if (opts.allowList) query = replaceLetList(query, 'allowListedExecs', opts.allowList)!;
  const res = await runQuery(query, tables, { now: 0n });
  return rowsOf(res.table);
}

export function rowsOf(t: Table): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let r = 0; r < t.rowCount; r++) {
    const row: Record<string, unknown> = {};
    t.schema.forEach((c, i) => (row[c.name] = getValue(t.columns[i]!, r)));
    out.push(row);
  }
  return out;
}

export function column(t: Table, name: string): unknown[] {
  const c = t.columns[columnIndex(t, name)]!;
  return Array.from({ length: t.rowCount }, (_, r) => getValue(c, r));
}
