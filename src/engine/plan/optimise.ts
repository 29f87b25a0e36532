/**
 * Optimiser rules: pure plan → plan rewrites that never change a result (the property tests
 * against the reference interpreter check that).
 *
 * 1. Filter push-down past joins: a `where` conjunct that reads only left columns commutes with an
 *    inner or left-outer join (the row it tests is the same before and after), and one that reads
 *    only right columns commutes with an inner join. The rule's time-window filter sits above its
 *    left-outer boot join; pushing it down puts it right above the per-device inner join.
 * 2. Band joins: a filter `datetime_diff(unit, R, L) between (lo .. hi)` directly above an inner
 *    join, with R and L datetime columns of opposite sides, bounds `R - L` to a tick range. The join
 *    records that range so the executor sorts each key's rows by time and sweeps, instead of forming
 *    the per-key Cartesian product. The filter stays as the exact predicate on the candidates.
 */
import type { BandSpec, BoundExpr, BoundQuery, BoundTabular, FilterNode, JoinNode } from '../bind/bound';
import { assertNever } from '../kql/ast';
import {
  TICKS_PER_DAY,
  TICKS_PER_HOUR,
  TICKS_PER_MILLISECOND,
  TICKS_PER_MINUTE,
  TICKS_PER_SECOND,
} from '../time/ticks';

const FIXED_UNITS: Readonly<Record<string, bigint>> = {
  day: TICKS_PER_DAY,
  hour: TICKS_PER_HOUR,
  minute: TICKS_PER_MINUTE,
  second: TICKS_PER_SECOND,
  millisecond: TICKS_PER_MILLISECOND,
  microsecond: 10n,
};

export function optimise(query: BoundQuery): BoundQuery {
  return {
    ...query,
    lets: query.lets.map((l) => ({ ...l, plan: rewrite(l.plan) })),
    result: rewrite(query.result),
  };
}

/** Splits a predicate into its top-level `and` conjuncts. */
function conjuncts(e: BoundExpr): BoundExpr[] {
  if (e.kind === 'Call' && e.fn.name === 'and') return [...conjuncts(e.args[0]!), ...conjuncts(e.args[1]!)];
  return [e];
}

/** Column indices an expression reads from its own input (subquery plans have their own inputs). */
function columnsRead(e: BoundExpr, out = new Set<number>()): Set<number> {
  switch (e.kind) {
    case 'ColumnRef':
      out.add(e.index);
      return out;
    case 'Constant':
      return out;
    case 'Call':
      e.args.forEach((a) => columnsRead(a, out));
      return out;
    case 'InList':
    case 'InTable':
      return columnsRead(e.left, out);
    default:
      return assertNever(e);
  }
}

/** Shifts column references by `delta` (right-side conjuncts moved into the right input). */
function shift(e: BoundExpr, delta: number): BoundExpr {
  switch (e.kind) {
    case 'ColumnRef':
      return { ...e, index: e.index + delta };
    case 'Constant':
      return e;
    case 'Call':
      return { ...e, args: e.args.map((a) => shift(a, delta)) };
    case 'InList':
    case 'InTable':
      return { ...e, left: shift(e.left, delta) };
    default:
      return assertNever(e);
  }
}

function rewriteChildren(node: BoundTabular): BoundTabular {
  switch (node.kind) {
    case 'Scan':
    case 'LetRef':
    case 'Values':
      return node;
    case 'Filter':
      return { ...node, input: rewrite(node.input), predicate: rewriteExpr(node.predicate) };
    case 'Project':
      return {
        ...node,
        input: rewrite(node.input),
        columns: node.columns.map((c) => ({ ...c, expr: rewriteExpr(c.expr) })),
      };
    case 'Summarize':
    case 'Take':
    case 'Sort':
    case 'Distinct':
    case 'Count':
      return { ...node, input: rewrite(node.input) } as BoundTabular;
    case 'Join':
      return { ...node, left: rewrite(node.left), right: rewrite(node.right) };
    case 'Union':
      return { ...node, inputs: node.inputs.map(rewrite) };
    default:
      return assertNever(node);
  }
}

function rewriteExpr(e: BoundExpr): BoundExpr {
  switch (e.kind) {
    case 'ColumnRef':
    case 'Constant':
      return e;
    case 'Call':
      return { ...e, args: e.args.map(rewriteExpr) };
    case 'InList':
      return { ...e, left: rewriteExpr(e.left) };
    case 'InTable':
      return { ...e, left: rewriteExpr(e.left), table: rewrite(e.table) };
    default:
      return assertNever(e);
  }
}

function rewrite(node: BoundTabular): BoundTabular {
  if (node.kind !== 'Filter') return rewriteChildren(node);
  // Collect a chain of filters and the node under it.
  const chain: FilterNode[] = [];
  let below: BoundTabular = node;
  while (below.kind === 'Filter') {
    chain.push(below);
    below = below.input;
  }
  if (below.kind !== 'Join' || (below.joinKind !== 'inner' && below.joinKind !== 'leftouter')) {
    // Nothing to push into: rewrite what is under the chain once and re-stack the chain (a long
    // chain of `where` must not be re-walked once per filter).
    return chain.reduceRight<BoundTabular>(
      (acc, f) => ({ ...f, input: acc, predicate: rewriteExpr(f.predicate) }),
      rewrite(below),
    );
  }
  const join = below;
  const leftWidth = join.left.schema.length;
  const toLeft: FilterNode[] = [];
  const toRight: FilterNode[] = [];
  const stay: FilterNode[] = [];
  // Outermost filter first in `chain`; keep their relative order when re-stacking.
  for (const f of chain) {
    const cols = columnsRead(f.predicate);
    const onlyLeft = [...cols].every((c) => c < leftWidth);
    const onlyRight = [...cols].every((c) => c >= leftWidth);
    if (cols.size > 0 && onlyLeft) toLeft.push(f);
    else if (cols.size > 0 && onlyRight && join.joinKind === 'inner') toRight.push(f);
    else stay.push(f);
  }
  if (toLeft.length === 0 && toRight.length === 0 && (join.joinKind !== 'inner' || join.band)) {
    return rewriteChildren(node);
  }
  const restack = (input: BoundTabular, filters: FilterNode[], delta: number): BoundTabular =>
    filters.reduceRight<BoundTabular>(
      (acc, f) => ({
        ...f,
        input: acc,
        schema: acc.schema,
        predicate: delta ? shift(f.predicate, delta) : f.predicate,
      }),
      input,
    );
  let newJoin: JoinNode = {
    ...join,
    left: restack(join.left, toLeft, 0),
    right: restack(join.right, toRight, -leftWidth),
  };
  if (newJoin.joinKind === 'inner' && !newJoin.band) {
    for (const f of stay) {
      const band = bandOf(f.predicate, newJoin);
      if (band) {
        newJoin = { ...newJoin, band };
        break;
      }
    }
  }
  // Rewrite below (the pushed filters may meet further joins), then re-stack what stays.
  const rewrittenJoin = rewriteChildren(newJoin);
  return restack(rewrittenJoin, stay, 0) as BoundTabular;
}

/** The tick band implied by a `datetime_diff(unit, a, b) between (lo .. hi)` conjunct, if any. */
function bandOf(predicate: BoundExpr, join: JoinNode): BandSpec | undefined {
  const leftWidth = join.left.schema.length;
  for (const c of conjuncts(predicate)) {
    if (c.kind !== 'Call' || c.fn.name !== 'between') continue;
    const [diff, lo, hi] = c.args as [BoundExpr, BoundExpr, BoundExpr];
    if (
      lo.kind !== 'Constant' ||
      hi.kind !== 'Constant' ||
      typeof lo.value !== 'number' ||
      typeof hi.value !== 'number'
    )
      continue;
    if (!Number.isInteger(lo.value) || !Number.isInteger(hi.value)) continue;
    if (diff.kind !== 'Call' || diff.fn.name !== 'datetime_diff') continue;
    const [period, a, b] = diff.args as [BoundExpr, BoundExpr, BoundExpr];
    if (period.kind !== 'Constant' || typeof period.value !== 'string') continue;
    const unit = FIXED_UNITS[period.value.toLowerCase()];
    if (!unit || a.kind !== 'ColumnRef' || b.kind !== 'ColumnRef') continue;
    if (a.type !== 'datetime' || b.type !== 'datetime') continue;
    let right: number;
    let left: number;
    let min = BigInt(lo.value);
    let max = BigInt(hi.value);
    if (a.index >= leftWidth && b.index < leftWidth) {
      right = a.index - leftWidth;
      left = b.index;
    } else if (b.index >= leftWidth && a.index < leftWidth) {
      // idx(L) - idx(R) in [lo, hi]  ⇔  idx(R) - idx(L) in [-hi, -lo]
      right = b.index - leftWidth;
      left = a.index;
      [min, max] = [-max, -min];
    } else continue;
    if (min > max) continue;
    // floor(R/u) - floor(L/u) in [min, max]  ⇒  R - L in [(min-1)u + 1, (max+1)u - 1].
    return { leftTime: left, rightTime: right, lo: (min - 1n) * unit + 1n, hi: (max + 1n) * unit - 1n, text: c.text };
  }
  return undefined;
}
