/**
 * End to end: `dcomlens detect` on generated Defender exports equals the generator's truth (computed
 * independently by the generator from what it planted, cross-checked by its brute-force oracle),
 * for the committed sample as CSV and as Arrow, and for several fresh seeds.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { writeDataset } from '../../bench/gen/write-dataset';
import { loadRule, readLetList } from '../../src/engine/rule/rule';

const samples = join(import.meta.dirname, '../../public/samples');

async function detect(files: string[], extra: string[] = []): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['detect', ...files, '--format', 'json', ...extra], {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
  });
  return { code, out, err };
}

function truth(dir: string): { columns: string[]; rows: unknown[][] } {
  return JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
}

describe('detect equals the truth', () => {
  it('on the committed sample (CSV)', async () => {
    const r = await detect([join(samples, 'DeviceNetworkEvents.csv'), join(samples, 'DeviceProcessEvents.csv')]);
    expect(r.code).toBe(0);
    const expected = truth(samples);
    expect(expected.rows.length).toBeGreaterThan(5);
    expect(JSON.parse(r.out)).toEqual(expected);
  });

  it('on the committed sample (Arrow IPC), identical to the CSV result', async () => {
    const r = await detect([join(samples, 'DeviceProcessEvents.arrow'), join(samples, 'DeviceNetworkEvents.arrow')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(truth(samples));
  });

  it.each([1, 7, 42, 'near-miss-seed'])('on freshly generated data, seed %s', async (seed) => {
    const dir = mkdtempSync(join(tmpdir(), `dcomlens-gen-${seed}-`));
    writeDataset({ devices: 5, hours: 2, seed, rate: 0.3 }, dir);
    const r = await detect([join(dir, 'DeviceNetworkEvents.csv'), join(dir, 'DeviceProcessEvents.csv')]);
    expect(r.code).toBe(0);
    const expected = truth(dir);
    expect(expected.rows.length).toBeGreaterThan(0);
    expect(JSON.parse(r.out)).toEqual(expected);
  });

  it('--allow replaces the list: the shipped entries plus every DCOM server of the truth suppress every alert', async () => {
    const expected = truth(samples);
    const servers = new Set(
      expected.rows.map((row) =>
        String(row[8])
          .replace(/^"?.*\\/, '')
          .replace(/"?\s.*$/, ''),
      ),
    );
    const shipped = readLetList(
      loadRule(readFileSync(join(import.meta.dirname, '../../src/rules/dcom-lateral-movement.yaml'), 'utf8')).rule!
        .query,
      'allowListedExecs',
    )!;
    expect(shipped).toContain('WmiPrvSE.exe');
    const r = await detect(
      [join(samples, 'DeviceNetworkEvents.csv'), join(samples, 'DeviceProcessEvents.csv')],
      ['--allow', [...shipped, ...servers].join(',')],
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).rows).toEqual([]);
  });

  it('--unknown-boot keep adds the candidates of devices without a boot, and keeps every alert', async () => {
    const files = [join(samples, 'DeviceNetworkEvents.csv'), join(samples, 'DeviceProcessEvents.csv')];
    const drop = JSON.parse((await detect(files)).out) as { rows: unknown[][] };
    const keep = JSON.parse((await detect(files, ['--unknown-boot', 'keep'])).out) as { rows: unknown[][] };
    const key = (r: unknown[]) => JSON.stringify(r);
    const kept = new Set(keep.rows.map(key));
    expect(drop.rows.every((r) => kept.has(key(r)))).toBe(true);
    const noBoot = keep.rows.filter((r) => r[7] === null);
    expect(noBoot.length).toBeGreaterThan(0);
    expect(keep.rows.length).toBe(drop.rows.length + noBoot.length);
    expect((await detect(files, ['--unknown-boot', 'maybe'])).code).toBe(2);
  });

  it('--funnel accounts for every candidate on standard error', async () => {
    const r = await detect(
      [join(samples, 'DeviceNetworkEvents.csv'), join(samples, 'DeviceProcessEvents.csv')],
      ['--funnel'],
    );
    expect(r.code).toBe(0);
    const head = /funnel: (\d+) candidates \(rpcNetwEvents, dcomProcEvents\): (\d+) in alerts/.exec(r.err);
    expect(head).not.toBeNull();
    const suppressed = [...r.err.matchAll(/^\s+(\d+) suppressed at: /gm)].reduce((s, m) => s + Number(m[1]), 0);
    expect(Number(head![2]) + suppressed).toBe(Number(head![1]));
    expect(r.err).toMatch(/suppressed at: where DCOMFileName !in~ \(allowListedExecs\)/);
  });

  it('--explain prints the plan and the funnel; --near-misses writes one CSV row per suppressed chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcomlens-near-'));
    const out = join(dir, 'near.csv');
    const r = await detect(
      [join(samples, 'DeviceNetworkEvents.csv'), join(samples, 'DeviceProcessEvents.csv')],
      ['--explain', '--near-misses', out],
    );
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/now\(\) = /);
    const head = /funnel: (\d+) candidates \(rpcNetwEvents, dcomProcEvents\): (\d+) in alerts/.exec(r.err)!;
    const suppressed = Number(head[1]) - Number(head[2]);
    const csv = readFileSync(out, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    const written = Number(/(\d+) near misses written to /.exec(r.err)![1]);
    expect(lines).toHaveLength(written + 1);
    expect(lines[0]).toMatch(/^Rank,OffBy,Violation,DeviceName,Timestamp,Spines,Candidate,/);
    // Every suppressed candidate is in exactly one row (the last column lists the chain's candidate keys).
    const keys = lines.slice(1).flatMap((l) => l.slice(l.lastIndexOf(',') + 1).split(' '));
    expect(keys).toHaveLength(suppressed);
    expect(new Set(keys).size).toBe(suppressed);
    expect(written).toBeLessThan(suppressed);
    // Closest first: the planted 3-second gaps (1 s outside the window) lead.
    expect(lines[1]).toMatch(/^1,1 s off,1,.*dcomProcEvents \+ rpcNetwEvents,.*datetime_diff/);
    const cases = JSON.parse(readFileSync(join(samples, 'cases.json'), 'utf8')) as {
      cases: { kind: string; DeviceName: string }[];
    };
    const gap3 = cases.cases.find((c) => c.kind === 'gap-3s')!;
    expect(lines.some((l) => l.includes(gap3.DeviceName) && l.includes('= 3, outside 0 .. 2'))).toBe(true);
  });
});
