import { describe, expect, it } from 'vitest';
import type { Token } from '../../../src/engine/kql/lexer';
import { lex } from '../../../src/engine/kql/lexer';

/** `kind:text` per token, without the trailing End token. */
function shape(text: string): string[] {
  return lex(text)
    .tokens.filter((t) => t.kind !== 'End')
    .map((t) => `${t.kind}:${t.text}`);
}

function only(text: string): Token {
  const { tokens } = lex(text);
  expect(tokens).toHaveLength(2);
  return tokens[0]!;
}

describe('lexer token shapes', () => {
  const cases: ReadonlyArray<[string, string[]]> = [
    ['T | where x == 1', ['Identifier:T', 'Punct:|', 'Identifier:where', 'Identifier:x', 'Punct:==', 'Long:1']],
    [
      'a != b <= c >= d < e > f',
      [
        'Identifier:a',
        'Punct:!=',
        'Identifier:b',
        'Punct:<=',
        'Identifier:c',
        'Punct:>=',
        'Identifier:d',
        'Punct:<',
        'Identifier:e',
        'Punct:>',
        'Identifier:f',
      ],
    ],
    ['a =~ b !~ c', ['Identifier:a', 'Punct:=~', 'Identifier:b', 'Punct:!~', 'Identifier:c']],
    ['x !has y !contains_cs z', ['Identifier:x', 'Punct:!has', 'Identifier:y', 'Punct:!contains_cs', 'Identifier:z']],
    [
      'x in~ (1) !in (2) !in~ (3)',
      [
        'Identifier:x',
        'Punct:in~',
        'Punct:(',
        'Long:1',
        'Punct:)',
        'Punct:!in',
        'Punct:(',
        'Long:2',
        'Punct:)',
        'Punct:!in~',
        'Punct:(',
        'Long:3',
        'Punct:)',
      ],
    ],
    ['x !between (0 .. 2)', ['Identifier:x', 'Punct:!between', 'Punct:(', 'Long:0', 'Punct:..', 'Long:2', 'Punct:)']],
    ['(0..2)', ['Punct:(', 'Long:0', 'Punct:..', 'Long:2', 'Punct:)']],
    [
      '5s 5m 1.5h 10ms 2d 100tick 3microsecond',
      [
        'Timespan:5s',
        'Timespan:5m',
        'Timespan:1.5h',
        'Timespan:10ms',
        'Timespan:2d',
        'Timespan:100tick',
        'Timespan:3microsecond',
      ],
    ],
    ['1 1.5 1e3 2.5E-2 0x1F', ['Long:1', 'Real:1.5', 'Real:1e3', 'Real:2.5E-2', 'Long:0x1F']],
    ['LastBootTime+5m', ['Identifier:LastBootTime', 'Punct:+', 'Timespan:5m']],
    ['\'a\' "b" @"c\\d" h\'e\'', ["String:'a'", 'String:"b"', 'String:@"c\\d"', "String:h'e'"]],
    ['datetime(2024-05-01T10:00:00Z)', ['TypedLiteral:datetime(2024-05-01T10:00:00Z)']],
    ['datetime (2024-05-01 10:00:00.1234567)', ['TypedLiteral:datetime (2024-05-01 10:00:00.1234567)']],
    [
      'long(null) int(3) real(1.5) bool(true) time(1.02:03:04)',
      [
        'TypedLiteral:long(null)',
        'TypedLiteral:int(3)',
        'TypedLiteral:real(1.5)',
        'TypedLiteral:bool(true)',
        'TypedLiteral:time(1.02:03:04)',
      ],
    ],
    [
      'd:datetime, l:long)',
      [
        'Identifier:d',
        'Punct::',
        'Identifier:datetime',
        'Punct:,',
        'Identifier:l',
        'Punct::',
        'Identifier:long',
        'Punct:)',
      ],
    ],
    [
      '$left.A == $right.B',
      ['Identifier:$left', 'Punct:.', 'Identifier:A', 'Punct:==', 'Identifier:$right', 'Punct:.', 'Identifier:B'],
    ],
    ['project-away x', ['Identifier:project', 'Punct:-', 'Identifier:away', 'Identifier:x']],
    ["['a b']", ['Punct:[', "String:'a b'", 'Punct:]']],
    ['a // comment | where\n| b', ['Identifier:a', 'Punct:|', 'Identifier:b']],
    ['a;\n\n  b', ['Identifier:a', 'Punct:;', 'Identifier:b']],
    ['a\u2028\u00a0\ufeff\u3000b', ['Identifier:a', 'Identifier:b']],
    [
      'x * y / z % w - v',
      [
        'Identifier:x',
        'Punct:*',
        'Identifier:y',
        'Punct:/',
        'Identifier:z',
        'Punct:%',
        'Identifier:w',
        'Punct:-',
        'Identifier:v',
      ],
    ],
    ['count_ by_x in_y', ['Identifier:count_', 'Identifier:by_x', 'Identifier:in_y']],
  ];
  it.each(cases)('%j', (text, expected) => {
    const { diagnostics } = lex(text);
    expect(diagnostics).toEqual([]);
    expect(shape(text)).toEqual(expected);
  });
});

describe('lexer values', () => {
  const cases: ReadonlyArray<[string, string | number | bigint]> = [
    ["'it\\'s'", "it's"],
    ['"a\\tb\\\\c\\"d"', 'a\tb\\c"d'],
    ['"\\u0041"', 'A'],
    ['@"C:\\Windows"', 'C:\\Windows'],
    ['@"say ""hi"""', 'say "hi"'],
    ["h'secret'", 'secret'],
    ['```multi\nline```', 'multi\nline'],
    ['42', 42],
    ['1.25', 1.25],
    ['5s', 50_000_000n],
    ['5m', 3_000_000_000n],
    ['1.5h', 54_000_000_000n],
    ['10ms', 100_000n],
    ['2d', 1_728_000_000_000n],
    ['100tick', 100n],
    ['3microsecond', 30n],
  ];
  it.each(cases)('%j', (text, value) => {
    const t = only(text);
    expect('value' in t ? t.value : undefined).toEqual(value);
    expect(t.text).toBe(text);
  });
});

describe('lexer diagnostics', () => {
  const cases: ReadonlyArray<[string, string, number, number]> = [
    ['"abc', 'KQL101', 0, 4],
    ["x = 'abc\ny", 'KQL101', 4, 8],
    ['a # b', 'KQL102', 2, 3],
    ['5x', 'KQL103', 0, 2],
    ['1e999', 'KQL103', 0, 5],
    ['a ^ b', 'KQL102', 2, 3],
    ['a ^^# b', 'KQL102', 2, 5],
    ['!foo', 'KQL102', 0, 1],
    ['`x', 'KQL102', 0, 1],
    ['x @ y', 'KQL102', 2, 3],
  ];
  it.each(cases)('%j', (text, code, start, end) => {
    const { diagnostics, tokens } = lex(text);
    expect(diagnostics.map((d) => [d.code, d.span.start, d.span.end])).toEqual([[code, start, end]]);
    expect(tokens[tokens.length - 1]!.kind).toBe('End');
  });

  it('reports line and column of a diagnostic on a later line', () => {
    const { diagnostics } = lex('T\n| where x == "open');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'KQL101', line: 2, column: 14 });
  });
});
