/**
 * The reference interpreter: a slow, row-at-a-time evaluator of the KQL syntax tree, used as the
 * oracle the columnar engine is property-tested against. Simplicity over speed; it imports only
 * the syntax tree, the table data model and the tick helpers, never src/engine/{bind,plan,execute,
 * functions}, so that a shared misunderstanding cannot hide in shared code.
 */
import type { ColumnExpr, DatatableExpr, Expr, NamedParam, Operator, Query, SortKey } from '../../src/engine/kql/ast';
import type { Scalar, ScalarType } from '../../src/engine/table/column';
import { getValue } from '../../src/engine/table/column';
import type { Table } from '../../src/engine/table/table';
import type { ExprContext } from './expressions';
import { compile } from './expressions';
import { runJoin } from './join';
import { expressionName, uniqueNames } from './naming';
import type { LetValue, RefColumn, RefTable } from './ref-table';
import { runSummarize } from './summarize';
import { compareNonNull, emptyValue, valueKey } from './values';

export type { RefColumn, RefTable } from './ref-table';

export interface ReferenceOptions {
  /** `now()` / `ago()` reference time, in ticks. */
  readonly now: bigint;
}

export interface ReferenceResult {
  readonly columns: { name: string; type: ScalarType }[];
  readonly rows: Scalar[][];
}

function fail(msg: string): never {
  throw new Error(`reference: ${msg}`);
}

function strip(e: Expr): Expr {
  return e.kind === 'Paren' ? strip(e.expr) : e;
}

/** Converts an engine table to plain rows through the public `getValue`. */
export function tableToRef(t: Table): RefTable {
  const rows: Scalar[][] = [];
  for (let r = 0; r < t.rowCount; r++) rows.push(t.columns.map((c) => getValue(c, r)));
  return { columns: t.schema.map((c) => ({ name: c.name, type: c.type })), rows };
}

const DATATABLE_TYPES: Readonly<Record<string, ScalarType>> = {
  bool: 'bool',
  boolean: 'bool',
  int: 'int',
  long: 'long',
  real: 'real',
  double: 'real',
  string: 'string',
  datetime: 'datetime',
  date: 'datetime',
  timespan: 'timespan',
  time: 'timespan',
  dynamic: 'dynamic',
};

class Interpreter {
  private readonly lets = new Map<string, LetValue>();

  constructor(
    private readonly tables: ReadonlyMap<string, Table>,
    private readonly now: bigint,
  ) {}

  run(query: Query): RefTable {
    let result: RefTable | null = null;
    for (const s of query.statements) {
      if (s.kind === 'Let') {
        // `let` is evaluated once, so `materialize(x)` and `x` are the same thing here (§11).
        if (this.isTabular(s.value)) this.lets.set(s.name, { kind: 'table', table: this.evalTable(s.value) });
        else {
          const c = compile(s.value, this.context([]));
          this.lets.set(s.name, { kind: 'scalar', type: c.type, value: c.ev([]) });
        }
      } else result = this.evalTable(s.expr);
    }
    if (result === null) return fail('query has no tabular statement');
    return result;
  }

  context(columns: readonly RefColumn[]): ExprContext {
    return {
      columns,
      lets: this.lets,
      now: this.now,
      isTabular: (e) => this.isTabular(e),
      evalTable: (e) => this.evalTable(e),
    };
  }

  isTabular(e: Expr): boolean {
    switch (e.kind) {
      case 'Pipe':
      case 'Union':
      case 'Datatable':
      case 'Print':
        return true;
      case 'Paren':
        return this.isTabular(e.expr);
      case 'Call':
        return e.name === 'materialize';
      case 'Name':
        return this.lets.get(e.name)?.kind === 'table' || (!this.lets.has(e.name) && this.tables.has(e.name));
      default:
        return false;
    }
  }

  evalTable(e: Expr): RefTable {
    switch (e.kind) {
      case 'Name': {
        const bound = this.lets.get(e.name);
        if (bound?.kind === 'table') return bound.table;
        const t = this.tables.get(e.name);
        if (t === undefined) return fail(`unknown table '${e.name}'`);
        return tableToRef(t);
      }
      case 'Paren':
        return this.evalTable(e.expr);
      case 'Call':
        if (e.name !== 'materialize' || e.args.length !== 1) return fail(`tabular function ${e.name}()`);
        return this.evalTable(e.args[0]!);
      case 'Pipe':
        return this.apply(this.evalTable(e.source), e.op);
      case 'Union':
        return this.union(
          e.tables.map((t) => this.evalTable(t)),
          e.params,
        );
      case 'Datatable':
        return this.datatable(e);
      case 'Print': {
        const ctx = this.context([]);
        const compiled = e.columns.map((c) => compile(c.expr, ctx));
        // Unnamed print columns are print_0, print_1, ... by position.
        const names = uniqueNames(e.columns.map((c, i) => c.name ?? `print_${i}`));
        return {
          columns: compiled.map((c, i) => ({ name: names[i]!, type: c.type })),
          rows: [compiled.map((c) => c.ev([]))],
        };
      }
      default:
        return fail(`${e.kind} where a tabular expression is expected`);
    }
  }

  private datatable(e: DatatableExpr): RefTable {
    const columns = e.columns.map((c) => {
      const type = DATATABLE_TYPES[c.type.toLowerCase()];
      if (type === undefined) return fail(`datatable column type ${c.type}`);
      return { name: c.name, type };
    });
    if (columns.length === 0) fail('datatable without columns');
    if (e.values.length % columns.length !== 0) fail('datatable value count is not a multiple of the column count');
    const ctx = this.context([]);
    const rows: Scalar[][] = [];
    for (let i = 0; i < e.values.length; i += columns.length) {
      rows.push(
        columns.map((col, j) => {
          const c = compile(e.values[i + j]!, ctx);
          const v = c.ev([]);
          if (v === null) return emptyValue(col.type);
          const numeric = (t: ScalarType) => t === 'int' || t === 'long' || t === 'real';
          if (c.type !== col.type && !(numeric(c.type) && numeric(col.type)) && col.type !== 'dynamic')
            fail(`datatable value of type ${c.type} in ${col.type} column ${col.name}`);
          return v;
        }),
      );
    }
    return { columns, rows };
  }

  /** `union`: columns by name in order of first appearance; a missing column is empty (§ union docs). */
  private union(parts: readonly RefTable[], params: readonly NamedParam[]): RefTable {
    const kind = params.find((p) => p.name === 'kind')?.value ?? 'outer';
    if (kind !== 'outer' && kind !== 'inner') fail(`union kind=${kind}`);
    let columns: RefColumn[] = [];
    for (const p of parts)
      for (const c of p.columns) {
        const have = columns.find((x) => x.name === c.name);
        // Kusto would make `name_type` columns for a type clash; the subset does not need it.
        if (have !== undefined && have.type !== c.type) fail(`union: column ${c.name} is ${have.type} and ${c.type}`);
        if (have === undefined) columns.push(c);
      }
    if (kind === 'inner') columns = columns.filter((c) => parts.every((p) => p.columns.some((x) => x.name === c.name)));
    const rows: Scalar[][] = [];
    for (const p of parts) {
      const idx = columns.map((c) => p.columns.findIndex((x) => x.name === c.name));
      for (const r of p.rows) rows.push(idx.map((i, j) => (i < 0 ? emptyValue(columns[j]!.type) : (r[i] ?? null))));
    }
    return { columns, rows };
  }

  private computed(
    input: RefTable,
    cols: readonly ColumnExpr[],
  ): { columns: RefColumn[]; ev: ((row: readonly Scalar[]) => Scalar)[] } {
    const ctx = this.context(input.columns);
    let generated = 0;
    const columns: RefColumn[] = [];
    const ev: ((row: readonly Scalar[]) => Scalar)[] = [];
    for (const c of cols) {
      const comp = compile(c.expr, ctx);
      // Unnamed non-column expressions get Column1, Column2, ... (K.L generated names; assumed).
      columns.push({ name: c.name ?? expressionName(c.expr) ?? `Column${++generated}`, type: comp.type });
      ev.push(comp.ev);
    }
    return { columns, ev };
  }

  private takeCount(e: Expr): number {
    const c = compile(e, this.context([]));
    const n = c.ev([]);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
      return fail('take/top count must be a non-negative integer');
    return n;
  }

  private sorted(input: RefTable, keys: readonly SortKey[]): Scalar[][] {
    const ctx = this.context(input.columns);
    const compiled = keys.map((k) => {
      const c = compile(k.expr, ctx);
      if (c.type === 'dynamic') fail('sort by a dynamic value');
      // Default direction is desc; default nulls: first for asc, last for desc (sort-operator.md).
      const dir = k.direction ?? 'desc';
      const nulls = k.nulls ?? (dir === 'asc' ? 'first' : 'last');
      return { c, sign: dir === 'asc' ? 1 : -1, nullsFirst: nulls === 'first' };
    });
    const decorated = input.rows.map((row) => ({ row: [...row], keys: compiled.map((k) => k.c.ev(row)) }));
    // Array.prototype.sort is stable, so equal keys keep their input order.
    decorated.sort((a, b) => {
      for (let i = 0; i < compiled.length; i++) {
        const k = compiled[i]!;
        const x = a.keys[i] ?? null;
        const y = b.keys[i] ?? null;
        if (x === null && y === null) continue;
        if (x === null) return k.nullsFirst ? -1 : 1;
        if (y === null) return k.nullsFirst ? 1 : -1;
        const c = compareNonNull(x, y);
        if (c !== 0) return k.sign * c;
      }
      return 0;
    });
    return decorated.map((d) => d.row);
  }

  private apply(input: RefTable, op: Operator): RefTable {
    switch (op.kind) {
      case 'Where': {
        const p = compile(op.predicate, this.context(input.columns));
        if (p.type !== 'bool') fail(`where predicate is ${p.type}, not bool`);
        // `where` drops null and false alike (§7).
        return { columns: input.columns, rows: input.rows.filter((r) => p.ev(r) === true) };
      }
      case 'Project': {
        const { columns, ev } = this.computed(input, op.columns);
        const seen = new Set<string>();
        for (const c of columns) {
          if (seen.has(c.name)) fail(`project: duplicate column ${c.name}`);
          seen.add(c.name);
        }
        return { columns, rows: input.rows.map((r) => ev.map((f) => f(r))) };
      }
      case 'ProjectAway': {
        const drop = new Set<string>();
        for (const n of op.names) {
          if (n.name.includes('*')) fail('project-away wildcards');
          if (!input.columns.some((c) => c.name === n.name)) fail(`project-away: no column ${n.name}`);
          drop.add(n.name);
        }
        const keep = input.columns.map((c, i) => (drop.has(c.name) ? -1 : i)).filter((i) => i >= 0);
        return {
          columns: keep.map((i) => input.columns[i]!),
          rows: input.rows.map((r) => keep.map((i) => r[i] ?? null)),
        };
      }
      case 'Extend': {
        // Columns are added one at a time, so a later one may use an earlier one. A name that already
        // exists is removed and appended with its new value (extend-operator.md "Returns").
        let t: RefTable = input;
        for (const c of op.columns) {
          const { columns, ev } = this.computed(t, [c]);
          const col = columns[0]!;
          const f = ev[0]!;
          const keep = t.columns.map((x, i) => (x.name === col.name ? -1 : i)).filter((i) => i >= 0);
          const before = t;
          t = {
            columns: [...keep.map((i) => before.columns[i]!), col],
            rows: before.rows.map((r) => [...keep.map((i) => r[i] ?? null), f(r)]),
          };
        }
        return t;
      }
      case 'Summarize':
        return runSummarize(input, op, (columns) => this.context(columns));
      case 'Join':
        return runJoin(input, this.evalTable(op.right), op);
      case 'Take':
        return { columns: input.columns, rows: input.rows.slice(0, this.takeCount(op.count)) };
      case 'Sort':
        return { columns: input.columns, rows: this.sorted(input, op.keys) };
      case 'Top':
        return { columns: input.columns, rows: this.sorted(input, op.keys).slice(0, this.takeCount(op.count)) };
      case 'Distinct': {
        let idx: number[];
        if (op.columns.length === 0) idx = input.columns.map((_, i) => i);
        else
          idx = op.columns.map((e) => {
            const x = strip(e);
            if (x.kind === 'Name' && x.name === '*') return -1;
            if (x.kind !== 'Name') return fail('distinct supports column names only');
            const i = input.columns.findIndex((c) => c.name === x.name);
            if (i < 0) fail(`distinct: no column ${x.name}`);
            return i;
          });
        if (idx.includes(-1)) idx = input.columns.map((_, i) => i);
        const seen = new Set<string>();
        const rows: Scalar[][] = [];
        for (const r of input.rows) {
          const out = idx.map((i) => r[i] ?? null);
          const k = out.map(valueKey).join('|');
          if (seen.has(k)) continue;
          seen.add(k);
          rows.push(out);
        }
        return { columns: idx.map((i) => input.columns[i]!), rows };
      }
      case 'Count':
        return { columns: [{ name: 'Count', type: 'long' }], rows: [[input.rows.length]] };
      case 'UnionOp':
        return this.union([input, ...op.tables.map((t) => this.evalTable(t))], op.params);
    }
  }
}

/**
 * Evaluates `query` against `tables` (by name) row at a time. Throws an Error on anything outside
 * the supported subset or on a binding error (unknown column, type mismatch).
 */
export function referenceRun(
  query: Query,
  tables: ReadonlyMap<string, Table>,
  opts: ReferenceOptions,
): ReferenceResult {
  const t = new Interpreter(tables, opts.now).run(query);
  return { columns: t.columns.map((c) => ({ name: c.name, type: c.type })), rows: t.rows.map((r) => [...r]) };
}
