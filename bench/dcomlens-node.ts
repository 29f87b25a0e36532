/**
 * dcomlens in Node through the engine API, the way the CLI runs `detect` (the CLI module itself
 * imports the rule with Vite's `?raw`, which tsx cannot load): rule → required columns → ingest with
 * column pruning → compile → execute → alert CSV.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestPath, nodeCsvSplitter } from '../src/engine/ingest/node-source';
import { formatCsv, formatJson } from '../src/engine/output/format-results';
import { loadRule, readLetList, replaceLetList } from '../src/engine/rule/rule';
import type { PlanCache } from '../src/engine/execute/plan-cache';
import { compileQuery, executePlan } from '../src/engine/run';
import { DEFENDER_TABLES } from '../src/engine/table/defender-schema';
import type { Table } from '../src/engine/table/table';
import { canonicalRows, OUTPUT_COLUMNS, type JsonCell } from './dcom-sql';

/**
 * The CLI's CSV part worker: its bundle (bench/run.ts builds it first), else from source through
 * csv-part-worker-tsx.mjs (slower to start: tsx compiles the modules in the new thread).
 */
const BUNDLED_PART_WORKER = new URL('../dist-cli/csv-part-worker.js', import.meta.url);
const PART_WORKER = existsSync(BUNDLED_PART_WORKER)
  ? BUNDLED_PART_WORKER
  : new URL('./csv-part-worker-tsx.mjs', import.meta.url);

const RULE_PATH = join(import.meta.dirname, '../src/rules/dcom-lateral-movement.yaml');

/** The rule's KQL as shipped. */
export function ruleQuery(): string {
  const loaded = loadRule(readFileSync(RULE_PATH, 'utf8'));
  if (!loaded.rule) throw new Error(`rule: ${loaded.problems.map((p) => p.message).join('; ')}`);
  return loaded.rule.query;
}

/** The shipped allow-list minus `entry`, as the KQL the dashboard would run after the edit. */
export function queryWithout(query: string, entry: string): { query: string; allowList: string[] } {
  const list = readLetList(query, 'allowListedExecs');
  if (!list || !list.includes(entry)) throw new Error(`allowListedExecs has no ${entry}`);
  const allowList = list.filter((e) => e !== entry);
  const edited = replaceLetList(query, 'allowListedExecs', allowList);
  if (edited === null) throw new Error('replaceLetList failed');
  return { query: edited, allowList };
}

const FULL_SCHEMAS = new Map(Object.entries(DEFENDER_TABLES).map(([n, schema]) => [n, { schema }]));

/** Columns each table needs, bound once against the full Defender schemas (what the CLI does). */
export function requiredColumns(query: string): ReadonlyMap<string, readonly string[]> {
  const probe = compileQuery(query, FULL_SCHEMAS, 0n);
  if (!probe.plan) throw new Error(`rule does not compile: ${probe.diagnostics.map((d) => d.message).join('; ')}`);
  return probe.plan.tables;
}

export interface LoadTiming {
  readonly tables: Map<string, Table>;
  /** Per file: bytes and milliseconds. */
  readonly files: { path: string; bytes: number; ms: number; rows: number }[];
}

/**
 * Ingests the files with column pruning. The table is forced from the file name (the generator's
 * names), so recognition is not on the clock twice; the CLI recognises from the header, which costs
 * the same single header parse.
 */
export async function loadFiles(
  paths: readonly string[],
  needed: ReadonlyMap<string, readonly string[]>,
  split = true,
): Promise<LoadTiming> {
  const tables = new Map<string, Table>();
  const files: LoadTiming['files'] = [];
  for (const path of paths) {
    const name = /DeviceNetworkEvents/.test(path) ? 'DeviceNetworkEvents' : 'DeviceProcessEvents';
    const t0 = performance.now();
    const { table, report } = await ingestPath(path, {
      table: name,
      columns: needed.get(name) ?? [],
      // As the CLI does: a large CSV is read in parts on every core (csv-split.ts).
      ...(split ? { csvSplitter: nodeCsvSplitter(path, PART_WORKER) } : {}),
    });
    const ms = performance.now() - t0;
    if (report.fatal) throw new Error(`${path}: ${report.fatal}`);
    if (report.rowsRejected > 0) throw new Error(`${path}: ${report.rowsRejected} rows rejected`);
    tables.set(name, table);
    files.push({ path, bytes: report.bytes, ms, rows: report.rowsLoaded });
  }
  return { tables, files };
}

/** Compile + execute over loaded tables; `now` is fixed (the rule does not read it). */
export async function detectLoaded(
  query: string,
  tables: ReadonlyMap<string, Table>,
  cache?: PlanCache,
): Promise<Table> {
  // Bound against the full Defender schemas, not the pruned tables: the optimiser prunes columns
  // the rule projects but never uses (e.g. RPCHostID), which the binder still needs to resolve.
  const { plan, diagnostics } = compileQuery(query, FULL_SCHEMAS, 0n);
  if (!plan) throw new Error(diagnostics.map((d) => d.message).join('; '));
  return (await executePlan(plan, tables, { now: 0n, ...(cache ? { cache } : {}) }, diagnostics)).table;
}

export function alertCsv(table: Table): string {
  return formatCsv(table, { leadingColumns: OUTPUT_COLUMNS });
}

/** The result in truth.json's cell convention, canonically ordered. */
export function alertRows(table: Table): JsonCell[][] {
  const parsed = JSON.parse(formatJson(table, { leadingColumns: OUTPUT_COLUMNS, raw: true })) as {
    columns: string[];
    rows: JsonCell[][];
  };
  if (parsed.columns.join() !== OUTPUT_COLUMNS.join()) throw new Error(`unexpected columns ${parsed.columns.join()}`);
  return canonicalRows(parsed.rows);
}

/** One-shot: files → alert rows (for the smoke test). */
export async function dcomlensDetect(paths: readonly string[]): Promise<JsonCell[][]> {
  const query = ruleQuery();
  const { tables } = await loadFiles(paths, requiredColumns(query));
  return alertRows(await detectLoaded(query, tables));
}
