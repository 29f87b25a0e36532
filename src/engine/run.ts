/**
 * One entry point for running KQL text over loaded tables: parse → bind → execute.
 */
import { bindQuery } from './bind/binder';
import type { BoundQuery } from './bind/bound';
import { Executor, type NodeStats } from './execute/executor';
import type { PlanCache } from './execute/plan-cache';
import type { LineageSource } from './execute/lineage';
import type { Lineage } from './execute/lineage';
import { makeDiagnostic, type Diagnostic } from './kql/diagnostics';
import { parseQuery } from './kql/parser';
import { explainPlan } from './plan/explain';
import { optimise } from './plan/optimise';
import { requiredColumns } from './plan/required-columns';
import { UNIX_EPOCH_TICKS, TICKS_PER_MILLISECOND } from './time/ticks';
import type { Table } from './table/table';
import { bindingSchema, makeTable } from './table/table';

/** Options for one query run. */
export interface RunOptions {
  /** Apply the optimiser's rewrites (default true; false runs the plan exactly as bound). */
  readonly optimise?: boolean;
  /** Reference time for `now()` and `ago()` (ticks); reported in the result. Default: the wall clock. */
  readonly now?: bigint;
  readonly signal?: AbortSignal;
  /** Reuse results of the previous run with this cache where the plan is unchanged. */
  readonly cache?: PlanCache;
}

export interface QueryResult {
  /** The result table (row order: as produced; undefined in Kusto unless the query sorts). */
  readonly table: Table;
  readonly diagnostics: readonly Diagnostic[];
  readonly now: bigint;
  readonly plan: BoundQuery;
  /** Rows out of every plan node, by node id. */
  readonly stats: ReadonlyMap<number, NodeStats>;
  /** Provenance of the result rows (see execute/lineage). */
  readonly lineage: Lineage;
  readonly sources: readonly LineageSource[];
  /** The plan with row counts, as text. */
  readonly explain: string;
}

/** Raised when a query has errors; `diagnostics` lists them. */
export class QueryError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join('\n'));
    this.name = 'QueryError';
  }
}

export function wallClockTicks(): bigint {
  return UNIX_EPOCH_TICKS + BigInt(Date.now()) * TICKS_PER_MILLISECOND;
}

/** Parses and binds without running: the diagnostics and the plan. */
export function compileQuery(
  text: string,
  tables: ReadonlyMap<string, Pick<Table, 'schema' | 'omitted'>>,
  now: bigint,
  options: { readonly optimise?: boolean } = {},
): { plan: BoundQuery | null; diagnostics: Diagnostic[] } {
  const parsed = parseQuery(text);
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  if (diagnostics.some((d) => d.severity === 'error')) return { plan: null, diagnostics };
  // A Defender table loaded with column pruning still binds with its full schema; a column the
  // query then reads but the load lacks is an error below, never a silent column of nulls.
  const schemaOf = (name: string) => {
    const t = tables.get(name);
    return t ? bindingSchema(t) : undefined;
  };
  const bound = bindQuery(parsed.query, text, { tableSchema: schemaOf, now });
  diagnostics.push(...bound.diagnostics);
  if (!bound.bound) return { plan: null, diagnostics };
  const plan = options.optimise === false ? bound.bound : optimise(bound.bound);
  const required = requiredColumns(plan);
  for (const [name, cols] of required) {
    const loaded = tables.get(name)?.schema;
    const missing = loaded ? cols.filter((c) => !loaded.some((l) => l.name === c)) : [];
    if (missing.length > 0) {
      diagnostics.push(
        makeDiagnostic(
          text,
          'KQL401',
          `the loaded ${name} has no column ${missing.join(', ')}, which the query reads`,
          { start: 0, end: 0 },
        ),
      );
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { plan: null, diagnostics };
  return { plan: { ...plan, tables: required }, diagnostics };
}

/**
 * Parses, binds and executes `text` against `tables` (by name). Rejects with a QueryError listing
 * the diagnostics when the query has errors.
 */
export async function runQuery(
  text: string,
  tables: ReadonlyMap<string, Table>,
  options: RunOptions = {},
): Promise<QueryResult> {
  const now = options.now ?? wallClockTicks();
  const { plan, diagnostics } = compileQuery(text, tables, now, { optimise: options.optimise !== false });
  if (!plan) throw new QueryError(diagnostics);
  return executePlan(plan, tables, { ...options, now }, diagnostics);
}

export async function executePlan(
  plan: BoundQuery,
  tables: ReadonlyMap<string, Table>,
  options: RunOptions & { now: bigint },
  diagnostics: readonly Diagnostic[] = [],
): Promise<QueryResult> {
  const exec = new Executor(plan, tables, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
  });
  options.cache?.beginRun();
  const rel = await exec.run();
  options.cache?.endRun();
  const columns = rel.schema.map((_, i) => rel.column(i));
  const table = makeTable('result', rel.schema, columns);
  return {
    table,
    diagnostics,
    now: options.now,
    plan,
    stats: exec.stats,
    lineage: rel.lineage,
    sources: exec.sources,
    explain: explainPlan(plan, exec.stats),
  };
}
