import { RecordBatchReader, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import type { Column } from '../table/column';
import { makeTable, type ColumnSchema } from '../table/table';
import { ArrowColumnWriter, canConvert, naturalKustoType, type CellFailure } from './arrow-column';
import { CellParser } from './cell-parser';
import { makeColumnBuilder, type ColumnBuilder } from './column-builder';
import { throwIfAborted } from './csv-reader';
import { isAllocationFailure } from './abort-error';
import { distinctNonEmpty, RejectLog, showValue, timeRangeOf, type IngestReport } from './ingest-report';
import { planColumns, type PlannedColumn } from './plan-columns';
import type { IngestOptions, IngestResult } from './read-csv-table';
import { tableNameFromFile } from './recognise-table';

function isAbort(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}

const ARROW_FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/**
 * Reads the first chunk; for the Arrow file format, gathers every chunk into one buffer. Otherwise
 * returns a stream that replays the first chunk and continues with the rest.
 */
async function bufferIfFileFormat(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ whole: Uint8Array | null; rest: AsyncIterable<Uint8Array> }> {
  const it = chunks[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? new Uint8Array(0) : first.value;
  const isFile = head.length >= 6 && ARROW_FILE_MAGIC.every((b, i) => head[i] === b);
  if (!isFile) {
    async function* replay(): AsyncGenerator<Uint8Array> {
      if (!first.done) yield head;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    }
    return { whole: null, rest: replay() };
  }
  const parts: Uint8Array[] = [head];
  let total = head.length;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    parts.push(r.value);
    total += r.value.length;
  }
  const whole = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    whole.set(p, at);
    at += p.length;
  }
  return { whole, rest: (async function* () {})() };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads Arrow IPC (file or stream format, detected by apache-arrow from the magic) batch by
 * batch into the engine's columns, with the same column selection and report as CSV. A row whose
 * cell cannot be converted (Int64 beyond 2^53, a string that is no datetime, ...) is rejected
 * whole; `line` in its reject is the 1-based record number in the file.
 */
export async function readArrowTable(
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: IngestOptions = {},
): Promise<IngestResult> {
  let bytes = 0;
  const signal = opts.signal;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const c of chunks) {
      throwIfAborted(signal);
      bytes += c.byteLength;
      yield c;
    }
  }
  const name0 = opts.tableName ?? tableNameFromFile(file);
  const warnings: string[] = [];
  const log = new RejectLog(opts.maxRejects ?? 100);
  const fatal = (why: string): IngestResult => ({
    table: makeTable(name0, [], []),
    report: {
      file,
      format: 'arrow',
      table: name0,
      recognised: null,
      bytes,
      rowsRead: 0,
      rowsLoaded: 0,
      rowsRejected: 0,
      rejects: [],
      rejectCounts: {},
      columnsMapped: [],
      columnsMissing: opts.columns ? [...opts.columns] : [],
      columnsIgnored: [],
      timeRange: null,
      devices: null,
      warnings,
      fatal: why,
    },
  });

  throwIfAborted(signal);
  let reader: RecordBatchReader;
  try {
    // The file format keeps its footer at the end, so nothing can be decoded before the last
    // chunk anyway: gather the bytes once and read them synchronously. apache-arrow's async
    // reader re-joins the chunk list per message (measured: most of the time went to memcpy).
    // The stream format (.arrows) is read batch by batch as it arrives.
    const buffered = await bufferIfFileFormat(counted());
    reader = buffered.whole ? RecordBatchReader.from(buffered.whole) : await RecordBatchReader.from(buffered.rest);
    if (!buffered.whole) await reader.open();
    else reader.open();
  } catch (e) {
    if (isAbort(e) || isAllocationFailure(e)) throw e;
    return fatal(`not a readable Arrow IPC file or stream: ${message(e)}`);
  }
  const fields = reader.schema?.fields;
  if (fields === undefined) return fatal('the Arrow stream is empty (no schema message)');

  const plan = planColumns(
    fields.map((f) => f.name),
    opts,
    (i) => naturalKustoType(fields[i]!.type as DataType),
  );
  warnings.push(...plan.warnings);
  const kept: PlannedColumn[] = [];
  const missing = [...plan.missing];
  const ignored = [...plan.ignored];
  for (const c of plan.kept) {
    const t = fields[c.sourceIndex]!.type as DataType;
    if (canConvert(t, c.type)) kept.push({ ...c, sourceType: String(t) });
    else {
      warnings.push(`${c.name}: Arrow type ${String(t)} cannot be read as ${c.type}; column not loaded`);
      missing.push(c.name);
      ignored.push(c.source);
    }
  }
  const cells = new CellParser();
  const builders: ColumnBuilder[] = kept.map((c) => makeColumnBuilder(c.type));
  const writers = kept.map((c, k) => new ArrowColumnWriter(c.type, builders[k]!, cells));
  let loaded = 0;
  let read = 0;
  try {
    for await (const batch of reader as AsyncIterable<RecordBatch>) {
      throwIfAborted(signal);
      const n = batch.numRows;
      const children = batch.data.children as Data[];
      const failures: { k: number; f: CellFailure }[] = [];
      const fail: CellFailure[] = [];
      for (let k = 0; k < kept.length; k++) {
        fail.length = 0;
        writers[k]!.write(children[kept[k]!.sourceIndex]!, loaded, fail);
        for (const f of fail) failures.push({ k, f });
      }
      let good = n;
      if (failures.length > 0) {
        // First failing column per row, in row order; then squeeze the rejected slots out.
        failures.sort((a, b) => a.f.row - b.f.row || a.k - b.k);
        const bad = new Uint8Array(n);
        for (const { k, f } of failures) {
          if (bad[f.row] === 1) continue;
          bad[f.row] = 1;
          const line = read + f.row + 1;
          const col = kept[k]!.name;
          log.add(f.code, () => ({
            line,
            column: col,
            code: f.code,
            reason: `record ${line}, column ${col}: ${showValue(f.value)} ${f.what}`,
          }));
        }
        let to = loaded;
        for (let i = 0; i < n; i++) {
          if (bad[i] === 1) continue;
          if (to !== loaded + i) for (const b of builders) b.moveRow(loaded + i, to);
          to++;
        }
        good = to - loaded;
      }
      loaded += good;
      read += n;
      opts.onProgress?.(bytes, read);
    }
  } catch (e) {
    if (isAbort(e) || isAllocationFailure(e)) throw e;
    warnings.push(`Arrow data unreadable after record ${read}: ${message(e)}; the records before it were loaded`);
  }
  if (writers.some((w) => w.usedSlowPath))
    warnings.push('some columns had Arrow types read value by value (slower path)');

  const schema: ColumnSchema[] = kept.map((c) => ({ name: c.name, type: c.type }));
  const columns: Column[] = builders.map((b) => b.finish(loaded));
  const name = plan.recognised ?? name0;
  const col = (nm: string): Column | undefined => {
    const i = schema.findIndex((c) => c.name === nm);
    return i < 0 ? undefined : columns[i];
  };
  const report: IngestReport = {
    file,
    format: 'arrow',
    table: name,
    recognised: plan.recognised,
    bytes,
    rowsRead: read,
    rowsLoaded: loaded,
    rowsRejected: log.total,
    rejects: log.rejects,
    rejectCounts: log.counts,
    columnsMapped: kept.map(({ name: n, source, type, sourceType }) => ({
      name: n,
      source,
      type,
      ...(sourceType ? { sourceType } : {}),
    })),
    columnsMissing: missing,
    columnsIgnored: ignored,
    timeRange: timeRangeOf(col('Timestamp')),
    devices: distinctNonEmpty(col('DeviceName')),
    warnings,
  };
  return { table: makeTable(name, schema, columns), report };
}
