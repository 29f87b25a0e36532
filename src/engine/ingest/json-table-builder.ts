import type { Column, ScalarType } from '../table/column';
import { makeTable, type ColumnSchema } from '../table/table';
import { CELL_BAD, CELL_EMPTY, CELL_OK, CELL_RANGE, CellParser, type CellStatus } from './cell-parser';
import type { BoolColumnBuilder, NumberColumnBuilder, TimeColumnBuilder } from './column-builder';
import { makeColumnBuilder, StringColumnBuilder, type ColumnBuilder } from './column-builder';
import {
  distinctNonEmpty,
  RejectLog,
  showValue,
  timeRangeOf,
  US_PRECISION_NOTE,
  type IngestReport,
  type MappedColumn,
  type RejectCode,
} from './ingest-report';
import type { IngestResult } from './read-csv-table';
import { REQUIRED_COLUMNS, schemaOf, type DefenderTableName } from './recognise-table';

interface JsonColumn {
  readonly name: string;
  readonly type: ScalarType;
  readonly builder: ColumnBuilder;
  /** Some record had the key (else the column is reported missing). */
  seen: boolean;
}

/** Keys of the first records are sampled for `columnsIgnored` (every record would cost a key walk). */
const KEY_SAMPLE = 200;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * One table built from JSON records (flat advanced-hunting rows, or the `properties` of
 * streaming-API records). Typed cells are decoded before strings so a rejected record interns
 * nothing; a record with any bad typed cell is rejected whole, like a CSV row.
 * With `columns` null the table is untyped: every key becomes a string column as it is met.
 */
export class JsonTableBuilder {
  private readonly cols: JsonColumn[] = [];
  private readonly byName = new Map<string, JsonColumn>();
  /** Typed columns first, strings last (see class comment). */
  private order: JsonColumn[] = [];
  private readonly cells = new CellParser();
  private readonly log: RejectLog;
  private readonly sampledKeys = new Set<string>();
  private sampled = 0;
  private usRows = 0;
  /** Lines of the loaded records, kept only for an untyped table (see `rejectAll`). */
  readonly lines: number[] = [];
  loaded = 0;
  read = 0;

  constructor(
    readonly name: string,
    readonly recognised: DefenderTableName | null,
    columns: readonly { name: string; type: ScalarType }[] | null,
    maxRejects: number,
  ) {
    this.log = new RejectLog(maxRejects);
    if (columns !== null) for (const c of columns) this.addColumn(c.name, c.type);
  }

  /** The Defender table's columns (or the requested subset), `dynamic` held as its JSON text. */
  static forDefender(
    table: DefenderTableName,
    columns: readonly string[] | undefined,
    maxRejects: number,
  ): JsonTableBuilder {
    const schema = schemaOf(table);
    const types = new Map(schema.map((c) => [c.name, c.type]));
    const wanted = columns ?? schema.map((c) => c.name);
    const cols = wanted.map((n) => {
      const t = types.get(n) ?? 'string';
      return { name: n, type: t === 'dynamic' ? ('string' as const) : t };
    });
    return new JsonTableBuilder(table, table, cols, maxRejects);
  }

  private get untyped(): boolean {
    return this.recognised === null && this.fixed === false;
  }
  private fixed = false;

  /** Untyped table restricted to these (string) columns. */
  fixColumns(names: readonly string[]): this {
    for (const n of names) if (!this.byName.has(n)) this.addColumn(n, 'string');
    this.fixed = true;
    return this;
  }

  private addColumn(name: string, type: ScalarType): JsonColumn {
    const builder = makeColumnBuilder(type);
    // Code 0 is "" so rows written before a late-discovered column read as empty strings.
    if (builder instanceof StringColumnBuilder) builder.intern('');
    const c: JsonColumn = { name, type, builder, seen: false };
    this.cols.push(c);
    this.byName.set(name, c);
    this.order = [...this.cols.filter((x) => x.type !== 'string'), ...this.cols.filter((x) => x.type === 'string')];
    return c;
  }

  /**
   * Adds one record; `fallback` supplies keys the record lacks (the streaming API's `time`
   * for a missing `Timestamp`).
   */
  add(rec: Record<string, unknown>, line: number, fallback?: Readonly<Record<string, unknown>>): void {
    this.read++;
    if (this.sampled < KEY_SAMPLE) {
      this.sampled++;
      for (const k of Object.keys(rec)) this.sampledKeys.add(k);
    }
    if (this.untyped) for (const k of Object.keys(rec)) if (!this.byName.has(k)) this.addColumn(k, 'string');
    const slot = this.loaded;
    let us = false;
    for (const c of this.order) {
      let v = rec[c.name];
      if (v === undefined && fallback !== undefined) v = fallback[c.name];
      if (v !== undefined) c.seen = true;
      if (c.type === 'string') {
        (c.builder as StringColumnBuilder).set(slot, stringOf(v));
        continue;
      }
      const bad = this.typed(c, slot, v);
      if (bad !== null) {
        this.log.add(bad.code, () => ({
          line,
          column: c.name,
          code: bad.code,
          reason: `line ${line}, field ${c.name}: ${showValue(typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)))} ${bad.what}`,
        }));
        return;
      }
      if (c.type === 'datetime' && this.cells.usForm) us = true;
    }
    if (us) this.usRows++;
    if (this.recognised === null) this.lines.push(line);
    this.loaded++;
  }

  /** Writes a typed cell; returns why it cannot be, or null. */
  private typed(c: JsonColumn, slot: number, v: unknown): { code: RejectCode; what: string } | null {
    const cells = this.cells;
    cells.usForm = false;
    if (v === null || v === undefined || v === '') {
      (c.builder as NumberColumnBuilder | BoolColumnBuilder | TimeColumnBuilder).setNull(slot);
      return null;
    }
    switch (c.type) {
      case 'int':
      case 'long': {
        const b = c.builder as NumberColumnBuilder;
        let st: CellStatus;
        if (typeof v === 'number') {
          // JSON.parse rounds integers past 2^53 to a value >= 2^53, so the safe test is exact.
          if (!Number.isInteger(v)) return { code: 'bad-number', what: 'is not an integer' };
          if (!Number.isSafeInteger(v))
            return c.type === 'int'
              ? { code: 'int-out-of-range', what: 'is outside the int range (-2^31 .. 2^31-1)' }
              : { code: 'unsafe-integer', what: 'is beyond 2^53 and cannot be held exactly' };
          cells.value = v;
          st = c.type === 'int' && (v > 2147483647 || v < -2147483648) ? CELL_RANGE : CELL_OK;
        } else if (typeof v === 'string')
          st = c.type === 'int' ? cells.int32(v, 0, v.length) : cells.integer(v, 0, v.length);
        else return { code: 'bad-number', what: 'is not an integer' };
        if (st === CELL_OK) b.set(slot, cells.value);
        else if (st === CELL_EMPTY) b.setNull(slot);
        else if (st === CELL_BAD) return { code: 'bad-number', what: 'is not an integer' };
        else if (st === CELL_RANGE)
          return { code: 'int-out-of-range', what: 'is outside the int range (-2^31 .. 2^31-1)' };
        else return { code: 'unsafe-integer', what: 'is beyond 2^53 and cannot be held exactly' };
        return null;
      }
      case 'real': {
        const b = c.builder as NumberColumnBuilder;
        if (typeof v === 'number') b.set(slot, v);
        else if (typeof v === 'string') {
          const st = cells.real(v, 0, v.length);
          if (st === CELL_OK) b.set(slot, cells.value);
          else if (st === CELL_EMPTY) b.setNull(slot);
          else return { code: 'bad-number', what: 'is not a number' };
        } else return { code: 'bad-number', what: 'is not a number' };
        return null;
      }
      case 'bool': {
        const b = c.builder as BoolColumnBuilder;
        if (typeof v === 'boolean') b.set(slot, v);
        else if (v === 0 || v === 1) b.set(slot, v === 1);
        else if (typeof v === 'string' && cells.bool(v, 0, v.length) === CELL_OK) b.set(slot, cells.value === 1);
        else return { code: 'bad-bool', what: 'is not a bool (true/false/1/0)' };
        return null;
      }
      case 'datetime': {
        const b = c.builder as TimeColumnBuilder;
        if (typeof v !== 'string')
          return {
            code: 'bad-datetime',
            what: 'is not a datetime (ISO 8601 text expected; numbers have no agreed unit)',
          };
        const st = cells.dateTime(v, 0, v.length);
        if (st === CELL_OK) b.setParts(slot, cells.secs, cells.frac);
        else if (st === CELL_EMPTY) b.setNull(slot);
        else return { code: 'bad-datetime', what: 'is not a datetime (ISO 8601 or M/D/YYYY, h:mm:ss AM/PM)' };
        return null;
      }
      default:
        return { code: 'bad-number', what: `cannot be read as ${c.type} from JSON in this version` };
    }
  }

  /** Line numbers of the records this untyped table holds, for turning them into rejects. */
  get rowLines(): readonly number[] {
    return this.lines;
  }

  finish(file: string, bytes: number, warnings: readonly string[] = []): IngestResult {
    const schema: ColumnSchema[] = this.cols.map((c) => ({ name: c.name, type: c.type }));
    const columns: Column[] = this.cols.map((c) => c.builder.finish(this.loaded));
    const col = (n: string): Column | undefined => {
      const i = schema.findIndex((c) => c.name === n);
      return i < 0 ? undefined : columns[i];
    };
    const known = new Set(this.cols.map((c) => c.name));
    const missing = this.cols.filter((c) => !c.seen).map((c) => c.name);
    const w = [...warnings];
    if (this.recognised !== null) {
      const req = REQUIRED_COLUMNS[this.recognised].filter((n) => missing.includes(n) || !known.has(n));
      if (req.length > 0 && this.read > 0)
        w.push(`${this.recognised}: fields the DCOM rule needs are missing: ${req.join(', ')}`);
    } else if (!this.fixed) {
      w.push(
        'records not recognised as DeviceProcessEvents or DeviceNetworkEvents rows; every field was loaded as a string',
      );
    }
    const mapped: MappedColumn[] = this.cols
      .filter((c) => c.seen)
      .map((c) => ({ name: c.name, source: c.name, type: c.type }));
    const report: IngestReport = {
      file,
      format: 'json',
      table: this.name,
      recognised: this.recognised,
      bytes,
      rowsRead: this.read,
      rowsLoaded: this.loaded,
      rowsRejected: this.log.total,
      rejects: this.log.rejects,
      rejectCounts: this.log.counts,
      columnsMapped: mapped,
      columnsMissing: missing,
      columnsIgnored: [...this.sampledKeys].filter((k) => !known.has(k)),
      timeRange: timeRangeOf(col('Timestamp')),
      devices: distinctNonEmpty(col('DeviceName')),
      warnings: w,
      ...(this.usRows > 0 ? { precisionNote: `${this.usRows} row(s): ${US_PRECISION_NOTE}` } : {}),
    };
    return { table: makeTable(this.name, schema, columns), report };
  }
}

/** A JSON value as the string cell Kusto's `tostring()` would give; strings are never null. */
export function stringOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

export { isPlainObject };
