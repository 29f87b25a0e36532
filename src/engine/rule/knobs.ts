/**
 * The rule's other constants as knobs (issue "Tuning"): the RPC → DCOM window, the boot grace and
 * the child exclusions. Each is found in the syntax tree (not by a regex over the text) and edited
 * by splicing the query text at the node's span, so comments and layout survive and the exported
 * KQL is the rule the analyst ran. A rule without the construct gets null (the knob is unsupported).
 *
 * - window: `where datetime_diff(unit, a, b) between (lo .. hi)`: integer bounds.
 * - boot grace: the timespan literal in `LastBootTime + 5m` inside the boot filter. It composes with
 *   `setUnknownBoot(…, 'keep')` in either order (that edit wraps the predicate and keeps the literal).
 * - child exclusions: the string list of `FileName !in~ ("csc.exe")`. An empty list is printed as
 *   `FileName !in~ (dynamic([]))`: Kusto's `in` flattens a dynamic array argument (the form the
 *   emptied allow-list `let … = dynamic([])` already takes), so an empty array excludes nothing.
 *   `!in~ ()` is outside Kusto's grammar (the list needs an expression), and `!in~ ("")` would
 *   exclude children with an empty file name, which is not "no exclusions".
 */
import type { Expr, Query } from '../kql/ast';
import { parseQuery } from '../kql/parser';
import { TICKS_PER_SECOND } from '../time/ticks';
import { checkBootGrace, checkExclusions, checkWindow, formatTimespanLiteral, type RuleKnobs } from './knob-values';
import { kqlString } from './rule';

export * from './knob-values';

export interface RuleWindow {
  readonly lo: number;
  readonly hi: number;
  /** The datetime_diff unit as written (`second`). */
  readonly unit: string;
}

/** Every node of a tree, depth first (object values only; spans and scalars are skipped). */
function nodes(root: unknown): Expr[] {
  const out: Expr[] = [];
  const visit = (x: unknown): void => {
    if (x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const v of x) visit(v);
      return;
    }
    const kind = (x as { kind?: unknown }).kind;
    if (typeof kind === 'string') out.push(x as Expr);
    for (const [k, v] of Object.entries(x)) if (k !== 'span' && typeof v === 'object') visit(v);
  };
  visit(root);
  return out;
}

/** Exactly one match, or null (absent, or ambiguous: a knob must not guess which one to edit). */
function single<T>(xs: readonly T[]): T | null {
  return xs.length === 1 ? xs[0]! : null;
}

/** An integer literal, possibly negated: `2`, `-3`. */
function intValue(e: Expr): number | null {
  if (e.kind === 'Literal' && (e.type === 'long' || e.type === 'int') && typeof e.value === 'number')
    return Number.isInteger(e.value) ? e.value : null;
  if (e.kind === 'Unary') {
    const v = intValue(e.operand);
    return v === null ? null : e.op === '-' ? -v : v;
  }
  if (e.kind === 'Paren') return intValue(e.expr);
  return null;
}

function findWindow(query: Query) {
  return single(
    nodes(query).filter(
      (n): n is Extract<Expr, { kind: 'Between' }> =>
        n.kind === 'Between' &&
        !n.negated &&
        n.left.kind === 'Call' &&
        n.left.name === 'datetime_diff' &&
        intValue(n.low) !== null &&
        intValue(n.high) !== null,
    ),
  );
}

/** The window's bounds, or null when the rule has no (single) `datetime_diff(...) between (lo .. hi)`. */
export function readWindow(queryText: string): RuleWindow | null {
  const b = findWindow(parseQuery(queryText).query);
  if (!b || b.left.kind !== 'Call') return null;
  const unitArg = b.left.args[0];
  const unit = unitArg?.kind === 'Literal' && typeof unitArg.value === 'string' ? unitArg.value : '';
  return { lo: intValue(b.low)!, hi: intValue(b.high)!, unit };
}

/** Sets the window to `between (lo .. hi)`; null when the rule has no window. Throws RangeError on bad bounds. */
export function setWindow(queryText: string, lo: number, hi: number): string | null {
  checkWindow(lo, hi);
  const b = findWindow(parseQuery(queryText).query);
  if (!b) return null;
  // High first: its span lies after the low bound's, so the low span's offsets stay valid.
  const t1 = queryText.slice(0, b.high.span.start) + String(hi) + queryText.slice(b.high.span.end);
  return t1.slice(0, b.low.span.start) + String(lo) + t1.slice(b.low.span.end);
}

function findBootFilter(query: Query, column: string) {
  // The first `where` that mentions the boot column (as setUnknownBoot does).
  const where = nodes(query).find(
    (n) => (n as { kind: string }).kind === 'Where' && nodes(n).some((x) => x.kind === 'Name' && x.name === column),
  ) as unknown as { predicate: Expr } | undefined;
  if (!where) return null;
  const adds = nodes(where.predicate).filter(
    (n): n is Extract<Expr, { kind: 'Binary' }> =>
      n.kind === 'Binary' &&
      n.op === '+' &&
      ((n.left.kind === 'Name' &&
        n.left.name === column &&
        n.right.kind === 'Literal' &&
        n.right.type === 'timespan') ||
        (n.right.kind === 'Name' &&
          n.right.name === column &&
          n.left.kind === 'Literal' &&
          n.left.type === 'timespan')),
  );
  const add = single(adds);
  if (!add) return null;
  const lit = add.left.kind === 'Literal' ? add.left : add.right;
  return lit.kind === 'Literal' ? lit : null;
}

/** The boot grace in seconds (`LastBootTime+5m` → 300), or null when the boot filter has no such literal. */
export function readBootGrace(queryText: string, column = 'LastBootTime'): number | null {
  const lit = findBootFilter(parseQuery(queryText).query, column);
  if (!lit || typeof lit.value !== 'bigint') return null;
  return Number(lit.value) / Number(TICKS_PER_SECOND);
}

/** Sets the boot grace literal; null when the rule has none. Throws RangeError on bad values. */
export function setBootGrace(queryText: string, seconds: number, column = 'LastBootTime'): string | null {
  checkBootGrace(seconds);
  const lit = findBootFilter(parseQuery(queryText).query, column);
  if (!lit) return null;
  return queryText.slice(0, lit.span.start) + formatTimespanLiteral(seconds) + queryText.slice(lit.span.end);
}

function findExclusions(query: Query) {
  return single(
    nodes(query).filter(
      (n): n is Extract<Expr, { kind: 'In' }> =>
        n.kind === 'In' &&
        (n.op === '!in~' || n.op === '!in') &&
        n.left.kind === 'Name' &&
        n.left.name === 'FileName' &&
        n.items.length > 0 &&
        n.items.every(
          (i) =>
            (i.kind === 'Literal' && typeof i.value === 'string') ||
            (i.kind === 'Dynamic' && Array.isArray(i.value) && i.value.every((v) => typeof v === 'string')),
        ),
    ),
  );
}

/** The child exclusions (`FileName !in~ ("csc.exe")` → ["csc.exe"]), or null when the rule has none. */
export function readChildExclusions(queryText: string): string[] | null {
  const e = findExclusions(parseQuery(queryText).query);
  if (!e) return null;
  return e.items.flatMap((i) =>
    i.kind === 'Literal' ? [i.value as string] : i.kind === 'Dynamic' ? (i.value as string[]) : [],
  );
}

/** Replaces the exclusion list (empty: `dynamic([])`); null when the rule has none. Throws RangeError on bad names. */
export function setChildExclusions(queryText: string, names: readonly string[]): string | null {
  checkExclusions(names);
  const e = findExclusions(parseQuery(queryText).query);
  if (!e) return null;
  const start = e.items[0]!.span.start;
  const end = e.items[e.items.length - 1]!.span.end;
  const items = names.length === 0 ? 'dynamic([])' : names.map(kqlString).join(', ');
  return queryText.slice(0, start) + items + queryText.slice(end);
}

/** The knobs a rule supports, as written (null: the rule lacks the construct). */
export function readKnobs(queryText: string): {
  readonly window: RuleWindow | null;
  readonly bootGraceSeconds: number | null;
  readonly childExclusions: readonly string[] | null;
} {
  return {
    window: readWindow(queryText),
    bootGraceSeconds: readBootGrace(queryText),
    childExclusions: readChildExclusions(queryText),
  };
}

/** A knob the rule does not have (the message names it). */
export class KnobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleError';
  }
}

/** Applies every set knob; throws KnobError when the rule lacks one, RangeError on a bad value. */
export function applyKnobs(queryText: string, knobs: RuleKnobs): string {
  let q = queryText;
  if (knobs.window !== undefined) {
    const next = setWindow(q, knobs.window.lo, knobs.window.hi);
    if (next === null) throw new KnobError('the rule has no `datetime_diff(...) between (lo .. hi)` window to tune');
    q = next;
  }
  if (knobs.bootGraceSeconds !== undefined) {
    const next = setBootGrace(q, knobs.bootGraceSeconds);
    if (next === null) throw new KnobError('the rule has no `LastBootTime + <timespan>` boot grace to tune');
    q = next;
  }
  if (knobs.childExclusions !== undefined) {
    const next = setChildExclusions(q, knobs.childExclusions);
    if (next === null) throw new KnobError('the rule has no `FileName !in~ (...)` child exclusions to tune');
    q = next;
  }
  return q;
}
