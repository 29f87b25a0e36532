/**
 * Projected expressions are computed when read, and on the selected rows only when read through a
 * later filter or join (execute/executor `computedColumn`). Each query below reads computed columns
 * through filters, inner and outer joins (empty rows), summarize and a second read of the same
 * column; results must equal the row-by-row reference interpreter on random tables.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../src/engine/kql/parser';
import { runQuery } from '../../../src/engine/run';
import { getValue, type Scalar } from '../../../src/engine/table/column';
import type { Table } from '../../../src/engine/table/table';
import { canonicalRows } from '../../reference/canonical';
import { referenceRun } from '../../reference/interpreter';
import { tablesArb } from '../../reference/random-data';

const SEED = 20261129;

const QUERIES = [
  // Read through a filter on another column: computed on the kept rows.
  'DeviceProcessEvents | project t = bin(Timestamp, 5s), f = strcat(FileName, "!"), DeviceId | where DeviceId != "" | project t, f',
  // Read by the filter itself, then again in the output.
  'DeviceProcessEvents | project t = bin(Timestamp, 5s), e = isempty(FileName), DeviceId | where e or t > datetime(2024-05-01) | project t, e',
  // Left outer join: unmatched rows read the right side's computed columns as empty values.
  'DeviceNetworkEvents | project DeviceId, p = LocalPort + 1 | join kind=leftouter (DeviceProcessEvents | project DeviceId, n = isnull(ProcessId), s = strcat("x", FileName)) on DeviceId',
  // Right and full outer joins: the left side's computed columns are empty on unmatched rows.
  'DeviceNetworkEvents | project DeviceId, z = isempty(RemoteIP), w = strlen(LocalIP) | join kind=rightouter (DeviceProcessEvents | project DeviceId, FileName) on DeviceId',
  'DeviceNetworkEvents | project DeviceId, z = tolower(RemoteIP) | join kind=fullouter (DeviceProcessEvents | project DeviceId, q = ProcessId * 2) on DeviceId | where isnotempty(z) or isnull(q)',
  // Summarize over a selection of computed columns, and an inner join keyed on one.
  'DeviceProcessEvents | project k = tolower(DeviceId), t = bin(Timestamp, 1m) | where k != "" | summarize c = count(), m = max(t) by k',
  'DeviceProcessEvents | project k = tolower(DeviceId), f = FileName | join kind=inner (DeviceNetworkEvents | project k = tolower(DeviceId), r = strcat(RemoteIP, "/", LocalIP)) on k | project f, r',
];

async function agree(text: string, tables: ReadonlyMap<string, Table>): Promise<void> {
  const expected = referenceRun(parseQuery(text).query, tables, { now: 0n });
  for (const optimise of [true, false]) {
    const t = (await runQuery(text, tables, { now: 0n, optimise })).table;
    const rows: Scalar[][] = [];
    for (let r = 0; r < t.rowCount; r++) rows.push(t.columns.map((c) => getValue(c, r)));
    const columns = t.schema.map((c) => ({ name: c.name, type: c.type }));
    expect(canonicalRows(columns, rows), `${text} (optimise: ${optimise})`).toEqual(
      canonicalRows(expected.columns, expected.rows),
    );
  }
}

describe('computed columns', () => {
  it.each(QUERIES)('agree with the reference: %s', async (text) => {
    await fc.assert(
      fc.asyncProperty(tablesArb(12), (tables) => agree(text, tables)),
      { seed: SEED, numRuns: 60 },
    );
  });
});
