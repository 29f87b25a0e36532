import { describe, expect, it } from 'vitest';
import type { Expr, JoinOp, Operator, Pipe, Query } from '../../../src/engine/kql/ast';
import { parseExpression, parseQuery } from '../../../src/engine/kql/parser';
import { ruleQuery } from './rule-query';
import { stripSpans } from './strip-spans';

function parseOk(text: string): Query {
  const { query, diagnostics } = parseQuery(text);
  expect(diagnostics).toEqual([]);
  return query;
}

function exprOk(text: string): Expr {
  const { expr, diagnostics } = parseExpression(text);
  expect(diagnostics).toEqual([]);
  return stripSpans(expr);
}

/** The operators of a pipeline, first to last, and its source. */
function unpipe(e: Expr): { source: Expr; ops: Operator[] } {
  const ops: Operator[] = [];
  let x = e;
  while (x.kind === 'Pipe') {
    ops.push(x.op);
    x = x.source;
  }
  return { source: x, ops: ops.reverse() };
}

/** Every node of a tree, depth first (spans and other plain fields are walked too, harmlessly). */
function* nodes(x: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(x)) for (const v of x) yield* nodes(v);
  else if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (typeof o.kind === 'string') yield o;
    for (const v of Object.values(o)) yield* nodes(v);
  }
}

describe('the DCOM rule query', () => {
  const text = ruleQuery();
  const query = parseOk(text);

  it('is four lets and a final expression', () => {
    expect(query.statements.map((s) => (s.kind === 'Let' ? s.name : s.kind))).toEqual([
      'allowListedExecs',
      'rpcNetwEvents',
      'dcomProcEvents',
      'lastBootTime',
      'RemoteDcomProcs',
      'ExprStatement',
    ]);
    const allow = query.statements[0]!;
    expect(
      allow.kind === 'Let' && allow.value.kind === 'Dynamic' && Array.isArray(allow.value.value)
        ? allow.value.value.length
        : -1,
    ).toBe(11);
    for (const s of query.statements.slice(1, 5)) {
      expect(s.kind === 'Let' && s.value.kind === 'Call' ? s.value.name : null).toBe('materialize');
    }
  });

  it('has the final join with three on items: Path == Path, DeviceId, Path == Path', () => {
    const last = query.statements[5]!;
    expect(last.kind).toBe('ExprStatement');
    const { source, ops } = unpipe(last.kind === 'ExprStatement' ? last.expr : last.value);
    expect(stripSpans(source)).toEqual({ kind: 'Name', name: 'RemoteDcomProcs', bracketed: false });
    expect(ops.map((o) => o.kind)).toEqual(['Join', 'Where', 'Where', 'Summarize']);
    const join = ops[0] as JoinOp;
    expect(join.params).toMatchObject([
      { name: 'kind', value: 'inner' },
      { name: 'hint.strategy', value: 'broadcast' },
    ]);
    expect(stripSpans(join.on)).toEqual([
      {
        kind: 'Binary',
        op: '==',
        left: { kind: 'Path', side: 'left', name: 'DCOMHostPID' },
        right: { kind: 'Path', side: 'right', name: 'InitiatingProcessParentId' },
      },
      { kind: 'Name', name: 'DeviceId', bracketed: false },
      {
        kind: 'Binary',
        op: '==',
        left: { kind: 'Path', side: 'left', name: 'DCOMPID' },
        right: { kind: 'Path', side: 'right', name: 'InitiatingProcessId' },
      },
    ]);
    expect(unpipe(join.right).source).toMatchObject({ kind: 'Name', name: 'DeviceProcessEvents' });
  });

  it('keeps the double-paren tabular in as Paren(Pipe)', () => {
    const ins = [...nodes(query)].filter((n) => n.kind === 'In');
    expect(ins.map((n) => n.op)).toEqual(['!in~', 'in', '!in~']);
    const tabular = stripSpans(ins[1]) as unknown as { items: Expr[] };
    expect(tabular.items).toEqual([
      {
        kind: 'Paren',
        expr: {
          kind: 'Pipe',
          source: { kind: 'Name', name: 'RemoteDcomProcs', bracketed: false },
          op: {
            kind: 'Project',
            columns: [{ name: null, expr: { kind: 'Name', name: 'DCOMFileName', bracketed: false } }],
          },
        },
      },
    ]);
  });

  it('has between over datetime_diff and a timespan sum', () => {
    const between = [...nodes(query)].find((n) => n.kind === 'Between');
    expect(stripSpans(between)).toEqual({
      kind: 'Between',
      negated: false,
      left: {
        kind: 'Call',
        name: 'datetime_diff',
        args: [
          { kind: 'Literal', type: 'string', value: 'second', text: '"second"' },
          { kind: 'Name', name: 'TimestampProcEventExact', bracketed: false },
          { kind: 'Name', name: 'TimestampNetwEventExact', bracketed: false },
        ],
      },
      low: { kind: 'Literal', type: 'long', value: 0, text: '0' },
      high: { kind: 'Literal', type: 'long', value: 2, text: '2' },
    });
    const sum = [...nodes(query)].find((n) => n.kind === 'Binary' && n.op === '+');
    expect(stripSpans(sum)).toEqual({
      kind: 'Binary',
      op: '+',
      left: { kind: 'Name', name: 'LastBootTime', bracketed: false },
      right: { kind: 'Literal', type: 'timespan', value: 3_000_000_000n, text: '5m' },
    });
  });

  it('skips comments and ends nodes at real tokens', () => {
    const names = [...nodes(query)].filter((n) => n.kind === 'Name').map((n) => n.name);
    expect(names).not.toContain('Ignore');
    expect(names).not.toContain('Avoiding');
    const let5 = query.statements[4]!;
    expect(text.slice(let5.span.start, let5.span.start + 20)).toBe('let RemoteDcomProcs ');
    expect(text.slice(let5.span.end - 2, let5.span.end)).toBe('))');
  });
});

describe('expressions', () => {
  it('binds and tighter than or, comparison tighter than and', () => {
    expect(exprOk('a or b and c == 1')).toEqual({
      kind: 'Binary',
      op: 'or',
      left: { kind: 'Name', name: 'a', bracketed: false },
      right: {
        kind: 'Binary',
        op: 'and',
        left: { kind: 'Name', name: 'b', bracketed: false },
        right: {
          kind: 'Binary',
          op: '==',
          left: { kind: 'Name', name: 'c', bracketed: false },
          right: { kind: 'Literal', type: 'long', value: 1, text: '1' },
        },
      },
    });
  });

  it('gives * precedence over + and unary minus over *', () => {
    const e = exprOk('-a * b + c');
    expect(e).toMatchObject({
      kind: 'Binary',
      op: '+',
      left: { kind: 'Binary', op: '*', left: { kind: 'Unary', op: '-' } },
    });
  });

  it('is left-associative for arithmetic', () => {
    expect(exprOk('a - b - c')).toMatchObject({
      op: '-',
      left: { op: '-', left: { name: 'a' } },
      right: { name: 'c' },
    });
  });

  it('makes not(x) a call', () => {
    expect(exprOk('not(x has "a")')).toMatchObject({
      kind: 'Call',
      name: 'not',
      args: [{ kind: 'Binary', op: 'has' }],
    });
  });

  it('decodes typed literals', () => {
    const cases: ReadonlyArray<[string, string, unknown]> = [
      ['datetime(2024-05-01 10:00:00.1234567)', 'datetime', 638501544001234567n],
      ['datetime(2024-05-01T10:00:00Z)', 'datetime', 638501544000000000n],
      ['datetime(null)', 'datetime', null],
      ['timespan(1.02:03:04)', 'timespan', 937_840_000_000n],
      ['time(2)', 'timespan', 1_728_000_000_000n],
      ['long(12)', 'long', 12],
      ['long(-3)', 'long', -3],
      ['int(3)', 'int', 3],
      ['real(1.5)', 'real', 1.5],
      ['bool(true)', 'bool', true],
      ['long(null)', 'long', null],
      ['int(null)', 'int', null],
      ['real(null)', 'real', null],
      ['bool(null)', 'bool', null],
      ['true', 'bool', true],
      ['False', 'bool', false],
      ['2.5', 'real', 2.5],
      ['7', 'long', 7],
    ];
    for (const [text, type, value] of cases) {
      expect(exprOk(text), text).toEqual({ kind: 'Literal', type, value, text });
    }
  });

  it('concatenates adjacent string literals, even across comments', () => {
    expect(exprOk('"a" // x\n \'b\' @"c\\"')).toEqual({
      kind: 'Literal',
      type: 'string',
      value: 'abc\\',
      text: '"a" \'b\' @"c\\"',
    });
  });

  it('parses dynamic literals', () => {
    expect(exprOk('dynamic(null)')).toEqual({ kind: 'Dynamic', value: null });
    expect(exprOk('dynamic([1, -2.5, "x", true, null, [], {"k": [1]}])')).toEqual({
      kind: 'Dynamic',
      value: [1, -2.5, 'x', true, null, [], { k: [1] }],
    });
    expect(exprOk('dynamic({a: 1, "b c": "d"})')).toEqual({ kind: 'Dynamic', value: { a: 1, 'b c': 'd' } });
    expect(exprOk('dynamic("s")')).toEqual({ kind: 'Dynamic', value: 's' });
  });

  it('parses all in forms', () => {
    expect(exprOk('x in (1, dynamic([2]), T, (U | project c))')).toMatchObject({
      kind: 'In',
      op: 'in',
      items: [{ kind: 'Literal' }, { kind: 'Dynamic' }, { kind: 'Name' }, { kind: 'Paren', expr: { kind: 'Pipe' } }],
    });
    expect(exprOk('x !in~ (T | project c)')).toMatchObject({ kind: 'In', op: '!in~', items: [{ kind: 'Pipe' }] });
  });

  it('parses !between and bracketed names and paths', () => {
    expect(exprOk("['a b'] !between (1 .. 2 + 3)")).toMatchObject({
      kind: 'Between',
      negated: true,
      left: { kind: 'Name', name: 'a b', bracketed: true },
      high: { kind: 'Binary', op: '+' },
    });
    expect(exprOk('$left.A == $right.B')).toMatchObject({
      left: { kind: 'Path', side: 'left', name: 'A' },
      right: { kind: 'Path', side: 'right', name: 'B' },
    });
  });

  it('parses every string operator', () => {
    const ops = [
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
    ];
    for (const op of ops) expect(exprOk(`a ${op} "x"`), op).toMatchObject({ kind: 'Binary', op });
  });
});

describe('operators', () => {
  function ops(text: string): Operator[] {
    const q = parseOk(text);
    const s = q.statements[q.statements.length - 1]!;
    return stripSpans(unpipe(s.kind === 'ExprStatement' ? s.expr : s.value).ops);
  }

  it('summarize with empty aggregate list and empty by list', () => {
    expect(ops('T | summarize by A, B')).toEqual([
      {
        kind: 'Summarize',
        aggregates: [],
        by: [
          { name: null, expr: { kind: 'Name', name: 'A', bracketed: false } },
          { name: null, expr: { kind: 'Name', name: 'B', bracketed: false } },
        ],
      },
    ]);
    expect(ops('T | summarize count()')).toEqual([
      { kind: 'Summarize', aggregates: [{ name: null, expr: { kind: 'Call', name: 'count', args: [] } }], by: [] },
    ]);
    expect(ops('T | summarize n = count() by k = bin(t, 1h)')).toMatchObject([
      { aggregates: [{ name: 'n' }], by: [{ name: 'k', expr: { kind: 'Call', name: 'bin' } }] },
    ]);
  });

  it('keeps operator names usable as column names elsewhere', () => {
    expect(ops('T | project count_, kind, by_x')).toMatchObject([
      {
        kind: 'Project',
        columns: [{ expr: { name: 'count_' } }, { expr: { name: 'kind' } }, { expr: { name: 'by_x' } }],
      },
    ]);
    expect(ops('T | where count > 1 | count')).toMatchObject([
      { kind: 'Where', predicate: { left: { name: 'count' } } },
      { kind: 'Count' },
    ]);
  });

  it('sort, top, take, distinct, project-away, filter', () => {
    expect(
      ops(
        'T | sort by a asc nulls first, b | order by c desc | top 5 by d nulls last | take 3 | limit 2 | distinct * | distinct a, b | project-away x, y | filter z',
      ),
    ).toMatchObject([
      {
        kind: 'Sort',
        keyword: 'sort',
        keys: [
          { direction: 'asc', nulls: 'first' },
          { direction: null, nulls: null },
        ],
      },
      { kind: 'Sort', keyword: 'order', keys: [{ direction: 'desc' }] },
      { kind: 'Top', count: { value: 5 }, keys: [{ direction: null, nulls: 'last' }] },
      { kind: 'Take', keyword: 'take' },
      { kind: 'Take', keyword: 'limit' },
      { kind: 'Distinct', columns: [] },
      { kind: 'Distinct', columns: [{ name: 'a' }, { name: 'b' }] },
      { kind: 'ProjectAway', names: [{ name: 'x' }, { name: 'y' }] },
      { kind: 'Where', keyword: 'filter' },
    ]);
  });

  it('join with bare right side, and-separated on items and parenthesised items', () => {
    expect(ops('T | join kind=leftanti U on A and ($left.B == $right.C)')).toEqual([
      {
        kind: 'Join',
        params: [{ name: 'kind', value: 'leftanti' }],
        right: { kind: 'Name', name: 'U', bracketed: false },
        on: [
          { kind: 'Name', name: 'A', bracketed: false },
          {
            kind: 'Binary',
            op: '==',
            left: { kind: 'Path', side: 'left', name: 'B' },
            right: { kind: 'Path', side: 'right', name: 'C' },
          },
        ],
      },
    ]);
  });

  it('union as operator and as pipeline start', () => {
    expect(ops('T | union U, (V | take 1)')).toMatchObject([
      { kind: 'UnionOp', tables: [{ kind: 'Name', name: 'U' }, { kind: 'Pipe' }] },
    ]);
    const q = parseOk('union withsource=S T1, T2 | count');
    expect(stripSpans(q.statements[0])).toMatchObject({
      expr: {
        kind: 'Pipe',
        source: {
          kind: 'Union',
          params: [{ name: 'withsource', value: 'S' }],
          tables: [{ name: 'T1' }, { name: 'T2' }],
        },
        op: { kind: 'Count' },
      },
    });
  });

  it('datatable and print as pipeline starts', () => {
    const q = parseOk('datatable(a:long, b:string) [1, "x", 2, "y"] | where a > 1;\nprint a = 1 + 2, "s"');
    expect(stripSpans(q.statements[0])).toMatchObject({
      expr: {
        source: {
          kind: 'Datatable',
          columns: [
            { name: 'a', type: 'long' },
            { name: 'b', type: 'string' },
          ],
          values: [{ value: 1 }, { value: 'x' }, { value: 2 }, { value: 'y' }],
        },
      },
    });
    expect(stripSpans(q.statements[1])).toMatchObject({
      expr: {
        kind: 'Print',
        columns: [
          { name: 'a', expr: { op: '+' } },
          { name: null, expr: { value: 's' } },
        ],
      },
    });
  });

  it('accepts blank lines, empty statements and a trailing semicolon', () => {
    const q = parseOk('let a = 1;\n\n;let b = T;\n\nb | take a;');
    expect(q.statements.map((s) => s.kind)).toEqual(['Let', 'Let', 'ExprStatement']);
  });

  it('spans point into the source', () => {
    const text = 'T\n| where  x  ==  1';
    const q = parseOk(text);
    const pipe = (q.statements[0] as { expr: Pipe }).expr;
    expect(text.slice(pipe.op.span.start, pipe.op.span.end)).toBe('where  x  ==  1');
    expect(text.slice(pipe.span.start, pipe.span.end)).toBe(text);
  });
});
