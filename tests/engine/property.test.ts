/**
 * Property test: the columnar engine against the row-at-a-time reference interpreter
 * (tests/reference) on seeded random Defender-shaped tables and random query texts. Results are
 * compared as multisets (row order is undefined in Kusto, §8/§12) together with the exact output
 * schema (names per §9/§12 and Kusto types).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseQuery } from '../../src/engine/kql/parser';
import { runQuery } from '../../src/engine/run';
import type { Scalar } from '../../src/engine/table/column';
import { getValue } from '../../src/engine/table/column';
import type { Table } from '../../src/engine/table/table';
import { canonicalRows, canonicalSchema } from '../reference/canonical';
import { dt } from '../reference/fixtures';
import { referenceRun } from '../reference/interpreter';
import { dcomTablesArb, tablesArb } from '../reference/random-data';
import { queryArb } from '../reference/random-query';

const SEED = 20240501;
const RUNS = 300;
const NOW = dt('2024-05-01T10:05:00Z');

const RULE_QUERY = (
  parseYaml(readFileSync(new URL('../../src/rules/dcom-lateral-movement.yaml', import.meta.url), 'utf8')) as {
    query: string;
  }
).query;

function expectedOf(text: string, tables: ReadonlyMap<string, Table>) {
  const { query, diagnostics } = parseQuery(text);
  expect(
    diagnostics.map((d) => d.message),
    text,
  ).toEqual([]);
  return referenceRun(query, tables, { now: NOW });
}

/** The optimised plan (push-down, band joins) and the plan as bound must both match the reference. */
async function compare(text: string, tables: ReadonlyMap<string, Table>): Promise<void> {
  const expected = expectedOf(text, tables);
  for (const optimise of [true, false]) {
    const actual = await runQuery(text, tables, { now: NOW, optimise });
    const t = actual.table;
    const columns = t.schema.map((c) => ({ name: c.name, type: c.type }));
    const rows: Scalar[][] = [];
    for (let r = 0; r < t.rowCount; r++) rows.push(t.columns.map((c) => getValue(c, r)));
    expect(canonicalSchema(columns), text).toEqual(canonicalSchema(expected.columns));
    expect(canonicalRows(columns, rows), `${text} (optimise: ${optimise})`).toEqual(
      canonicalRows(expected.columns, expected.rows),
    );
  }
}

describe('engine vs reference interpreter', () => {
  it('generated queries parse and run in the reference interpreter', () => {
    fc.assert(
      fc.property(tablesArb(), queryArb, (tables, text) => {
        const r = expectedOf(text, tables);
        expect(r.columns.length).toBeGreaterThan(0);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it(`agrees on ${RUNS} random (tables, query) pairs`, async () => {
    await fc.assert(
      fc.asyncProperty(tablesArb(), queryArb, (tables, text) => compare(text, tables)),
      { seed: SEED, numRuns: RUNS },
    );
  });

  // Chains biased toward the rule: about one case in ten fires, the rest are near misses.
  it('agrees on the DCOM rule over random DCOM chains', async () => {
    await fc.assert(
      fc.asyncProperty(dcomTablesArb(), (tables) => compare(RULE_QUERY, tables)),
      { seed: SEED, numRuns: 200 },
    );
  });
});
