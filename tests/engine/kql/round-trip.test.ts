import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../src/engine/kql/parser';
import { printQuery } from '../../../src/engine/kql/printer';
import { ruleQuery } from './rule-query';
import { stripSpans } from './strip-spans';

/** One query per construct of the supported subset; each must survive parse -> print -> parse. */
const QUERIES: readonly string[] = [
  'T',
  'T | where a == 1',
  'T | filter a != 1 and b < 2 or c <= 3',
  'T | where a > 1 and (b >= 2 or c =~ "x") and d !~ "y"',
  'T | where s has "a" and s !has "b" and s has_cs "c" and s !has_cs "d"',
  'T | where s contains "a" or s !contains "b" or s contains_cs "c" or s !contains_cs "d"',
  'T | where s startswith "a" or s !startswith "b" or s startswith_cs "c" or s !startswith_cs "d"',
  'T | where s endswith "a" or s !endswith "b" or s endswith_cs "c" or s !endswith_cs "d"',
  'T | where x in (1, 2, 3) and y !in ("a") and z in~ (dynamic(["A", "b"])) and w !in~ (L)',
  'T | where x in ((U | project c)) and y in (U | where d > 0 | project c)',
  'T | where x between (0 .. 2) and y !between (datetime(2024-01-01) .. 3d)',
  'T | extend y = -x * (a + b) / 2 % 7 - +c',
  'T | extend r = 1.5e3, l = 0x1F, s = @"C:\\x", t = \'it\\\'s\' "joined"',
  'T | project a, b = bin(Timestamp, 5s), c = datetime_diff("second", t1, t2)',
  "T | project ['a b'] = 1, x = ['c d']",
  "T | project-away a, b, ['c d']",
  'T | summarize count() by k',
  'T | summarize by A, B',
  'T | summarize n = count(), m = max(t), make_set(s) by bin(t, 1h), k2 = k',
  'T | summarize dcount(u)',
  'T | join kind=inner (U | where b) on k',
  'T | join kind=leftouter hint.strategy=broadcast hint.remote=auto U on $left.a == $right.b, k, $left.c == $right.d',
  'T | join kind=rightanti U on a and b',
  'T | join U on k | join kind=fullouter (V) on k',
  'T | take 10 | limit 5',
  'T | sort by a asc, b desc nulls first, c nulls last | order by d',
  'T | top 5 by x desc',
  'T | top 3 by x asc nulls first',
  'T | distinct *',
  'T | distinct a, b',
  'T | count',
  'T | union U, (V | where x), W',
  'T | union kind=outer withsource=Src U',
  'union T1, T2 | where x > 1',
  'union isfuzzy=true (T | take 1), U',
  'datatable(a:long, b:string) [1, "x", 2, "y"] | where a > 1',
  'datatable([\'a b\']:real, d:datetime, t:timespan, j:dynamic) [1.5, datetime(2024-05-01 10:00:00.1234567), 5m, dynamic({"k": [1, null]})]',
  'print a = 1 + 2, "s", b = now() - 1d',
  'print x = long(null), y = int(3), z = real(null), w = bool(true), v = timespan(1.02:03:04), u = time(2)',
  'print d = datetime(null), e = datetime(2024-05-01T10:00:00Z), f = dynamic(null), g = dynamic({})',
  'let a = 5m;\nlet b = dynamic([1, 2.5, "x", true, null]);\nlet c = materialize(T | where t > ago(a));\nc | where x in (b)',
  'let t = T | where x;\nlet u = t;\nu',
  'T | where not(x) and not(isempty(y))',
  'T | where a - b - c == a - (b - c)',
  'T | where (a == b) == c',
  'T | extend x = f(g(h()), (1), T | count)',
];

function roundTrip(text: string): void {
  const first = parseQuery(text);
  expect(first.diagnostics).toEqual([]);
  const printed = printQuery(first.query);
  const second = parseQuery(printed);
  expect(second.diagnostics, printed).toEqual([]);
  expect(stripSpans(second.query), printed).toEqual(stripSpans(first.query));
  // Printing is a fixed point after one round.
  expect(printQuery(second.query)).toBe(printed);
}

describe('parse -> print -> parse', () => {
  it('round-trips the DCOM rule query', () => {
    roundTrip(ruleQuery());
  });

  it('covers at least 40 constructs', () => {
    expect(QUERIES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(QUERIES)('%s', (text) => {
    roundTrip(text);
  });

  it('prints one pipe operator per line at the top level', () => {
    const printed = printQuery(parseQuery('T | where a | project b').query);
    expect(printed).toBe('T\n| where a\n| project b');
  });

  it('prints a nested pipeline inline when it is short and indented when it is long', () => {
    const short = printQuery(parseQuery('T | where x in ((U | project c))').query);
    expect(short).toBe('T\n| where x in ((U | project c))');
    const long = printQuery(
      parseQuery(
        'let a = materialize(T | where aaaaaaaaaaaaaaaaaaaa == 1 | where bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb == 2 | project c);\na',
      ).query,
    );
    expect(long).toBe(
      'let a = materialize(T\n    | where aaaaaaaaaaaaaaaaaaaa == 1\n    | where bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb == 2\n    | project c);\na',
    );
  });
});
