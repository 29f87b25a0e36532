/**
 * The rule in native DuckDB (@duckdb/node-api) over the CSV exports: the baseline of the benchmark
 * and the oracle of tests/bench/bench-smoke.test.ts.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { csvSources, dcomRuleSql, duckRowsToJson, type JsonCell, type RuleSqlSources } from './dcom-sql';

export { csvSources, loadTablesSql } from './dcom-sql';

export async function openDuck(): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  return { instance, conn };
}

export async function runRule(
  conn: DuckDBConnection,
  sources: RuleSqlSources,
  allowList?: readonly string[],
): Promise<JsonCell[][]> {
  const reader = await conn.runAndReadAll(dcomRuleSql(sources, allowList));
  return duckRowsToJson(reader.getRowsJS() as unknown[][]);
}

/** One-shot: the rule over two CSV files, as truth.json rows. */
export async function duckDetect(netCsv: string, procCsv: string): Promise<JsonCell[][]> {
  const { instance, conn } = await openDuck();
  try {
    return await runRule(conn, csvSources(netCsv, procCsv));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
