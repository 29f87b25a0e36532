/**
 * Comparison operators: == != < <= > >= =~ !~ (kql-semantics §1, §7).
 *
 * Null rules for non-string types (null-values.md): `==` with exactly one null operand is false,
 * `!=` is true, two nulls give null; ordering comparisons with any null give null. Strings are never
 * null. `=~`/`!~` fold case with the 1:1 code-unit mapping.
 */
import type { Column, ScalarType, StringColumn } from '../table/column';
import { foldCase } from './fold';
import { registerScalar, type Kernel } from './registry';
import { boolColumn, isNumeric, lazyDictMap, perDistinctBool, validAt } from './vec';

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

/** Typed loop over two nullable columns; `cmp` compares valid cells. */
function nullableKernel(op: CmpOp, cmp: (a: Column, b: Column, i: number) => number): Kernel {
  return (args, n) => {
    const a = args[0]!;
    const b = args[1]!;
    const values = new Uint8Array(n);
    let valid: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const va = validAt(a, i);
      const vb = validAt(b, i);
      if (va && vb) {
        values[i] = decide(op, cmp(a, b, i)) ? 1 : 0;
      } else if (va !== vb && (op === '==' || op === '!=')) {
        values[i] = op === '!=' ? 1 : 0;
      } else {
        (valid ??= new Uint8Array(n).fill(1))[i] = 0;
      }
    }
    return boolColumn(values, valid);
  };
}

function numericCmp(a: Column, b: Column, i: number): number {
  const x = (a as { values: Float64Array }).values[i]!;
  const y = (b as { values: Float64Array }).values[i]!;
  return x < y ? -1 : x > y ? 1 : 0;
}

function timeCmp(a: Column, b: Column, i: number): number {
  const x = (a as { values: BigInt64Array }).values[i]!;
  const y = (b as { values: BigInt64Array }).values[i]!;
  return x < y ? -1 : x > y ? 1 : 0;
}

function boolCmp(a: Column, b: Column, i: number): number {
  return (a as { values: Uint8Array }).values[i]! - (b as { values: Uint8Array }).values[i]!;
}

/** Which comparison kernel applies to the operand types, or null when they don't compare. */
function comparisonKernel(op: CmpOp, ta: ScalarType, tb: ScalarType, fold: boolean): Kernel | null {
  if (ta === 'string' && tb === 'string') return stringKernel(op, fold);
  if (fold) return null;
  if (isNumeric(ta) && isNumeric(tb)) return nullableKernel(op, numericCmp);
  if ((ta === 'datetime' && tb === 'datetime') || (ta === 'timespan' && tb === 'timespan')) {
    return nullableKernel(op, timeCmp);
  }
  if (ta === 'bool' && tb === 'bool') return nullableKernel(op, boolCmp);
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
