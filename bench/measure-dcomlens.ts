/**
 * Child process of bench/run.ts: measures dcomlens in Node on one dataset directory and prints one
 * `RESULT {json}` line. A fresh process per engine and dataset, so peak RSS belongs to this run
 * alone and one engine's garbage does not slow the other.
 *
 *   node --expose-gc --import tsx bench/measure-dcomlens.ts DIR [--reps N] [--phases csv,arrow,query,edit]
 */
import { statSync } from 'node:fs';
import { PlanCache } from '../src/engine/execute/plan-cache';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EDIT_ENTRY, type JsonCell } from './dcom-sql';
import {
  alertCsv,
  alertRows,
  detectLoaded,
  loadFiles,
  queryWithout,
  requiredColumns,
  ruleQuery,
} from './dcomlens-node';

export interface DcomlensMeasure {
  readonly rows: { net: number; proc: number };
  readonly csvBytes: number;
  readonly arrowBytes: number | null;
  /** Files → alert CSV (ingest with pruning + compile + execute + format), best of reps, ms. */
  readonly e2eCsvMs: number[];
  /** Ingest only (both files), ms, from the e2e runs. */
  readonly ingestCsvMs: number[];
  readonly e2eArrowMs: number[] | null;
  readonly ingestArrowMs: number[] | null;
  /** Compile + execute with the tables loaded, ms. */
  readonly queryMs: number[];
  /** Compile + execute of the rule with one allow-list entry removed, ms. */
  readonly editMs: number[];
  /** Peak RSS after the CSV end-to-end runs, and at the end (bytes). */
  readonly peakRssCsv: number;
  readonly peakRssEnd: number;
  /** JS heap + ArrayBuffers retained with the CSV tables loaded, after a GC (bytes). */
  readonly retainedBytes: number;
  readonly result: JsonCell[][];
  readonly resultArrow: JsonCell[][] | null;
  readonly resultEdit: JsonCell[][];
  readonly alerts: number;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { reps: { type: 'string', default: '3' }, 'query-reps': { type: 'string', default: '5' } },
  });
  const dir = positionals[0];
  if (!dir) throw new Error('usage: measure-dcomlens.ts DIR');
  const reps = Number(values.reps);
  const queryReps = Number(values['query-reps']);
  const query = ruleQuery();
  const needed = requiredColumns(query);
  const csv = [join(dir, 'DeviceNetworkEvents.csv'), join(dir, 'DeviceProcessEvents.csv')];
  const arrow = [join(dir, 'DeviceNetworkEvents.arrow'), join(dir, 'DeviceProcessEvents.arrow')];
  const hasArrow = arrow.every((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });

  const e2eCsvMs: number[] = [];
  const ingestCsvMs: number[] = [];
  let result: JsonCell[][] = [];
  let rows = { net: 0, proc: 0 };
  let csvBytes = 0;
  for (let r = 0; r < reps; r++) {
    gc();
    const t0 = performance.now();
    const loaded = await loadFiles(csv, needed);
    const t1 = performance.now();
    const table = await detectLoaded(query, loaded.tables);
    const text = alertCsv(table);
    const t2 = performance.now();
    e2eCsvMs.push(t2 - t0);
    ingestCsvMs.push(t1 - t0);
    if (text.length === 0) throw new Error('empty CSV');
    result = alertRows(table);
    rows = { net: loaded.files[0]!.rows, proc: loaded.files[1]!.rows };
    csvBytes = loaded.files.reduce((s, f) => s + f.bytes, 0);
  }
  const peakRssCsv = process.resourceUsage().maxRSS * 1024;

  // Query with data loaded, and the allow-list edit.
  gc();
  const { tables } = await loadFiles(csv, needed);
  gc();
  const mem = process.memoryUsage();
  const retainedBytes = mem.heapUsed + mem.arrayBuffers;
  const queryMs: number[] = [];
  for (let r = 0; r < queryReps; r++) {
    const t0 = performance.now();
    await detectLoaded(query, tables);
    queryMs.push(performance.now() - t0);
  }
  // The edit as the dashboard runs it: the previous run's results are in the plan cache, so only
  // the stages downstream of the edited allow-list run again.
  const edited = queryWithout(query, EDIT_ENTRY);
  const editMs: number[] = [];
  let resultEdit: JsonCell[][] = [];
  const cache = new PlanCache();
  for (let r = 0; r < queryReps; r++) {
    await detectLoaded(query, tables, cache);
    const t0 = performance.now();
    const t = await detectLoaded(edited.query, tables, cache);
    editMs.push(performance.now() - t0);
    resultEdit = alertRows(t);
  }
  tables.clear();
  gc();

  let e2eArrowMs: number[] | null = null;
  let ingestArrowMs: number[] | null = null;
  let resultArrow: JsonCell[][] | null = null;
  let arrowBytes: number | null = null;
  if (hasArrow) {
    e2eArrowMs = [];
    ingestArrowMs = [];
    for (let r = 0; r < reps; r++) {
      gc();
      const t0 = performance.now();
      const loaded = await loadFiles(arrow, needed);
      const t1 = performance.now();
      const table = await detectLoaded(query, loaded.tables);
      alertCsv(table);
      const t2 = performance.now();
      e2eArrowMs.push(t2 - t0);
      ingestArrowMs.push(t1 - t0);
      resultArrow = alertRows(table);
      arrowBytes = loaded.files.reduce((s, f) => s + f.bytes, 0);
    }
  }
  const out: DcomlensMeasure = {
    rows,
    csvBytes,
    arrowBytes,
    e2eCsvMs,
    ingestCsvMs,
    e2eArrowMs,
    ingestArrowMs,
    queryMs,
    editMs,
    peakRssCsv,
    peakRssEnd: process.resourceUsage().maxRSS * 1024,
    retainedBytes,
    result,
    resultArrow,
    resultEdit,
    alerts: result.length,
  };
  process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
}

await main();
