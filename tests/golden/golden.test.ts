/**
 * Golden files: each tests/golden/cases/NAME.kql has NAME.plan.txt (the explain output with row
 * counts) and NAME.result.json (the result, rows sorted). Regenerate with UPDATE_GOLDEN=1 and review
 * the diff like code.
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runQuery } from '../../src/engine/run';
import { formatJson } from '../../src/engine/output/format-results';

const dir = join(import.meta.dirname, 'cases');
const update = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(dir).filter((f) => f.endsWith('.kql'));

function golden(path: string, actual: string): void {
  if (update || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden queries', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });
  it.each(cases)('%s', async (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const result = await runQuery(text, new Map(), { now: 638500000000000000n });
    const base = join(dir, file.replace(/\.kql$/, ''));
    golden(`${base}.plan.txt`, result.explain);
    golden(`${base}.result.json`, formatJson(result.table, { raw: true }));
  });
});
