import {
  decodeStruct,
  encodeStruct,
  field,
  T_BINARY,
  T_I32,
  T_I64,
  T_LIST,
  T_STRUCT,
  type ThriftStruct,
  type ThriftValue,
} from './thrift-compact';

/**
 * Parquet's footer (Thrift `FileMetaData`) read far enough to know each row group's column
 * chunks by byte range, and rewritten into a small self-contained Parquet file holding one row
 * group's kept chunks: the decoder (parquet-wasm's synchronous `readParquet`, which turns
 * corrupt data into an error rather than a trap) then sees only those bytes. Field numbers are
 * those of parquet.thrift.
 */

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"
const ENCRYPTED_MAGIC = [0x50, 0x41, 0x52, 0x45]; // "PARE": encrypted footer

// FileMetaData
const FMD_SCHEMA = 2;
const FMD_NUM_ROWS = 3;
const FMD_ROW_GROUPS = 4;
const FMD_KEY_VALUES = 5;
const FMD_COLUMN_ORDERS = 7;
const FMD_ENCRYPTION = 8;
// SchemaElement, KeyValue
const SE_NAME = 4;
const SE_NUM_CHILDREN = 5;
const KV_KEY = 1;
const KV_VALUE = 2;
/** The Arrow schema parquet-rs / pyarrow embed (base64 IPC schema message): it must match the columns. */
const ARROW_SCHEMA_KEY = 'ARROW:schema';
// RowGroup
const RG_COLUMNS = 1;
const RG_NUM_ROWS = 3;
const RG_FILE_OFFSET = 5;
const RG_TOTAL_COMPRESSED = 6;
const RG_ORDINAL = 7;
// ColumnChunk
const CC_FILE_PATH = 1;
const CC_FILE_OFFSET = 2;
const CC_META = 3;
const CC_INDEXES = new Set([4, 5, 6, 7]); // offset / column index offsets and lengths
// ColumnMetaData
const CMD_PATH = 3;
const CMD_TOTAL_COMPRESSED = 7;
const CMD_DATA_PAGE = 9;
const CMD_INDEX_PAGE = 10;
const CMD_DICT_PAGE = 11;
const CMD_BLOOM = new Set([14, 15]);

export class ParquetFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParquetFormatError';
  }
}

export interface ChunkRange {
  /** The top-level column (first element of the chunk's schema path). */
  readonly column: string;
  readonly start: number;
  readonly end: number;
}

export interface RowGroupInfo {
  readonly numRows: number;
  readonly chunks: readonly ChunkRange[];
  /** Furthest byte of the file any of its chunks reaches (for progress). */
  readonly end: number;
}

export interface ParquetFooter {
  readonly meta: ThriftStruct;
  /** Top-level column names, in file order. */
  readonly columns: readonly string[];
  readonly rowGroups: readonly RowGroupInfo[];
  readonly numRows: number;
}

function hasMagic(b: Uint8Array, at: number, magic: readonly number[]): boolean {
  return magic.every((m, i) => b[at + i] === m);
}

/** The footer's length from the file's last 8 bytes (length, "PAR1"); throws a clear error. */
export function footerLength(tail: Uint8Array, fileSize: number): number {
  if (tail.length < 8) throw new ParquetFormatError('not a Parquet file (too short)');
  if (hasMagic(tail, 4, ENCRYPTED_MAGIC))
    throw new ParquetFormatError('encrypted Parquet files are not supported; export it without encryption');
  if (!hasMagic(tail, 4, MAGIC))
    throw new ParquetFormatError(
      'truncated Parquet file: the footer (PAR1 at the end) is missing; re-export or copy the whole file',
    );
  const len = new DataView(tail.buffer, tail.byteOffset, 8).getUint32(0, true);
  if (len === 0 || len > fileSize - 12)
    throw new ParquetFormatError(`corrupt Parquet footer: its length (${len} bytes) does not fit the file`);
  return len;
}

function int(v: ThriftValue | undefined, what: string): number {
  if (v === undefined) throw new ParquetFormatError(`corrupt Parquet footer: ${what} is missing`);
  const n = v.t === T_I64 ? Number(v.v) : v.t === 4 || v.t === 5 ? v.v : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new ParquetFormatError(`corrupt Parquet footer: ${what} is invalid`);
  return n;
}

function structs(v: ThriftValue | undefined): ThriftStruct[] {
  if (v === undefined || v.t !== T_LIST) return [];
  return v.v.map((e) => (e.t === T_STRUCT ? e.v : []));
}

const utf8 = new TextDecoder();

/** Where a column chunk's bytes are: from the dictionary page (if any) on, as parquet-rs reads it. */
function chunkStart(meta: ThriftStruct, what: string): number {
  const dict = field(meta, CMD_DICT_PAGE);
  return dict !== undefined ? int(dict, `${what} dictionary page offset`) : int(field(meta, CMD_DATA_PAGE), what);
}

/** Parses the footer bytes (without the trailing length and magic) of a file of `fileSize` bytes. */
export function parseFooter(bytes: Uint8Array, fileSize: number): ParquetFooter {
  let meta: ThriftStruct;
  try {
    meta = decodeStruct(bytes).struct;
  } catch (e) {
    throw new ParquetFormatError(`corrupt Parquet footer: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (field(meta, FMD_ENCRYPTION) !== undefined)
    throw new ParquetFormatError('encrypted Parquet files are not supported; export it without encryption');
  const dataEnd = fileSize - 8 - bytes.length;
  const rowGroups = structs(field(meta, FMD_ROW_GROUPS)).map((rg, g): RowGroupInfo => {
    let end = 0;
    const chunks = structs(field(rg, RG_COLUMNS)).map((cc, c): ChunkRange => {
      const what = `row group ${g + 1}, column chunk ${c + 1}`;
      if (field(cc, CC_FILE_PATH) !== undefined)
        throw new ParquetFormatError(`${what} is stored in another file; only single-file Parquet is supported`);
      const m = field(cc, CC_META);
      if (m === undefined || m.t !== T_STRUCT)
        throw new ParquetFormatError(`corrupt Parquet footer: ${what} has no metadata`);
      const path = field(m.v, CMD_PATH);
      const first = path?.t === T_LIST ? path.v[0] : undefined;
      const column = first?.t === T_BINARY ? utf8.decode(first.v) : '';
      const start = chunkStart(m.v, what);
      const length = int(field(m.v, CMD_TOTAL_COMPRESSED), `${what} size`);
      if (start < 4 || start + length > dataEnd)
        throw new ParquetFormatError(
          `corrupt Parquet file: ${what} (${column}) lies at bytes ${start}-${start + length}, outside the data (4-${dataEnd})`,
        );
      end = Math.max(end, start + length);
      return { column, start, end: start + length };
    });
    return { numRows: int(field(rg, RG_NUM_ROWS), `row group ${g + 1} row count`), chunks, end };
  });
  return {
    meta,
    columns: topLevel(meta).map((f) => f.name),
    rowGroups,
    numRows: int(field(meta, FMD_NUM_ROWS), 'the row count'),
  };
}

interface TopField {
  readonly name: string;
  /** Its schema elements (the field and its descendants) and its leaf columns, as index ranges. */
  readonly elements: readonly [number, number];
  readonly leaves: readonly [number, number];
}

/** The top-level fields of the schema (a flat list in depth-first order, groups give their child count). */
function topLevel(meta: ThriftStruct): TopField[] {
  const els = structs(field(meta, FMD_SCHEMA));
  if (els.length === 0) throw new ParquetFormatError('corrupt Parquet footer: no schema');
  const children = (e: ThriftStruct): number => {
    const n = field(e, SE_NUM_CHILDREN);
    return n === undefined ? 0 : int(n, 'a schema child count');
  };
  let at = 1;
  let leaf = 0;
  // Returns after the subtree that starts at `at`.
  const skip = (depth: number): void => {
    if (depth > 64) throw new ParquetFormatError('corrupt Parquet footer: schema nested too deep');
    const e = els[at];
    if (e === undefined) throw new ParquetFormatError('corrupt Parquet footer: the schema ends early');
    at++;
    const n = children(e);
    if (field(e, SE_NUM_CHILDREN) === undefined) leaf++;
    for (let i = 0; i < n; i++) skip(depth + 1);
  };
  const out: TopField[] = [];
  const n = children(els[0]!);
  for (let i = 0; i < n; i++) {
    const e0 = at;
    const l0 = leaf;
    const name = field(els[at]!, SE_NAME);
    skip(0);
    out.push({ name: name?.t === T_BINARY ? utf8.decode(name.v) : '', elements: [e0, at], leaves: [l0, leaf] });
  }
  if (at !== els.length) throw new ParquetFormatError('corrupt Parquet footer: the schema has stray elements');
  return out;
}

/** Rewrites the embedded Arrow schema for a subset of the columns (null: drop it). */
export type ArrowSchemaPruner = (base64: string, keep: ReadonlySet<string>) => string | null;

function setField(s: ThriftStruct, id: number, value: ThriftValue | undefined): ThriftStruct {
  const out = s.filter((f) => f.id !== id);
  if (value !== undefined) out.push({ id, value });
  return out.sort((a, b) => a.id - b.id);
}

const i64 = (n: number): ThriftValue => ({ t: T_I64, v: BigInt(n) });

/** The footer cut down to some top-level columns: schema, column orders, embedded Arrow schema. */
export interface ParquetProjection {
  readonly meta: ThriftStruct;
  /** Per leaf column (= column chunk index in a row group): kept or not. */
  readonly keptLeaves: readonly boolean[];
}

export function projectFooter(
  footer: ParquetFooter,
  keep: ReadonlySet<string>,
  pruneArrow: ArrowSchemaPruner,
): ParquetProjection {
  const els = structs(field(footer.meta, FMD_SCHEMA));
  const fields = topLevel(footer.meta);
  const keptLeaves: boolean[] = [];
  const schema: ThriftValue[] = [];
  let kept = 0;
  for (const f of fields) {
    const k = keep.has(f.name);
    for (let l = f.leaves[0]; l < f.leaves[1]; l++) keptLeaves.push(k);
    if (!k) continue;
    kept++;
    for (let e = f.elements[0]; e < f.elements[1]; e++) schema.push({ t: T_STRUCT, v: els[e]! });
  }
  const root = setField(els[0]!, SE_NUM_CHILDREN, { t: T_I32, v: kept });
  let meta = setField(footer.meta, FMD_SCHEMA, { t: T_LIST, elem: T_STRUCT, v: [{ t: T_STRUCT, v: root }, ...schema] });
  const orders = field(meta, FMD_COLUMN_ORDERS);
  if (orders?.t === T_LIST && orders.v.length === keptLeaves.length)
    meta = setField(meta, FMD_COLUMN_ORDERS, { ...orders, v: orders.v.filter((_, i) => keptLeaves[i]) });
  const kvs = field(meta, FMD_KEY_VALUES);
  if (kvs?.t === T_LIST) {
    const out: ThriftValue[] = [];
    for (const kv of kvs.v) {
      if (kv.t !== T_STRUCT) continue;
      const key = field(kv.v, KV_KEY);
      const value = field(kv.v, KV_VALUE);
      if (key?.t !== T_BINARY || utf8.decode(key.v) !== ARROW_SCHEMA_KEY) {
        out.push(kv);
        continue;
      }
      const pruned = value?.t === T_BINARY ? pruneArrow(utf8.decode(value.v), keep) : null;
      if (pruned !== null)
        out.push({ t: T_STRUCT, v: setField(kv.v, KV_VALUE, { t: T_BINARY, v: new TextEncoder().encode(pruned) }) });
    }
    meta = setField(meta, FMD_KEY_VALUES, { ...kvs, v: out });
  }
  return { meta, keptLeaves };
}

/**
 * A Parquet file of the projection's columns holding row group `g` (or none when `g` is null),
 * with `data[c]` the bytes of each kept chunk `c` of that row group, at new offsets.
 */
export function miniParquet(
  footer: ParquetFooter,
  proj: ParquetProjection,
  g: number | null,
  data: ReadonlyMap<number, Uint8Array>,
): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.from(MAGIC)];
  let at = 4;
  const groups: ThriftValue[] = [];
  if (g !== null) {
    const rg = structs(field(footer.meta, FMD_ROW_GROUPS))[g]!;
    const columns: ThriftValue[] = [];
    structs(field(rg, RG_COLUMNS)).forEach((cc, c) => {
      if (!proj.keptLeaves[c]) return;
      const bytes = data.get(c);
      if (bytes === undefined) throw new Error(`row group ${g + 1}: chunk ${c + 1} was not read`);
      const m = field(cc, CC_META) as { t: typeof T_STRUCT; v: ThriftStruct };
      const oldStart = chunkStart(m.v, 'chunk');
      const shift = (v: ThriftValue | undefined): ThriftValue | undefined =>
        v === undefined ? undefined : i64(int(v, 'offset') - oldStart + at);
      let meta = m.v.filter((f) => !CMD_BLOOM.has(f.id) && f.id !== CMD_INDEX_PAGE);
      meta = setField(meta, CMD_DATA_PAGE, shift(field(m.v, CMD_DATA_PAGE)));
      meta = setField(meta, CMD_DICT_PAGE, shift(field(m.v, CMD_DICT_PAGE)));
      let chunk = cc.filter((f) => !CC_INDEXES.has(f.id));
      chunk = setField(chunk, CC_FILE_OFFSET, i64(at));
      chunk = setField(chunk, CC_META, { t: T_STRUCT, v: meta });
      columns.push({ t: T_STRUCT, v: chunk });
      parts.push(bytes);
      at += bytes.length;
    });
    let out = rg.filter((f) => f.id !== RG_FILE_OFFSET && f.id !== RG_TOTAL_COMPRESSED && f.id !== RG_ORDINAL);
    out = setField(out, RG_COLUMNS, { t: T_LIST, elem: T_STRUCT, v: columns });
    groups.push({ t: T_STRUCT, v: out });
  }
  let meta = setField(proj.meta, FMD_ROW_GROUPS, { t: T_LIST, elem: T_STRUCT, v: groups });
  meta = setField(meta, FMD_NUM_ROWS, i64(g === null ? 0 : footer.rowGroups[g]!.numRows));
  const encoded = encodeStruct(meta);
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setUint32(0, encoded.length, true);
  tail.set(MAGIC, 4);
  parts.push(encoded, tail);
  const out = new Uint8Array(at + encoded.length + 8);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
