import { Message, Type, Vector, makeData, type Data, type DataType, type Field } from 'apache-arrow';
// The footer decoder is not re-exported by the package root; its module is public (exports "./*").
import { Footer } from 'apache-arrow/ipc/metadata/file';
import type { RangeReader } from './chunk-sources';

/**
 * The Arrow IPC file format read by byte ranges: the footer's block list, the schema message, then
 * per record batch its metadata and, from its body, only the buffers of the kept columns (and of
 * the dictionaries those columns use). Memory follows the kept columns, not the file; nothing of
 * a dropped column is read. Anything this reader does not lay out itself (body compression, union
 * or view types, a kept nested column) raises `ArrowLayoutUnsupported`, and the caller falls back
 * to reading the whole file with apache-arrow.
 */

export class ArrowLayoutUnsupported extends Error {}

/** A block of the footer: a message at `offset`, its metadata (with prefix) then its body. */
interface Block {
  readonly offset: number;
  readonly metaLength: number;
  readonly bodyLength: number;
  readonly dictionary: boolean;
}

export interface ArrowFile {
  readonly fields: readonly Field[];
  readonly blocks: readonly Block[];
}

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31];

/** Decodes the message whose encapsulated metadata (continuation, length, flatbuffer) is `meta`. */
function decodeMessage(meta: Uint8Array): Message {
  const dv = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  let at = 0;
  if (meta.length >= 4 && dv.getInt32(0, true) === -1) at = 4;
  if (meta.length < at + 4) throw new Error('truncated Arrow message');
  const len = dv.getInt32(at, true);
  if (len <= 0 || at + 4 + len > meta.length) throw new Error('truncated Arrow message');
  return Message.decode(meta.subarray(at + 4, at + 4 + len));
}

/** Reads the footer (schema and block list). Throws on a file that is not Arrow (the caller reports it). */
export async function openArrowFile(r: RangeReader, size: number): Promise<ArrowFile> {
  if (size < 18) throw new Error('file too short for the Arrow file format');
  const tail = await r.read(size - 10, 10);
  if (!MAGIC.every((b, i) => tail[4 + i] === b)) throw new Error('no Arrow footer (truncated file?)');
  const footerLen = new DataView(tail.buffer, tail.byteOffset, 4).getInt32(0, true);
  if (footerLen <= 0 || footerLen > size - 18) throw new Error('bad Arrow footer length');
  const footer = Footer.decode(await r.read(size - 10 - footerLen, footerLen));
  const blocks: Block[] = [];
  for (const [list, dictionary] of [
    [footer.dictionaryBatches(), true],
    [footer.recordBatches(), false],
  ] as const) {
    for (const b of list) {
      const block = { offset: b.offset, metaLength: b.metaDataLength, bodyLength: b.bodyLength, dictionary };
      if (
        !Number.isSafeInteger(block.offset) ||
        block.offset < 8 ||
        block.metaLength <= 0 ||
        block.offset + block.metaLength + block.bodyLength > size - 10 - footerLen
      )
        throw new Error('an Arrow footer block points outside the file');
      blocks.push(block);
    }
  }
  blocks.sort((a, b) => a.offset - b.offset);
  // apache-arrow's writer keeps the schema in the footer only (no schema message after the magic).
  return { fields: footer.schema.fields, blocks };
}

interface Node {
  readonly length: number;
  readonly nullCount: number;
}
interface Region {
  readonly offset: number;
  readonly length: number;
}

/** Where each top-level field's nodes and buffers start in a record batch's flattened lists. */
function layout(fields: readonly Field[], variadic: readonly number[]): { node: number; buffer: number }[] {
  let node = 0;
  let buffer = 0;
  let v = 0;
  const walk = (t: DataType): void => {
    node++;
    switch (t.typeId) {
      case Type.Null:
        return;
      case Type.Int:
      case Type.Float:
      case Type.Bool:
      case Type.Decimal:
      case Type.Date:
      case Type.Time:
      case Type.Timestamp:
      case Type.Interval:
      case Type.Duration:
      case Type.FixedSizeBinary:
      case Type.Dictionary:
        buffer += 2;
        return;
      case Type.Utf8:
      case Type.Binary:
      case Type.LargeUtf8:
      case Type.LargeBinary:
        buffer += 3;
        return;
      case Type.Utf8View:
      case Type.BinaryView:
        buffer += 2 + (variadic[v++] ?? 0);
        return;
      case Type.List:
      case Type.LargeList:
      case Type.Map:
        buffer += 2;
        for (const c of t.children ?? []) walk(c.type as DataType);
        return;
      case Type.FixedSizeList:
      case Type.Struct:
        buffer += 1;
        for (const c of t.children ?? []) walk(c.type as DataType);
        return;
      default:
        throw new ArrowLayoutUnsupported(`Arrow type ${String(t)} is not laid out by the range reader`);
    }
  };
  return fields.map((f) => {
    const at = { node, buffer };
    walk(f.type as DataType);
    return at;
  });
}

/** Kept top-level types this reader builds `Data` for. */
function flat(t: DataType): 2 | 3 | 0 {
  switch (t.typeId) {
    case Type.Int:
    case Type.Float:
    case Type.Bool:
    case Type.Date:
    case Type.Timestamp:
    case Type.Duration:
    case Type.Dictionary:
      return 2;
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
      return 3;
    default:
      return 0;
  }
}

/** Byte alignment an Arrow buffer of `t` needs as a typed array (data / offsets). */
function aligned(bytes: Uint8Array, align: number): Uint8Array {
  return bytes.byteOffset % align === 0 ? bytes : bytes.slice();
}

function dataOf(t: DataType, node: Node, bufs: readonly Uint8Array[], dictionary?: Vector): Data {
  const nullBitmap = node.nullCount > 0 && bufs[0]!.length > 0 ? bufs[0] : undefined;
  const base = { type: t, length: node.length, nullCount: node.nullCount, nullBitmap };
  if (flat(t) === 3) {
    const wide = t.typeId === Type.LargeUtf8 || t.typeId === Type.LargeBinary;
    return makeData({ ...base, valueOffsets: aligned(bufs[1]!, wide ? 8 : 4), data: bufs[2] } as never);
  }
  return makeData({ ...base, data: aligned(bufs[1]!, 8), ...(dictionary ? { dictionary } : {}) } as never);
}

/**
 * A record batch: its row count and the kept columns' data by field index. Each column resolves
 * when its buffers (and its dictionary) are read: all reads of a batch are in flight together, so
 * a column can be converted while the next ones are still being read.
 */
export interface FileBatch {
  readonly numRows: number;
  readonly columns: ReadonlyMap<number, Promise<Data>>;
  /** Byte offset just past this batch in the file. */
  readonly end: number;
}

/** Byte ranges to read: nearby ranges are merged (one read instead of several). */
function coalesce(ranges: Region[], gap: number): Region[] {
  const sorted = ranges.filter((r) => r.length > 0).sort((a, b) => a.offset - b.offset);
  const out: { offset: number; length: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.offset <= last.offset + last.length + gap)
      last.length = Math.max(last.length, r.offset + r.length - last.offset);
    else out.push({ offset: r.offset, length: r.length });
  }
  return out;
}

const MERGE_GAP = 64 * 1024;
const READ_ALONE = 1 << 20;
/** Arrow pads a buffer to 8 or 64 bytes: a read this much longer than a column's values is still theirs alone. */
const MAX_PADDING = 64;

/** Buffers this reader read for one big region alone, fresh from the source (see readRegions). */
const ownReads = new WeakSet<ArrayBuffer>();

/**
 * Whether `view` is the whole of a buffer the range reader read for it alone (but padding), so a
 * column may take it over or convert it in place: nothing else reads it afterwards. Never true for
 * views of the caller's memory (the stream format, a buffered file, an in-memory source).
 */
export function ownsBuffer(view: ArrayBufferView, byteLength: number): boolean {
  const buf = view.buffer;
  return (
    view.byteOffset === 0 &&
    view.byteLength >= byteLength &&
    buf instanceof ArrayBuffer &&
    ownReads.has(buf) &&
    buf.byteLength - byteLength <= MAX_PADDING
  );
}

/**
 * Reads the record batches in file order with only the kept fields' buffers. Dictionaries of kept
 * dictionary-encoded fields are read as they occur (a delta appends to the dictionary, a new one
 * replaces it), so each batch's columns carry the dictionary in force at that point.
 */
export async function* readFileBatches(
  r: RangeReader,
  file: ArrowFile,
  keep: readonly number[],
  onRowCount?: (rows: number) => void,
): AsyncGenerator<FileBatch> {
  for (const i of keep) {
    const t = file.fields[i]!.type as DataType;
    if (flat(t) === 0) throw new ArrowLayoutUnsupported(`kept column of Arrow type ${String(t)}`);
    if (t.typeId === Type.Dictionary && flat((t as unknown as { dictionary: DataType }).dictionary) !== 3)
      throw new ArrowLayoutUnsupported(`kept dictionary of ${String(t)}`);
  }
  const dictIds = new Map<number, DataType>();
  for (const i of keep) {
    const t = file.fields[i]!.type as DataType & { id?: number; dictionary?: DataType };
    if (t.typeId === Type.Dictionary) dictIds.set(t.id!, t.dictionary!);
  }
  // The dictionary in force per id, as it will be once its reads are done.
  const dictionaries = new Map<number, Promise<Vector>>();

  // Every block's metadata first (small reads): the row count lets the columns be sized once.
  const messages: Message[] = [];
  let rows = 0;
  for (const block of file.blocks) {
    const msg = decodeMessage(await r.read(block.offset, block.metaLength));
    if (msg.isRecordBatch()) rows += msg.header().length;
    messages.push(msg);
  }
  onRowCount?.(rows);
  for (const [b, block] of file.blocks.entries()) {
    const msg = messages[b]!;
    messages[b] = undefined as never;
    const bodyAt = block.offset + block.metaLength;
    if ((msg.compression ?? null) !== null) throw new ArrowLayoutUnsupported('compressed Arrow body');
    if (msg.isDictionaryBatch()) {
      const h = msg.header();
      const type = dictIds.get(h.id);
      if (type === undefined) continue;
      if ((h.data.compression ?? null) !== null) throw new ArrowLayoutUnsupported('compressed Arrow body');
      const node = h.nodes[0]!;
      const bufs = Promise.all(readRegions(r, bodyAt, block.bodyLength, [h.buffers.slice(0, 3)])[0]!);
      const prev = dictionaries.get(h.id);
      const delta = h.isDelta && prev !== undefined;
      const next = (async () => {
        const data = dataOf(type, node, await bufs);
        return delta ? new Vector([...((await prev!).data as Data[]), data]) : new Vector([data]);
      })();
      next.catch(() => undefined); // reported where a column awaits it
      dictionaries.set(h.id, next);
      continue;
    }
    if (!msg.isRecordBatch()) continue;
    const h = msg.header();
    if ((h.compression ?? null) !== null) throw new ArrowLayoutUnsupported('compressed Arrow body');
    // An empty batch loads nothing (apache-arrow's writer may put its dictionary after it).
    if (h.length === 0) continue;
    const at = layout(file.fields, h.variadicBufferCounts ?? []);
    const want = keep.map((i) => {
      const t = file.fields[i]!.type as DataType;
      const b = at[i]!.buffer;
      return h.buffers.slice(b, b + flat(t));
    });
    const read = readRegions(r, bodyAt, block.bodyLength, want);
    const columns = new Map<number, Promise<Data>>();
    keep.forEach((i, k) => {
      const t = file.fields[i]!.type as DataType & { id?: number };
      const node = h.nodes[at[i]!.node];
      if (node === undefined) throw new Error('an Arrow record batch has fewer columns than its schema');
      let dict: Promise<Vector> | undefined;
      if (t.typeId === Type.Dictionary) {
        dict = dictionaries.get(t.id!);
        if (dict === undefined) throw new Error(`Arrow dictionary ${t.id} used before it is defined`);
      }
      const bufs = Promise.all(read[k]!);
      const data = (async () => dataOf(t, node, await bufs, dict && (await dict)))();
      data.catch(() => undefined); // reported where the column is awaited
      columns.set(i, data);
    });
    yield { numRows: h.length, columns, end: bodyAt + block.bodyLength };
  }
}

/**
 * Starts the reads of the buffers of each group (body-relative regions), with as few range reads
 * as possible: small buffers through merged spans; a buffer of READ_ALONE bytes or more by a read
 * of its own, so that it shares its memory with nothing (not even an identical or overlapping
 * region of a hostile file). A column may then take such a buffer over or convert it in place
 * (`ownsBuffer`), and no neighbouring bytes stay alive with it.
 */
function readRegions(
  r: RangeReader,
  bodyAt: number,
  bodyLength: number,
  groups: readonly (readonly Region[])[],
): Promise<Uint8Array>[][] {
  for (const g of groups)
    for (const b of g)
      if (b.offset < 0 || b.length < 0 || b.offset + b.length > bodyLength)
        throw new Error('an Arrow buffer points outside its record batch');
  const read = async (offset: number, length: number): Promise<Uint8Array> => {
    const bytes = await r.read(bodyAt + offset, length);
    if (bytes.length < length) throw new Error('the Arrow file ends inside a record batch');
    return bytes;
  };
  const readAlone = async (b: Region): Promise<Uint8Array> => {
    const own = await read(b.offset, b.length);
    // A fresh buffer of its own (RangeReader's contract for a result that spans its buffer).
    if (own.byteOffset === 0 && own.buffer instanceof ArrayBuffer && own.buffer.byteLength === b.length)
      ownReads.add(own.buffer);
    return own;
  };
  // Every read starts now; they run side by side (a file's reads in the I/O threads, Blob slices).
  const small = groups.flatMap((g) => g.filter((b) => b.length < READ_ALONE));
  const spans = coalesce(small, MERGE_GAP).map((s) => ({ ...s, bytes: read(s.offset, s.length) }));
  const slice = (b: Region): Promise<Uint8Array> => {
    if (b.length === 0) return Promise.resolve(new Uint8Array(0));
    if (b.length >= READ_ALONE) return readAlone(b);
    const s = spans.find((x) => b.offset >= x.offset && b.offset + b.length <= x.offset + x.length)!;
    return s.bytes.then((bytes) => bytes.subarray(b.offset - s.offset, b.offset - s.offset + b.length));
  };
  const out = groups.map((g) => g.map(slice));
  // A failed read is reported where its column is awaited (and not at all if none is).
  for (const g of out) for (const p of g) p.catch(() => undefined);
  return out;
}
