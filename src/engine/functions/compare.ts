/**
 * Comparison operators: == != < <= > >= =~ !~ (kql-semantics §1, §7).
 *
 * Null rules for non-string types (null-values.md): `==` with exactly one null operand is false,
 * `!=` is true, two nulls give null; ordering comparisons with any null give null. Strings are never
 * null. `=~`/`!~` fold case with the 1:1 code-unit mapping.
 */
import type { ScalarType, StringColumn } from '../table/column';
import { foldCase } from './fold';
import { registerScalar, type Kernel } from './registry';
import { boolColumn, isNumeric, lazyDictMap, perDistinctBool } from './vec';

type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** Maps a three-way comparison result to the operator's truth value. */
function decide(op: CmpOp, c: number): boolean {
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

/** Ordinal (UTF-16 code unit) comparison, as .NET's ordinal string compare. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function stringKernel(op: CmpOp, fold: boolean): Kernel {
  return (args, n) => {
    const a = args[0] as StringColumn;
    const b = args[1] as StringColumn;
    const norm = fold ? foldCase : (s: string) => s;
    // One side constant (the common `Col =~ "literal"`): evaluate once per distinct value.
    if (b.dict.length === 1) {
      const k = norm(b.dict[0]!);
      return perDistinctBool(a, (s) => decide(op, compareStrings(norm(s), k)));
    }
    if (a.dict.length === 1) {
      const k = norm(a.dict[0]!);
      return perDistinctBool(b, (s) => decide(op, compareStrings(k, norm(s))));
    }
    const fa = lazyDictMap(a, norm);
    const fb = lazyDictMap(b, norm);
    const values = new Uint8Array(n);
    for (let i = 0; i < n; i++) values[i] = decide(op, compareStrings(fa(a.codes[i]!), fb(b.codes[i]!))) ? 1 : 0;
    return boolColumn(values, null);
  };
}

/**
 * Typed loop for two fixed-width columns (numbers, ticks, bools). Same truth table as
 * `decide(op, x < y ? -1 : x > y ? 1 : 0)`: a NaN compares "equal" there, so == is
 * !(x < y || x > y) here, not x === y. Nulls per the header: == / != with one null operand are false / true, else null.
 */
function fixedKernel(op: CmpOp): Kernel {
  return (args, n) => {
    const a = args[0] as { values: ArrayLike<number | bigint>; valid: Uint8Array | null };
    const b = args[1] as { values: ArrayLike<number | bigint>; valid: Uint8Array | null };
    const x = a.values;
    const y = b.values;
    const values = new Uint8Array(n);
    switch (op) {
      case '==':
        for (let i = 0; i < n; i++) values[i] = x[i]! < y[i]! || x[i]! > y[i]! ? 0 : 1;
        break;
      case '!=':
        for (let i = 0; i < n; i++) values[i] = x[i]! < y[i]! || x[i]! > y[i]! ? 1 : 0;
        break;
      case '<':
        for (let i = 0; i < n; i++) values[i] = x[i]! < y[i]! ? 1 : 0;
        break;
      case '<=':
        for (let i = 0; i < n; i++) values[i] = x[i]! > y[i]! ? 0 : 1;
        break;
      case '>':
        for (let i = 0; i < n; i++) values[i] = x[i]! > y[i]! ? 1 : 0;
        break;
      case '>=':
        for (let i = 0; i < n; i++) values[i] = x[i]! < y[i]! ? 0 : 1;
        break;
    }
    const va = a.valid;
    const vb = b.valid;
    if (va === null && vb === null) return boolColumn(values, null);
    let valid: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const pa = va === null || va[i] === 1;
      const pb = vb === null || vb[i] === 1;
      if (pa && pb) continue;
      if (pa !== pb && (op === '==' || op === '!=')) values[i] = op === '!=' ? 1 : 0;
      else {
        values[i] = 0;
        (valid ??= new Uint8Array(n).fill(1))[i] = 0;
      }
    }
    return boolColumn(values, valid);
  };
}

/** Which comparison kernel applies to the operand types, or null when they don't compare. */
function comparisonKernel(op: CmpOp, ta: ScalarType, tb: ScalarType, fold: boolean): Kernel | null {
  if (ta === 'string' && tb === 'string') return stringKernel(op, fold);
  if (fold) return null;
  if (isNumeric(ta) && isNumeric(tb)) return fixedKernel(op);
  if ((ta === 'datetime' && tb === 'datetime') || (ta === 'timespan' && tb === 'timespan')) {
    return fixedKernel(op);
  }
  if (ta === 'bool' && tb === 'bool') return fixedKernel(op);
  return null;
}

for (const op of ['==', '!=', '<', '<=', '>', '>='] as const) {
  registerScalar({
    name: op,
    minArgs: 2,
    maxArgs: 2,
    resolve: ([ta, tb]) => {
      const k = comparisonKernel(op, ta!, tb!, false);
      return k ? { type: 'bool', fn: { name: op, kernel: k } } : `cannot compare ${ta} ${op} ${tb}`;
    },
  });
}

for (const [op, base] of [
  ['=~', '=='],
  ['!~', '!='],
] as const) {
  registerScalar({
    name: op,
    minArgs: 2,
    maxArgs: 2,
    resolve: ([ta, tb]) => {
      const k = comparisonKernel(base, ta!, tb!, true);
      return k ? { type: 'bool', fn: { name: op, kernel: k } } : `${op} needs string operands, got ${ta} and ${tb}`;
    },
  });
}
