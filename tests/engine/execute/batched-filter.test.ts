/**
 * Filters over large inputs run in row batches with cancellation points between them; the result
 * and its provenance are the same as one pass.
 */
import { describe, expect, it } from 'vitest';
import { traceRow } from '../../../src/engine/execute/lineage';
import { runQuery } from '../../../src/engine/run';
import { columnFromValues, getValue } from '../../../src/engine/table/column';
import { makeTable } from '../../../src/engine/table/table';

const N = 700_000; // more than two batches of 2^18 rows
const xs = Array.from({ length: N }, (_, i) => (i * 7919) % 1000);
const names = Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 'svchost.exe' : 'other.exe'));
const table = makeTable(
  'T',
  [
    { name: 'x', type: 'long' },
    { name: 'f', type: 'string' },
  ],
  [columnFromValues('long', xs), columnFromValues('string', names)],
);
const tables = new Map([['T', table]]);

describe('batched filters', () => {
  it('keep exactly the matching rows, in order, with their provenance', async () => {
    const r = await runQuery('T | where x < 10 and f =~ "SVCHOST.EXE" | project x', tables, { now: 0n });
    const expected = xs.map((x, i) => [x, i] as const).filter(([x, i]) => x < 10 && names[i] === 'svchost.exe');
    expect(r.table.rowCount).toBe(expected.length);
    expect(r.table.rowCount).toBeGreaterThan(1000);
    for (const k of [0, 1, expected.length >> 1, expected.length - 1]) {
      expect(getValue(r.table.columns[0]!, k)).toBe(expected[k]![0]);
      expect([...traceRow(r.lineage, k).values()][0]).toEqual([expected[k]![1]]);
    }
  });

  it('stop when the run is cancelled between batches', async () => {
    // A signal that turns aborted on its 4th reading: after the scan, inside the filter's batches.
    let reads = 0;
    const signal = {
      get aborted() {
        return ++reads > 3;
      },
    } as unknown as AbortSignal;
    await expect(runQuery('T | where x < 10 | count', tables, { now: 0n, signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(reads).toBeGreaterThan(3);
  });
});
