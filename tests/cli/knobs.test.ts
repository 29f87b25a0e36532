/**
 * `--window`, `--boot-grace`, `--exclude-children`: each equals running a rule file whose text was
 * edited by hand (an oracle independent of the knob code), and bad values exit 2 naming the flag.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';

const root = join(import.meta.dirname, '../..');
const samples = join(root, 'public/samples');
const files = [join(samples, 'DeviceNetworkEvents.csv'), join(samples, 'DeviceProcessEvents.csv')];
const ruleYaml = readFileSync(join(root, 'src/rules/dcom-lateral-movement.yaml'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'dcomlens-knobs-'));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

/** The shipped rule with `from` replaced by `to` once (the hand edit), written to a file. */
function editedRule(name: string, from: string, to: string): string {
  expect(ruleYaml.split(from)).toHaveLength(2);
  const p = join(dir, name);
  writeFileSync(p, ruleYaml.replace(from, to));
  return p;
}

describe('knob flags', () => {
  it.each([
    ['--window', '0..3', 'between (0 .. 2)', 'between (0 .. 3)'],
    ['--window', '-2..1', 'between (0 .. 2)', 'between (-2 .. 1)'],
    ['--boot-grace', '1h', 'LastBootTime+5m', 'LastBootTime+1h'],
    ['--boot-grace', '0s', 'LastBootTime+5m', 'LastBootTime+0s'],
    ['--exclude-children', 'csc.exe,cmd.exe', '!in~ ("csc.exe")', '!in~ ("csc.exe", "cmd.exe")'],
    ['--exclude-children', '', '!in~ ("csc.exe")', '!in~ (dynamic([]))'],
  ])('%s %s equals the rule edited by hand', async (flag, value, from, to) => {
    const viaFlag = await cli(['detect', ...files, '--format', 'json', flag, value]);
    expect(viaFlag.code, viaFlag.err).toBe(0);
    const rule = editedRule(`r${flag}${value.replace(/\W/g, '_')}.yaml`, from, to);
    const viaRule = await cli(['detect', ...files, '--format', 'json', '--rule', rule]);
    expect(viaRule.code, viaRule.err).toBe(0);
    expect(JSON.parse(viaFlag.out)).toEqual(JSON.parse(viaRule.out));
  });

  it('a wider window adds the 3 s near miss; the knobs change the result', async () => {
    const base = JSON.parse((await cli(['detect', ...files, '--format', 'json'])).out) as { rows: unknown[][] };
    const wide = JSON.parse((await cli(['detect', ...files, '--format', 'json', '--window=0..3'])).out) as {
      rows: unknown[][];
    };
    const key = (r: unknown[]) => JSON.stringify(r);
    const all = new Set(wide.rows.map(key));
    expect(base.rows.every((r) => all.has(key(r)))).toBe(true);
    expect(wide.rows.length).toBeGreaterThan(base.rows.length);
  });

  it.each([
    [['--window', '3..1'], /--window: the window's low bound 3 is above its high bound 1/],
    [['--window', '0-5'], /--window takes LO\.\.HI/],
    [['--window', '0..99999'], /--window: the window bounds must lie within/],
    [['--boot-grace', '5x'], /--boot-grace takes a timespan/],
    [['--boot-grace', '30d'], /--boot-grace: the boot grace must be whole seconds within/],
    [['--exclude-children', 'a\u0001b.exe'], /--exclude-children: a child exclusion must not hold control characters/],
    [['--window', '0..1', '--window', '0..2'], /--window given more than once/],
  ])('%j exits 2 naming the flag', async (extra, message) => {
    const r = await cli(['detect', ...files, ...extra]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  it('a rule without the construct exits 2 naming the rule file', async () => {
    const rule = editedRule('no-window.yaml', ' between (0 .. 2)', ' >= 0');
    const r = await cli(['detect', ...files, '--rule', rule, '--window', '0..3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no-window\.yaml: the rule has no `datetime_diff\(\.\.\.\) between \(lo \.\. hi\)` window/);
  });

  it('the help text lists the knob flags', async () => {
    const r = await cli(['--help']);
    for (const flag of ['--window LO..HI', '--boot-grace 5m', '--exclude-children a.exe,b.exe'])
      expect(r.out).toContain(flag);
  });
});
