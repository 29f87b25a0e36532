/**
 * String operators: has, contains, startswith, endswith, each with `_cs` and `!` forms
 * (kql-semantics §2). Strings are never null, so results are never null either.
 */
import type { StringColumn } from '../table/column';
import { foldCase, hasTermCs } from './fold';
import { registerScalar, type Kernel } from './registry';
import { boolColumn, lazyDictMap, perDistinctBool } from './vec';

type Matcher = (hay: string, needle: string) => boolean;

const MATCHERS: Readonly<Record<string, Matcher>> = {
  has: hasTermCs,
  contains: (h, n) => h.includes(n),
  startswith: (h, n) => h.startsWith(n),
  endswith: (h, n) => h.endsWith(n),
};

function kernel(match: Matcher, caseSensitive: boolean, negated: boolean): Kernel {
  const norm = caseSensitive ? (s: string) => s : foldCase;
  return (args, n) => {
    const hay = args[0] as StringColumn;
    const needle = args[1] as StringColumn;
    if (needle.dict.length === 1) {
      // The usual `Col has "literal"`: one evaluation per distinct value of the column.
      const k = norm(needle.dict[0]!);
      return perDistinctBool(hay, (s) => match(norm(s), k) !== negated);
    }
    const fh = lazyDictMap(hay, norm);
    const fn = lazyDictMap(needle, norm);
    const values = new Uint8Array(n);
    for (let i = 0; i < n; i++) values[i] = match(fh(hay.codes[i]!), fn(needle.codes[i]!)) !== negated ? 1 : 0;
    return boolColumn(values, null);
  };
}

for (const [base, match] of Object.entries(MATCHERS)) {
  for (const cs of [false, true]) {
    for (const neg of [false, true]) {
      const name = `${neg ? '!' : ''}${base}${cs ? '_cs' : ''}`;
      const k = kernel(match, cs, neg);
      registerScalar({
        name,
        minArgs: 2,
        maxArgs: 2,
        resolve: ([ta, tb]) =>
          ta === 'string' && tb === 'string'
            ? { type: 'bool', fn: { name, kernel: k } }
            : `${name} needs string operands, got ${ta} and ${tb}`,
      });
    }
  }
}
