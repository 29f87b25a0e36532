/**
 * Summarize and distinct tell times apart by exact offsets from the first valid time (doubles read
 * from the ticks' halves) when all are near it, and by the ticks themselves otherwise. Groups must
 * equal the reference interpreter's for times close together, years apart, at the ends of the
 * range, and null.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../src/engine/kql/parser';
import { runQuery } from '../../../src/engine/run';
import { columnFromValues, getValue, type Scalar } from '../../../src/engine/table/column';
import { makeTable } from '../../../src/engine/table/table';
import { canonicalRows } from '../../reference/canonical';
import { referenceRun } from '../../reference/interpreter';

const BASE = 638500000000000000n;
const MAX_TICKS = 3_155_378_975_999_999_999n;
const tick = fc.oneof(
  fc.bigInt({ min: BASE, max: BASE + 50n }),
  fc.constantFrom(BASE + 2n ** 32n, BASE - 2n ** 32n, BASE + 2n ** 52n, 0n, MAX_TICKS, BASE + 2n ** 53n + 1n),
  fc.bigInt({ min: 0n, max: MAX_TICKS }),
);
const rows = fc.array(fc.record({ t: fc.option(tick, { nil: null }), k: fc.constantFrom('a', 'b') }), {
  maxLength: 30,
});

describe('time keys', () => {
  it.each(['T | summarize c = count() by t', 'T | summarize c = count(), m = max(t) by k, t', 'T | distinct t, k'])(
    'group as the reference does: %s',
    async (text) => {
      await fc.assert(
        fc.asyncProperty(rows, async (rs) => {
          const table = makeTable(
            'T',
            [
              { name: 't', type: 'datetime' },
              { name: 'k', type: 'string' },
            ],
            [
              columnFromValues(
                'datetime',
                rs.map((r) => r.t),
              ),
              columnFromValues(
                'string',
                rs.map((r) => r.k),
              ),
            ],
          );
          const tables = new Map([['T', table]]);
          const expected = referenceRun(parseQuery(text).query, tables, { now: 0n });
          const t = (await runQuery(text, tables, { now: 0n })).table;
          const got: Scalar[][] = [];
          for (let r = 0; r < t.rowCount; r++) got.push(t.columns.map((c) => getValue(c, r)));
          const columns = t.schema.map((c) => ({ name: c.name, type: c.type }));
          expect(canonicalRows(columns, got)).toEqual(canonicalRows(expected.columns, expected.rows));
        }),
        { seed: 20261131, numRuns: 200 },
      );
    },
  );
});
