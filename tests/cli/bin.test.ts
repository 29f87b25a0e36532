/**
 * The installed entry point: `npx dcomlens` after `npm run build` (which bundles dist-cli/).
 * `npm test` builds before running the tests, so in CI the bundle is always there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const built = existsSync(join(root, 'dist-cli/main.js'));

describe.skipIf(!built && !process.env.CI)('bin/dcomlens.js (the bundled CLI)', () => {
  it('detects the sample alerts exactly as the truth', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'bin/dcomlens.js'),
        'detect',
        'public/samples/DeviceNetworkEvents.csv',
        'public/samples/DeviceProcessEvents.csv',
        '--format',
        'json',
      ],
      { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    expect(r.stderr).toMatch(/DeviceProcessEvents \(csv\)/);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(join(root, 'public/samples/truth.json'), 'utf8')));
  });

  it('exits 2 with a message on bad input', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin/dcomlens.js'), 'detect', 'no-such-file.csv'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no-such-file\.csv/);
  });
});
