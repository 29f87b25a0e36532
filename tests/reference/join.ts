/** `join` in the reference interpreter: a nested loop over both sides, per kql-semantics §8-§10. */
import type { Expr, JoinOp } from '../../src/engine/kql/ast';
import type { Scalar } from '../../src/engine/table/column';
import { uniqueNames } from './naming';
import type { RefColumn, RefTable } from './ref-table';
import { emptyValue, sameValue, valueKey } from './values';

function fail(msg: string): never {
  throw new Error(`reference: ${msg}`);
}

const KIND_ALIASES: Readonly<Record<string, string>> = {
  inner: 'inner',
  innerunique: 'innerunique',
  leftouter: 'leftouter',
  rightouter: 'rightouter',
  fullouter: 'fullouter',
  leftsemi: 'leftsemi',
  leftanti: 'leftanti',
  anti: 'leftanti',
  leftantisemi: 'leftanti',
  rightsemi: 'rightsemi',
  rightanti: 'rightanti',
  rightantisemi: 'rightanti',
};

function strip(e: Expr): Expr {
  return e.kind === 'Paren' ? strip(e.expr) : e;
}

function indexOf(columns: readonly RefColumn[], name: string, side: string): number {
  const i = columns.findIndex((c) => c.name === name);
  if (i < 0) fail(`join: no column '${name}' on the ${side} side`);
  return i;
}

/** The (left column, right column) pairs of the `on` clause (§10). */
function keyPairs(on: readonly Expr[], left: RefTable, right: RefTable): [number, number][] {
  const pairs: [number, number][] = [];
  const visit = (raw: Expr): void => {
    const e = strip(raw);
    if (e.kind === 'Name') {
      pairs.push([indexOf(left.columns, e.name, 'left'), indexOf(right.columns, e.name, 'right')]);
      return;
    }
    if (e.kind === 'Binary' && e.op === 'and') {
      visit(e.left);
      visit(e.right);
      return;
    }
    if (e.kind === 'Binary' && e.op === '==') {
      const a = strip(e.left);
      const b = strip(e.right);
      if (a.kind === 'Path' && b.kind === 'Path' && a.side !== b.side) {
        const l = a.side === 'left' ? a : b;
        const r = a.side === 'left' ? b : a;
        pairs.push([indexOf(left.columns, l.name, 'left'), indexOf(right.columns, r.name, 'right')]);
        return;
      }
    }
    fail('join: unsupported on-clause item');
  };
  on.forEach(visit);
  if (pairs.length === 0) fail('join: empty on clause');
  for (const [l, r] of pairs) {
    const lt = left.columns[l]!.type;
    const rt = right.columns[r]!.type;
    const numeric = (t: string) => t === 'int' || t === 'long' || t === 'real';
    if (lt === 'dynamic' || rt === 'dynamic') fail('join: dynamic keys are rejected by K.L (§8)');
    if (lt !== rt && !(numeric(lt) && numeric(rt))) fail(`join: key types ${lt} and ${rt} differ`);
  }
  return pairs;
}

/** Keys equal pairwise; a null non-string key never matches (Decisions), "" matches "" (§8). */
function keysMatch(l: readonly Scalar[], r: readonly Scalar[], pairs: readonly [number, number][]): boolean {
  for (const [li, ri] of pairs) {
    const a = l[li] ?? null;
    const b = r[ri] ?? null;
    if (a === null || b === null) return false;
    if (!sameValue(a, b, false)) return false;
  }
  return true;
}

/** Runs `left | join kind=... (right) on ...`; the output schema follows §9. */
export function runJoin(left: RefTable, right: RefTable, op: JoinOp): RefTable {
  const kindParam = op.params.find((p) => p.name === 'kind')?.value ?? 'innerunique';
  const kind = KIND_ALIASES[kindParam];
  if (kind === undefined) return fail(`join kind=${kindParam}`);
  const pairs = keyPairs(op.on, left, right);

  let leftRows = left.rows;
  if (kind === 'innerunique') {
    // The left side is de-duplicated on the key first, keeping the first row per key (§8, Decisions).
    const seen = new Set<string>();
    leftRows = leftRows.filter((r) => {
      const k = pairs.map(([li]) => valueKey(r[li] ?? null)).join('|');
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  if (kind === 'leftsemi' || kind === 'leftanti') {
    const want = kind === 'leftsemi';
    return {
      columns: left.columns,
      rows: leftRows.filter((l) => right.rows.some((r) => keysMatch(l, r, pairs)) === want),
    };
  }
  if (kind === 'rightsemi' || kind === 'rightanti') {
    const want = kind === 'rightsemi';
    return {
      columns: right.columns,
      rows: right.rows.filter((r) => leftRows.some((l) => keysMatch(l, r, pairs)) === want),
    };
  }

  // Every left column, then every right column (including the right copy of each key), renamed
  // unique with the `name + k` rule (§9).
  const raw = [...left.columns, ...right.columns];
  const names = uniqueNames(raw.map((c) => c.name));
  const columns = raw.map((c, i) => ({ name: names[i]!, type: c.type }));
  const emptyLeft = left.columns.map((c) => emptyValue(c.type));
  const emptyRight = right.columns.map((c) => emptyValue(c.type));

  const rows: Scalar[][] = [];
  const rightMatched = new Array<boolean>(right.rows.length).fill(false);
  for (const l of leftRows) {
    let matched = false;
    right.rows.forEach((r, ri) => {
      if (!keysMatch(l, r, pairs)) return;
      matched = true;
      rightMatched[ri] = true;
      rows.push([...l, ...r]);
    });
    // Unmatched outer rows get the other side's empty values: "" for strings, null otherwise (§8).
    if (!matched && (kind === 'leftouter' || kind === 'fullouter')) rows.push([...l, ...emptyRight]);
  }
  if (kind === 'rightouter' || kind === 'fullouter')
    right.rows.forEach((r, ri) => {
      if (!rightMatched[ri]) rows.push([...emptyLeft, ...r]);
    });
  return { columns, rows };
}
