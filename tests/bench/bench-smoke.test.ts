/**
 * Keeps the benchmark's DuckDB translation of the rule (bench/dcom-sql.ts) faithful: on the
 * committed sample, whose planted cases pin every semantic edge (has-terms, case folding, the
 * case-sensitive `in`, datetime_diff boundaries, the 5 s bin against the boot, null LastBootTime),
 * DuckDB's result must equal truth.json and dcomlens's, also after the allow-list edit the
 * benchmark times. Not a timed test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalRows, EDIT_ENTRY, SHIPPED_ALLOW_LIST, type JsonCell } from '../../bench/dcom-sql';
import {
  alertRows,
  dcomlensDetect,
  detectLoaded,
  loadFiles,
  queryWithout,
  requiredColumns,
  ruleQuery,
} from '../../bench/dcomlens-node';
import { csvSources, duckDetect, openDuck, runRule } from '../../bench/duckdb-node';
import { replaceLetList } from '../../src/engine/rule/rule';

const samples = join(import.meta.dirname, '../../public/samples');
const net = join(samples, 'DeviceNetworkEvents.csv');
const proc = join(samples, 'DeviceProcessEvents.csv');
const truth = canonicalRows(
  (JSON.parse(readFileSync(join(samples, 'truth.json'), 'utf8')) as { rows: JsonCell[][] }).rows,
);

describe('bench: DuckDB translation == truth == dcomlens on the committed sample', () => {
  it('DuckDB equals truth.json', async () => {
    const rows = await duckDetect(net, proc);
    expect(rows.length).toBeGreaterThan(5);
    expect(rows).toEqual(truth);
  });

  it('dcomlens (the bench path: pruned ingest) equals truth.json', async () => {
    expect(await dcomlensDetect([net, proc])).toEqual(truth);
  });

  it('after removing one allow-list entry, DuckDB equals dcomlens and the alerts change', async () => {
    const query = ruleQuery();
    const edited = queryWithout(query, EDIT_ENTRY);
    expect(edited.allowList).toEqual(SHIPPED_ALLOW_LIST.filter((e) => e !== EDIT_ENTRY));
    const { tables } = await loadFiles([net, proc], requiredColumns(query));
    const mine = alertRows(await detectLoaded(edited.query, tables));
    const { instance, conn } = await openDuck();
    try {
      const duck = await runRule(conn, csvSources(net, proc), edited.allowList);
      expect(duck).toEqual(mine);
      // With the whole list emptied the result grows further (allow-listed cases come back).
      const all = await runRule(conn, csvSources(net, proc), []);
      const mineAll = alertRows(await detectLoaded(replaceLetList(query, 'allowListedExecs', [])!, tables));
      expect(all).toEqual(mineAll);
      expect(all.length).toBeGreaterThan(truth.length);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});
