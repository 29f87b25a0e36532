/**
 * Aggregates for `summarize`: count, countif, dcount, min, max, sum, avg, make_set, make_list,
 * arg_max, arg_min. Kernels take a group id per row and return one value per group.
 * Nulls are ignored by every aggregate but count() (summarize-operator.md).
 */
import type { Column, NumberColumn, Scalar, ScalarType } from '../table/column';
import { columnFromValues, getValue } from '../table/column';
import { compareStrings } from './compare';
import { scalarToString } from './conversions';
import { registerAggregate, type AggregateKernel } from './registry';
import { isNumeric, validAt } from './vec';

function prefixed(prefix: string) {
  return (argNames: readonly (string | null)[]) => `${prefix}_${argNames[0] ?? ''}`;
}

const countKernel: AggregateKernel = (_args, groups, groupCount) => {
  const values = new Float64Array(groupCount);
  for (let i = 0; i < groups.length; i++) values[groups[i]!]!++;
  return { type: 'long', length: groupCount, values, valid: null };
};

registerAggregate({
  name: 'count',
  minArgs: 0,
  maxArgs: 1,
  defaultName: () => 'count_',
  resolve: () => ({ type: 'long', fn: { name: 'count', kernel: countKernel } }),
});

registerAggregate({
  name: 'countif',
  minArgs: 1,
  maxArgs: 1,
  defaultName: () => 'countif_',
  resolve: ([t]) =>
    t === 'bool'
      ? {
          type: 'long',
          fn: {
            name: 'countif',
            kernel: (args, groups, groupCount) => {
              const p = args[0] as { values: Uint8Array; valid: Uint8Array | null };
              const values = new Float64Array(groupCount);
              for (let i = 0; i < groups.length; i++)
                if (p.values[i] === 1 && (p.valid === null || p.valid[i] === 1)) values[groups[i]!]!++;
              return { type: 'long', length: groupCount, values, valid: null };
            },
          },
        }
      : `countif() needs a bool predicate, got ${t}`,
});

/** A hashable key for a cell (bigint ticks and numbers kept apart from strings). */
function cellKey(c: Column, i: number): string | number | bigint | null {
  if (!validAt(c, i)) return null;
  const v = getValue(c, i);
  if (typeof v === 'object') return JSON.stringify(v);
  return v as string | number | bigint;
}

registerAggregate({
  name: 'dcount',
  minArgs: 1,
  maxArgs: 2,
  defaultName: prefixed('dcount'),
  resolve: () => ({
    type: 'long',
    fn: {
      name: 'dcount',
      // Exact distinct count; Kusto's is a HyperLogLog estimate that is exact for small sets.
      kernel: (args, groups, groupCount) => {
        const sets = Array.from({ length: groupCount }, () => new Set<unknown>());
        const c = args[0]!;
        for (let i = 0; i < groups.length; i++) {
          const k = cellKey(c, i);
          if (k !== null) sets[groups[i]!]!.add(k);
        }
        return { type: 'long', length: groupCount, values: Float64Array.from(sets, (s) => s.size), valid: null };
      },
    },
  }),
});

function compareCells(c: Column, i: number, j: number): number {
  const a = getValue(c, i);
  const b = getValue(c, j);
  if (typeof a === 'string') return compareStrings(a, b as string);
  return (a as number | bigint) < (b as number | bigint) ? -1 : (a as number | bigint) > (b as number | bigint) ? 1 : 0;
}

/** Row index of the extreme value per group (first one on ties), -1 when the group has only nulls. */
export function extremeRows(c: Column, groups: Int32Array, groupCount: number, wantMax: boolean): Int32Array {
  const best = new Int32Array(groupCount).fill(-1);
  // Numeric and time columns compare on the typed array directly (this is the hot case: max(Timestamp)).
  const typed = c.type !== 'string' && c.type !== 'dynamic' ? (c.values as ArrayLike<number | bigint>) : null;
  for (let i = 0; i < groups.length; i++) {
    if (!validAt(c, i)) continue;
    const g = groups[i]!;
    const b = best[g]!;
    if (b < 0) {
      best[g] = i;
      continue;
    }
    const cmp = typed ? (typed[i]! < typed[b]! ? -1 : typed[i]! > typed[b]! ? 1 : 0) : compareCells(c, i, b);
    if (wantMax ? cmp > 0 : cmp < 0) best[g] = i;
  }
  return best;
}

function pick(c: Column, rows: Int32Array): Column {
  const out = new Array<Scalar>(rows.length);
  for (let g = 0; g < rows.length; g++) out[g] = rows[g]! < 0 ? null : getValue(c, rows[g]!);
  return columnFromValues(c.type, out);
}

for (const [name, wantMax] of [
  ['min', false],
  ['max', true],
] as const) {
  registerAggregate({
    name,
    minArgs: 1,
    maxArgs: 1,
    defaultName: prefixed(name),
    resolve: ([t]) =>
      t === 'dynamic'
        ? `${name}() does not accept dynamic`
        : {
            type: t!,
            fn: {
              name,
              kernel: (args, groups, groupCount) => pick(args[0]!, extremeRows(args[0]!, groups, groupCount, wantMax)),
            },
          },
  });
  // arg_max / arg_min: args are (ExprToMaximize, Output); the binder expands `arg_max(X, a, b)` and `*`
  // into one aggregate per output column.
  registerAggregate({
    name: `arg_${name}`,
    minArgs: 2,
    maxArgs: 2,
    defaultName: (argNames) => argNames[1] ?? argNames[0] ?? `arg_${name}`,
    resolve: ([t, out]) =>
      t === 'dynamic'
        ? `arg_${name}() cannot order by dynamic`
        : {
            type: out!,
            fn: {
              name: `arg_${name}`,
              kernel: (args, groups, groupCount) => pick(args[1]!, extremeRows(args[0]!, groups, groupCount, wantMax)),
            },
          },
  });
}

registerAggregate({
  name: 'sum',
  minArgs: 1,
  maxArgs: 1,
  defaultName: prefixed('sum'),
  resolve: ([t]) => {
    if (isNumeric(t!)) {
      const type: ScalarType = t === 'real' ? 'real' : 'long';
      return {
        type,
        fn: {
          name: 'sum',
          kernel: (args, groups, groupCount) => {
            const c = args[0] as NumberColumn;
            const values = new Float64Array(groupCount);
            const seen = new Uint8Array(groupCount);
            for (let i = 0; i < groups.length; i++) {
              if (c.valid !== null && c.valid[i] === 0) continue;
              values[groups[i]!]! += c.values[i]!;
              seen[groups[i]!] = 1;
            }
            // sum() defaults to 0 for a group without values (summarize-operator.md, default values).
            void seen;
            return { type: type as 'long' | 'real', length: groupCount, values, valid: null };
          },
        },
      };
    }
    if (t === 'timespan') {
      return {
        type: 'timespan',
        fn: {
          name: 'sum',
          kernel: (args, groups, groupCount) => {
            const c = args[0] as { values: BigInt64Array; valid: Uint8Array | null };
            const values = new BigInt64Array(groupCount);
            const seen = new Uint8Array(groupCount);
            for (let i = 0; i < groups.length; i++) {
              if (c.valid !== null && c.valid[i] === 0) continue;
              values[groups[i]!]! += c.values[i]!;
              seen[groups[i]!] = 1;
            }
            void seen;
            return { type: 'timespan', length: groupCount, values, valid: null };
          },
        },
      };
    }
    return `sum() does not accept ${t}`;
  },
});

registerAggregate({
  name: 'avg',
  minArgs: 1,
  maxArgs: 1,
  defaultName: prefixed('avg'),
  resolve: ([t]) =>
    isNumeric(t!)
      ? {
          type: 'real',
          fn: {
            name: 'avg',
            kernel: (args, groups, groupCount) => {
              const c = args[0] as NumberColumn;
              const sums = new Float64Array(groupCount);
              const counts = new Float64Array(groupCount);
              for (let i = 0; i < groups.length; i++) {
                if (c.valid !== null && c.valid[i] === 0) continue;
                sums[groups[i]!]! += c.values[i]!;
                counts[groups[i]!]!++;
              }
              // A group without values averages to NaN (the summarize docs' default-values example).
              for (let g = 0; g < groupCount; g++) sums[g] = counts[g]! > 0 ? sums[g]! / counts[g]! : NaN;
              return { type: 'real', length: groupCount, values: sums, valid: null };
            },
          },
        }
      : `avg() does not accept ${t}`,
});

/** A dynamic element for a cell: datetimes and timespans become their Kusto text (as in JSON output). */
function dynamicElement(c: Column, i: number): unknown {
  const v = getValue(c, i);
  if (c.type === 'datetime' || c.type === 'timespan') return scalarToString(v, c.type);
  return v;
}

/** make_set / make_list. Default and maximum size 1,048,576 (make-set docs). */
function collect(distinct: boolean): AggregateKernel {
  return (args, groups, groupCount) => {
    const c = args[0]!;
    const max = args[1] ? Math.max(0, Number(getValue(args[1], 0) ?? 1_048_576)) : 1_048_576;
    const lists: unknown[][] = Array.from({ length: groupCount }, () => []);
    const seen = distinct ? Array.from({ length: groupCount }, () => new Set<unknown>()) : null;
    const add = (g: number, v: unknown) => {
      if (v === null || v === undefined) return; // make_set/make_list skip nulls but keep "".
      const list = lists[g]!;
      if (list.length >= max) return;
      if (seen) {
        const key = typeof v === 'object' ? JSON.stringify(v) : v;
        if (seen[g]!.has(key)) return;
        seen[g]!.add(key);
      }
      list.push(v);
    };
    for (let i = 0; i < groups.length; i++) {
      if (!validAt(c, i)) continue;
      const v = dynamicElement(c, i);
      // A dynamic array argument contributes its elements (make-set docs: flattened).
      if (c.type === 'dynamic' && Array.isArray(v)) for (const e of v) add(groups[i]!, e);
      else add(groups[i]!, v);
    }
    return { type: 'dynamic', length: groupCount, values: lists };
  };
}

registerAggregate(
  {
    name: 'make_set',
    minArgs: 1,
    maxArgs: 2,
    defaultName: prefixed('set'),
    resolve: () => ({ type: 'dynamic', fn: { name: 'make_set', kernel: collect(true) } }),
  },
  'makeset',
);
registerAggregate(
  {
    name: 'make_list',
    minArgs: 1,
    maxArgs: 2,
    defaultName: prefixed('list'),
    resolve: () => ({ type: 'dynamic', fn: { name: 'make_list', kernel: collect(false) } }),
  },
  'makelist',
);
