/**
 * An explanation crosses to the page with each distinct failure once (candidates refer to them by
 * index) and decodes to exactly the view the engine made: same candidates, failures and order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestAny } from '../../../src/engine/ingest/ingest';
import { nodeFileChunks } from '../../../src/engine/ingest/node-source';
import { loadRule } from '../../../src/engine/rule/rule';
import type { Table } from '../../../src/engine/table/table';
import { decodeObjects } from '../../../src/engine/worker/arrow-wire';
import type { ExplainView, TuningInput } from '../../../src/engine/worker/explain-protocol';
import { ExplainService } from '../../../src/engine/worker/explain-service';
import { decodeResponse, encodeExplain, transferList } from '../../../src/engine/worker/wire';

const SAMPLES = process.env.DCOMLENS_SAMPLES_DIR ?? join(__dirname, '../../../public/samples');
const NOW = 638_500_000_000_000_000n;
const tunings: readonly [string, TuningInput][] = [
  ['as shipped', { allowList: null, unknownBoot: 'drop' }],
  ['dllhost.exe allowed, unknown boots kept', { allowList: ['dllhost.exe'], unknownBoot: 'keep' }],
];

let tables: Map<string, Table>;
beforeAll(async () => {
  tables = new Map();
  for (const n of ['DeviceNetworkEvents', 'DeviceProcessEvents']) {
    const [r] = await ingestAny(`${n}.csv`, nodeFileChunks(join(SAMPLES, `${n}.csv`)), {});
    tables.set(n, r!.table);
  }
});

describe.each(tunings)('explain on the wire (%s)', (_, tuning) => {
  let view: ExplainView;
  beforeAll(async () => {
    const rule = loadRule(readFileSync(join(__dirname, '../../../src/rules/dcom-lateral-movement.yaml'), 'utf8')).rule!;
    view = await new ExplainService(() => NOW).explain(rule, tables, tuning, new AbortController().signal);
  });

  it('decodes to the same view', () => {
    const wire = encodeExplain(view);
    const back = decodeResponse({ kind: 'explained', id: 1, view: wire });
    if (back.kind !== 'explained') throw new Error(back.kind);
    expect(back.view.candidates.length).toBeGreaterThan(0);
    expect(JSON.stringify(back.view.candidates)).toBe(JSON.stringify(view.candidates));
    expect(back.view.devices).toEqual(view.devices);
    expect(back.view.alertKeys).toEqual(view.alertKeys);
    expect(back.view.nearMisses).toEqual(view.nearMisses);
    expect(transferList({ kind: 'explained', id: 1, view: wire })).toContain(wire.failures.arrow.buffer);
  });

  it('sends each distinct failure once', () => {
    const wire = encodeExplain(view);
    const refs = view.candidates.reduce((n, c) => n + (c.failure ? 1 : 0) + c.alsoFailed.length, 0);
    const distinct = new Set(view.candidates.flatMap((c) => [c.failure, ...c.alsoFailed].filter((f) => f !== null)));
    expect(wire.failures.rows).toBe(distinct.size);
    expect(wire.failures.rows).toBeLessThan(refs);
    expect(decodeObjects(wire.failures)).toEqual([...distinct]);
  });
});
