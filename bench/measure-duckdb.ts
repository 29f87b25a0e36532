/**
 * Child process of bench/run.ts: native DuckDB (@duckdb/node-api, default threads = cores) on one
 * dataset directory, printing one `RESULT {json}` line.
 *
 *   node --import tsx bench/measure-duckdb.ts DIR [--reps N] [--query-reps N]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EDIT_ENTRY, OUTPUT_COLUMNS, rowsToCsv, SHIPPED_ALLOW_LIST, type JsonCell } from './dcom-sql';
import { csvSources, loadTablesSql, openDuck, runRule } from './duckdb-node';

export interface DuckMeasure {
  /** Files → alert CSV in one query straight over read_csv (a fresh database each time), ms. */
  readonly e2eMs: number[];
  /** CREATE TABLE of the needed columns of both files, ms. */
  readonly loadMs: number[];
  /** The rule over the loaded tables, ms. */
  readonly queryMs: number[];
  /** The rule with one allow-list entry removed, over the loaded tables, ms. */
  readonly editMs: number[];
  readonly peakRss: number;
  readonly threads: string;
  readonly result: JsonCell[][];
  readonly resultEdit: JsonCell[][];
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { reps: { type: 'string', default: '3' }, 'query-reps': { type: 'string', default: '5' } },
  });
  const dir = positionals[0];
  if (!dir) throw new Error('usage: measure-duckdb.ts DIR');
  const reps = Number(values.reps);
  const queryReps = Number(values['query-reps']);
  const net = join(dir, 'DeviceNetworkEvents.csv');
  const proc = join(dir, 'DeviceProcessEvents.csv');

  const e2eMs: number[] = [];
  let result: JsonCell[][] = [];
  let threads = '';
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const { instance, conn } = await openDuck();
    result = await runRule(conn, csvSources(net, proc));
    rowsToCsv(OUTPUT_COLUMNS, result);
    e2eMs.push(performance.now() - t0);
    threads = String((await conn.runAndReadAll("SELECT current_setting('threads')")).getRowsJS()[0]![0]);
    conn.closeSync();
    instance.closeSync();
  }

  const loadMs: number[] = [];
  const queryMs: number[] = [];
  const editMs: number[] = [];
  let resultEdit: JsonCell[][] = [];
  const { instance, conn } = await openDuck();
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (const sql of loadTablesSql(net, proc)) await conn.run(sql);
    loadMs.push(performance.now() - t0);
  }
  const tables = { net: 'net', proc: 'proc' };
  for (let r = 0; r < queryReps; r++) {
    const t0 = performance.now();
    await runRule(conn, tables);
    queryMs.push(performance.now() - t0);
  }
  const edited = SHIPPED_ALLOW_LIST.filter((e) => e !== EDIT_ENTRY);
  for (let r = 0; r < queryReps; r++) {
    const t0 = performance.now();
    resultEdit = await runRule(conn, tables, edited);
    editMs.push(performance.now() - t0);
  }
  conn.closeSync();
  instance.closeSync();
  const out: DuckMeasure = {
    e2eMs,
    loadMs,
    queryMs,
    editMs,
    peakRss: process.resourceUsage().maxRSS * 1024,
    threads,
    result,
    resultEdit,
  };
  process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
}

await main();
