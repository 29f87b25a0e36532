/**
 * Explain mode's last stretches are cooperative too: the allow-list impact (a process tree per
 * suppressed chain) and the near-miss ranking check their cooperator as they go, so a detect asked
 * meanwhile is answered before them (they park behind foreground work) and an abort stops them;
 * their results are the same however often they yield.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AbortError, Cooperator, Foreground } from '../../../src/engine/execute/cooperate';
import { ingestAny } from '../../../src/engine/ingest/ingest';
import { nodeFileChunks } from '../../../src/engine/ingest/node-source';
import { loadRule, readLetList } from '../../../src/engine/rule/rule';
import { ALLOW_LIST_LET } from '../../../src/engine/rule/tune';
import type { Table } from '../../../src/engine/table/table';
import { allowImpact } from '../../../src/engine/worker/allow-impact';
import type { CandidateView } from '../../../src/engine/worker/explain-protocol';
import { explainTunedQuery } from '../../../src/engine/worker/explain-service';
import { nearMissesCooperative } from '../../../src/engine/worker/near-misses';

const SAMPLES = join(__dirname, '../../../public/samples');
const NOW = 638_500_000_000_000_000n;

let tables: Map<string, Table>;
let candidates: readonly CandidateView[];
let allowList: readonly string[];

beforeAll(async () => {
  tables = new Map();
  for (const n of ['DeviceNetworkEvents', 'DeviceProcessEvents']) {
    const [r] = await ingestAny(`${n}.csv`, nodeFileChunks(join(SAMPLES, `${n}.csv`)), {});
    tables.set(r!.table.name, r!.table);
  }
  const rule = loadRule(readFileSync(join(__dirname, '../../../src/rules/dcom-lateral-movement.yaml'), 'utf8')).rule!;
  const tuning = { allowList: null, unknownBoot: 'drop' as const };
  allowList = readLetList(rule.query, ALLOW_LIST_LET) ?? [];
  const { view } = await explainTunedQuery(rule.query, tables, NOW, tuning, allowList, new Cooperator());
  candidates = view.candidates;
}, 60_000);

const proc = (): Table => tables.get('DeviceProcessEvents')!;

describe('allow-list impact and near misses are cooperative', () => {
  it('the sample has suppressed chains to walk', () => {
    expect(allowList.length).toBeGreaterThan(0);
    expect(candidates.some((c) => c.failure?.listEntry != null)).toBe(true);
  });

  it('allowImpact yields when its cooperator is due, with the same answer as a run that never yields', async () => {
    const calm = await allowImpact(candidates, allowList, proc(), new Cooperator(undefined, 1e9));
    const eager = new Cooperator(undefined, 0);
    const busy = await allowImpact(candidates, allowList, proc(), eager);
    expect(busy).toEqual(calm);
    const chains = calm.reduce((n, a) => n + a.suppressed, 0);
    expect(eager.yields).toBeGreaterThanOrEqual(chains);
  });

  it('allowImpact parks behind foreground work and finishes only after it', async () => {
    const fg = new Foreground();
    const order: string[] = [];
    let release!: () => void;
    const detect = fg.run(
      () =>
        new Promise<void>((r) => {
          release = () => {
            order.push('detect answered');
            r();
          };
        }),
    );
    const coop = new Cooperator(undefined, 1e9, fg);
    const impact = allowImpact(candidates, allowList, proc(), coop).then(() => order.push('impact done'));
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual([]);
    expect(coop.parks).toBeGreaterThan(0);
    release();
    await Promise.all([detect, impact]);
    expect(order).toEqual(['detect answered', 'impact done']);
  });

  it('allowImpact stops at its next checkpoint once aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      allowImpact(candidates, allowList, proc(), new Cooperator(controller.signal, 0)),
    ).rejects.toBeInstanceOf(AbortError);
  });

  it('near misses yield when due and rank as a run that never yields', async () => {
    const calm = await nearMissesCooperative(candidates, new Cooperator(undefined, 1e9));
    const eager = new Cooperator(undefined, 0);
    expect(await nearMissesCooperative(candidates, eager)).toEqual(calm);
    expect(eager.yields).toBeGreaterThan(0);
  });
});
