/**
 * isnull / isnotnull / isempty / isnotempty, iff / iif and case.
 */
import type { Column, ScalarType } from '../table/column';
import { registerScalar } from './registry';
import { boolColumn, isNumeric, rowwise, validAt, widerNumeric } from './vec';

function emptyAt(c: Column, i: number): boolean {
  if (c.type === 'string') return c.dict[c.codes[i]!] === '';
  return !validAt(c, i);
}

for (const [name, test] of [
  ['isnull', (c: Column, i: number) => !validAt(c, i)],
  ['isnotnull', (c: Column, i: number) => validAt(c, i)],
  ['isempty', emptyAt],
  ['isnotempty', (c: Column, i: number) => !emptyAt(c, i)],
] as const) {
  registerScalar({
    name,
    minArgs: 1,
    maxArgs: 1,
    resolve: () => ({
      type: 'bool',
      fn: {
        name,
        kernel: (args, n) => {
          const c = args[0]!;
          const values = new Uint8Array(n);
          for (let i = 0; i < n; i++) values[i] = test(c, i) ? 1 : 0;
          return boolColumn(values, null);
        },
      },
    }),
  });
}

/** The common type of the branches of iff/case, or null when they do not agree. */
function unify(types: readonly ScalarType[]): ScalarType | null {
  let t = types[0]!;
  for (const u of types.slice(1)) {
    if (u === t) continue;
    if (isNumeric(t) && isNumeric(u)) t = widerNumeric(t, u);
    else return null;
  }
  return t;
}

registerScalar(
  {
    name: 'iff',
    minArgs: 3,
    maxArgs: 3,
    resolve: (types) => {
      if (types[0] !== 'bool') return `iff() needs a bool condition, got ${types[0]}`;
      const type = unify([types[1]!, types[2]!]);
      if (type === null) return `iff() branches have different types: ${types[1]} and ${types[2]}`;
      return {
        type,
        // A null condition takes the else branch, as `where` treats null as false.
        fn: { name: 'iff', kernel: (args, n) => rowwise(type, args, n, ([c, a, b]) => (c === true ? a! : b!)) },
      };
    },
  },
  'iif',
);

registerScalar({
  name: 'case',
  minArgs: 3,
  maxArgs: 255,
  resolve: (types) => {
    if (types.length % 2 === 0) return 'case() needs pairs of condition, value and a final else value';
    const valueTypes: ScalarType[] = [];
    for (let i = 0; i < types.length - 1; i += 2) {
      if (types[i] !== 'bool') return `case() condition ${i / 2 + 1} is ${types[i]}, not bool`;
      valueTypes.push(types[i + 1]!);
    }
    valueTypes.push(types[types.length - 1]!);
    const type = unify(valueTypes);
    if (type === null) return 'case() values have different types';
    return {
      type,
      fn: {
        name: 'case',
        kernel: (args, n) =>
          rowwise(type, args, n, (vals) => {
            for (let i = 0; i < vals.length - 1; i += 2) if (vals[i] === true) return vals[i + 1]!;
            return vals[vals.length - 1]!;
          }),
      },
    };
  },
});
