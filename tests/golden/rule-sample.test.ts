/**
 * Golden plan of the shipped rule over the committed sample: the optimised plan with the row count
 * of every stage, and the unoptimised plan (the rule's stages exactly as written) with its counts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestPath } from '../../src/engine/ingest/node-source';
import { loadRule } from '../../src/engine/rule/rule';
import { runQuery } from '../../src/engine/run';

const root = join(import.meta.dirname, '../..');
const update = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: string): void {
  const path = join(import.meta.dirname, name);
  if (update || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('the rule over the sample', async () => {
  const rule = loadRule(readFileSync(join(root, 'src/rules/dcom-lateral-movement.yaml'), 'utf8')).rule!;
  const net = await ingestPath(join(root, 'public/samples/DeviceNetworkEvents.csv'));
  const proc = await ingestPath(join(root, 'public/samples/DeviceProcessEvents.csv'));
  const tables = new Map([
    ['DeviceNetworkEvents', net.table],
    ['DeviceProcessEvents', proc.table],
  ]);

  it('optimised plan with per-stage counts', async () => {
    const r = await runQuery(rule.query, tables, { now: 0n });
    golden('rule-sample.optimised.plan.txt', r.explain);
  });

  it('plan as written with per-stage counts', async () => {
    const r = await runQuery(rule.query, tables, { now: 0n, optimise: false });
    golden('rule-sample.as-written.plan.txt', r.explain);
  });
});
