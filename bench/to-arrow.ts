/**
 * Converts a generated CSV export to Arrow IPC (file format) with every column, the way
 * bench/gen/arrow-export.ts types the committed sample: Timestamp(ns, UTC), Int64, Int32, Bool,
 * Float64, Dictionary<Utf8, Int32>. It reads the CSV with dcomlens's own ingest (the generator
 * would need every row in memory as objects, which does not fit at 10M rows); the Arrow leg of the
 * benchmark then checks its result against truth.json, so a conversion error would show as a
 * MISMATCH, not as a wrong figure.
 *
 *   tsx bench/to-arrow.ts IN.csv OUT.arrow
 */
import { writeFileSync } from 'node:fs';
import {
  Bool,
  Dictionary,
  Float64,
  Int32,
  Int64,
  Table as ArrowTable,
  TimestampNanosecond,
  Utf8,
  makeData,
  makeVector,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { ingestPath } from '../src/engine/ingest/node-source';
import type { Column } from '../src/engine/table/column';
import { UNIX_EPOCH_TICKS } from '../src/engine/time/ticks';

/** Engine validity (one byte per row, 1 = valid, null = all valid) → Arrow's packed bitmap. */
function bitmap(valid: Uint8Array | null, n: number): { nullBitmap: Uint8Array; nullCount: number } {
  const bits = new Uint8Array(Math.ceil(n / 8));
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (valid === null || valid[i] === 1) bits[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  }
  return { nullBitmap: bits, nullCount };
}

function toVector(col: Column): Vector {
  const n = col.length;
  switch (col.type) {
    case 'string': {
      const dictionary = vectorFromArray(col.dict as string[], new Utf8());
      return makeVector(
        makeData({
          type: new Dictionary(new Utf8(), new Int32()),
          length: n,
          nullCount: 0,
          data: col.codes,
          dictionary,
        }),
      );
    }
    case 'datetime':
    case 'timespan': {
      const data = new BigInt64Array(n);
      for (let i = 0; i < n; i++) data[i] = (col.values[i]! - UNIX_EPOCH_TICKS) * 100n;
      return makeVector(makeData({ type: new TimestampNanosecond('UTC'), length: n, ...bitmap(col.valid, n), data }));
    }
    case 'long': {
      const data = new BigInt64Array(n);
      for (let i = 0; i < n; i++) data[i] = BigInt(Math.trunc(col.values[i]!));
      return makeVector(makeData({ type: new Int64(), length: n, ...bitmap(col.valid, n), data }));
    }
    case 'int':
      return makeVector(
        makeData({ type: new Int32(), length: n, ...bitmap(col.valid, n), data: Int32Array.from(col.values) }),
      );
    case 'real':
      return makeVector(makeData({ type: new Float64(), length: n, ...bitmap(col.valid, n), data: col.values }));
    case 'bool': {
      const data = new Uint8Array(Math.ceil(n / 8));
      for (let i = 0; i < n; i++) if (col.values[i] === 1) data[i >> 3]! |= 1 << (i & 7);
      return makeVector(makeData({ type: new Bool(), length: n, ...bitmap(col.valid, n), data }));
    }
    case 'dynamic': {
      const values = col.values.map((v) =>
        v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v),
      );
      return vectorFromArray(values, new Dictionary(new Utf8(), new Int32()));
    }
  }
}

export async function csvToArrow(csvPath: string, arrowPath: string): Promise<void> {
  const { table, report } = await ingestPath(csvPath);
  if (report.fatal || report.rowsRejected > 0)
    throw new Error(`${csvPath}: ${report.fatal ?? `${report.rowsRejected} rows rejected`}`);
  const columns: Record<string, Vector> = {};
  table.schema.forEach((c, i) => {
    columns[c.name] = toVector(table.columns[i]!);
  });
  writeFileSync(arrowPath, tableToIPC(new ArrowTable(columns), 'file'));
}

if (process.argv[1] && /to-arrow\.ts$/.test(process.argv[1])) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) throw new Error('usage: tsx bench/to-arrow.ts IN.csv OUT.arrow');
  await csvToArrow(input, output);
}
