import {
  Bool,
  Dictionary,
  Int32,
  Int64,
  Table,
  TimestampNanosecond,
  Utf8,
  makeData,
  makeVector,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import type { ColumnSchema } from '../../src/engine/table/table';
import { UNIX_EPOCH_TICKS } from '../../src/engine/time/ticks';
import type { Clock } from './clock';
import type { Cell, RowSink } from './model';

/** Keeps rows in memory (the committed sample is small) to turn them into Arrow afterwards. */
export class MemoryRowSink implements RowSink {
  readonly rows: (readonly Cell[])[] = [];

  writeRow(cells: readonly Cell[]): void {
    this.rows.push(cells);
  }
}

function validity(values: readonly Cell[]): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { bitmap, nulls };
}

/**
 * Builds the Arrow table of the Defender schema: datetime -> Timestamp(ns, UTC), long -> Int64,
 * int -> Int32, bool -> Bool, string/dynamic -> Dictionary<Utf8, Int32>. Timestamps and longs are
 * written as raw BigInt64 buffers: the Arrow builders take milliseconds as JS numbers, which would
 * lose the 100 ns ticks.
 */
export function toArrowTable(schema: readonly ColumnSchema[], rows: readonly (readonly Cell[])[], clock: Clock): Table {
  const columns: Record<string, Vector> = {};
  schema.forEach((col, c) => {
    const values = rows.map((r) => r[c] ?? null);
    switch (col.type) {
      case 'datetime': {
        const { bitmap, nulls } = validity(values);
        const data = new BigInt64Array(values.length);
        values.forEach((v, i) => {
          if (typeof v === 'number') data[i] = (clock.abs(v) - UNIX_EPOCH_TICKS) * 100n;
        });
        columns[col.name] = makeVector(
          makeData({
            type: new TimestampNanosecond('UTC'),
            length: values.length,
            nullCount: nulls,
            nullBitmap: bitmap,
            data,
          }),
        );
        break;
      }
      case 'long': {
        const { bitmap, nulls } = validity(values);
        const data = new BigInt64Array(values.map((v) => (typeof v === 'number' ? BigInt(v) : 0n)));
        columns[col.name] = makeVector(
          makeData({ type: new Int64(), length: values.length, nullCount: nulls, nullBitmap: bitmap, data }),
        );
        break;
      }
      case 'int': {
        const { bitmap, nulls } = validity(values);
        const data = Int32Array.from(values, (v) => (typeof v === 'number' ? v : 0));
        columns[col.name] = makeVector(
          makeData({ type: new Int32(), length: values.length, nullCount: nulls, nullBitmap: bitmap, data }),
        );
        break;
      }
      case 'bool':
        columns[col.name] = vectorFromArray(
          values.map((v) => (typeof v === 'boolean' ? v : null)),
          new Bool(),
        );
        break;
      default:
        columns[col.name] = vectorFromArray(
          values.map((v) => (typeof v === 'string' ? v : '')),
          new Dictionary(new Utf8(), new Int32()),
        );
    }
  });
  return new Table(columns);
}

export function toArrowIpc(
  schema: readonly ColumnSchema[],
  rows: readonly (readonly Cell[])[],
  clock: Clock,
): Uint8Array {
  return tableToIPC(toArrowTable(schema, rows, clock), 'file');
}
