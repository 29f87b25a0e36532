/**
 * A large CSV read in parts by worker threads (csv-split.ts through the bundled CLI, real
 * `node:worker_threads`) gives byte-identical alerts and reports to a read in one piece, also when
 * a part holds rejected rows and when a cut falls inside a quoted field spanning many lines.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bigSampleCsv, ROOT as root } from '../support/big-csv';

const built = existsSync(join(root, 'dist-cli/main.js')) && existsSync(join(root, 'dist-cli/csv-part-worker.js'));
const dir = mkdtempSync(join(tmpdir(), 'dcomlens-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bigFile = (file: string, copies: number): string => bigSampleCsv(dir, file, copies);

function detect(files: readonly string[], threads: number): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(
    process.execPath,
    [join(root, 'bin/dcomlens.js'), 'detect', ...files, '--threads', String(threads), '--explain'],
    { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** The stderr without the lines that say how the files were read, and the run's wall clock. */
const withoutParts = (s: string): string =>
  s.replace(/^.*read in \d+ parts at once.*\n/gm, '').replace(/^now\(\) = .*$/gm, 'now()');

describe.skipIf(!built && !process.env.CI)('detect --threads: worker threads read parts of a large CSV', () => {
  it('same alerts and reports, rejects with their true line numbers, a cut inside a quoted field', () => {
    const proc = bigFile('DeviceProcessEvents.csv', 24);
    const net = bigFile('DeviceNetworkEvents.csv', 24);
    const one = detect([net, proc], 1);
    const two = detect([net, proc], 2);
    const four = detect([net, proc], 4);
    expect(one.status).toBe(0);
    const first = withoutParts(one.stderr);
    expect(one.stderr).toMatch(/DeviceProcessEvents \(csv\), \d+ rows loaded, 1 rejected/);
    expect(one.stdout.split('\n').length).toBeGreaterThan(10);
    expect(one.stderr).not.toMatch(/parts at once/);
    for (const r of [two, four]) {
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(one.stdout);
      expect(withoutParts(r.stderr)).toBe(first);
    }
    // Two parts: the only cut is inside the long field, so this thread reads on (no part taken).
    expect(two.stderr).not.toMatch(/parts at once/);
    // Three parts (files of 100-120 MB, parts of at least 32 MiB): the cuts at a third and two thirds
    // are clean, the middle part (with the long field) is taken, the last one has the bad row.
    expect(four.stderr, four.stderr).toMatch(/read in 2 parts at once \(1 in worker threads\)/);
  });
});
