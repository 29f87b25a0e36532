/**
 * The DCOM rule's output schema and intermediate column names, as Kusto.Language computes them
 * (kql-semantics §9, verified there with K.L's ParseAndAnalyze).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadRule } from '../../../src/engine/rule/rule';
import { compileQuery } from '../../../src/engine/run';
import { DEFENDER_TABLES } from '../../../src/engine/table/defender-schema';
import { makeNamesUnique } from '../../../src/engine/bind/unique-names';

const ruleText = readFileSync(new URL('../../../src/rules/dcom-lateral-movement.yaml', import.meta.url), 'utf8');
const tables = new Map(Object.entries(DEFENDER_TABLES).map(([name, schema]) => [name, { schema }]));

describe('column naming (kql-semantics §9)', () => {
  it('renames duplicates with the smallest free suffix: [c, c, c1] → [c, c2, c1]', () => {
    expect(makeNamesUnique(['c', 'c', 'c1'])).toEqual(['c', 'c2', 'c1']);
    expect(makeNamesUnique(['DeviceId', 'DeviceId', 'DeviceId1', 'DeviceId'])).toEqual([
      'DeviceId',
      'DeviceId2',
      'DeviceId1',
      'DeviceId3',
    ]);
  });

  it('gives the rule exactly the output schema K.L computes', () => {
    const { rule } = loadRule(ruleText);
    expect(rule).not.toBeNull();
    const { plan, diagnostics } = compileQuery(rule!.query, tables, 0n);
    expect(diagnostics).toEqual([]);
    expect(plan!.result.schema.map((c) => `${c.name}:${c.type}`)).toEqual([
      'TimestampNetwEventExact:datetime',
      'TimestampProcEventExact:datetime',
      'DeviceId:string',
      'DeviceName:string',
      'InitiatingProcessId:long',
      'LocalIP:string',
      'RemoteIP:string',
      'LastBootTime:datetime',
      'DCOMCmdLine:string',
      'set_ProcessCommandLine:dynamic',
    ]);
    const remote = plan!.lets.find((l) => l.name === 'RemoteDcomProcs')!;
    expect(remote.plan.schema.map((c) => c.name)).toEqual([
      'TimestampNetwEvent',
      'TimestampNetwEventExact',
      'DeviceId',
      'DeviceName',
      'RPCHostID',
      'RPCHostFileName',
      'LocalIP',
      'RemoteIP',
      'TimestampProcEvent',
      'TimestampProcEventExact',
      'DeviceId1',
      'DeviceName1',
      'DCOMHostPID',
      'DCOMHostFileName',
      'DCOMPID',
      'DCOMFileName',
      'DCOMCmdLine',
      'DeviceId2',
      'LastBootTime',
    ]);
  });

  it('names the final join columns DeviceId3 and DeviceName2 (77 columns)', () => {
    const { rule } = loadRule(ruleText);
    const text = rule!.query.replace(/\| summarize make_set[\s\S]*$/, '');
    const { plan } = compileQuery(text, tables, 0n);
    const names = plan!.result.schema.map((c) => c.name);
    expect(names).toHaveLength(19 + DEFENDER_TABLES.DeviceProcessEvents!.length);
    expect(names[20]).toBe('DeviceId3');
    expect(names[21]).toBe('DeviceName2');
  });

  it('reports unknown names and tables with code, line and column', () => {
    const { diagnostics } = compileQuery('DeviceProcessEvents\n| where NoSuchColumn == 1', tables, 0n);
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['KQL401', 2, 9]]);
    const t = compileQuery('NoTable | take 1', tables, 0n);
    expect(t.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['KQL401', 1, 1]]);
    const f = compileQuery('DeviceProcessEvents | where parse_json(FileName) == 1', tables, 0n);
    expect(f.diagnostics.map((d) => d.code)).toEqual(['KQL302']);
  });

  it('binds a long pipeline quickly and refuses an absurd one with a clear diagnostic', () => {
    const chain = (n: number) => `DeviceProcessEvents\n${'| where FileName != "a"\n'.repeat(n)}`;
    const t0 = performance.now();
    const ok = compileQuery(chain(1000), tables, 0n);
    expect(ok.plan).not.toBeNull();
    expect(performance.now() - t0).toBeLessThan(10_000);
    const tooLong = compileQuery(chain(5000), tables, 0n);
    expect(tooLong.plan).toBeNull();
    expect(tooLong.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['KQL303', 1, 1]]);
    expect(tooLong.diagnostics[0]!.message).toMatch(/5000 operators is longer than the 1000 supported/);
  });
});
