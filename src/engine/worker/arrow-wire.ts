/**
 * Bulky results cross the worker boundary as Arrow IPC streams whose buffers go in postMessage's
 * transfer list (moved, not copied), and are decoded on the UI thread only when a view reads them.
 *
 * - Alert tables keep the engine's types: strings as Utf8, numbers as Float64, booleans as Bool,
 *   datetimes and timespans as Int64 100 ns ticks (exact; never through a JS number or `Date`),
 *   dynamic values as JSON text. Each field's metadata names its engine type, so a table with no
 *   rows still says what its columns are. Text columns (strings, dynamic JSON) cross as Arrow
 *   dictionaries (Int32 indices into the distinct values): alert columns repeat a few values, so
 *   each distinct string is encoded, sent and decoded once.
 * - Lists of view objects (candidates, timed events, tree nodes, devices) are one Arrow row per
 *   object, one column per property, as a typed spec says; nested values are JSON text.
 * - Columns are assembled from typed arrays and bitmaps (`makeData`), never through Arrow's
 *   builders: those compile their null check with `new Function`, which the page's CSP forbids.
 * - Utf8 cannot hold an unpaired UTF-16 surrogate (the encoder would turn it into U+FFFD). A string
 *   column holding one is sent as JSON text instead (`dcomlens.encoding = json`), so every string
 *   arrives exactly as it left, keys included.
 */
import {
  Bool,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table as ArrowTable,
  tableFromIPC,
  tableToIPC,
  Utf8,
  type Data,
} from 'apache-arrow';
import { jsonCell } from '../output/format-results';
import { getValue, type Column, type ScalarType, type StringColumn } from '../table/column';
import type { Table } from '../table/table';
import { dynamicTexts } from './result-rows';
import { formatDateTime, formatTimespan } from '../time/ticks';

/**
 * Arrow IPC stream bytes of a list whose rows decode to `T`. The bytes own their buffer (nothing
 * else views it), so the buffer can be transferred. `__row` is a type-level marker only.
 */
export interface ArrowPayload<T> {
  readonly arrow: Uint8Array;
  readonly rows: number;
  readonly __row?: T;
}

/** One JSON-safe alert cell (same as protocol.ts `Cell`, kept here so the codec has no cycle). */
export type WireCell = string | number | boolean | null | readonly unknown[] | Readonly<Record<string, unknown>>;

export interface WireColumn {
  readonly name: string;
  readonly type: string;
}

const TYPE_KEY = 'dcomlens.type';
const ENCODING_KEY = 'dcomlens.encoding';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const NON_ASCII = /[\u0080-\uFFFF]/;

/** True when `s` survives UTF-8 (no unpaired surrogate). */
export function isWellFormed(s: string): boolean {
  // Most text has no surrogate at all: a plain character class is far cheaper than the lookarounds.
  return !ANY_SURROGATE.test(s) || !LONE_SURROGATE.test(s);
}

interface FieldData {
  readonly name: string;
  readonly type: Utf8 | Bool | Float64 | Int64 | Dictionary<Utf8, Int32>;
  readonly values: readonly unknown[];
  readonly metadata: ReadonlyMap<string, string>;
  /** The column already as Arrow data (typed engine columns copy their arrays, no value per cell). */
  readonly data?: Data;
}

/** Validity bitmap (bit set: valid, least significant bit first) and the null count. */
function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

/** Joined text is encoded at once only up to this many UTF-16 units (far below the engine's string limit). */
const JOIN_LIMIT = 1 << 26;

/** ASCII text (the usual case): one string, one encode, offsets from the lengths. Null otherwise. */
function asciiUtf8(type: Utf8, values: readonly unknown[]): Data | null {
  const valueOffsets = new Int32Array(values.length + 1);
  let joined = '';
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'string') {
      joined += v;
      total += v.length;
      if (total > JOIN_LIMIT) return null;
    }
    valueOffsets[i + 1] = total;
  }
  if (NON_ASCII.test(joined)) return null;
  const data = new TextEncoder().encode(joined);
  return makeData({ type, length: values.length, ...validity(values), valueOffsets, data });
}

function utf8Data(type: Utf8, values: readonly unknown[]): Data {
  const ascii = asciiUtf8(type, values);
  if (ascii) return ascii;
  // One growing buffer filled by encodeInto: no per-string byte arrays.
  const encoder = new TextEncoder();
  const valueOffsets = new Int32Array(values.length + 1);
  let chars = 0;
  for (const v of values) if (typeof v === 'string') chars += v.length;
  let buf = new Uint8Array(Math.ceil(chars * 1.125) + 64);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'string') {
      // At most 3 bytes per UTF-16 unit.
      if (buf.length - total < v.length * 3) {
        const next = new Uint8Array(Math.max(buf.length * 2, total + v.length * 3));
        next.set(buf.subarray(0, total));
        buf = next;
      }
      total += encoder.encodeInto(v, buf.subarray(total)).written;
      if (total > 0x7fffffff) throw new RangeError('arrow-wire: a text column exceeds 2 GiB');
    }
    valueOffsets[i + 1] = total;
  }
  const data = buf.subarray(0, total);
  return makeData({ type, length: values.length, ...validity(values), valueOffsets, data });
}

/** Indices into `entries` (well-formed strings) as an Arrow dictionary column; `nulls` as from `validity`. */
function dictionaryData(
  indices: Int32Array,
  entries: readonly string[],
  nulls: { nullBitmap: Uint8Array; nullCount: number },
): Data<Dictionary<Utf8, Int32>> {
  const type = new Dictionary(new Utf8(), new Int32());
  const dictionary = makeVector(utf8Data(new Utf8(), entries) as Data<Utf8>);
  return makeData<Dictionary<Utf8, Int32>>({ type, length: indices.length, ...nulls, data: indices, dictionary });
}

/** Text values (strings or null) as a dictionary of their distinct values, in first-seen order. */
function textDictionary(values: readonly unknown[]): Data<Dictionary<Utf8, Int32>> {
  const index = new Map<string, number>();
  const entries: string[] = [];
  const indices = new Int32Array(values.length);
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (typeof v !== 'string') continue;
    let i = index.get(v);
    if (i === undefined) {
      index.set(v, (i = entries.length));
      entries.push(v);
    }
    indices[r] = i;
  }
  return dictionaryData(indices, entries, validity(values));
}

/**
 * An engine string column (codes into its dictionary) as an Arrow dictionary of the entries its
 * rows use, straight from the codes (no string per row); null when an entry would not survive
 * UTF-8 (the caller sends the column as JSON text then).
 */
function stringColumnDictionary(col: StringColumn, n: number): Data<Dictionary<Utf8, Int32>> | null {
  const index = new Map<number, number>();
  const entries: string[] = [];
  const indices = new Int32Array(n);
  const { codes, dict } = col;
  for (let r = 0; r < n; r++) {
    const c = codes[r]!;
    let i = index.get(c);
    if (i === undefined) {
      const s = dict[c] ?? '';
      if (!isWellFormed(s)) return null;
      index.set(c, (i = entries.length));
      entries.push(s);
    }
    indices[r] = i;
  }
  // Kusto strings are never null.
  return dictionaryData(indices, entries, { nullBitmap: new Uint8Array(0), nullCount: 0 });
}

function fieldData(f: FieldData): Data {
  if (f.data) return f.data;
  const n = f.values.length;
  const { type } = f;
  if (type instanceof Dictionary) return textDictionary(f.values);
  if (type instanceof Utf8) return utf8Data(type, f.values);
  if (type instanceof Bool) {
    const data = new Uint8Array((n + 7) >> 3);
    f.values.forEach((v, i) => {
      if (v === true) data[i >> 3]! |= 1 << (i & 7);
    });
    return makeData({ type, length: n, ...validity(f.values), data });
  }
  if (type instanceof Int64) {
    const data = BigInt64Array.from(f.values, (v) => (typeof v === 'bigint' ? v : 0n));
    return makeData({ type, length: n, ...validity(f.values), data });
  }
  const data = Float64Array.from(f.values, (v) => (typeof v === 'number' ? v : 0));
  return makeData({ type, length: n, ...validity(f.values), data });
}

/** Serialises fields of equal length as one Arrow IPC stream in a buffer of its own. */
function toIpc(fields: readonly FieldData[], rows: number): Uint8Array {
  const children = fields.map(fieldData);
  // The field's type is its data's (a dictionary's id must match the batch it is written with).
  const schema = new Schema(fields.map((f, i) => new Field(f.name, children[i]!.type, true, new Map(f.metadata))));
  if (children.some((c) => c.length !== rows)) throw new Error(`arrow-wire: columns of unequal length`);
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }),
  );
  const table = new ArrowTable(schema, [batch]);
  const bytes = tableToIPC(table, 'stream');
  // Own the buffer exactly, so transferring it moves nothing else.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** Strings as Utf8, or as JSON text when any of them would not survive UTF-8. */
function stringField(name: string, values: readonly (string | null)[], metadata: Map<string, string>): FieldData {
  if (values.every((v) => v === null || isWellFormed(v))) return { name, type: new Utf8(), values, metadata };
  metadata.set(ENCODING_KEY, 'json');
  return { name, type: new Utf8(), values: values.map((v) => (v === null ? null : JSON.stringify(v))), metadata };
}

/** A column's values as a reader by row (null for a null cell). */
function columnReader(table: ArrowTable, name: string): (row: number) => unknown {
  const vector = table.getChild(name);
  const values: unknown[] = vector ? columnValues(vector.data, vector.length) : [];
  return (row) => values[row] ?? null;
}

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Every value of a column, read straight off its buffers for the types the wire uses (the generic
 * Vector#get costs a visitor call per cell); other types through `get`.
 */
function columnValues(chunks: readonly Data[], length: number): unknown[] {
  const out = new Array<unknown>(length);
  let base = 0;
  for (const d of chunks) {
    const n = d.length;
    const valid = d.nullCount > 0 ? d.nullBitmap : null;
    const isValid = (i: number): boolean =>
      valid === null || ((valid[(d.offset + i) >> 3]! >> ((d.offset + i) & 7)) & 1) === 1;
    if (d.offset === 0 && d.type instanceof Dictionary && d.dictionary) {
      // Each distinct value decoded once; rows share it.
      const dict = d.dictionary;
      const entries = columnValues(dict.data, dict.length);
      const indices = d.values as Int32Array;
      for (let i = 0; i < n; i++) out[base + i] = isValid(i) ? (entries[indices[i]!] ?? null) : null;
    } else if (d.offset === 0 && d.type instanceof Utf8) {
      const offsets = d.valueOffsets as Int32Array;
      const bytes = d.values as Uint8Array;
      const start = offsets[0]!;
      const end = offsets[n]!;
      let ascii = true;
      for (let b = start; b < end; b++)
        if (bytes[b]! >= 0x80) {
          ascii = false;
          break;
        }
      // ASCII text: one decode for the chunk, then slices (same characters, no per-cell decoder call).
      const all = ascii ? utf8Decoder.decode(bytes.subarray(start, end)) : '';
      for (let i = 0; i < n; i++) {
        if (!isValid(i)) out[base + i] = null;
        else if (ascii) out[base + i] = all.slice(offsets[i]! - start, offsets[i + 1]! - start);
        else out[base + i] = utf8Decoder.decode(bytes.subarray(offsets[i]!, offsets[i + 1]!));
      }
    } else if (d.offset === 0 && d.type instanceof Float64) {
      const vals = d.values as Float64Array;
      for (let i = 0; i < n; i++) out[base + i] = isValid(i) ? vals[i]! : null;
    } else if (d.offset === 0 && d.type instanceof Int64) {
      const vals = d.values as BigInt64Array;
      for (let i = 0; i < n; i++) out[base + i] = isValid(i) ? vals[i]! : null;
    } else if (d.offset === 0 && d.type instanceof Bool) {
      const bits = d.values as Uint8Array;
      for (let i = 0; i < n; i++) out[base + i] = isValid(i) ? ((bits[i >> 3]! >> (i & 7)) & 1) === 1 : null;
    } else {
      const v = makeVector(d);
      for (let i = 0; i < n; i++) out[base + i] = v.get(i);
    }
    base += n;
  }
  return out;
}

function fromIpc(bytes: Uint8Array): ArrowTable {
  return tableFromIPC(bytes);
}

// ---------------------------------------------------------------------------------------------
// Alert tables (engine result tables)

/** An engine result table, `leading` columns first, with its cells exact. */
export function encodeResultTable(table: Table, leading: readonly string[]): ArrowPayload<readonly WireCell[]> {
  const order = leading.map((n) => table.schema.findIndex((c) => c.name === n)).filter((i) => i >= 0);
  table.schema.forEach((_, i) => {
    if (!order.includes(i)) order.push(i);
  });
  const n = table.rowCount;
  const fields = order.map((ci): FieldData => {
    const { name, type } = table.schema[ci]!;
    const col = table.columns[ci]!;
    const metadata = new Map<string, string>([[TYPE_KEY, type]]);
    const typed = typedData(col, n);
    if (typed) return { name, type: typed.type, values: [], metadata, data: typed };
    const dict = col.type === 'string' ? stringColumnDictionary(col, n) : null;
    if (dict) return { name, type: dict.type, values: [], metadata, data: dict };
    const values = Array.from({ length: n }, (_, r) => getValue(col, r));
    switch (type) {
      case 'string':
        return stringField(name, values as string[], metadata);
      case 'bool':
        return { name, type: new Bool(), values, metadata };
      case 'int':
      case 'long':
      case 'real':
        return { name, type: new Float64(), values, metadata };
      case 'datetime':
      case 'timespan':
        return { name, type: new Int64(), values, metadata };
      default:
        metadata.set(ENCODING_KEY, 'json');
        return {
          name,
          // JSON text is always well-formed (lone surrogates are escaped), so a dictionary of it is safe.
          type: new Dictionary(new Utf8(), new Int32()),
          // Dynamic cells' JSON is made once per result column (the detection's diff reads it too).
          values:
            col.type === 'dynamic'
              ? dynamicTexts(col)
              : values.map((v) => (v === null ? null : JSON.stringify(jsonCell(v, type)))),
          metadata,
        };
    }
  });
  return { arrow: toIpc(fields, n), rows: n };
}

/** Validity bitmap of an engine column's `valid` bytes (null: all valid). */
function validBits(valid: Uint8Array | null, n: number): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { nullBitmap, nullCount };
}

/**
 * Numbers, booleans and times straight from the engine column's typed arrays (the same bytes the
 * per-cell path writes: null cells are 0 under a cleared validity bit), or null for other columns.
 */
function typedData(col: Column, n: number): Data<Float64 | Int64 | Bool> | null {
  switch (col.type) {
    case 'int':
    case 'long':
    case 'real': {
      const data = col.values.slice(0, n);
      if (col.valid) for (let i = 0; i < n; i++) if (col.valid[i] === 0) data[i] = 0;
      return makeData({ type: new Float64(), length: n, ...validBits(col.valid, n), data });
    }
    case 'datetime':
    case 'timespan': {
      const data = col.values.slice(0, n);
      if (col.valid) for (let i = 0; i < n; i++) if (col.valid[i] === 0) data[i] = 0n;
      return makeData({ type: new Int64(), length: n, ...validBits(col.valid, n), data });
    }
    case 'bool': {
      const data = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++)
        if (col.values[i] === 1 && (col.valid === null || col.valid[i] !== 0)) data[i >> 3]! |= 1 << (i & 7);
      return makeData({ type: new Bool(), length: n, ...validBits(col.valid, n), data });
    }
    default:
      return null;
  }
}

/** A decoded result table: its columns, and its rows (decoded on first read, then kept). */
export interface DecodedRows {
  readonly columns: readonly WireColumn[];
  readonly rows: readonly (readonly WireCell[])[];
}

/** Cells as `jsonCell` gives them: datetimes as ISO text with 7 digits, dynamic values parsed. */
export function decodeResultTable(payload: ArrowPayload<readonly WireCell[]>): DecodedRows {
  const table = fromIpc(payload.arrow);
  const columns = table.schema.fields.map((f) => ({ name: f.name, type: f.metadata.get(TYPE_KEY) ?? 'string' }));
  let rows: (readonly WireCell[])[] | null = null;
  return {
    columns,
    get rows() {
      if (rows) return rows;
      const cells = table.schema.fields.map((f, c) => cellDecoder(columns[c]!.type as ScalarType, f, table));
      rows = Array.from({ length: table.numRows }, (_, r) => cells.map((get) => get(r)));
      return rows;
    },
  };
}

function cellDecoder(type: ScalarType, field: Field, table: ArrowTable): (row: number) => WireCell {
  const get = columnReader(table, field.name);
  const json = field.metadata.get(ENCODING_KEY) === 'json';
  switch (type) {
    case 'datetime':
      return (r) => {
        const v = get(r);
        return typeof v === 'bigint' ? formatDateTime(v) : null;
      };
    case 'timespan':
      return (r) => {
        const v = get(r);
        return typeof v === 'bigint' ? formatTimespan(v) : null;
      };
    default: {
      if (!json) return (r) => get(r) as WireCell;
      // Each distinct JSON text is parsed once (dynamic alert cells repeat: a device's command
      // lines); rows holding the same text share one frozen value.
      const parsed = new Map<string, WireCell>();
      return (r) => {
        const v = get(r);
        if (typeof v !== 'string') return null;
        let cell = parsed.get(v);
        if (cell === undefined) parsed.set(v, (cell = deepFreeze(JSON.parse(v) as WireCell)));
        return cell;
      };
    }
  }
}

/** `v` and everything it holds made read-only (a value shared by several rows). */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Lists of view objects

/** How one property crosses: text, number, boolean (each maybe null), or any JSON value. */
export type FieldKind = 'utf8' | 'utf8?' | 'f64' | 'f64?' | 'bool' | 'json';

type KindFor<V> = [V] extends [string]
  ? 'utf8' | 'json'
  : [V] extends [string | null]
    ? 'utf8?' | 'json'
    : [V] extends [number]
      ? 'f64' | 'json'
      : [V] extends [number | null]
        ? 'f64?' | 'json'
        : [V] extends [boolean]
          ? 'bool' | 'json'
          : 'json';

/** Every property of `T` with how it crosses (checked against the property's type). */
export type ObjectSpec<T> = { readonly [K in keyof T]-?: KindFor<T[K]> };

function arrowType(kind: FieldKind): Float64 | Bool | Utf8 {
  switch (kind) {
    case 'f64':
    case 'f64?':
      return new Float64();
    case 'bool':
      return new Bool();
    default:
      return new Utf8();
  }
}

/** `rows` as one Arrow row each. */
export function encodeObjects<T extends object>(rows: readonly T[], spec: ObjectSpec<T>): ArrowPayload<T> {
  const fields = (Object.entries(spec) as [string, FieldKind][]).map(([name, kind]): FieldData => {
    const values = rows.map((r) => (r as Record<string, unknown>)[name] ?? null);
    const metadata = new Map<string, string>([[TYPE_KEY, kind]]);
    if (kind === 'json')
      return { name, type: new Utf8(), values: values.map((v) => (v === null ? null : JSON.stringify(v))), metadata };
    if (kind === 'utf8' || kind === 'utf8?') return stringField(name, values as (string | null)[], metadata);
    return { name, type: arrowType(kind), values, metadata };
  });
  return { arrow: toIpc(fields, rows.length), rows: rows.length };
}

/** The objects back, every property as it was encoded (decoded in one pass when called). */
export function decodeObjects<T extends object>(payload: ArrowPayload<T>): T[] {
  const table = fromIpc(payload.arrow);
  const getters = table.schema.fields.map((f) => {
    const get = columnReader(table, f.name);
    const json = f.metadata.get(TYPE_KEY) === 'json' || f.metadata.get(ENCODING_KEY) === 'json';
    const parse = json
      ? (r: number): unknown => {
          const v = get(r);
          return typeof v === 'string' ? (JSON.parse(v) as unknown) : null;
        }
      : get;
    return [f.name, parse] as const;
  });
  return Array.from({ length: table.numRows }, (_, r) => {
    const o: Record<string, unknown> = {};
    for (const [name, get] of getters) o[name] = get(r);
    return o as T;
  });
}

/** The ArrayBuffers behind `payloads`, each once: what postMessage must transfer. */
export function payloadBuffers(
  payloads: readonly (ArrowPayload<unknown> | Uint8Array | null | undefined)[],
): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const p of payloads) {
    if (!p) continue;
    const bytes = p instanceof Uint8Array ? p : p.arrow;
    if (bytes.buffer instanceof ArrayBuffer && bytes.buffer.byteLength > 0) out.add(bytes.buffer);
  }
  return [...out];
}

/**
 * Defines `key` on `target` as a getter that runs `make` on first read and keeps the result, so
 * a payload is decoded only when (and if) a view reads it.
 */
export function lazyProperty<T extends object, K extends keyof T>(target: T, key: K, make: () => T[K]): void {
  let value: { v: T[K] } | null = null;
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get: () => (value ??= { v: make() }).v,
  });
}
