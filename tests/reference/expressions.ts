/**
 * Scalar expressions of the reference interpreter: each node is checked once for its Kusto type
 * and turned into a row -> value function. Nothing clever: every rule is written out where it is
 * used, with the kql-semantics section that decides it.
 */
import type { BinaryOp, Call, Expr, InExpr, JsonValue } from '../../src/engine/kql/ast';
import type { Scalar, ScalarType } from '../../src/engine/table/column';
import { floorTicks, parseIsoDateTime } from '../../src/engine/time/ticks';
import type { LetValue, RefColumn, RefTable } from './ref-table';
import {
  compareNonNull,
  datetimeDiff,
  fold,
  hasCi,
  hasCs,
  isNumericType,
  lower1to1,
  parseIntegerText,
  promoteNumeric,
  sameValue,
  toKustoString,
  upper1to1,
} from './values';

export type Row = readonly Scalar[];

export interface Compiled {
  readonly type: ScalarType;
  readonly ev: (row: Row) => Scalar;
}

/** What an expression can see: the current row's columns, `let` names, `now`, and tables. */
export interface ExprContext {
  readonly columns: readonly RefColumn[];
  readonly lets: ReadonlyMap<string, LetValue>;
  readonly now: bigint;
  isTabular(e: Expr): boolean;
  evalTable(e: Expr): RefTable;
}

function fail(msg: string): never {
  throw new Error(`reference: ${msg}`);
}

function constant(type: ScalarType, value: Scalar): Compiled {
  return { type, ev: () => value };
}

const LITERAL_TYPES: Readonly<Record<string, ScalarType>> = {
  bool: 'bool',
  int: 'int',
  long: 'long',
  real: 'real',
  string: 'string',
  datetime: 'datetime',
  timespan: 'timespan',
};

/** Kleene AND / OR (null-values.md; Decisions table "null logic"). */
function kleeneAnd(a: Scalar, b: Scalar): Scalar {
  if (a === false || b === false) return false;
  if (a === null || b === null) return null;
  return true;
}
function kleeneOr(a: Scalar, b: Scalar): Scalar {
  if (a === true || b === true) return true;
  if (a === null || b === null) return null;
  return false;
}

/** `==` with §1/§7 null rules: one null -> false, two nulls -> null. */
function eq(a: Scalar, b: Scalar, ci: boolean): Scalar {
  if (a === null && b === null) return null;
  if (a === null || b === null) return false;
  return sameValue(a, b, ci);
}
/** `!=`: one null -> true, two nulls -> null. */
function ne(a: Scalar, b: Scalar, ci: boolean): Scalar {
  const r = eq(a, b, ci);
  return r === null ? null : !r;
}

function comparable(a: ScalarType, b: ScalarType): boolean {
  if (isNumericType(a) && isNumericType(b)) return true;
  return a === b && a !== 'dynamic';
}

function compileCompare(op: BinaryOp, l: Compiled, r: Compiled): Compiled {
  if (op === '=~' || op === '!~') {
    if (l.type !== 'string' || r.type !== 'string') fail(`${op} needs strings, got ${l.type} and ${r.type}`);
    const want = op === '=~';
    return { type: 'bool', ev: (row) => (fold(l.ev(row) as string) === fold(r.ev(row) as string)) === want };
  }
  if (!comparable(l.type, r.type)) fail(`cannot compare ${l.type} with ${r.type}`);
  switch (op) {
    case '==':
      return { type: 'bool', ev: (row) => eq(l.ev(row), r.ev(row), false) };
    case '!=':
      return { type: 'bool', ev: (row) => ne(l.ev(row), r.ev(row), false) };
    default: {
      const test: (c: number) => boolean =
        op === '<' ? (c) => c < 0 : op === '<=' ? (c) => c <= 0 : op === '>' ? (c) => c > 0 : (c) => c >= 0;
      return {
        type: 'bool',
        ev: (row) => {
          const a = l.ev(row);
          const b = r.ev(row);
          // Ordering comparisons with a null operand give null (§7 general rule).
          if (a === null || b === null) return null;
          return test(compareNonNull(a, b));
        },
      };
    }
  }
}

function compileStringOp(op: BinaryOp, l: Compiled, r: Compiled): Compiled {
  if (l.type !== 'string' || r.type !== 'string') fail(`${op} needs strings, got ${l.type} and ${r.type}`);
  const negated = op.startsWith('!');
  const base = negated ? op.slice(1) : op;
  const cs = base.endsWith('_cs');
  const name = cs ? base.slice(0, -3) : base;
  let test: (h: string, n: string) => boolean;
  switch (name) {
    case 'has':
      test = cs ? hasCs : hasCi;
      break;
    case 'contains':
      test = cs ? (h, n) => h.includes(n) : (h, n) => fold(h).includes(fold(n));
      break;
    case 'startswith':
      test = cs ? (h, n) => h.startsWith(n) : (h, n) => fold(h).startsWith(fold(n));
      break;
    case 'endswith':
      test = cs ? (h, n) => h.endsWith(n) : (h, n) => fold(h).endsWith(fold(n));
      break;
    default:
      fail(`string operator ${op}`);
  }
  return { type: 'bool', ev: (row) => test(l.ev(row) as string, r.ev(row) as string) !== negated };
}

/** Result type of arithmetic per §7; throws where Kusto's binder would reject. */
function arithType(op: BinaryOp, a: ScalarType, b: ScalarType): ScalarType {
  if (isNumericType(a) && isNumericType(b)) return promoteNumeric(a, b);
  if (op === '-' && a === 'datetime' && b === 'datetime') return 'timespan';
  if ((op === '+' || op === '-') && a === 'datetime' && b === 'timespan') return 'datetime';
  if (op === '+' && a === 'timespan' && b === 'datetime') return 'datetime';
  if ((op === '+' || op === '-' || op === '%') && a === 'timespan' && b === 'timespan') return 'timespan';
  if (op === '/' && a === 'timespan' && b === 'timespan') return 'real';
  if ((op === '*' || op === '/') && a === 'timespan' && isNumericType(b)) return 'timespan';
  if (op === '*' && isNumericType(a) && b === 'timespan') return 'timespan';
  return fail(`no arithmetic ${a} ${op} ${b}`);
}

/** timespan scaled by a number: exact for integers; reals truncate toward zero to a tick. */
function scaleTicks(t: bigint, n: number, integer: boolean, divide: boolean): bigint | null {
  if (integer) {
    if (divide) return n === 0 ? null : t / BigInt(n);
    return t * BigInt(n);
  }
  const x = divide ? Number(t) / n : Number(t) * n;
  return Number.isFinite(x) ? BigInt(Math.trunc(x)) : null;
}

function compileArith(op: BinaryOp, l: Compiled, r: Compiled): Compiled {
  const type = arithType(op, l.type, r.type);
  const lt = l.type;
  const rt = r.type;
  const ev = (a: Scalar, b: Scalar): Scalar => {
    // Arithmetic with a null operand is null (§7).
    if (a === null || b === null) return null;
    if (typeof a === 'number' && typeof b === 'number') {
      const integer = type !== 'real';
      switch (op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          // long/long truncates toward zero like .NET integer division. Division by zero is not
          // documented for integers; null is this interpreter's choice (reals give +-Infinity/NaN).
          if (integer) return b === 0 ? null : Math.trunc(a / b);
          return a / b;
        case '%':
          // JS % keeps the dividend's sign, as .NET does.
          if (integer) return b === 0 ? null : a % b;
          return a % b;
      }
    }
    if (typeof a === 'bigint' && typeof b === 'bigint') {
      switch (op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '%':
          return b === 0n ? null : a % b;
        case '/':
          return b === 0n ? null : Number(a) / Number(b);
      }
    }
    if (typeof a === 'bigint' && typeof b === 'number') return scaleTicks(a, b, rt !== 'real', op === '/');
    if (typeof a === 'number' && typeof b === 'bigint') return scaleTicks(b, a, lt !== 'real', false);
    return fail(`arithmetic on ${typeof a} ${op} ${typeof b}`);
  };
  return { type, ev: (row) => ev(l.ev(row), r.ev(row)) };
}

function jsonToScalar(v: JsonValue): Scalar {
  return v as Scalar;
}

/** Values a dynamic array contributes to an `in` list: nested arrays are flattened (§3). */
function flatten(v: unknown, out: Scalar[]): void {
  if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else out.push((v ?? null) as Scalar);
}

function compileIn(e: InExpr, ctx: ExprContext): Compiled {
  const l = compile(e.left, ctx);
  const ci = e.op === 'in~' || e.op === '!in~';
  const negated = e.op.startsWith('!');
  // Each item yields, per row, a list of candidate values.
  const items: ((row: Row) => Scalar[])[] = e.items.map((item) => {
    if (ctx.isTabular(item)) {
      // Tabular item: its first column (§3); evaluated once, it does not depend on the row.
      const t = ctx.evalTable(item);
      if (t.columns.length === 0) fail('in: tabular expression without columns');
      const values = t.rows.map((r) => r[0] ?? null);
      return () => values;
    }
    const c = compile(item, ctx);
    if (c.type === 'dynamic')
      return (row) => {
        const out: Scalar[] = [];
        flatten(c.ev(row), out);
        return out;
      };
    return (row) => [c.ev(row)];
  });
  return {
    type: 'bool',
    ev: (row) => {
      const x = l.ev(row);
      // `in` is an OR of == and `!in` an AND of != (null-values.md, §3), in Kleene logic.
      let acc: Scalar = negated;
      for (const item of items)
        for (const v of item(row)) acc = negated ? kleeneAnd(acc, ne(x, v, ci)) : kleeneOr(acc, eq(x, v, ci));
      return acc;
    },
  };
}

function expectArgs(c: Call, min: number, max = min): void {
  if (c.args.length < min || c.args.length > max)
    fail(`${c.name}() takes ${min}..${max} arguments, got ${c.args.length}`);
}

function arg(c: Call, i: number): Expr {
  const a = c.args[i];
  if (a === undefined) return fail(`${c.name}(): missing argument ${i}`);
  return a;
}

/** Common type of `iff`/`case` branches: numerics promote, otherwise the types must agree. */
function unify(types: readonly ScalarType[]): ScalarType {
  let t = types[0]!;
  for (const u of types.slice(1)) {
    if (u === t) continue;
    if (isNumericType(t) && isNumericType(u)) t = promoteNumeric(t, u);
    else fail(`branches of different types ${t} and ${u}`);
  }
  return t;
}

function toNumber(v: Scalar, from: ScalarType): number | null {
  if (v === null) return null;
  switch (from) {
    case 'string':
      return parseIntegerText(v as string);
    case 'bool':
      return v ? 1 : 0;
    case 'int':
    case 'long':
    case 'real':
      return Number.isFinite(v as number) ? Math.trunc(v as number) : null;
    case 'datetime':
    case 'timespan':
      return Number(v as bigint);
    case 'dynamic':
      return typeof v === 'number' ? Math.trunc(v) : typeof v === 'string' ? parseIntegerText(v) : null;
  }
}

function compileCall(c: Call, ctx: ExprContext): Compiled {
  const name = c.name;
  const args = () => c.args.map((a) => compile(a, ctx));
  switch (name) {
    case 'not': {
      expectArgs(c, 1);
      const x = compile(arg(c, 0), ctx);
      if (x.type !== 'bool') fail('not() needs a bool');
      return {
        type: 'bool',
        ev: (row) => {
          const v = x.ev(row);
          return v === null ? null : !v;
        },
      };
    }
    case 'bin':
    case 'floor': {
      expectArgs(c, 2);
      const [x, size] = args() as [Compiled, Compiled];
      if ((x.type === 'datetime' || x.type === 'timespan') && size.type === 'timespan')
        return {
          type: x.type,
          ev: (row) => {
            const v = x.ev(row);
            const s = size.ev(row);
            // Null value or size, or a size <= 0, gives null (bin-function.md; 0 is undocumented).
            if (v === null || s === null || (s as bigint) <= 0n) return null;
            // Floor toward -infinity from tick 0 = 0001-01-01 (§4).
            return floorTicks(v as bigint, s as bigint);
          },
        };
      if (isNumericType(x.type) && isNumericType(size.type))
        return {
          type: promoteNumeric(x.type, size.type),
          ev: (row) => {
            const v = x.ev(row);
            const s = size.ev(row);
            if (v === null || s === null || (s as number) <= 0) return null;
            return Math.floor((v as number) / (s as number)) * (s as number);
          },
        };
      return fail(`bin(${x.type}, ${size.type})`);
    }
    case 'datetime_diff': {
      expectArgs(c, 3);
      const p = arg(c, 0);
      // K.L requires the period to be a literal string (§5).
      if (p.kind !== 'Literal' || p.type !== 'string') fail('datetime_diff period must be a string literal');
      const period = p.value as string;
      const a = compile(arg(c, 1), ctx);
      const b = compile(arg(c, 2), ctx);
      if (a.type !== 'datetime' || b.type !== 'datetime') fail('datetime_diff needs datetimes');
      return {
        type: 'long',
        ev: (row) => {
          const x = a.ev(row);
          const y = b.ev(row);
          return x === null || y === null ? null : datetimeDiff(period, x as bigint, y as bigint);
        },
      };
    }
    case 'now': {
      expectArgs(c, 0, 1);
      if (c.args.length === 0) return constant('datetime', ctx.now);
      const off = compile(arg(c, 0), ctx);
      if (off.type !== 'timespan') fail('now(offset) needs a timespan');
      return {
        type: 'datetime',
        ev: (row) => {
          const o = off.ev(row);
          return o === null ? null : ctx.now + (o as bigint);
        },
      };
    }
    case 'ago': {
      expectArgs(c, 1);
      const off = compile(arg(c, 0), ctx);
      if (off.type !== 'timespan') fail('ago() needs a timespan');
      return {
        type: 'datetime',
        ev: (row) => {
          const o = off.ev(row);
          return o === null ? null : ctx.now - (o as bigint);
        },
      };
    }
    case 'tolower':
    case 'toupper': {
      expectArgs(c, 1);
      const x = compile(arg(c, 0), ctx);
      const f = name === 'tolower' ? lower1to1 : upper1to1;
      return { type: 'string', ev: (row) => f(toKustoString(x.ev(row), x.type)) };
    }
    case 'strlen': {
      expectArgs(c, 1);
      const x = compile(arg(c, 0), ctx);
      // UTF-16 code units, which is what JS length counts.
      return { type: 'long', ev: (row) => toKustoString(x.ev(row), x.type).length };
    }
    case 'isnull':
    case 'isnotnull': {
      expectArgs(c, 1);
      const x = compile(arg(c, 0), ctx);
      const want = name === 'isnull';
      // Strings are never null, so isnull("") is false (§1).
      return { type: 'bool', ev: (row) => (x.ev(row) === null) === want };
    }
    case 'isempty':
    case 'isnotempty': {
      expectArgs(c, 1);
      const x = compile(arg(c, 0), ctx);
      const want = name === 'isempty';
      return {
        type: 'bool',
        ev: (row) => {
          const v = x.ev(row);
          return (v === null || v === '') === want;
        },
      };
    }
    case 'iff':
    case 'iif': {
      expectArgs(c, 3);
      const [cond, a, b] = args() as [Compiled, Compiled, Compiled];
      if (cond.type !== 'bool') fail('iff condition must be bool');
      // A null condition takes the else branch.
      return { type: unify([a.type, b.type]), ev: (row) => (cond.ev(row) === true ? a.ev(row) : b.ev(row)) };
    }
    case 'case': {
      if (c.args.length < 3 || c.args.length % 2 === 0) fail('case() needs predicate/value pairs and an else value');
      const all = args();
      const preds: Compiled[] = [];
      const vals: Compiled[] = [];
      for (let i = 0; i + 1 < all.length; i += 2) {
        preds.push(all[i]!);
        vals.push(all[i + 1]!);
      }
      const otherwise = all[all.length - 1]!;
      if (preds.some((p) => p.type !== 'bool')) fail('case predicates must be bool');
      return {
        type: unify([...vals.map((v) => v.type), otherwise.type]),
        ev: (row) => {
          for (let i = 0; i < preds.length; i++) if (preds[i]!.ev(row) === true) return vals[i]!.ev(row);
          return otherwise.ev(row);
        },
      };
    }
    case 'tostring': {
      expectArgs(c, 1);
      const x = compile(arg(c, 0), ctx);
      return { type: 'string', ev: (row) => toKustoString(x.ev(row), x.type) };
    }
    case 'strcat': {
      if (c.args.length < 1) fail('strcat() needs arguments');
      const xs = args();
      return { type: 'string', ev: (row) => xs.map((x) => toKustoString(x.ev(row), x.type)).join('') };
    }
    case 'tolong':
    case 'toint': {
      expectArgs(c, 1);
      const x = compile(arg(c, 0), ctx);
      const isInt = name === 'toint';
      return {
        type: isInt ? 'int' : 'long',
        ev: (row) => {
          const n = toNumber(x.ev(row), x.type);
          // Out-of-range int is treated as invalid, i.e. null (undocumented).
          if (n !== null && isInt && (n > 2147483647 || n < -2147483648)) return null;
          return n;
        },
      };
    }
    case 'todatetime': {
      expectArgs(c, 1);
      const x = compile(arg(c, 0), ctx);
      if (x.type === 'datetime') return x;
      if (x.type !== 'string' && x.type !== 'dynamic') fail(`todatetime(${x.type})`);
      return {
        type: 'datetime',
        ev: (row) => {
          const v = x.ev(row);
          return typeof v === 'string' ? parseIsoDateTime(v) : null;
        },
      };
    }
    case 'materialize':
      return fail('materialize() of a tabular expression where a scalar is expected');
    default:
      return fail(`function ${name}() is not supported`);
  }
}

/** Type-checks `e` in `ctx` and returns its row function. Throws on anything unsupported. */
export function compile(e: Expr, ctx: ExprContext): Compiled {
  switch (e.kind) {
    case 'Name': {
      const i = ctx.columns.findIndex((c) => c.name === e.name);
      if (i >= 0) return { type: ctx.columns[i]!.type, ev: (row) => row[i] ?? null };
      const bound = ctx.lets.get(e.name);
      if (bound?.kind === 'scalar') return constant(bound.type, bound.value);
      return fail(`unknown column or scalar '${e.name}'`);
    }
    case 'Path':
      return fail(`$${e.side}.${e.name} outside a join condition`);
    case 'Literal': {
      const t = LITERAL_TYPES[e.type];
      if (t === undefined) return fail(`literal type ${e.type}`);
      return constant(t, e.value);
    }
    case 'Dynamic':
      return constant('dynamic', jsonToScalar(e.value));
    case 'Unary': {
      const x = compile(e.operand, ctx);
      if (!isNumericType(x.type) && x.type !== 'timespan') fail(`unary ${e.op} on ${x.type}`);
      if (e.op === '+') return x;
      return {
        type: x.type,
        ev: (row) => {
          const v = x.ev(row);
          if (v === null) return null;
          return typeof v === 'bigint' ? -v : 0 - (v as number);
        },
      };
    }
    case 'Binary': {
      const op = e.op;
      const l = compile(e.left, ctx);
      const r = compile(e.right, ctx);
      if (op === 'and' || op === 'or') {
        if (l.type !== 'bool' || r.type !== 'bool') fail(`${op} needs bools`);
        const f = op === 'and' ? kleeneAnd : kleeneOr;
        return { type: 'bool', ev: (row) => f(l.ev(row), r.ev(row)) };
      }
      if (
        op === '==' ||
        op === '!=' ||
        op === '<' ||
        op === '<=' ||
        op === '>' ||
        op === '>=' ||
        op === '=~' ||
        op === '!~'
      )
        return compileCompare(op, l, r);
      if (op === '+' || op === '-' || op === '*' || op === '/' || op === '%') return compileArith(op, l, r);
      return compileStringOp(op, l, r);
    }
    case 'In':
      return compileIn(e, ctx);
    case 'Between': {
      const x = compile(e.left, ctx);
      const lo = compile(e.low, ctx);
      let hi = compile(e.high, ctx);
      // `between (datetime(...) .. 3d)`: a timespan upper end is relative to the lower end (§6).
      if (x.type === 'datetime' && lo.type === 'datetime' && hi.type === 'timespan') {
        const span = hi;
        hi = {
          type: 'datetime',
          ev: (row) => {
            const a = lo.ev(row);
            const b = span.ev(row);
            return a === null || b === null ? null : (a as bigint) + (b as bigint);
          },
        };
      }
      if (!comparable(x.type, lo.type) || !comparable(x.type, hi.type)) fail(`between on ${x.type}`);
      const cmp = (a: Scalar, b: Scalar, test: (c: number) => boolean): Scalar =>
        a === null || b === null ? null : test(compareNonNull(a, b));
      // Inclusive: x >= lo and x <= hi; negated: x < lo or x > hi (§6), in Kleene logic.
      return {
        type: 'bool',
        ev: (row) => {
          const v = x.ev(row);
          const a = lo.ev(row);
          const b = hi.ev(row);
          return e.negated
            ? kleeneOr(
                cmp(v, a, (c) => c < 0),
                cmp(v, b, (c) => c > 0),
              )
            : kleeneAnd(
                cmp(v, a, (c) => c >= 0),
                cmp(v, b, (c) => c <= 0),
              );
        },
      };
    }
    case 'Call':
      return compileCall(e, ctx);
    case 'Paren':
      return compile(e.expr, ctx);
    case 'Pipe':
    case 'Union':
    case 'Datatable':
    case 'Print':
      return fail('tabular expression where a scalar is expected');
  }
}
