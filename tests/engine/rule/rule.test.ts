import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadRule, readLetList, replaceLetList, setUnknownBoot } from '../../../src/engine/rule/rule';
import { parseQuery } from '../../../src/engine/kql/parser';

const yaml = readFileSync(new URL('../../../src/rules/dcom-lateral-movement.yaml', import.meta.url), 'utf8');

describe('rule loading and tuning edits', () => {
  const loaded = loadRule(yaml);
  it('loads the shipped rule with its metadata', () => {
    expect(loaded.problems).toEqual([]);
    expect(loaded.rule).toMatchObject({
      id: 'd58035ff-0bac-4c61-a7f4-f58939ff9764',
      name: 'DCOM Lateral Movement',
      severity: 'Medium',
      tactics: ['LateralMovement'],
      relevantTechniques: ['T1021.003'],
      dataTypes: ['DeviceProcessEvents', 'DeviceNetworkEvents'],
    });
    expect(loaded.rule!.entityMappings.map((m) => m.entityType)).toEqual(['Host', 'IP', 'Process']);
    expect(loaded.diagnostics).toEqual([]);
  });

  it('reads and replaces the allow-list, keeping comments and the rest of the text', () => {
    const q = loaded.rule!.query;
    expect(readLetList(q, 'allowListedExecs')).toHaveLength(11);
    const edited = replaceLetList(q, 'allowListedExecs', ['dllhost.exe', 'we"ird\\name.exe'])!;
    expect(readLetList(edited, 'allowListedExecs')).toEqual(['dllhost.exe', 'we"ird\\name.exe']);
    expect(edited).toContain('// Allow-listing the magic of Defender.');
    expect(edited.slice(edited.indexOf('let rpcNetwEvents'))).toBe(q.slice(q.indexOf('let rpcNetwEvents')));
    expect(parseQuery(edited).diagnostics).toEqual([]);
    expect(replaceLetList('T | take 1', 'allowListedExecs', [])).toBeNull();
  });

  it('rewrites the boot filter for unknown boot times only when asked', () => {
    const q = loaded.rule!.query;
    expect(setUnknownBoot(q, 'drop')).toBe(q);
    const keep = setUnknownBoot(q, 'keep')!;
    expect(keep).toContain(
      '| where isnull(LastBootTime) or TimestampProcEvent > LastBootTime+5m // Ignore first 5 min after boot.',
    );
    expect(setUnknownBoot(keep, 'keep')).toBe(keep);
    expect(parseQuery(keep).diagnostics).toEqual([]);
    expect(setUnknownBoot('T | where x > 1', 'keep')).toBeNull();
  });

  it('reports problems in a rule file without throwing', () => {
    expect(loadRule('just text').problems[0]!.message).toMatch(/mapping/);
    expect(loadRule('name: x\n').problems.map((p) => p.message)).toEqual([
      'the rule has no `id`',
      'the rule has no `query`',
    ]);
    expect(loadRule('a: *unknownAlias\n').problems[0]!.message).toMatch(/not valid YAML/);
  });
});
