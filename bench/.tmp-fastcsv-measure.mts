// Quick ingest throughput check (not a test)
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { readCsvTable } from '/work/main/src/engine/ingest/read-csv-table';
import { nodeFileChunks } from '/work/main/src/engine/ingest/node-source';
import { requiredColumns, ruleQuery } from '/work/main/bench/dcomlens-node';

const dir = process.argv[2] ?? '/tmp/gen1m';
const reps = Number(process.argv[3] ?? 2);
const fast = process.env.FASTCSV;
const needed = requiredColumns(ruleQuery());
const files = ['DeviceProcessEvents.csv', 'DeviceNetworkEvents.csv'].map((f) => `${dir}/${f}`);
for (const [t, c] of needed) console.log(t, c.join(','));
for (let r = 0; r < reps; r++) {
  let bytes = 0;
  let ms = 0;
  for (const p of files) {
    const t0 = performance.now();
    const res = await readCsvTable(basename(p), nodeFileChunks(p), {
      columnsByTable: Object.fromEntries(needed),
      ...(fast === undefined ? {} : { byteFastPath: fast === '1' }),
    } as never);
    const dt = performance.now() - t0;
    const b = statSync(p).size;
    bytes += b;
    ms += dt;
    console.log(`${basename(p)}: ${res.report.rowsLoaded} rows, ${(b / 1e6).toFixed(0)} MB in ${dt.toFixed(0)} ms = ${(b / 1e3 / dt).toFixed(0)} MB/s`);
  }
  console.log(`total ${(bytes / 1e3 / ms).toFixed(0)} MB/s`);
}
