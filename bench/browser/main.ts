/**
 * The browser leg of `npm run bench`: dcomlens through its Web Worker client (the path the app
 * uses) and DuckDB-WASM running the same SQL translation on the same picked files. bench/run.ts
 * drives it with Playwright; each function returns plain JSON (no bigint) with its timings.
 */
import * as duckdb from '@duckdb/duckdb-wasm';
import ehWasm from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import ehWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url';
import mvpWasm from '@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm?url';
import mvpWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-mvp.worker.js?url';
import { createEngineClient } from '../../src/engine/worker/client';
import {
  csvSources,
  dcomRuleSql,
  duckRowsToJson,
  EDIT_ENTRY,
  loadTablesSql,
  OUTPUT_COLUMNS,
  rowsToCsv,
  SHIPPED_ALLOW_LIST,
  type JsonCell,
} from '../dcom-sql';

function pickedFiles(): File[] {
  const input = document.getElementById('files') as HTMLInputElement;
  return [...(input.files ?? [])];
}

function netAndProc(files: readonly File[]): { net: File; proc: File } {
  const net = files.find((f) => f.name.startsWith('DeviceNetworkEvents'));
  const proc = files.find((f) => f.name.startsWith('DeviceProcessEvents'));
  if (!net || !proc) throw new Error(`pick both files (got ${files.map((f) => f.name).join(', ')})`);
  return { net, proc };
}

export interface BrowserDcomlens {
  readonly mode: string;
  readonly startMs: number;
  readonly ingestMs: number;
  readonly detectMs: number;
  readonly exportMs: number;
  /** Files picked → alert CSV text (ingest + detect + export), ms. */
  readonly e2eMs: number;
  /** The engine's own elapsed time for the first detect, ms. */
  readonly engineDetectMs: number;
  /** Round trips of detect() with one allow-list entry removed, ms. */
  readonly editMs: number[];
  readonly rows: JsonCell[][];
  readonly rowsEdit: JsonCell[][];
}

async function runDcomlens(editReps: number): Promise<BrowserDcomlens> {
  const files = pickedFiles();
  const t0 = performance.now();
  const client = createEngineClient();
  const mode = await client.mode;
  const tStart = performance.now();
  for (const f of files) await client.ingest(f, f.name);
  const tIngest = performance.now();
  const det = await client.detect(null);
  const tDetect = performance.now();
  const csv = await client.exportCsv();
  const tExport = performance.now();
  if (csv.rows !== det.rows.length) throw new Error('export row count differs');
  const edited = det.allowList.filter((e) => e !== EDIT_ENTRY);
  const editMs: number[] = [];
  let rowsEdit: JsonCell[][] = [];
  for (let r = 0; r < editReps; r++) {
    // Alternate edited / shipped lists so every run is a real change, as when an analyst toggles one entry.
    const list = r % 2 === 0 ? edited : det.allowList;
    const t = performance.now();
    const d = await client.detect(list);
    editMs.push(performance.now() - t);
    if (r === 0) rowsEdit = d.rows as JsonCell[][];
  }
  client.dispose();
  return {
    mode,
    startMs: tStart - t0,
    ingestMs: tIngest - tStart,
    detectMs: tDetect - tIngest,
    exportMs: tExport - tDetect,
    e2eMs: tExport - tStart,
    engineDetectMs: det.elapsedMs,
    editMs,
    rows: det.rows as JsonCell[][],
    rowsEdit,
  };
}

export interface BrowserDuck {
  readonly bundle: string;
  readonly startMs: number;
  /** Files picked → alert CSV text, one query straight over read_csv, ms. */
  readonly e2eMs: number;
  readonly loadMs: number;
  readonly queryMs: number;
  readonly editMs: number[];
  readonly rows: JsonCell[][];
  readonly rowsEdit: JsonCell[][];
  readonly error: string | null;
}

/** Arrow result rows → plain arrays (lists as string arrays, BIGINT kept as bigint for duckRowsToJson). */
function arrowRows(table: { toArray(): { toJSON(): Record<string, unknown> }[] }): unknown[][] {
  return table.toArray().map((row) => {
    const o = row.toJSON();
    return OUTPUT_COLUMNS.map((c) => {
      const v = o[c];
      if (v !== null && typeof v === 'object' && 'toArray' in v)
        return [...(v as { toArray(): unknown[] }).toArray()].map(String);
      return v;
    });
  });
}

async function runDuck(editReps: number): Promise<BrowserDuck> {
  const { net, proc } = netAndProc(pickedFiles());
  const t0 = performance.now();
  const bundle = await duckdb.selectBundle({
    mvp: { mainModule: new URL(mvpWasm, location.href).href, mainWorker: new URL(mvpWorker, location.href).href },
    eh: { mainModule: new URL(ehWasm, location.href).href, mainWorker: new URL(ehWorker, location.href).href },
  });
  const worker = new Worker(bundle.mainWorker!);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
  const tStart = performance.now();
  let e2eMs = NaN;
  let loadMs = NaN;
  let queryMs = NaN;
  const editMs: number[] = [];
  let rows: JsonCell[][] = [];
  let rowsEdit: JsonCell[][] = [];
  let error: string | null = null;
  try {
    await db.registerFileHandle(net.name, net, duckdb.DuckDBDataProtocol.BROWSER_FILEREADER, true);
    await db.registerFileHandle(proc.name, proc, duckdb.DuckDBDataProtocol.BROWSER_FILEREADER, true);
    const conn = await db.connect();
    const t1 = performance.now();
    rows = duckRowsToJson(arrowRows(await conn.query(dcomRuleSql(csvSources(net.name, proc.name)))));
    rowsToCsv(OUTPUT_COLUMNS, rows);
    e2eMs = performance.now() - t1;
    const t2 = performance.now();
    for (const sql of loadTablesSql(net.name, proc.name)) await conn.query(sql);
    loadMs = performance.now() - t2;
    const t3 = performance.now();
    await conn.query(dcomRuleSql({ net: 'net', proc: 'proc' }));
    queryMs = performance.now() - t3;
    const edited = SHIPPED_ALLOW_LIST.filter((e) => e !== EDIT_ENTRY);
    for (let r = 0; r < editReps; r++) {
      const t = performance.now();
      const res = await conn.query(
        dcomRuleSql({ net: 'net', proc: 'proc' }, r % 2 === 0 ? edited : SHIPPED_ALLOW_LIST),
      );
      editMs.push(performance.now() - t);
      if (r === 0) rowsEdit = duckRowsToJson(arrowRows(res));
    }
    await conn.close();
  } catch (err) {
    // DuckDB-WASM runs out of its 4 GiB wasm32 memory at large sizes: report, do not abort the bench.
    error = err instanceof Error ? err.message : String(err);
  }
  await db.terminate();
  return {
    bundle: bundle.mainModule.includes('eh') ? 'eh' : 'mvp',
    startMs: tStart - t0,
    e2eMs,
    loadMs,
    queryMs,
    editMs,
    rows,
    rowsEdit,
    error,
  };
}

declare global {
  interface Window {
    bench: { dcomlens: typeof runDcomlens; duck: typeof runDuck };
  }
}

window.bench = { dcomlens: runDcomlens, duck: runDuck };
document.getElementById('log')!.textContent = 'ready';
