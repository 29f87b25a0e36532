/**
 * takeRows gathers each row's value by index, and -1 gives the type's empty value (null, or `""`
 * for strings), for every column type; ticks are copied as 32-bit halves, so every 64-bit value
 * (negative, beyond 2^53, the int64 extremes) must come through exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnFromValues, getValue, takeRows, type Scalar, type ScalarType } from '../../../src/engine/table/column';

const POOLS: Record<ScalarType, fc.Arbitrary<Scalar>> = {
  bool: fc.option(fc.boolean(), { nil: null }),
  int: fc.option(fc.integer(), { nil: null }),
  long: fc.option(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { nil: null }),
  real: fc.option(fc.double(), { nil: null }),
  string: fc.constantFrom('', 'a', 'svchost.exe', 'B'),
  datetime: fc.option(
    fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.constantFrom(0n, -1n, 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n), 2n ** 63n - 1n, -(2n ** 63n)),
    ),
    { nil: null },
  ),
  timespan: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: null }),
  dynamic: fc.option(fc.constantFrom<Scalar>([1, 2], { a: 1 }, 'x', 3), { nil: null }),
};

describe('takeRows', () => {
  it.each(Object.keys(POOLS) as ScalarType[])('gathers %s rows, -1 as the empty value', (type) => {
    fc.assert(
      fc.property(
        fc.array(POOLS[type], { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        (values, picks, holes) => {
          const col = columnFromValues(type, values);
          const rows = Int32Array.from(picks, (p, i) => (holes[i] ? -1 : p % values.length));
          const got = takeRows(col, rows);
          expect(got.type).toBe(type);
          expect(got.length).toBe(rows.length);
          const empty = type === 'string' ? '' : null;
          for (let i = 0; i < rows.length; i++)
            expect(getValue(got, i)).toEqual(rows[i]! < 0 ? empty : getValue(col, rows[i]!));
        },
      ),
      { seed: 20261130, numRuns: 200 },
    );
  });

  it('gathers ticks from a slice of a larger column (views at an offset)', () => {
    const all = columnFromValues('datetime', [1n, -(2n ** 62n), 2n ** 62n + 7n, null, -5n]);
    const view = { ...all, length: 3, values: (all as { values: BigInt64Array }).values.subarray(2) };
    const got = takeRows(
      { ...view, valid: (all as { valid: Uint8Array | null }).valid?.subarray(2) ?? null } as typeof all,
      Int32Array.of(0, 2, 1, -1),
    );
    expect([0, 1, 2, 3].map((i) => getValue(got, i))).toEqual([2n ** 62n + 7n, -5n, null, null]);
  });
});
