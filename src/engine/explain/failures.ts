/**
 * Why a row fails a `where`: each top-level conjunct is evaluated on its own, and for every row that
 * the whole predicate drops, the failing conjuncts are described with the values they saw.
 */
import type { BoundExpr, FilterNode } from '../bind/bound';
import { scalarToString } from '../functions/conversions';
import { foldCase } from '../functions/fold';
import type { Column } from '../table/column';
import { getValue } from '../table/column';
import { Cooperator } from '../execute/cooperate';
import { evalExpr, type InTableSets } from '../execute/eval-expr';
import type { Relation } from '../execute/relation';

/** One reason a row did not get through a stage. */
export interface Failure {
  /** Plan node of the stage (a Filter, or a Join for "no partner"). */
  readonly nodeId: number;
  /** The stage's text (`where ...` / `join ...`). */
  readonly stage: string;
  readonly kind: 'predicate' | 'no-partner';
  /** The failing conjunct's text, or the join's keys. */
  readonly predicate: string;
  /** One line for people: the predicate and what it saw. */
  readonly detail: string;
  /** The operands' values at this row (expression text → Kusto text of the value, "null" for null). */
  readonly values: readonly { readonly expr: string; readonly value: string }[];
  /**
   * How far the row was from passing, in the predicate's own unit (e.g. 1 for datetime_diff = 3
   * against `between (0 .. 2)`, seconds for a time comparison); null when not measurable.
   */
  readonly violation: number | null;
  /** For `in` / `!in` lists: the entry the value matched (the allow-list entry that hid it). */
  readonly listEntry?: string;
}

export function conjuncts(e: BoundExpr): BoundExpr[] {
  if (e.kind === 'Call' && e.fn.name === 'and') return [...conjuncts(e.args[0]!), ...conjuncts(e.args[1]!)];
  return [e];
}

export function exprText(e: BoundExpr): string {
  switch (e.kind) {
    case 'ColumnRef':
      return e.name;
    case 'Constant':
      return e.value === null
        ? 'null'
        : typeof e.value === 'string'
          ? JSON.stringify(e.value)
          : scalarToString(e.value, e.type);
    default:
      return e.text;
  }
}

function cell(c: Column, row: number): string {
  const v = getValue(c, row);
  if (v === null) return 'null';
  return c.type === 'string' ? JSON.stringify(v) : scalarToString(v, c.type);
}

function asNumber(c: Column, row: number): number | null {
  const v = getValue(c, row);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v) / 1e7; // ticks → seconds for a readable distance
  return null;
}

/** Operands worth showing for a conjunct (everything that is not a constant). */
function operands(e: BoundExpr): BoundExpr[] {
  switch (e.kind) {
    case 'Call':
      return e.args.filter((a) => a.kind !== 'Constant');
    case 'InList':
    case 'InTable':
      return [e.left];
    default:
      return [];
  }
}

/** Kusto text of a cell, per dictionary code for strings (a column holds few distinct strings). */
function cellReader(c: Column): (row: number) => string {
  if (c.type !== 'string') return (row) => cell(c, row);
  const byCode = new Array<string | undefined>(c.dict.length);
  return (row) => {
    const code = c.codes[row]!;
    return (byCode[code] ??= JSON.stringify(c.dict[code]));
  };
}

/**
 * For every row of `input` the predicate does not keep, the failures of its conjuncts. Returns a
 * map row → failures (rows that pass are absent). Rows that fail a conjunct with the same values
 * share one (immutable) `Failure`: a join's output repeats the same few values many times.
 */
export async function describeFailures(
  node: FilterNode,
  input: Relation,
  mask: Column,
  inSets: InTableSets,
  coop: Cooperator = new Cooperator(),
): Promise<Map<number, Failure[]>> {
  const out = new Map<number, Failure[]>();
  if (mask.type !== 'bool') return out;
  const failing: number[] = [];
  for (let i = 0; i < input.rowCount; i++) {
    const ok = mask.values[i] === 1 && (mask.valid === null || mask.valid[i] === 1);
    if (!ok) failing.push(i);
  }
  if (failing.length === 0) return out;
  const parts = conjuncts(node.predicate);
  for (const part of parts) {
    const value = parts.length === 1 ? mask : evalExpr(part, input, inSets);
    if (value.type !== 'bool') continue;
    const ops = operands(part);
    const exprs = ops.map(exprText);
    const opCols = ops.map((o) => evalExpr(o, input, inSets));
    const readers = opCols.map(cellReader);
    const shared = new Map<string, Failure>();
    for (let i = 0; i < failing.length; i++) {
      if (coop.due()) await coop.checkpoint();
      const row = failing[i]!;
      const passed = value.values[row] === 1 && (value.valid === null || value.valid[row] === 1);
      if (passed) continue;
      const isNull = value.valid !== null && value.valid[row] === 0;
      const texts = readers.map((r) => r(row));
      const violation = violationOf(part, opCols, row);
      // Everything a failure says is a function of these (the list entry of the value's text).
      const key = `${isNull ? 1 : 0}\u0001${violation}\u0001${texts.join('\u0001')}`;
      let f = shared.get(key);
      if (!f) {
        const values = texts.map((t, k) => ({ expr: exprs[k]!, value: t }));
        f = describe(node, part, values, opCols, row, isNull, violation);
        shared.set(key, f);
      }
      const list = out.get(row);
      if (list) list.push(f);
      else out.set(row, [f]);
    }
  }
  return out;
}

/** How far the row was from passing (see `Failure.violation`). */
function violationOf(part: BoundExpr, opCols: readonly Column[], row: number): number | null {
  if (part.kind !== 'Call') return null;
  if (part.fn.name === 'between') {
    const x = asNumber(opCols[0]!, row);
    const lo = part.args[1]!;
    const hi = part.args[2]!;
    const loV = lo.kind === 'Constant' && typeof lo.value === 'number' ? lo.value : null;
    const hiV = hi.kind === 'Constant' && typeof hi.value === 'number' ? hi.value : null;
    if (x !== null && loV !== null && hiV !== null) return x < loV ? loV - x : x > hiV ? x - hiV : 0;
    return null;
  }
  if (COMPARISONS.has(part.fn.name) && opCols.length === 2) {
    const a = asNumber(opCols[0]!, row);
    const b = asNumber(opCols[1]!, row);
    return a !== null && b !== null ? Math.abs(a - b) : null;
  }
  return null;
}

const COMPARISONS: ReadonlySet<string> = new Set(['<', '<=', '>', '>=']);

function describe(
  node: FilterNode,
  part: BoundExpr,
  values: { expr: string; value: string }[],
  opCols: Column[],
  row: number,
  isNull: boolean,
  violation: number | null,
): Failure {
  const predicate = exprText(part);
  const base = { nodeId: node.id, stage: node.text, kind: 'predicate' as const, predicate, values };
  const saw = values.map((v) => `${v.expr} = ${v.value}`).join(', ');
  if (part.kind === 'InList' || part.kind === 'InTable') {
    const v = getValue(opCols[0]!, row);
    let entry: string | undefined;
    if (part.kind === 'InList' && part.negated && typeof v === 'string') {
      const needle = part.caseInsensitive ? foldCase(v) : v;
      const hit = part.values.find((x) => typeof x === 'string' && (part.caseInsensitive ? foldCase(x) : x) === needle);
      if (typeof hit === 'string') entry = hit;
    }
    const detail = part.negated
      ? `${saw} is in the list${entry !== undefined ? ` (entry ${JSON.stringify(entry)})` : ''}: ${predicate} is false`
      : `${saw} is not in the list: ${predicate} is false`;
    return { ...base, detail, violation: null, ...(entry !== undefined ? { listEntry: entry } : {}) };
  }
  if (part.kind === 'Call' && (part.fn.name === 'between' || part.fn.name === '!between')) {
    const range = `${exprText(part.args[1]!)} .. ${exprText(part.args[2]!)}`;
    const detail = isNull
      ? `${saw}: null is never ${part.fn.name === 'between' ? 'within' : 'outside'} ${range}`
      : `${values[0]?.expr ?? predicate} = ${values[0]?.value ?? '?'}, ${part.fn.name === 'between' ? 'outside' : 'within'} ${range}`;
    return { ...base, detail, violation };
  }
  if (part.kind === 'Call' && COMPARISONS.has(part.fn.name) && opCols.length === 2) {
    const nullOperand = values.find((v) => v.value === 'null');
    const detail = nullOperand
      ? `${nullOperand.expr} is null, so ${predicate} is null (where drops it)`
      : `${saw}: ${predicate} is false`;
    return { ...base, detail, violation };
  }
  const detail = isNull
    ? `${saw}: ${predicate} is null (where drops it)`
    : `${saw || predicate}: ${predicate} is false`;
  return { ...base, detail, violation: null };
}
