/**
 * Vectorised expression evaluation over a relation: every node yields a whole column.
 */
import type { BoundExpr, InListExpr, InTableExpr } from '../bind/bound';
import { assertNever } from '../kql/ast';
import { scalarToString } from '../functions/conversions';
import { foldCase } from '../functions/fold';
import { boolColumn, constantColumn, perDistinctBool } from '../functions/vec';
import type { Column, Scalar } from '../table/column';
import type { Relation } from './relation';

/** Membership set for `in`: strings (folded for `in~`), numbers, or tick values. */
export interface InSet {
  readonly strings: ReadonlySet<string>;
  readonly numbers: ReadonlySet<number>;
  readonly ticks: ReadonlySet<bigint>;
}

export function buildInSet(values: readonly Scalar[], caseInsensitive: boolean): InSet {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  const ticks = new Set<bigint>();
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') strings.add(caseInsensitive ? foldCase(v) : v);
    else if (typeof v === 'number') {
      numbers.add(v);
      strings.add(String(v));
    } else if (typeof v === 'bigint') ticks.add(v);
    else if (typeof v === 'boolean') strings.add(v ? 'true' : 'false');
  }
  return { strings, numbers, ticks };
}

/** Sets for `x in (tabular)`, computed by the executor before the rows are scanned. */
export type InTableSets = ReadonlyMap<InTableExpr, InSet>;

export function evalExpr(e: BoundExpr, rel: Relation, inSets: InTableSets): Column {
  const n = rel.rowCount;
  switch (e.kind) {
    case 'ColumnRef':
      return rel.column(e.index);
    case 'Constant':
      return constantColumn(e.type, e.value, n);
    case 'Call':
      return e.fn.kernel(
        e.args.map((a) => evalExpr(a, rel, inSets)),
        n,
      );
    case 'InList':
      return evalIn(e, evalExpr(e.left, rel, inSets), listSet(e), n);
    case 'InTable': {
      const set = inSets.get(e);
      if (!set) throw new Error('internal: `in` subquery was not evaluated before use');
      return evalIn(e, evalExpr(e.left, rel, inSets), set, n);
    }
    default:
      return assertNever(e);
  }
}

const listSets = new WeakMap<InListExpr, InSet>();
function listSet(e: InListExpr): InSet {
  let s = listSets.get(e);
  if (!s) listSets.set(e, (s = buildInSet(e.values, e.caseInsensitive)));
  return s;
}

/**
 * `in` is an OR of equalities, `!in` an AND of inequalities (null-values.md): a null non-string
 * value gives false for `in` and true for `!in`. Strings are tested once per distinct value.
 */
function evalIn(e: InListExpr | InTableExpr, left: Column, set: InSet, n: number): Column {
  const neg = e.negated;
  switch (left.type) {
    case 'string':
      return perDistinctBool(left, (s) => set.strings.has(e.caseInsensitive ? foldCase(s) : s) !== neg);
    case 'int':
    case 'long':
    case 'real': {
      const values = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const valid = left.valid === null || left.valid[i] === 1;
        values[i] = (valid && set.numbers.has(left.values[i]!)) !== neg ? 1 : 0;
      }
      return boolColumn(values, null);
    }
    case 'datetime':
    case 'timespan': {
      const values = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const valid = left.valid === null || left.valid[i] === 1;
        values[i] = (valid && set.ticks.has(left.values[i]!)) !== neg ? 1 : 0;
      }
      return boolColumn(values, null);
    }
    case 'bool':
    case 'dynamic': {
      const values = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v =
          left.type === 'bool' ? (left.valid && left.valid[i] === 0 ? null : left.values[i] === 1) : left.values[i];
        const hit = v !== null && v !== undefined && set.strings.has(scalarToString(v as Scalar, left.type));
        values[i] = hit !== neg ? 1 : 0;
      }
      return boolColumn(values, null);
    }
  }
}

/** Row indices where a bool column is true (null and false are dropped, as `where` does). */
export function selectTrue(c: Column): Int32Array {
  if (c.type !== 'bool') throw new Error(`internal: predicate is ${c.type}`);
  const n = c.length;
  const v = c.values;
  const valid = c.valid;
  let count = 0;
  if (valid === null) for (let i = 0; i < n; i++) count += v[i] === 1 ? 1 : 0;
  else for (let i = 0; i < n; i++) count += v[i] === 1 && valid[i] === 1 ? 1 : 0;
  const out = new Int32Array(count);
  if (count === 0) return out;
  let k = 0;
  if (count === n) for (let i = 0; i < n; i++) out[i] = i;
  else if (valid === null) {
    for (let i = 0; i < n; i++) if (v[i] === 1) out[k++] = i;
  } else for (let i = 0; i < n; i++) if (v[i] === 1 && valid[i] === 1) out[k++] = i;
  return out;
}
