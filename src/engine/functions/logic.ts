/**
 * and / or / not with Kleene three-valued logic (kql-semantics §7, null-values.md):
 * false and null = false, true or null = true, otherwise null propagates; not(null) = null.
 */
import type { BoolColumn } from '../table/column';
import { registerScalar, type Kernel } from './registry';
import { boolColumn } from './vec';

// Encoding per row: 0 false, 1 true, 2 null.
function tri(c: BoolColumn, i: number): number {
  return c.valid !== null && c.valid[i] === 0 ? 2 : c.values[i]!;
}

function binary(isAnd: boolean): Kernel {
  return (args, n) => {
    const a = args[0] as BoolColumn;
    const b = args[1] as BoolColumn;
    if (a.valid === null && b.valid === null) {
      // No nulls on either side: plain bitwise loop.
      const values = new Uint8Array(n);
      const av = a.values;
      const bv = b.values;
      if (isAnd) for (let i = 0; i < n; i++) values[i] = av[i]! & bv[i]!;
      else for (let i = 0; i < n; i++) values[i] = av[i]! | bv[i]!;
      return boolColumn(values, null);
    }
    const values = new Uint8Array(n);
    let valid: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const x = tri(a, i);
      const y = tri(b, i);
      let r: number;
      if (isAnd) r = x === 0 || y === 0 ? 0 : x === 2 || y === 2 ? 2 : 1;
      else r = x === 1 || y === 1 ? 1 : x === 2 || y === 2 ? 2 : 0;
      if (r === 2) (valid ??= new Uint8Array(n).fill(1))[i] = 0;
      else values[i] = r;
    }
    return boolColumn(values, valid);
  };
}

registerScalar({
  name: 'and',
  minArgs: 2,
  maxArgs: 2,
  resolve: ([a, b]) =>
    a === 'bool' && b === 'bool'
      ? { type: 'bool', fn: { name: 'and', kernel: binary(true) } }
      : `and needs bool operands, got ${a} and ${b}`,
});
registerScalar({
  name: 'or',
  minArgs: 2,
  maxArgs: 2,
  resolve: ([a, b]) =>
    a === 'bool' && b === 'bool'
      ? { type: 'bool', fn: { name: 'or', kernel: binary(false) } }
      : `or needs bool operands, got ${a} and ${b}`,
});
registerScalar({
  name: 'not',
  minArgs: 1,
  maxArgs: 1,
  resolve: ([a]) =>
    a === 'bool'
      ? {
          type: 'bool',
          fn: {
            name: 'not',
            kernel: (args, n) => {
              const c = args[0] as BoolColumn;
              const values = new Uint8Array(n);
              for (let i = 0; i < n; i++) values[i] = c.values[i]! ^ 1;
              return boolColumn(values, c.valid);
            },
          },
        }
      : `not() needs a bool, got ${a}`,
});
