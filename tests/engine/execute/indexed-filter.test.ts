/**
 * Filters over a table scan start from their most selective string conjunct through the column's
 * code index (execute/code-index). The index's row lists must equal a scan of the codes, and a
 * filter must keep exactly the rows, in the order and with the provenance, of the row-by-row
 * reference, on its first run (index built) and on later runs (index reused).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildCodeIndex,
  countHits,
  hitBits,
  indexedRows,
  keepByBits,
  listedLimit,
} from '../../../src/engine/execute/code-index';
import { traceRow } from '../../../src/engine/execute/lineage';
import { parseQuery } from '../../../src/engine/kql/parser';
import { runQuery } from '../../../src/engine/run';
import { columnFromValues, getValue, type Scalar, type StringColumn } from '../../../src/engine/table/column';
import { makeTable, type Table } from '../../../src/engine/table/table';
import { referenceRun } from '../../reference/interpreter';

const SEED = 20261128;

/** Codes with a skewed distribution: a few codes on most rows, many on a handful. */
const codesArb = fc
  .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 3000 }))
  .chain(([d, n]) =>
    fc.tuple(
      fc.constant(d),
      fc.array(
        fc.oneof(
          { weight: 3, arbitrary: fc.integer({ min: 0, max: Math.min(2, d - 1) }) },
          { weight: 1, arbitrary: fc.integer({ min: 0, max: d - 1 }) },
        ),
        { minLength: n, maxLength: n },
      ),
      fc.array(fc.boolean(), { minLength: d, maxLength: d }),
    ),
  );

describe('code index', () => {
  it('lists and marks the rows of each hit set as a scan does, or declines when a hit code is too common', () => {
    fc.assert(
      fc.property(codesArb, ([d, codes, hits]) => {
        const col: StringColumn = {
          type: 'string',
          length: codes.length,
          codes: Int32Array.from(codes),
          dict: Array.from({ length: d }, (_, i) => `v${i}`),
        };
        const index = buildCodeIndex(col, true);
        const hit = Uint8Array.from(hits, (h) => (h ? 1 : 0));
        const scanned = codes.flatMap((c, i) => (hits[c] ? [i] : []));
        expect(countHits(index, hit)).toBe(scanned.length);
        const got = indexedRows(index, hit, codes.length);
        if (scanned.length > listedLimit(codes.length)) expect(got).toBeNull();
        if (got !== null) expect([...got]).toEqual(scanned);
        else expect(scanned.length).toBeGreaterThan(0);
        const bits = hitBits(index, hit, codes.length)!;
        expect([...keepByBits(bits, Int32Array.from(codes.keys()))]).toEqual(scanned);
        // Kept with the index: asked again, the same bitset.
        expect(hitBits(index, hit, codes.length)).toBe(bits);
        // A fresh index scans on its first ask (null), then builds it.
        const fresh = buildCodeIndex(col);
        expect(hitBits(fresh, hit, codes.length)).toBeNull();
        expect(hitBits(fresh, hit, codes.length)).toEqual(bits);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

const FILES = ['svchost.exe', 'SVCHOST.EXE', 'chrome.exe', 'services.exe', 'dllhost.exe', 'x.exe', ''];
const LINES = ['svchost.exe -k RpcSs -p', 'svchost.exe -k DcomLaunch', 'rpcssx', 'a b', '', 'chrome --type'];
/** Mostly common values, sometimes a rare one: the rare ones are what the index lists. */
const pick = (pool: readonly string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...pool.slice(0, 2)) },
    { weight: 1, arbitrary: fc.constantFrom(...pool) },
  );
const rowArb = fc.record({
  f: pick(FILES),
  g: pick(LINES),
  h: pick([...FILES].reverse()),
  x: fc.option(fc.integer({ min: 0, max: 9 })),
});
const CONJUNCTS = [
  'f =~ "svchost.exe"',
  'f == "services.exe"',
  'f in~ ("dllhost.exe", "x.exe")',
  'g has "rpcss"',
  'g has "dcomlaunch"',
  'g !has "chrome"',
  'h =~ "SERVICES.EXE"',
  'h != "svchost.exe"',
  'x < 5',
  'f =~ h',
  'isempty(g)',
];

function tableOf(rows: readonly { f: string; g: string; h: string; x: number | null }[]): Table {
  return makeTable(
    'T',
    [
      { name: 'f', type: 'string' },
      { name: 'g', type: 'string' },
      { name: 'h', type: 'string' },
      { name: 'x', type: 'long' },
      { name: 'i', type: 'long' },
    ],
    [
      columnFromValues(
        'string',
        rows.map((r) => r.f),
      ),
      columnFromValues(
        'string',
        rows.map((r) => r.g),
      ),
      columnFromValues(
        'string',
        rows.map((r) => r.h),
      ),
      columnFromValues(
        'long',
        rows.map((r) => r.x),
      ),
      columnFromValues(
        'long',
        rows.map((_, i) => i),
      ),
    ],
  );
}

describe('indexed filters', () => {
  it('keep the reference rows, in order, with their provenance, on first and later runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { maxLength: 1500, size: 'max' }),
        fc.array(fc.constantFrom(...CONJUNCTS), { minLength: 1, maxLength: 4 }),
        async (rows, parts) => {
          const text = `T | where ${parts.join(' and ')} | project i, f, g, x`;
          const tables = new Map([['T', tableOf(rows)]]);
          const expected = referenceRun(parseQuery(text).query, tables, { now: 0n }).rows;
          for (let run = 0; run < 2; run++) {
            const r = await runQuery(text, tables, { now: 0n });
            const got: Scalar[][] = [];
            for (let k = 0; k < r.table.rowCount; k++) got.push(r.table.columns.map((c) => getValue(c, k)));
            expect(got, text).toEqual(expected);

            for (let k = 0; k < got.length; k++)
              expect([...traceRow(r.lineage, k).values()][0]).toEqual([Number(got[k]![0])]);
          }
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });
});
