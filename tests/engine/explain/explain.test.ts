/**
 * Explain mode: every candidate of the rule's spine (rpcss network events, DcomLaunch starts) ends
 * in exactly one state, with the stage, predicate and measured value that suppressed it; the funnel
 * adds up; and explaining never changes the alerts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainQuery, type Candidate } from '../../../src/engine/explain/explain';
import { ingestPath } from '../../../src/engine/ingest/node-source';
import { formatJson } from '../../../src/engine/output/format-results';
import { loadRule, setUnknownBoot } from '../../../src/engine/rule/rule';
import { compileQuery, runQuery } from '../../../src/engine/run';
import { getValue } from '../../../src/engine/table/column';
import type { Table } from '../../../src/engine/table/table';
import { dcomTablesArb } from '../../reference/random-data';

const root = join(import.meta.dirname, '../../..');
const rule = loadRule(readFileSync(join(root, 'src/rules/dcom-lateral-movement.yaml'), 'utf8')).rule!;

interface PlantedCase {
  kind: string;
  expect: 'alert' | 'suppressed';
  dcom?: { ReportId: number };
  network?: { ReportId: number }[];
}

async function explainRule(tables: ReadonlyMap<string, Table>, query = rule.query) {
  const { plan, diagnostics } = compileQuery(query, tables, 0n, { optimise: false });
  expect(diagnostics).toEqual([]);
  return explainQuery(plan!, tables);
}

describe('explain mode on the committed sample', async () => {
  const net = (await ingestPath(join(root, 'public/samples/DeviceNetworkEvents.csv'))).table;
  const proc = (await ingestPath(join(root, 'public/samples/DeviceProcessEvents.csv'))).table;
  const tables = new Map([
    ['DeviceNetworkEvents', net],
    ['DeviceProcessEvents', proc],
  ]);
  const cases = (JSON.parse(readFileSync(join(root, 'public/samples/cases.json'), 'utf8')) as { cases: PlantedCase[] })
    .cases;
  const result = await explainRule(tables);
  const rowOf = (t: Table, reportId: number) => {
    const col = t.columns[t.schema.findIndex((c) => c.name === 'ReportId')]!;
    for (let i = 0; i < t.rowCount; i++) if (getValue(col, i) === reportId) return i;
    return -1;
  };
  const dcomCandidate = (c: PlantedCase): Candidate | undefined =>
    c.dcom
      ? result.candidates.find((x) => x.spine === 'dcomProcEvents' && x.row === rowOf(proc, c.dcom!.ReportId))
      : undefined;

  it('finds the spines and gives the same alerts as a normal run', async () => {
    expect(result.spines).toEqual(['rpcNetwEvents', 'dcomProcEvents']);
    const normal = await runQuery(rule.query, tables, { now: 0n });
    expect(formatJson(result.table)).toBe(formatJson(normal.table));
  });

  it('the funnel adds up: candidates = alerts + suppressed at each stage', () => {
    const alerts = result.candidates.filter((c) => c.state === 'alert').length;
    const suppressed = result.funnel.reduce((s, f) => s + f.suppressed, 0);
    expect(alerts).toBeGreaterThan(0);
    expect(alerts + suppressed).toBe(result.candidates.length);
    for (const f of result.funnel) expect([...f.byGroup.values()].reduce((a, b) => a + b, 0)).toBe(f.suppressed);
    expect(result.candidates.every((c) => (c.state === 'alert') === (c.failure === null))).toBe(true);
  });

  // Each planted near miss, with the reason and measured value the analyst must see.
  const expected: Record<string, RegExp> = {
    'gap-3s': /datetime_diff\("second", TimestampProcEventExact, TimestampNetwEventExact\) = 3, outside 0 \.\. 2/,
    'gap-2.002s-boundary-3': /datetime_diff\(.*\) = 3, outside 0 \.\. 2/,
    'proc-before-net': /datetime_diff\(.*\) = -1, outside 0 \.\. 2/,
    'boot-window': /TimestampProcEvent = 2024-05-01T08:05:10\.0000000Z, LastBootTime\+5m = 2024-05-01T08:07:57/,
    'boot-bin-edge': /TimestampProcEvent = .*, LastBootTime\+5m = .*TimestampProcEvent > LastBootTime\+5m is false/,
    'reboot-after-attack': /TimestampProcEvent > LastBootTime\+5m is false/,
    'no-boot-device': /LastBootTime\+5m is null, so TimestampProcEvent > LastBootTime\+5m is null/,
    'allow-listed-with-child': /DCOMFileName = "dllhost\.exe" is in the list \(entry "dllhost\.exe"\)/,
    'allow-listed-upper-case': /DCOMFileName = "DLLHOST\.EXE" is in the list \(entry "dllhost\.exe"\)/,
    'only-child-csc': /FileName = "csc\.exe" is in the list/,
    'no-child': /no matching row on the right side of the join \(DCOMHostPID == InitiatingProcessParentId/,
    'child-name-case': /no matching row on the right side of the join \(DCOMHostPID == InitiatingProcessParentId/,
    'local-ip-equals-remote-ip': /LocalIP !~ RemoteIP is false/,
    'ipv6-case-only-difference': /LocalIP = "fe80::.*", RemoteIP = "FE80::.*": LocalIP !~ RemoteIP is false/,
    'listening-135': /ActionType = "ListeningConnectionCreated"/,
    'port-swap-1350': /no matching row on the left side of the join \(DeviceId == DeviceId\) within ±60 s/,
    'term-rpcssx': /no matching row on the left side of the join/,
  };

  it.each(Object.entries(expected))('%s is suppressed with its reason', (kind, detail) => {
    const planted = cases.filter((c) => c.kind === kind);
    expect(planted.length).toBeGreaterThan(0);
    for (const c of planted) {
      const cand = dcomCandidate(c);
      expect(cand, kind).toBeDefined();
      expect(cand!.state).toBe('suppressed');
      expect(cand!.failure!.detail).toMatch(detail);
    }
  });

  it('every planted alert case is an alert candidate, and measured violations are right', () => {
    for (const c of cases.filter((x) => x.expect === 'alert' && x.dcom))
      expect(dcomCandidate(c)?.state, c.kind).toBe('alert');
    const gap3 = dcomCandidate(cases.find((c) => c.kind === 'gap-3s')!)!;
    expect(gap3.failure!.violation).toBe(1);
    expect(gap3.failure!.values).toEqual([
      { expr: 'datetime_diff("second", TimestampProcEventExact, TimestampNetwEventExact)', value: '3' },
    ]);
    const allow = dcomCandidate(cases.find((c) => c.kind === 'allow-listed-with-child')!)!;
    expect(allow.failure!.listEntry).toBe('dllhost.exe');
  });

  it('names the path rows of a suppressed candidate (for its timeline)', () => {
    const gap3 = dcomCandidate(cases.find((c) => c.kind === 'gap-3s')!)!;
    expect(gap3.pathRows.get('DeviceNetworkEvents')?.length).toBe(1);
    expect(gap3.pathRows.get('DeviceProcessEvents')).toContain(gap3.row);
  });

  it('with the unknown-boot knob, the no-boot device candidates move on to later stages', async () => {
    const keep = await explainRule(tables, setUnknownBoot(rule.query, 'keep')!);
    const noBoot = cases.find((c) => c.kind === 'no-boot-device')!;
    const cand = keep.candidates.find(
      (x) => x.spine === 'dcomProcEvents' && x.row === rowOf(proc, noBoot.dcom!.ReportId),
    )!;
    expect(cand.failure?.detail ?? 'alert').not.toMatch(/LastBootTime/);
  });
});

describe('explain never changes the alerts', () => {
  it('on random DCOM chains (seeded)', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(dcomTablesArb(), async (tables) => {
        runs++;
        const normal = await runQuery(rule.query, tables, { now: 0n });
        const explained = await explainRule(tables);
        expect(formatJson(explained.table)).toBe(formatJson(normal.table));
        const alerts = explained.candidates.filter((c) => c.state === 'alert').length;
        expect(alerts + explained.funnel.reduce((s, f) => s + f.suppressed, 0)).toBe(explained.candidates.length);
      }),
      { seed: 20261128, numRuns: 150 },
    );
    expect(runs).toBe(150);
  });
});
