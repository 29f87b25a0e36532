import fc from 'fast-check';
import type { BinaryOp, ColumnExpr, Expr, InOp, JsonValue, Literal, Operator, Span } from '../../../src/engine/kql/ast';
import { formatDateTime, MAX_DATETIME_TICKS, parseTimespanLiteral } from '../../../src/engine/time/ticks';

/**
 * Random syntax trees in the shape the parser produces, except that parentheses are left to the
 * printer: a child that binds more loosely than its position has no `Paren` around it here.
 * Literal `text` is always what the lexer would keep for that value, so `parse(print(t))` can be
 * compared with `t` after removing spans and `Paren` nodes.
 */

const span: Span = { start: 0, end: 0 };

// Names the parser reads as syntax in some position (`print`, `union`, `true`, `has`, ...) are left
// out: as bare names they are ambiguous in KQL itself, and the printer only brackets column names.
const NAMES = ['a', 'b', 'T', 'Col1', '_x', 'count', 'kind', 'where', 'project', 'DeviceId', 'LastBootTime'];
const CALLS = ['f', 'bin', 'not', 'count', 'materialize', 'datetime_diff', 'strcat', 'isempty', 'ago'];
const UNITS = ['d', 'h', 'm', 's', 'ms', 'tick', 'microsecond', 'min', 'hours', 'seconds'];
const BINARY_OPS: readonly BinaryOp[] = [
  'and',
  'or',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '=~',
  '!~',
  'has',
  '!has',
  'has_cs',
  '!has_cs',
  'contains',
  '!contains',
  'contains_cs',
  '!contains_cs',
  'startswith',
  '!startswith',
  'startswith_cs',
  '!startswith_cs',
  'endswith',
  '!endswith',
  'endswith_cs',
  '!endswith_cs',
  '+',
  '-',
  '*',
  '/',
  '%',
];
const IN_OPS: readonly InOp[] = ['in', '!in', 'in~', '!in~'];

function lit(type: Literal['type'], value: Literal['value'], text: string): Literal {
  return { kind: 'Literal', type, value, text, span };
}

const nameArb: fc.Arbitrary<Expr> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(...NAMES).map((name): Expr => ({ kind: 'Name', name, bracketed: false, span })),
  },
  {
    weight: 1,
    arbitrary: fc.string({ maxLength: 6 }).map((name): Expr => ({ kind: 'Name', name, bracketed: true, span })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ side: fc.constantFrom<'left' | 'right'>('left', 'right'), name: fc.constantFrom(...NAMES) })
      .map((p): Expr => ({ kind: 'Path', ...p, span })),
  },
);

const realText = fc
  .double({ min: 0, max: 1e300, noNaN: true, noDefaultInfinity: true })
  .filter((v) => !Object.is(v, -0))
  .map((v) => {
    const s = String(v);
    // A whole number prints without a point and would lex as a long.
    return /^\d+$/.test(s) ? `${s}.0` : s;
  });

const stringLiteral = fc.oneof(
  fc.string({ maxLength: 8, unit: 'binary' }).map((s) => lit('string', s, JSON.stringify(s))),
  fc
    .string({ maxLength: 8 })
    .filter((s) => !/[\r\n]/.test(s))
    .map((s) => lit('string', s, `@"${s.replace(/"/g, '""')}"`)),
);

const literalArb: fc.Arbitrary<Expr> = fc.oneof(
  fc.nat().map((n) => lit('long', n, String(n))),
  realText.map((t) => lit('real', Number(t), t)),
  stringLiteral,
  fc.boolean().map((b) => lit('bool', b, String(b))),
  fc
    .tuple(fc.nat({ max: 100000 }), fc.constantFrom(...UNITS))
    .map(([n, u]) => lit('timespan', parseTimespanLiteral(`${n}${u}`), `${n}${u}`)),
  fc.bigInt({ min: 0n, max: MAX_DATETIME_TICKS }).map((t) => lit('datetime', t, `datetime(${formatDateTime(t)})`)),
  fc.integer({ min: -2147483648, max: 2147483647 }).map((n) => lit('int', n, `int(${n})`)),
  fc.constantFrom<Literal['type']>('long', 'int', 'real', 'bool', 'datetime', 'timespan').map((t) => {
    const keyword = {
      long: 'long',
      int: 'int',
      real: 'real',
      bool: 'bool',
      datetime: 'datetime',
      timespan: 'timespan',
      string: 'string',
    }[t];
    return lit(t, null, `${keyword}(null)`);
  }),
);

const jsonArb: fc.Arbitrary<JsonValue> = fc.letrec<{ json: JsonValue }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0)),
    fc.string({ maxLength: 6 }),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(
      fc.string({ maxLength: 4 }).filter((k) => k !== '__proto__'),
      tie('json'),
      { maxKeys: 3 },
    ),
  ),
})).json;

const dynamicArb: fc.Arbitrary<Expr> = jsonArb.map((value) => ({ kind: 'Dynamic', value, span }));

/** Scalar expression trees, with an occasional tabular expression where KQL allows one. */
export const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr; tabular: Expr; op: Operator }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nameArb,
    literalArb,
    dynamicArb,
    fc
      .record({ op: fc.constantFrom<'-' | '+'>('-', '+'), operand: tie('expr') })
      .map((r): Expr => ({ kind: 'Unary', ...r, span })),
    fc
      .record({ op: fc.constantFrom(...BINARY_OPS), left: tie('expr'), right: tie('expr') })
      .map((r): Expr => ({ kind: 'Binary', ...r, span })),
    fc
      .record({
        op: fc.constantFrom(...IN_OPS),
        left: tie('expr'),
        items: fc.array(fc.oneof(tie('expr'), tie('tabular')), { minLength: 1, maxLength: 3 }),
      })
      .map((r): Expr => ({ kind: 'In', ...r, span })),
    fc
      .record({ negated: fc.boolean(), left: tie('expr'), low: tie('expr'), high: tie('expr') })
      .map((r): Expr => ({ kind: 'Between', ...r, span })),
    fc
      .record({
        name: fc.constantFrom(...CALLS),
        args: fc.array(fc.oneof({ weight: 4, arbitrary: tie('expr') }, { weight: 1, arbitrary: tie('tabular') }), {
          maxLength: 3,
        }),
      })
      .map((r): Expr => ({ kind: 'Call', ...r, nameSpan: span, span })),
    tie('expr').map((expr): Expr => ({ kind: 'Paren', expr, span })),
  ),
  tabular: fc
    .record({ source: fc.constantFrom(...NAMES), ops: fc.array(tie('op'), { minLength: 1, maxLength: 3 }) })
    .map(({ source, ops }) =>
      ops.reduce<Expr>((acc, op) => ({ kind: 'Pipe', source: acc, op, span }), {
        kind: 'Name',
        name: source,
        bracketed: false,
        span,
      }),
    ),
  op: fc.oneof(
    tie('expr').map((predicate): Operator => ({ kind: 'Where', keyword: 'where', predicate, span })),
    fc
      .array(fc.record({ name: fc.option(fc.constantFrom(...NAMES, 'by', 'a b')), expr: tie('expr') }), {
        minLength: 1,
        maxLength: 2,
      })
      .map((cols): Operator => ({
        kind: 'Project',
        columns: cols.map((c): ColumnExpr => ({ ...c, nameSpan: c.name === null ? null : span, span })),
        span,
      })),
    fc
      .nat({ max: 100 })
      .map((n): Operator => ({ kind: 'Take', keyword: 'take', count: lit('long', n, String(n)), span })),
  ),
})).expr;

/** Removes `Paren` nodes (the printer adds parentheses that the generated tree leaves implicit). */
export function stripParens(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripParens);
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  if (o.kind === 'Paren') return stripParens(o.expr);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = stripParens(v);
  return out;
}
