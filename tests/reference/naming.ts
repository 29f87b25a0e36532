/** Output column naming of the reference interpreter (kql-semantics §9, §11, §12). */
import type { Expr } from '../../src/engine/kql/ast';

/**
 * K.L `MakeColumnNamesUnique` (§9): every distinct name is reserved first; each later duplicate
 * becomes `name + k` with the smallest k >= 1 (continuing from the last k used for that base) that
 * is not taken. `[c, c, c1]` -> `[c, c2, c1]`.
 */
export function uniqueNames(names: readonly string[]): string[] {
  const taken = new Set(names);
  const seen = new Set<string>();
  const nextSuffix = new Map<string, number>();
  return names.map((n) => {
    if (!seen.has(n)) {
      seen.add(n);
      return n;
    }
    let k = nextSuffix.get(n) ?? 1;
    while (taken.has(`${n}${k}`)) k++;
    const renamed = `${n}${k}`;
    taken.add(renamed);
    seen.add(renamed);
    nextSuffix.set(n, k + 1);
    return renamed;
  });
}

function strip(e: Expr): Expr {
  return e.kind === 'Paren' ? strip(e.expr) : e;
}

/**
 * The name an unnamed expression takes, or null when Kusto generates one (`Column1`, `print_0`).
 * A bare column keeps its name; `bin(X, ...)`/`floor(X, ...)` take their first argument's name
 * (K.L ResultNameKind.FirstArgument, §4, §11).
 */
export function expressionName(e: Expr): string | null {
  const x = strip(e);
  if (x.kind === 'Name') return x.name;
  if (x.kind === 'Path') return x.name;
  if (x.kind === 'Call' && (x.name === 'bin' || x.name === 'floor') && x.args[0] !== undefined)
    return expressionName(x.args[0]);
  return null;
}

const AGG_PREFIX: Readonly<Record<string, string>> = {
  count: 'count',
  countif: 'countif',
  dcount: 'dcount',
  min: 'min',
  max: 'max',
  sum: 'sum',
  avg: 'avg',
  make_set: 'set',
  make_list: 'list',
};

/**
 * Default name of an aggregate (K.L `PrefixAndFirstArgument`, §12): `count_`, `countif_`,
 * `dcount_X`, `min_X`, `max_X`, `sum_X`, `avg_X`, `set_X`, `list_X`. Predicates of countif do not
 * contribute a name; an unnamed non-column argument gives just the prefix and `_` (assumed).
 */
export function aggregateName(fn: string, args: readonly Expr[]): string {
  const prefix = AGG_PREFIX[fn];
  if (prefix === undefined) throw new Error(`reference: aggregate ${fn}() has no default name`);
  if (fn === 'count' || fn === 'countif') return `${prefix}_`;
  const first = args[0];
  const argName = first === undefined ? null : expressionName(first);
  return `${prefix}_${argName ?? ''}`;
}
