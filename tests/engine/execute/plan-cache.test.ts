/**
 * Incremental re-runs: after an allow-list edit, everything upstream of the edited predicate is
 * reused from the previous run, and the result equals a fresh run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inputsOf, type BoundTabular } from '../../../src/engine/bind/bound';
import { traceRow, type Lineage } from '../../../src/engine/execute/lineage';
import { PlanCache } from '../../../src/engine/execute/plan-cache';
import { ingestPath } from '../../../src/engine/ingest/node-source';
import { formatJson } from '../../../src/engine/output/format-results';
import { loadRule, readLetList, replaceLetList, setUnknownBoot } from '../../../src/engine/rule/rule';
import { applyKnobs, type RuleKnobs } from '../../../src/engine/rule/knobs';
import { runQuery } from '../../../src/engine/run';
import { dcomTablesArb } from '../../reference/random-data';

const root = join(import.meta.dirname, '../../..');
const rule = loadRule(readFileSync(join(root, 'src/rules/dcom-lateral-movement.yaml'), 'utf8')).rule!;

describe('plan cache', async () => {
  const net = (await ingestPath(join(root, 'public/samples/DeviceNetworkEvents.csv'))).table;
  const proc = (await ingestPath(join(root, 'public/samples/DeviceProcessEvents.csv'))).table;
  const tables = new Map([
    ['DeviceNetworkEvents', net],
    ['DeviceProcessEvents', proc],
  ]);
  const list = readLetList(rule.query, 'allowListedExecs')!;

  it('reuses upstream stages after an allow-list edit and matches a fresh run', async () => {
    const cache = new PlanCache();
    const first = await runQuery(rule.query, tables, { now: 0n, cache });
    for (const drop of ['dllhost.exe', 'WmiPrvSE.exe', 'TiWorker.exe']) {
      const edited = replaceLetList(
        rule.query,
        'allowListedExecs',
        list.filter((x) => x !== drop),
      )!;
      const again = await runQuery(edited, tables, { now: 0n, cache });
      const fresh = await runQuery(edited, tables, { now: 0n });
      expect(formatJson(again.table)).toBe(formatJson(fresh.table));
      expect(cache.hits).toBeGreaterThan(0);
      // No table was scanned again, and far fewer stages ran than in the first run.
      const kinds = new Map<number, string>();
      const walk = (n: BoundTabular): void => {
        kinds.set(n.id, n.kind);
        inputsOf(n).forEach(walk);
      };
      again.plan.lets.forEach((l) => walk(l.plan));
      walk(again.plan.result);
      const recomputed = [...again.stats.values()].filter((st) => !st.cached);
      expect(recomputed.some((st) => kinds.get(st.id) === 'Scan')).toBe(false);
      expect(recomputed.length).toBeLessThanOrEqual([...first.stats.values()].filter((st) => !st.cached).length / 2);
    }
    expect(first.table.rowCount).toBeGreaterThan(0);
  });

  it('an edit back to the original list reuses the whole plan', async () => {
    const cache = new PlanCache();
    await runQuery(rule.query, tables, { now: 0n, cache });
    const again = await runQuery(rule.query, tables, { now: 0n, cache });
    expect(cache.misses).toBe(0);
    expect(again.table.rowCount).toBeGreaterThan(0);
  });

  it('new tables or a changed knob are recomputed, never served stale', async () => {
    const cache = new PlanCache();
    await runQuery(rule.query, tables, { now: 0n, cache });
    const keep = setUnknownBoot(rule.query, 'keep')!;
    const a = await runQuery(keep, tables, { now: 0n, cache });
    const b = await runQuery(keep, tables, { now: 0n });
    expect(formatJson(a.table)).toBe(formatJson(b.table));
    const reloaded = new Map([
      ['DeviceNetworkEvents', (await ingestPath(join(root, 'public/samples/DeviceNetworkEvents.csv'))).table],
      ['DeviceProcessEvents', proc],
    ]);
    await runQuery(keep, reloaded, { now: 0n, cache });
    expect(cache.misses).toBeGreaterThan(0);
  });

  it.each<[string, RuleKnobs]>([
    ['a wider window', { window: { lo: 0, hi: 6 } }],
    ['a negative window', { window: { lo: -2, hi: 1 } }],
    ['a longer boot grace', { bootGraceSeconds: 3600 }],
    ['no child exclusions', { childExclusions: [] }],
  ])('after %s, reuses every scan and the materialised inputs, and matches a fresh run', async (_what, knobs) => {
    const cache = new PlanCache();
    await runQuery(rule.query, tables, { now: 0n, cache });
    const edited = applyKnobs(rule.query, knobs);
    expect(edited).not.toBe(rule.query);
    const again = await runQuery(edited, tables, { now: 0n, cache });
    const fresh = await runQuery(edited, tables, { now: 0n });
    expect(formatJson(again.table)).toBe(formatJson(fresh.table));
    const kinds = new Map<number, string>();
    const walk = (n: BoundTabular): void => {
      kinds.set(n.id, n.kind);
      inputsOf(n).forEach(walk);
    };
    again.plan.lets.forEach((l) => walk(l.plan));
    walk(again.plan.result);
    const recomputed = [...again.stats.values()].filter((st) => !st.cached);
    expect(cache.hits).toBeGreaterThan(0);
    expect(recomputed.some((st) => kinds.get(st.id) === 'Scan')).toBe(false);
  });
});

/**
 * The base rows behind one result row, by table. (By table, not by scan: cached scans of one table
 * with the same columns share one relation, so a cached run names one source for them.)
 */
function traced(r: { lineage: Lineage }, row: number): [string, number[]][] {
  const byTable = new Map<string, Set<number>>();
  for (const [s, rows] of traceRow(r.lineage, row)) {
    const set = byTable.get(s.table) ?? new Set<number>();
    rows.forEach((x) => set.add(x));
    byTable.set(s.table, set);
  }
  return [...byTable].map(([t, set]): [string, number[]] => [t, [...set].sort((x, y) => x - y)]).sort();
}

describe('plan cache over random DCOM chains', () => {
  // Allow-list entries drawn from the random tables' file names (case variants included), so edits
  // add and drop rows; every cached re-run (whose reused relations keep what they gathered) must
  // equal a fresh run.
  const names = ['dllhost.exe', 'mmc.exe', 'MMC.EXE', 'svchost.exe', 'excel.exe', 'WmiPrvSE.exe', 'cmd.exe'];
  const base = rule.query;
  it('re-runs after a sequence of allow-list edits equal fresh runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        dcomTablesArb(),
        fc.array(fc.subarray(names), { minLength: 1, maxLength: 4 }),
        async (tables, lists) => {
          const cache = new PlanCache();
          await runQuery(base, tables, { now: 0n, cache });
          for (const list of lists) {
            const edited = replaceLetList(base, 'allowListedExecs', list)!;
            const again = await runQuery(edited, tables, { now: 0n, cache });
            const fresh = await runQuery(edited, tables, { now: 0n });
            expect(formatJson(again.table)).toBe(formatJson(fresh.table));
            for (let k = 0; k < fresh.table.rowCount; k++) expect(traced(again, k)).toEqual(traced(fresh, k));
          }
        },
      ),
      { seed: 20261128, numRuns: 100 },
    );
  });
});
