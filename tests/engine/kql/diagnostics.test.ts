import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../src/engine/kql/diagnostics';
import { parseExpression, parseQuery } from '../../../src/engine/kql/parser';

/**
 * Bad input -> every diagnostic as `line:column code`, plus a fragment the first message must
 * contain (the construct it names). Codes and positions are the stable contract the UI keys on.
 */
const CASES: ReadonlyArray<readonly [input: string, expected: readonly string[], mentions: string]> = [
  ['T | where x == "abc', ['1:16 KQL101'], 'unterminated string'],
  ["T\n| where x == 'abc\n| take 1", ['2:14 KQL101'], 'unterminated string'],
  ['T\n| mv-expand x', ['2:3 KQL301'], "operator 'mv-expand' is not supported"],
  ['T | render timechart', ['1:5 KQL301'], "operator 'render' is not supported"],
  ['T | project-rename a = b', ['1:5 KQL301'], "'project-rename'"],
  ['range x from 1 to 3 step 1', ['1:1 KQL301'], "'range'"],
  ['T | where', ['1:10 KQL201'], "after 'where'"],
  ['T\n| where\n| take 1', ['3:1 KQL201'], "after 'where'"],
  ['T | where f(x, 1', ['1:17 KQL201'], "')'"],
  ['T | where (a or b', ['1:18 KQL201'], "')'"],
  ['T | join (U) on 42', ['1:17 KQL404'], '$left.Column == $right.Column'],
  ['T | join U on $left.a == b', ['1:15 KQL404'], 'join condition'],
  ['T | join U on', ['1:14 KQL201'], 'join condition'],
  ['T | join U', ['1:11 KQL201'], "'on'"],
  ['T | frobnicate x', ['1:5 KQL202'], "unknown query operator 'frobnicate'"],
  ['T | 42', ['1:5 KQL201'], 'query operator'],
  ['T |', ['1:4 KQL201'], 'query operator'],
  ['T | where x |', ['1:14 KQL201'], 'query operator'],
  ['let = 1; T', ['1:5 KQL201'], "name after 'let'"],
  ['let x = 1\nT', ['2:1 KQL201'], "';'"],
  ['T | project a = ', ['1:17 KQL201'], "'a ='"],
  ['T | summarize', ['1:14 KQL201'], "'by'"],
  ['T | sort a', ['1:10 KQL201'], "'by' after 'sort'"],
  ['T | top 5', ['1:10 KQL201'], "'by' after 'top'"],
  ['T | distinct', ['1:13 KQL201'], "'*'"],
  ['T | where x between (1, 2)', ['1:23 KQL201'], "'..'"],
  ['T | where x in 1', ['1:16 KQL201'], "'(' after 'in'"],
  ['T | where a == b == c', ['1:18 KQL202'], 'chained'],
  ['print d = datetime(2024-13-01)', ['1:11 KQL103'], 'datetime'],
  ['print t = 5parsecs', ['1:11 KQL103'], '5parsecs'],
  ['print int(99999999999)', ['1:7 KQL103'], 'int'],
  ['print d = dynamic([1, 2', ['1:24 KQL201'], "']'"],
  ['print d = dynamic({"a" 1})', ['1:24 KQL203'], "':'"],
  ['print d = dynamic([x])', ['1:20 KQL203'], "'x'"],
  ['T | where x # 1', ['1:13 KQL102', '1:15 KQL202'], "'#'"],
  ['T | extend y = x.z', ['1:17 KQL303'], 'member access'],
  ['T | extend y = x[0]', ['1:17 KQL303'], 'indexing'],
  ['T | project-away A*', ['1:18 KQL303'], "'A*'"],
  ['union Device*', ['1:7 KQL303'], "'Device*'"],
  ['set querytrace; T', ['1:1 KQL303'], "'set'"],
  ['let f = (x:long) { x + 1 };\nT', ['1:9 KQL303'], "function 'f'"],
  ['print guid(00000000-0000-0000-0000-000000000000)', ['1:7 KQL303'], "'guid'"],
  ['T | where x == 1) | take 1', ['1:17 KQL202'], "')'"],
  ['datatable(a:long) [1, 2', ['1:24 KQL201'], "']'"],
  ['datatable(a long) [1]', ['1:13 KQL201'], "':'"],
  ['(', ['1:2 KQL201'], 'expression'],
  // Lexer and parser findings come back in source order.
  ['T | foo | where x == "abc', ['1:5 KQL202', '1:22 KQL101'], "'foo'"],
  ['T | where s has_any ("a", "b") and x', ['1:13 KQL303'], "operator 'has_any' is not supported"],
  ['T | where s matches regex "a+" | take 1', ['1:13 KQL303'], "operator 'matches regex' is not supported"],
  ['T | where s !hasprefix "a"', ['1:13 KQL303'], "'!hasprefix'"],
  ['T\n| where x == 1\n| join kind=inner (U | where y) on\n| take 1', ['4:1 KQL201'], 'join condition'],
];

describe('parser diagnostics', () => {
  it.each(CASES)('%j', (input, expected, mentions) => {
    const { diagnostics } = parseQuery(input);
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual(expected);
    expect(diagnostics[0]!.message).toContain(mentions);
    for (const d of diagnostics) {
      expect(d.severity).toBe('error');
      expect(d.span.start).toBeGreaterThanOrEqual(0);
      expect(d.span.end).toBeGreaterThanOrEqual(d.span.start);
      expect(d.span.end).toBeLessThanOrEqual(input.length);
    }
  });

  it('returns a best-effort tree next to the diagnostics', () => {
    const { query, diagnostics } = parseQuery('let a = 1;\nT | mv-expand x | where y > a');
    expect(diagnostics.map((d) => d.code)).toEqual(['KQL301']);
    expect(query.statements).toHaveLength(2);
    const last = query.statements[1]!;
    // The unsupported operator is dropped; the pipeline continues after it.
    expect(last).toMatchObject({
      kind: 'ExprStatement',
      expr: { kind: 'Pipe', source: { kind: 'Name', name: 'T' }, op: { kind: 'Where' } },
    });
  });

  it('empty and comment-only queries have no statements and no diagnostics', () => {
    for (const text of ['', '   \n\n', '// only a comment\n']) {
      const { query, diagnostics } = parseQuery(text);
      expect(query.statements).toEqual([]);
      expect(diagnostics).toEqual([]);
    }
  });

  it('parseExpression reports trailing tokens and empty input', () => {
    expect(parseExpression('a + b c').diagnostics.map((d) => `${d.column} ${d.code}`)).toEqual(['7 KQL202']);
    expect(parseExpression('').diagnostics.map((d) => `${d.column} ${d.code}`)).toEqual(['1 KQL201']);
  });

  it('formats for the CLI', () => {
    const { diagnostics } = parseQuery('T\n| mv-expand x');
    expect(formatDiagnostic(diagnostics[0]!, 'q.kql')).toBe(
      "q.kql:2:3: error KQL301: operator 'mv-expand' is not supported",
    );
  });
});
