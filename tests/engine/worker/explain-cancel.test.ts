/**
 * Explain mode is cooperative and cancellable: on a generated data set large enough to take many
 * event-loop turns, a run yields as it goes, an aborted run stops at its next checkpoint (it does
 * not run on to the end), a detection asked for meanwhile completes (and parks a running
 * explanation until its answer is posted), the cancelled run is not cached, and the explanation a
 * later request gets is the same as an uninterrupted run's.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStressDataset } from '../../../bench/gen/stress';
import { ingestAny } from '../../../src/engine/ingest/ingest';
import { nodeFileChunks } from '../../../src/engine/ingest/node-source';
import { loadRule, type RuleDefinition } from '../../../src/engine/rule/rule';
import { runQuery } from '../../../src/engine/run';
import type { Table } from '../../../src/engine/table/table';
import type { TuningInput } from '../../../src/engine/worker/explain-protocol';
import { ExplainService } from '../../../src/engine/worker/explain-service';
import type { EngineResponse } from '../../../src/engine/worker/protocol';
import { EngineServer } from '../../../src/engine/worker/server';
import { decodeResponse } from '../../../src/engine/worker/wire';

const NOW = 638_500_000_000_000_000n;
const AS_SHIPPED: TuningInput = { allowList: null, unknownBoot: 'drop' };
const TABLES = ['DeviceNetworkEvents', 'DeviceProcessEvents'] as const;

let dir: string;
let tables: Map<string, Table>;
let rule: RuleDefinition;
/** An uninterrupted run's view (JSON, elapsed time zeroed) and how often it yielded. */
let reference: string;
let referenceYields: number;

const macrotask = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const comparable = (v: object): string => JSON.stringify({ ...v, elapsedMs: 0 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcomlens-explain-cancel-'));
  writeStressDataset({ rowsPerTable: 120_000, format: 'arrow' }, dir);
  tables = new Map();
  for (const n of TABLES) {
    const [r] = await ingestAny(`${n}.arrow`, nodeFileChunks(join(dir, `${n}.arrow`)), {});
    tables.set(n, r!.table);
  }
  rule = loadRule(readFileSync(join(__dirname, '../../../src/rules/dcom-lateral-movement.yaml'), 'utf8')).rule!;
  const svc = new ExplainService(() => NOW);
  reference = comparable(await svc.explain(rule, tables, AS_SHIPPED, new AbortController().signal));
  referenceYields = svc.lastRun!.yields;
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('explain cancellation', () => {
  it('an uninterrupted run yields to the event loop many times', () => {
    expect(referenceYields).toBeGreaterThan(10);
  });

  it('an aborted run stops at its next checkpoint; a detection meanwhile completes; nothing stale is cached', async () => {
    const svc = new ExplainService(() => NOW);
    const ctl = new AbortController();
    const pending = svc.explain(rule, tables, AS_SHIPPED, ctl.signal);
    const outcome = pending.then(
      () => 'resolved',
      (e: Error) => e.name,
    );
    const run = svc.lastRun!;
    // Let it get going: a few turns of the event loop, each after a yield of the run.
    while (run.yields < 3) await macrotask();
    ctl.abort();
    const yieldsAtAbort = run.yields;
    const order: string[] = [];
    void outcome.then(() => order.push('explain settled'));
    const detected = await runQuery(rule.query, tables, { now: NOW });
    order.push('detect done');
    expect(detected.table.rowCount).toBeGreaterThan(0);
    expect(await outcome).toBe('AbortError');
    // The run checked its signal at its next checkpoint and did no further work.
    for (let i = 0; i < 20; i++) await macrotask();
    expect(run.yields).toBeLessThanOrEqual(yieldsAtAbort + 1);
    expect(run.yields).toBeLessThan(referenceYields);
    expect(run.signal!.aborted).toBe(true);
    expect(order[0]).toBe('explain settled');
    // The cancelled run is not cached: the next request runs afresh and gets the full answer.
    const again = await svc.explain(rule, tables, AS_SHIPPED, new AbortController().signal);
    expect(svc.runs).toBe(2);
    expect(comparable(again)).toBe(reference);
    // And that complete answer is cached.
    await svc.explain(rule, tables, AS_SHIPPED, new AbortController().signal);
    expect(svc.runs).toBe(2);
  }, 120_000);

  it('a run shared by two requests keeps going while one of them still waits', async () => {
    const svc = new ExplainService(() => NOW);
    const a = new AbortController();
    const first = svc.explain(rule, tables, AS_SHIPPED, a.signal);
    const second = svc.explain(rule, tables, AS_SHIPPED, new AbortController().signal);
    expect(svc.runs).toBe(1);
    while (svc.lastRun!.yields < 2) await macrotask();
    a.abort();
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    expect(comparable(await second)).toBe(reference);
    expect(svc.runs).toBe(1);
  }, 120_000);

  it('through the engine: a detection asked while an explanation runs is answered first; the run parks meanwhile', async () => {
    const order: string[] = [];
    let yieldsAtDetected = -1;
    let explained: EngineResponse | null = null;
    const server = new EngineServer(
      (m) => {
        if (m.kind === 'progress') return;
        order.push(`${m.id}:${m.kind}`);
        if (m.id === 2) yieldsAtDetected = server['explainer'].lastRun!.yields;
        if (m.id === 1) explained = decodeResponse(m);
      },
      { now: () => NOW },
    );
    for (const n of TABLES) {
      const file = new Blob([readFileSync(join(dir, `${n}.arrow`))]);
      await server.handle({ kind: 'ingest', id: 100 + order.length, name: `${n}.arrow`, file });
    }
    const explaining = server.handle({ kind: 'explain', id: 1, tuning: AS_SHIPPED });
    while (!server['explainer'].lastRun) await macrotask();
    const run = server['explainer'].lastRun;
    while (run.yields < 2) await macrotask();
    const yieldsAtDetect = run.yields;
    await server.handle({ kind: 'detect', id: 2, allowList: null });
    // The explanation did no work while the detection ran: it parked at its first checkpoint.
    expect(yieldsAtDetected).toBeLessThanOrEqual(yieldsAtDetect + 1);
    expect(run.parks).toBeGreaterThan(0);
    await explaining;
    expect(order.filter((a) => !a.startsWith('10'))).toEqual(['2:detected', '1:explained']);
    // Parked, not lost: it then ran to the end with the same answer as an uninterrupted run.
    const got = explained as EngineResponse | null;
    expect(got?.kind).toBe('explained');
    if (got?.kind === 'explained') {
      const want = JSON.parse(reference) as { alertKeys: string[]; candidates: { key: string; state: string }[] };
      expect(got.view.alertKeys).toEqual(want.alertKeys);
      expect(got.view.candidates.map((c) => `${c.key}:${c.state}`)).toEqual(
        want.candidates.map((c) => `${c.key}:${c.state}`),
      );
    }
  }, 120_000);

  it('through the engine: an explanation asked together with a detection starts only after the detection is answered', async () => {
    const order: string[] = [];
    let runsAtDetected = -1;
    const server = new EngineServer(
      (m) => {
        if (m.kind === 'progress') return;
        order.push(`${m.id}:${m.kind}`);
        if (m.id === 2) runsAtDetected = server['explainer'].runs;
      },
      { now: () => NOW },
    );
    for (const n of TABLES) {
      const file = new Blob([readFileSync(join(dir, `${n}.arrow`))]);
      await server.handle({ kind: 'ingest', id: 100 + order.length, name: `${n}.arrow`, file });
    }
    // As the page sends them after an edit: the new tuning's explanation, then its detect.
    const explaining = server.handle({ kind: 'explain', id: 1, tuning: AS_SHIPPED });
    const detecting = server.handle({ kind: 'detect', id: 2, allowList: null });
    await Promise.all([explaining, detecting]);
    expect(runsAtDetected).toBe(0);
    expect(order.filter((a) => !a.startsWith('10'))).toEqual(['2:detected', '1:explained']);
  }, 120_000);

  it('through the engine: a cancelled explain answers AbortError and a detection asked after it is answered', async () => {
    const posted: EngineResponse[] = [];
    const server = new EngineServer((m) => posted.push(decodeResponse(m)), { now: () => NOW });
    for (const n of TABLES) {
      const file = new Blob([readFileSync(join(dir, `${n}.arrow`))]);
      await server.handle({ kind: 'ingest', id: posted.length + 100, name: `${n}.arrow`, file });
    }
    const explaining = server.handle({ kind: 'explain', id: 1, tuning: AS_SHIPPED });
    await macrotask();
    await server.handle({ kind: 'cancel', id: 2, target: 1 });
    await server.handle({ kind: 'detect', id: 3, allowList: null });
    await explaining;
    // Either may come first: a cancelled explain that is parked behind the detection (explain mode is
    // background work) notices the cancel when it resumes, after the detection's answer.
    const answers = posted.filter((m) => m.id === 1 || m.id === 3).map((m) => `${m.id}:${m.kind}`);
    expect(answers.sort()).toEqual(['1:error', '3:detected']);
    const err = posted.find((m) => m.id === 1);
    expect(err?.kind === 'error' && err.error.name).toBe('AbortError');
  }, 120_000);
});
