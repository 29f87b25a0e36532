import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE_NETWORK_EVENTS, DEVICE_PROCESS_EVENTS } from '../../src/engine/table/defender-schema';
import { Clock } from './clock';
import { CsvRowWriter, FileTextSink } from './csv-writer';
import { DEFAULT_START, generate, truthJson } from './generate';
import type { GenerateOptions, GenerateResult } from './generate';
import type { RowSink, TableName } from './model';

/**
 * Writes DIR/DeviceNetworkEvents.csv, DIR/DeviceProcessEvents.csv, DIR/truth.json, DIR/cases.json.
 * `extraSinks` also receive every row (make-samples uses it to build the Arrow copies).
 */
export function writeDataset(
  opts: GenerateOptions,
  dir: string,
  extraSinks?: Record<TableName, RowSink>,
): GenerateResult {
  mkdirSync(dir, { recursive: true });
  const clock = new Clock(opts.start ?? DEFAULT_START);
  const netOut = new FileTextSink(join(dir, 'DeviceNetworkEvents.csv'));
  const procOut = new FileTextSink(join(dir, 'DeviceProcessEvents.csv'));
  const csv: Record<TableName, RowSink> = {
    DeviceNetworkEvents: new CsvRowWriter(netOut, DEVICE_NETWORK_EVENTS, clock),
    DeviceProcessEvents: new CsvRowWriter(procOut, DEVICE_PROCESS_EVENTS, clock),
  };
  const sinks: Record<TableName, RowSink> = extraSinks
    ? {
        DeviceNetworkEvents: {
          writeRow: (c) => (csv.DeviceNetworkEvents.writeRow(c), extraSinks.DeviceNetworkEvents.writeRow(c)),
        },
        DeviceProcessEvents: {
          writeRow: (c) => (csv.DeviceProcessEvents.writeRow(c), extraSinks.DeviceProcessEvents.writeRow(c)),
        },
      }
    : csv;
  try {
    const result = generate(opts, sinks);
    writeFileSync(join(dir, 'truth.json'), truthJson(result.truth));
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(result.cases, null, 2) + '\n');
    return result;
  } finally {
    netOut.close();
    procOut.close();
  }
}
