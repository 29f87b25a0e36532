/**
 * The detection's per-row text, made column by column: `alertKeys` gives exactly `alertKey` of
 * every row (verdicts and notes hang on these strings), and two rows' `rowIdentities` are equal
 * exactly when their JSON cells are (what the diff between two runs compared before). Small value
 * pools make equal rows, and rows differing in one cell, common.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnFromValues, type Scalar, type ScalarType } from '../../../src/engine/table/column';
import { makeTable, type Table } from '../../../src/engine/table/table';
import { alertKey, alertKeys } from '../../../src/engine/worker/alert-export';
import { dynamicTexts, rowIdentities } from '../../../src/engine/worker/result-rows';
import { alertRows } from '../../../src/engine/worker/server';

const SCHEMA: readonly { name: string; type: ScalarType }[] = [
  { name: 'TimestampNetwEventExact', type: 'datetime' },
  { name: 'TimestampProcEventExact', type: 'datetime' },
  { name: 'DeviceId', type: 'string' },
  { name: 'InitiatingProcessId', type: 'long' },
  { name: 'Score', type: 'real' },
  { name: 'Remote', type: 'bool' },
  { name: 'Gap', type: 'timespan' },
  { name: 'set_ProcessCommandLine', type: 'dynamic' },
];

const ticks = fc.constantFrom<Scalar>(null, 638_500_000_000_000_000n, 638_500_000_000_000_001n, 0n);
const cell: Record<ScalarType, fc.Arbitrary<Scalar>> = {
  datetime: ticks,
  timespan: fc.constantFrom<Scalar>(null, 0n, 10_000_000n, -1n),
  // `|`, `:` and digits in strings: a join without length prefixes would run two cells together.
  string: fc.constantFrom<Scalar>('', 'a', 'a|1:b', '1:a', 'dev-1', 'dév\u00e9', 'x\uD800'),
  long: fc.constantFrom<Scalar>(null, 0, 1, 1656, -3),
  int: fc.constantFrom<Scalar>(null, 0, 1),
  real: fc.constantFrom<Scalar>(null, 0, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY),
  bool: fc.constantFrom<Scalar>(null, true, false),
  dynamic: fc.constantFrom<Scalar>(null, [], ['b', 'a'], ['a', 'b'], ['a|b'], ['a', '|b'], { k: 1 }, 'text'),
};

const rows = fc.array(fc.tuple(...SCHEMA.map((c) => cell[c.type])), { minLength: 0, maxLength: 12 });

function tableOf(values: readonly (readonly Scalar[])[]): Table {
  return makeTable(
    'result',
    SCHEMA,
    SCHEMA.map((c, i) =>
      columnFromValues(
        c.type,
        values.map((r) => r[i] ?? null),
      ),
    ),
  );
}

describe('alertKeys', () => {
  it('is alertKey of every row', () => {
    fc.assert(
      fc.property(rows, (values) => {
        const t = tableOf(values);
        expect(alertKeys(t)).toEqual(Array.from({ length: t.rowCount }, (_, r) => alertKey(t, r)));
      }),
      { numRuns: 300 },
    );
  });

  it('is empty strings for a table without the key columns, one per row', () => {
    const t = makeTable('result', [{ name: 'x', type: 'long' }], [columnFromValues('long', [1, 2])]);
    expect(alertKeys(t)).toEqual(['|||', '|||']);
    expect(alertKeys(t)).toEqual([alertKey(t, 0), alertKey(t, 1)]);
  });
});

describe('rowIdentities', () => {
  it('two rows (of two runs) are equal exactly when their JSON cells are', () => {
    fc.assert(
      fc.property(rows, rows, (a, b) => {
        const ta = tableOf(a);
        const tb = tableOf(b);
        // One numbering for both runs, as the server keeps it; either run may be keyed first.
        const ids = new Map<string, number>();
        const ida = rowIdentities(ta, ids);
        const idb = rowIdentities(tb, ids);
        const ja = alertRows(ta).rows.map((r) => JSON.stringify(r));
        const jb = alertRows(tb).rows.map((r) => JSON.stringify(r));
        for (let i = 0; i < ja.length; i++)
          for (let j = 0; j < jb.length; j++) expect(ida[i] === idb[j]).toBe(ja[i] === jb[j]);
      }),
      { numRuns: 300 },
    );
  });

  it('a text under two codes of one dictionary, or in two dictionaries, is one identity', () => {
    const col = (codes: number[], dict: string[]) => ({
      type: 'string' as const,
      length: codes.length,
      codes: Int32Array.from(codes),
      dict,
    });
    const a = makeTable('r', [{ name: 's', type: 'string' }], [col([0, 1, 2], ['x', 'y', 'x'])]);
    const b = makeTable('r', [{ name: 's', type: 'string' }], [col([1, 0], ['x|1', 'x'])]);
    const ids = new Map<string, number>();
    const ia = rowIdentities(a, ids);
    const ib = rowIdentities(b, ids);
    expect(ia[0]).toBe(ia[2]);
    expect(ia[0]).not.toBe(ia[1]);
    expect(ib[0]).toBe(ia[0]);
    expect(ib[1]).not.toBe(ia[0]);
    // Pieces are short: no copy of the text per cell.
    expect(ids.size).toBe(3);
  });

  it("dynamic cells' JSON is the sorted set, made once per column", () => {
    const col = columnFromValues('dynamic', [['b', 'a'], null, { k: 1 }]);
    const first = dynamicTexts(col);
    expect(first).toEqual(['["a","b"]', null, '{"k":1}']);
    expect(dynamicTexts(col)).toBe(first);
  });
});
