/** `summarize` in the reference interpreter: group rows by key values, then fold each group. */
import type { Call, Expr, SummarizeOp } from '../../src/engine/kql/ast';
import type { Scalar, ScalarType } from '../../src/engine/table/column';
import { formatDateTime, formatTimespan } from '../../src/engine/time/ticks';
import type { Compiled, ExprContext, Row } from './expressions';
import { compile } from './expressions';
import { aggregateName, expressionName, uniqueNames } from './naming';
import type { RefColumn, RefTable } from './ref-table';
import { compareNonNull, emptyValue, isNumericType, valueKey } from './values';

/** One aggregate: its output columns and how it folds a group of rows into their values. */
interface Aggregate {
  readonly columns: readonly RefColumn[];
  readonly run: (rows: readonly Row[]) => Scalar[];
}

function fail(msg: string): never {
  throw new Error(`reference: ${msg}`);
}

function strip(e: Expr): Expr {
  return e.kind === 'Paren' ? strip(e.expr) : e;
}

/** Values as they appear inside a dynamic array: datetimes and timespans as their text (§14). */
function toDynamicElement(v: Scalar, type: ScalarType): unknown {
  if (typeof v === 'bigint') return type === 'datetime' ? formatDateTime(v) : formatTimespan(v);
  return v;
}

function nonNull(c: Compiled, rows: readonly Row[]): Scalar[] {
  const out: Scalar[] = [];
  for (const r of rows) {
    const v = c.ev(r);
    if (v !== null) out.push(v);
  }
  return out;
}

function argMinMax(call: Call, ctx: ExprContext, byColumns: ReadonlySet<string>): Aggregate {
  const isMax = call.name === 'arg_max';
  const first = call.args[0];
  if (first === undefined) return fail(`${call.name}() needs arguments`);
  const key = compile(first, ctx);
  if (key.type === 'dynamic') fail(`${call.name}() over dynamic`);
  const keyName = expressionName(first) ?? `${isMax ? 'max' : 'min'}_`;
  const anyStar = call.args.some((a) => a.kind === 'Name' && a.name === '*');
  // K.L GetArgMinMaxResult: the first argument always, then the rest; with `*` present, columns
  // already listed and plain `by` columns are not repeated.
  const columns: RefColumn[] = [{ name: keyName, type: key.type }];
  const getters: ((row: Row) => Scalar)[] = [(row) => key.ev(row)];
  const listed = new Set<string>();
  if (first.kind === 'Name') listed.add(first.name);
  call.args.slice(1).forEach((a, i) => {
    if (a.kind === 'Name' && a.name === '*') {
      ctx.columns.forEach((c, ci) => {
        if (listed.has(c.name) || byColumns.has(c.name)) return;
        listed.add(c.name);
        columns.push(c);
        getters.push((row) => row[ci] ?? null);
      });
      return;
    }
    const name = expressionName(a);
    if (anyStar && name !== null && (listed.has(name) || byColumns.has(name))) return;
    if (name !== null) listed.add(name);
    const c = compile(a, ctx);
    columns.push({ name: name ?? `${keyName}_arg${i + 1}`, type: c.type });
    getters.push((row) => c.ev(row));
  });
  return {
    columns,
    run: (rows) => {
      let best: Row | null = null;
      let bestKey: Scalar = null;
      for (const r of rows) {
        const k = key.ev(r);
        if (k === null) continue;
        // The first row wins a tie (Kusto picks an arbitrary one; generators keep keys unique).
        if (best === null || (isMax ? compareNonNull(k, bestKey) > 0 : compareNonNull(k, bestKey) < 0)) {
          best = r;
          bestKey = k;
        }
      }
      const chosen = best;
      return columns.map((c, i) => (chosen === null ? emptyValue(c.type) : getters[i]!(chosen)));
    },
  };
}

function aggregate(call: Call, ctx: ExprContext, name: string | null, byColumns: ReadonlySet<string>): Aggregate {
  const fn = call.name;
  if (fn === 'arg_max' || fn === 'arg_min') {
    const a = argMinMax(call, ctx, byColumns);
    if (name !== null && a.columns.length > 0) {
      const cols = [...a.columns];
      cols[0] = { name, type: cols[0]!.type };
      return { columns: cols, run: a.run };
    }
    return a;
  }
  const outName = name ?? aggregateName(fn, call.args);
  const args = call.args.map((a) => compile(a, ctx));
  const x = args[0];
  const one = (type: ScalarType, run: (rows: readonly Row[]) => Scalar): Aggregate => ({
    columns: [{ name: outName, type }],
    run: (rows) => [run(rows)],
  });
  switch (fn) {
    case 'count':
      if (args.length !== 0) fail('count() takes no arguments');
      return one('long', (rows) => rows.length);
    case 'countif':
      if (x === undefined || x.type !== 'bool') return fail('countif(predicate)');
      return one('long', (rows) => rows.filter((r) => x.ev(r) === true).length);
    case 'dcount':
      if (x === undefined) return fail('dcount(x)');
      // Exact distinct count of non-null values; Kusto's is an HLL estimate, exact at small cardinality.
      return one('long', (rows) => new Set(nonNull(x, rows).map(valueKey)).size);
    case 'min':
    case 'max': {
      if (x === undefined || x.type === 'dynamic') return fail(`${fn}(x)`);
      const sign = fn === 'max' ? 1 : -1;
      // Nulls are ignored (summarize-operator.md); no value gives null ("" for strings).
      return one(x.type, (rows) => {
        let best: Scalar = null;
        for (const v of nonNull(x, rows)) if (best === null || sign * compareNonNull(v, best) > 0) best = v;
        return best ?? emptyValue(x.type);
      });
    }
    case 'sum': {
      if (x === undefined) return fail('sum(x)');
      // K.L Parameter0Promoted: int sums to long. No values gives 0 (the docs' default-values table).
      if (isNumericType(x.type))
        return one(x.type === 'real' ? 'real' : 'long', (rows) =>
          nonNull(x, rows).reduce<number>((s, v) => s + (v as number), 0),
        );
      if (x.type === 'timespan')
        return one('timespan', (rows) => nonNull(x, rows).reduce<bigint>((s, v) => s + (v as bigint), 0n));
      return fail(`sum(${x.type})`);
    }
    case 'avg': {
      if (x === undefined) return fail('avg(x)');
      if (isNumericType(x.type))
        return one('real', (rows) => {
          const vs = nonNull(x, rows);
          // No values: 0/0, which summarize-operator.md shows as NaN for an empty input.
          return vs.length === 0 ? Number.NaN : vs.reduce<number>((s, v) => s + (v as number), 0) / vs.length;
        });
      if (x.type === 'timespan' || x.type === 'datetime')
        return one(x.type, (rows) => {
          const vs = nonNull(x, rows);
          // Truncated to a tick.
          return vs.length === 0 ? null : vs.reduce<bigint>((s, v) => s + (v as bigint), 0n) / BigInt(vs.length);
        });
      return fail(`avg(${x.type})`);
    }
    case 'make_set':
    case 'make_list': {
      if (x === undefined) return fail(`${fn}(x)`);
      const limitArg = call.args[1];
      let limit = 1_048_576;
      if (limitArg !== undefined) {
        const l = strip(limitArg);
        if (l.kind !== 'Literal' || typeof l.value !== 'number') fail(`${fn} maxSize must be a literal`);
        limit = l.value as number;
      }
      const isSet = fn === 'make_set';
      return one('dynamic', (rows) => {
        const out: unknown[] = [];
        const seen = new Set<string>();
        const push = (v: unknown): void => {
          if (out.length >= limit) return;
          if (isSet) {
            const k = valueKey(v);
            if (seen.has(k)) return;
            seen.add(k);
          }
          out.push(v);
        };
        // Nulls are skipped, "" is kept (Decisions table "make_set"); make_set flattens array
        // arguments (§12), make_list keeps them as elements.
        for (const v of nonNull(x, rows)) {
          if (isSet && Array.isArray(v))
            for (const e of v) {
              if (e !== null && e !== undefined) push(e);
            }
          else push(toDynamicElement(v, x.type));
        }
        return out;
      });
    }
    default:
      return fail(`aggregate ${fn}() is not supported`);
  }
}

/** Runs `summarize` over `input`; `scope` builds the expression context for the input columns. */
export function runSummarize(
  input: RefTable,
  op: SummarizeOp,
  scope: (columns: readonly RefColumn[]) => ExprContext,
): RefTable {
  const ctx = scope(input.columns);
  let generated = 0;
  const byNames: string[] = [];
  const byExprs = op.by.map((b) => {
    const c = compile(b.expr, ctx);
    byNames.push(b.name ?? expressionName(b.expr) ?? `Column${++generated}`);
    return c;
  });
  const plainBy = new Set(
    op.by.filter((b) => b.name === null && strip(b.expr).kind === 'Name').map((b) => expressionName(b.expr)!),
  );
  const aggs = op.aggregates.map((a) => {
    const call = strip(a.expr);
    if (call.kind !== 'Call') return fail('summarize aggregates must be aggregate calls');
    return aggregate(call, ctx, a.name, plainBy);
  });

  // Group: one group per distinct key tuple; null keys form one group per position (Decisions).
  const groups = new Map<string, { keys: Scalar[]; rows: Row[] }>();
  for (const row of input.rows) {
    const keys = byExprs.map((b) => b.ev(row));
    const k = keys.map(valueKey).join('|');
    let g = groups.get(k);
    if (g === undefined) {
      g = { keys, rows: [] };
      groups.set(k, g);
    }
    g.rows.push(row);
  }
  // Without `by`, an empty input still gives one row of default values (§12).
  if (byExprs.length === 0 && groups.size === 0) groups.set('', { keys: [], rows: [] });

  const rawColumns: RefColumn[] = [
    ...byExprs.map((b, i) => ({ name: byNames[i]!, type: b.type })),
    ...aggs.flatMap((a) => a.columns),
  ];
  const names = uniqueNames(rawColumns.map((c) => c.name));
  const columns = rawColumns.map((c, i) => ({ name: names[i]!, type: c.type }));
  const rows = [...groups.values()].map((g) => [...g.keys, ...aggs.flatMap((a) => a.run(g.rows))]);
  return { columns, rows };
}
