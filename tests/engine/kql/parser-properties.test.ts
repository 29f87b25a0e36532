import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/engine/kql/diagnostics';
import { lineColumn } from '../../../src/engine/kql/diagnostics';
import { parseExpression, parseQuery } from '../../../src/engine/kql/parser';
import { printExpr, printQuery } from '../../../src/engine/kql/printer';
import { exprArb, stripParens } from './expr-arbitrary';
import { ruleQuery } from './rule-query';
import { stripSpans } from './strip-spans';

const SEED = 20240501;
/**
 * Per-input budget. The parser is linear (a few ms for 50k characters once warm), so this only
 * trips on quadratic or exponential behaviour, not on a busy machine or a cold JIT.
 */
const TIME_BOUND_MS = 1000;

const RULE = ruleQuery();

/** Fragments that make random text look like KQL, so fuzzing reaches past the first token. */
const FRAGMENTS = [
  'T',
  ' ',
  ' ',
  '\n',
  '|',
  'where',
  'project',
  'project-away',
  'extend',
  'summarize',
  'by',
  'join',
  'kind=inner',
  'on',
  '$left',
  '$right',
  '.',
  '..',
  '(',
  ')',
  '((',
  '))',
  '[',
  ']',
  '{',
  '}',
  ',',
  ';',
  '"',
  "'",
  '@"',
  '```',
  '//',
  '==',
  '=',
  '!in~',
  'in',
  '!has',
  'has',
  'between',
  'and',
  'or',
  'not(',
  '-',
  '+',
  '*',
  '/',
  '%',
  '<',
  '>=',
  '=~',
  '!',
  '~',
  'x',
  'y1',
  '1',
  '2.5',
  '1e',
  '5m',
  '10ms',
  'datetime(',
  'datetime(2024-05-01)',
  'long(null)',
  'dynamic(',
  'dynamic([1,"a"])',
  'let',
  'print',
  'union',
  'datatable(a:long)',
  'take',
  'sort',
  'top',
  'asc',
  'nulls',
  'first',
  'distinct',
  '*',
  'count',
  'mv-expand',
  'materialize(',
  ':',
  '#',
  '\\',
  'h',
];

const kqlish = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 60 }).map((parts) => parts.join(''));

function timed<T>(f: () => T): T {
  const start = performance.now();
  const r = f();
  expect(performance.now() - start).toBeLessThan(TIME_BOUND_MS);
  return r;
}

function checkDiagnostics(text: string, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) {
    expect(d.code).toMatch(/^KQL[1-4]\d\d$/);
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
    expect(d.span.start).toBeLessThanOrEqual(d.span.end);
    expect({ line: d.line, column: d.column }).toEqual(lineColumn(text, d.span.start));
  }
}

/** Never throws, stays in budget, reports well-formed diagnostics; a clean parse round-trips. */
function checkQuery(text: string): void {
  const { query, diagnostics } = timed(() => parseQuery(text));
  checkDiagnostics(text, diagnostics);
  if (diagnostics.length === 0) {
    const printed = printQuery(query);
    const again = parseQuery(printed);
    expect(again.diagnostics, printed).toEqual([]);
    expect(stripSpans(again.query)).toEqual(stripSpans(query));
  }
}

describe('the parser never throws', () => {
  it('on random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) => checkQuery(text)),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('on random KQL-like token soup', () => {
    fc.assert(
      fc.property(kqlish, (text) => checkQuery(text)),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('on every prefix of the rule query', () => {
    let clean = 0;
    for (let n = 0; n <= RULE.length; n++) {
      const text = RULE.slice(0, n);
      checkQuery(text);
      if (parseQuery(text).diagnostics.length === 0) clean++;
    }
    // Prefixes that stop at a complete query (after a column name, say) parse cleanly and were
    // round-tripped above; most stop mid-construct and must have reported something.
    expect(clean).toBeGreaterThan(0);
    expect(clean).toBeLessThan(RULE.length / 2);
  });

  it('on random mutations of the rule query', () => {
    const mutation = fc.oneof(
      // Delete a range.
      fc
        .tuple(fc.nat({ max: RULE.length }), fc.nat({ max: 40 }))
        .map(([at, len]) => RULE.slice(0, at) + RULE.slice(at + len)),
      // Insert a fragment.
      fc
        .tuple(fc.nat({ max: RULE.length }), fc.constantFrom(...FRAGMENTS))
        .map(([at, frag]) => RULE.slice(0, at) + frag + RULE.slice(at)),
      // Replace one character.
      fc
        .tuple(fc.nat({ max: RULE.length - 1 }), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }))
        .map(([at, c]) => RULE.slice(0, at) + c + RULE.slice(at + 1)),
      // Truncate and append garbage.
      fc.tuple(fc.nat({ max: RULE.length }), kqlish).map(([at, tail]) => RULE.slice(0, at) + tail),
    );
    fc.assert(
      fc.property(mutation, (text) => checkQuery(text)),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('on pathological nesting and length', () => {
    const cases = [
      '('.repeat(20000),
      'print x = ' + '-'.repeat(20000) + '1',
      'print d = dynamic(' + '['.repeat(20000),
      'print x = ' + 'f('.repeat(20000),
      'T' + ' | where x'.repeat(5000),
      'let x = 1;'.repeat(5000),
      '"'.repeat(20001),
      ')'.repeat(20000),
      'T | join ('.repeat(20000),
      'print x = ' + 'f(T | where '.repeat(20000),
      // Garbage in every item of a long list: recovery must stay linear.
      'print f(' + 'x y, '.repeat(10000) + ')',
      'print x in (' + 'x y, '.repeat(10000) + ')',
    ];
    for (const text of cases) {
      const { diagnostics } = timed(() => parseQuery(text));
      checkDiagnostics(text, diagnostics);
      // Unbalanced inputs report something; the 5000-operator pipeline and the lets are fine.
      if (!text.startsWith('T | where') && !text.startsWith('let')) {
        expect(diagnostics.length).toBeGreaterThan(0);
      }
    }
    for (const deep of ['('.repeat(20000), 'T | join ('.repeat(20000)]) {
      expect(parseQuery(deep).diagnostics.map((d) => d.code)).toContain('KQL303');
    }
  });

  it('parses a long flat and-chain without recursion limits', () => {
    const text = 'T | where ' + Array.from({ length: 5000 }, (_, i) => `c${i} == ${i}`).join(' and ');
    const { diagnostics } = timed(() => parseQuery(text));
    expect(diagnostics).toEqual([]);
  });
});

describe('random expression trees round-trip through the printer', () => {
  it('parse(print(tree)) equals tree up to spans and parentheses', () => {
    fc.assert(
      fc.property(exprArb, (tree) => {
        const printed = printExpr(tree);
        const { expr, diagnostics } = parseExpression(printed);
        expect(diagnostics, printed).toEqual([]);
        expect(stripParens(stripSpans(expr)), printed).toEqual(stripParens(stripSpans(tree)));
        // The parenthesised form is a fixed point of print/parse.
        expect(printExpr(expr)).toBe(printed);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
