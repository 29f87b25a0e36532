import { RecordBatchReader, type Data, type DataType, type Field, type RecordBatch } from 'apache-arrow';
import { ArrowLayoutUnsupported, openArrowFile, readFileBatches } from './arrow-file';
import { bytesRandomAccess, randomAccessOf, type RandomAccess, type RangeReader } from './chunk-sources';
import type { Column } from '../table/column';
import { makeTable, type ColumnSchema } from '../table/table';
import { ArrowColumnWriter, canConvert, naturalKustoType, type CellFailure } from './arrow-column';
import { CellParser } from './cell-parser';
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

/** One record batch as the column writers see it, from either reader. */
interface Batch {
  readonly numRows: number;
  column(sourceIndex: number): Data | Promise<Data> | undefined;
  /** Bytes of the file consumed up to the end of this batch (progress). */
  readonly bytes: number;
}

/** An opened Arrow input: its schema fields and its batches (only kept columns need be present). */
interface Opened {
  readonly fields: readonly Field[];
  /** `onRowCount`: called with the total row count before the first batch when it is known. */
  batches(keep: readonly number[], onRowCount?: (rows: number) => void): AsyncIterable<Batch>;
  /** Fallback for what the range reader does not lay out: the whole file through apache-arrow. */
  whole?: () => Promise<Opened>;
  close(): Promise<void>;
}

function fromRecordBatchReader(reader: RecordBatchReader, bytes: () => number): Opened {
  return {
    fields: reader.schema.fields,
    async *batches() {
      for await (const batch of reader as AsyncIterable<RecordBatch>) {
        const children = batch.data.children as Data[];
        yield { numRows: batch.numRows, column: (i: number) => children[i], bytes: bytes() };
      }
    },
    close: () => Promise.resolve(),
  };
}

/**
 * The Arrow file format by byte ranges (footer, schema, then per batch only the kept columns'
 * buffers: see arrow-file.ts), from the source's random access, else from the buffered bytes.
 */
async function openFileFormat(rr: RangeReader, size: number): Promise<Opened> {
  const file = await openArrowFile(rr, size);
  return {
    fields: file.fields,
    async *batches(keep, onRowCount) {
      for await (const b of readFileBatches(rr, file, keep, onRowCount))
        yield { numRows: b.numRows, column: (i: number) => b.columns.get(i), bytes: b.end };
    },
    whole: async () => {
      const all = await rr.read(0, size);
      const reader = RecordBatchReader.from(all);
      reader.open();
      return fromRecordBatchReader(reader, () => size);
    },
    close: () => rr.close(),
  };
}

/**
 * Opens the input: the file format ("ARROW1" magic) by byte ranges, the stream format batch by
 * batch as its chunks arrive (apache-arrow, which applies dictionary deltas and replacements).
 */
async function openArrow(
  chunks: AsyncIterable<Uint8Array>,
  access: RandomAccess | undefined,
  counted: (c: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>,
  setBytes: (n: number) => void,
  getBytes: () => number,
): Promise<Opened> {
  const it = chunks[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? new Uint8Array(0) : first.value;
  const isFile = head.length >= 6 && ARROW_FILE_MAGIC.every((b, i) => head[i] === b);
  if (isFile && access) {
    await it.return?.();
    setBytes(access.size);
    return openFileFormat(await access.open(), access.size);
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    if (!first.done) yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  if (isFile) {
    // No random access (an archive entry, a test stream): gather the bytes once.
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const c of counted(replay())) {
      parts.push(c);
      total += c.length;
    }
    const whole = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      whole.set(p, at);
      at += p.length;
    }
    return openFileFormat(await bytesRandomAccess(whole).open(), total);
  }
  const reader = await RecordBatchReader.from(counted(replay()));
  await reader.open();
  if (reader.schema === undefined) throw new EmptyStream();
  return fromRecordBatchReader(reader, getBytes);
}

class EmptyStream extends Error {}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads Arrow IPC into the engine's columns, with the same column selection and report as CSV.
 * The file format is read by byte ranges when the source offers random access (a file on disk,
 * a browser File): footer, then only the kept columns' buffers; otherwise its bytes are gathered
 * once. The stream format is read batch by batch as it arrives. A row whose
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
  async function* counted(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const c of chunks) {
      throwIfAborted(signal);
      bytes += c.byteLength;
      yield c;
    }
  }
  const name0 = opts.tableName ?? tableNameFromFile(file);
  const warnings: string[] = [];
  let log = new RejectLog(opts.maxRejects ?? 100);
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
  let input: Opened;
  try {
    input = await openArrow(
      chunks,
      randomAccessOf(chunks),
      counted,
      (n) => (bytes = n),
      () => bytes,
    );
  } catch (e) {
    if (isAbort(e) || isAllocationFailure(e)) throw e;
    if (e instanceof EmptyStream) return fatal('the Arrow stream is empty (no schema message)');
    return fatal(`not a readable Arrow IPC file or stream: ${message(e)}`);
  }
  const fields = input.fields;

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
  const newWriters = (): ArrowColumnWriter[] =>
    kept.map((c) => new ArrowColumnWriter(c.type, fields[c.sourceIndex]!.type as DataType, cells));
  let writers = newWriters();
  let loaded = 0;
  let read = 0;
  const keep = kept.map((c) => c.sourceIndex);
  const consume = async (from: Opened): Promise<void> => {
    for await (const batch of from.batches(keep, (rows) => writers.forEach((w) => w.reserve(rows)))) {
      throwIfAborted(signal);
      const n = batch.numRows;
      const failures: { k: number; f: CellFailure }[] = [];
      const fail: CellFailure[] = [];
      for (let k = 0; k < kept.length; k++) {
        fail.length = 0;
        const d = await batch.column(kept[k]!.sourceIndex);
        if (d === undefined || d.length !== n) throw new Error(`column ${kept[k]!.source} has no data for ${n} rows`);
        writers[k]!.write(d, loaded, fail);
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
          if (to !== loaded + i) for (const w of writers) w.moveRow(loaded + i, to);
          to++;
        }
        good = to - loaded;
      }
      loaded += good;
      read += n;
      opts.onProgress?.(batch.bytes, read);
    }
  };
  try {
    try {
      await consume(input);
    } catch (e) {
      if (!(e instanceof ArrowLayoutUnsupported) || !input.whole) throw e;
      // A layout the range reader does not handle: start over on the whole file with apache-arrow.
      writers = newWriters();
      loaded = 0;
      read = 0;
      log = new RejectLog(opts.maxRejects ?? 100);
      await consume(await input.whole());
    }
  } catch (e) {
    if (isAbort(e) || isAllocationFailure(e)) throw e;
    warnings.push(`Arrow data unreadable after record ${read}: ${message(e)}; the records before it were loaded`);
  } finally {
    await input.close().catch(() => undefined);
  }
  if (writers.some((w) => w.usedSlowPath))
    warnings.push('some columns had Arrow types read value by value (slower path)');

  const schema: ColumnSchema[] = kept.map((c) => ({ name: c.name, type: c.type }));
  const columns: Column[] = writers.map((w) => w.finish(loaded));
  const name = plan.recognised ?? name0;
  const col = (nm: string): Column | undefined => {
    const i = schema.findIndex((c) => c.name === nm);
    return i < 0 ? undefined : columns[i];
  };
  // The tick path tracks the range as it converts (one pass less over the column); with rows
  // rejected, the range of the rows kept is computed from the column.
  const timeRangeOfColumn = (nm: string): { min: bigint; max: bigint } | null => {
    const i = schema.findIndex((c) => c.name === nm);
    const tracked = i >= 0 && loaded === read ? writers[i]!.timeRange() : undefined;
    return tracked !== undefined ? tracked : timeRangeOf(col(nm));
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
    timeRange: timeRangeOfColumn('Timestamp'),
    devices: distinctNonEmpty(col('DeviceName')),
    warnings,
  };
  return { table: makeTable(name, schema, columns), report };
}
