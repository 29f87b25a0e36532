/**
 * Reliability of the engine behind the UI:
 *  - cancelling a load or a detection mid-way (through the worker server, in-thread) leaves the
 *    data loaded earlier intact and usable, and the next run is exactly right;
 *  - a crashed worker is restartable through the client (restartable-client.ts): the files come
 *    back, the last detection is re-run, and the analyst's tuning state survives.
 * The browser stress run is tests/e2e/stress.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTuningText, stateJson } from '../../src/components/tuning-state';
import { createEngineClient, type EngineClient } from '../../src/engine/worker/client';
import type { DetectionView, EngineRequest, EngineResponse } from '../../src/engine/worker/protocol';
import { createRestartableClient, isEngineCrash } from '../../src/engine/worker/restartable-client';
import { EngineServer } from '../../src/engine/worker/server';
import { decodeResponse } from '../../src/engine/worker/wire';

const SAMPLES = join(__dirname, '../../public/samples');
const NET = readFileSync(join(SAMPLES, 'DeviceNetworkEvents.csv'));
const PROC = readFileSync(join(SAMPLES, 'DeviceProcessEvents.csv'));
const TRUTH = (JSON.parse(readFileSync(join(SAMPLES, 'truth.json'), 'utf8')) as { rows: unknown[] }).rows.length;
const NOW = 638_500_000_000_000_000n; // pinned now(): runs are comparable

/** The process sample 30 times over: big enough that a cancel lands mid-read. */
function bigProcess(): Blob {
  const text = PROC.toString('utf8');
  const nl = text.indexOf('\n');
  const body = text.slice(nl + 1);
  return new Blob([text.slice(0, nl + 1), ...Array.from({ length: 30 }, () => body)]);
}

function harness() {
  const posted: EngineResponse[] = [];
  let onPost: ((m: EngineResponse) => void) | null = null;
  const server = new EngineServer(
    (wire) => {
      const m = decodeResponse(wire);
      posted.push(m);
      onPost?.(m);
    },
    { now: () => NOW },
  );
  let nextId = 1;
  const answer = (id: number) => posted.filter((m) => m.id === id && m.kind !== 'progress').at(-1);
  const ask = async (make: (id: number) => EngineRequest): Promise<EngineResponse> => {
    const req = make(nextId++);
    await server.handle(req);
    return (
      answer(req.id) ?? { kind: 'error', id: req.id, error: { name: 'NoAnswer', message: 'no answer', stack: '' } }
    );
  };
  const detect = async (allowList: readonly string[] | null = null): Promise<DetectionView> => {
    const r = await ask((id) => ({ kind: 'detect', id, allowList }));
    if (r.kind !== 'detected') throw new Error(`detect answered ${JSON.stringify(r)}`);
    return r.detection;
  };
  return {
    server,
    ask,
    detect,
    newId: () => nextId++,
    answer,
    setOnPost: (f: ((m: EngineResponse) => void) | null) => (onPost = f),
  };
}

const rowsOf = (d: DetectionView) => d.rows.map((r) => JSON.stringify(r)).sort();

async function loaded() {
  const h = harness();
  expect(
    (await h.ask((id) => ({ kind: 'ingest', id, name: 'DeviceNetworkEvents.csv', file: new Blob([NET]) }))).kind,
  ).toBe('ingested');
  expect(
    (await h.ask((id) => ({ kind: 'ingest', id, name: 'DeviceProcessEvents.csv', file: new Blob([PROC]) }))).kind,
  ).toBe('ingested');
  return h;
}

describe('cancellation through the worker server', () => {
  it('a load cancelled mid-way leaves the earlier tables intact and usable', async () => {
    const h = await loaded();
    const before = await h.detect();
    expect(before.rows).toHaveLength(TRUTH);
    // Cancel the big load at its first progress report.
    const id = h.newId();
    let progressSeen = 0;
    h.setOnPost((m) => {
      if (m.id === id && m.kind === 'progress' && progressSeen++ === 0)
        void h.server.handle({ kind: 'cancel', id: h.newId(), target: id });
    });
    await h.server.handle({ kind: 'ingest', id, name: 'DeviceProcessEvents-big.csv', file: bigProcess() });
    h.setOnPost(null);
    const res = h.answer(id);
    expect(progressSeen).toBeGreaterThan(0);
    expect(res?.kind).toBe('error');
    expect(res?.kind === 'error' ? res.error.name : '').toBe('AbortError');
    // Nothing of the cancelled file was kept: same alerts, detail still opens, export still works.
    const after = await h.detect();
    expect(rowsOf(after)).toEqual(rowsOf(before));
    expect(after.diff).toEqual({ added: 0, removed: 0 });
    expect((await h.ask((i) => ({ kind: 'hit-detail', id: i, row: 0 }))).kind).toBe('hit');
    const csv = await h.ask((i) => ({ kind: 'export-csv', id: i, options: {} }));
    expect(csv.kind === 'csv' ? csv.rows : -1).toBe(TRUTH);
    // The same file loads completely afterwards (no half state under its name).
    const again = await h.ask((i) => ({
      kind: 'ingest',
      id: i,
      name: 'DeviceProcessEvents-big.csv',
      file: bigProcess(),
    }));
    expect(again.kind === 'ingested' ? again.report.rowsLoaded : -1).toBe(
      30 *
        (PROC.toString('utf8')
          .split('\r\n')
          .filter((l) => l !== '').length -
          1),
    );
  });

  it('a detection cancelled mid-way leaves the loaded data and the last result intact; the next run is exact', async () => {
    const h = await loaded();
    const reference = await h.detect();
    let cancelled = 0;
    // Cancel after 0, 1, 3, 8 event-loop turns (the executor yields between operators), each time
    // with a different allow-list edit so the plan cache cannot answer the run at once.
    const dropped = ['dllhost.exe', 'TiWorker.exe', 'WmiPrvSE.exe', 'RuntimeBroker.exe'];
    for (const [k, turns] of [0, 1, 3, 8].entries()) {
      const edited = reference.allowList.filter((e) => e !== dropped[k]);
      const fresh = await (await loaded()).detect(edited);
      const id = h.newId();
      const run = h.server.handle({ kind: 'detect', id, allowList: edited });
      for (let t = 0; t < turns; t++) await new Promise((r) => setTimeout(r, 0));
      await h.server.handle({ kind: 'cancel', id: h.newId(), target: id });
      await run;
      const res = h.answer(id);
      if (turns === 0) expect(res?.kind === 'error' ? res.error.name : res?.kind).toBe('AbortError');
      if (res?.kind === 'error') {
        expect(res.error.name).toBe('AbortError');
        cancelled++;
        // The last completed result is still the one served.
        const csv = await h.ask((i) => ({ kind: 'export-csv', id: i, options: {} }));
        expect(csv.kind === 'csv' ? csv.rows : -1).toBe(reference.rows.length);
      }
      // Re-run after the cancel (the plan cache must not keep a half result): exactly a fresh server's answer.
      expect(rowsOf(await h.detect(edited))).toEqual(rowsOf(fresh));
      expect(rowsOf(await h.detect())).toEqual(rowsOf(reference));
    }
    console.log(`reliability: ${cancelled} of 4 detections cancelled mid-way, every re-run exact`);
    expect(cancelled).toBeGreaterThanOrEqual(1);
  });
});

/** An in-thread client that can "crash" the way the worker client reports it (client.ts onCrash). */
function crashableEngine() {
  const crashError = () => new Error('the engine worker failed: out of memory');
  const real = createEngineClient({ preferWorker: false });
  let dead = false;
  const pending = new Set<(e: Error) => void>();
  const client = new Proxy(real, {
    get(target, prop) {
      const v = (target as unknown as Record<PropertyKey, unknown>)[prop];
      if (typeof v !== 'function') return v;
      const f = (v as (...a: unknown[]) => unknown).bind(target);
      // Not requests: disposal and the lifecycle subscription pass through.
      if (prop === 'dispose' || prop === 'onLifecycle') return f;
      return (...args: unknown[]) => {
        if (dead) return Promise.reject(crashError());
        return new Promise((resolve, reject) => {
          pending.add(reject);
          (f(...args) as Promise<unknown>).then(resolve, reject).finally(() => pending.delete(reject));
        });
      };
    },
  }) as EngineClient;
  return {
    client,
    crash() {
      dead = true;
      for (const reject of pending) reject(crashError());
      real.dispose();
    },
  };
}

describe('a crashed engine is restartable; tuning state survives', () => {
  it('after a crash mid-detection the next request restarts, reloads the files and reruns the tuning', async () => {
    const engines: ReturnType<typeof crashableEngine>[] = [];
    const client = createRestartableClient(() => {
      const e = crashableEngine();
      engines.push(e);
      return e.client;
    });
    // The analyst's saved state: dllhost.exe taken off the allow-list, a verdict and a note.
    const saved = JSON.stringify({
      version: 1,
      allowList: { entries: ['TiWorker.exe', 'dllhost.exe', 'WmiPrvSE.exe'], active: ['TiWorker.exe', 'WmiPrvSE.exe'] },
      unknownBoot: 'drop',
      verdicts: { 'some-alert': 'true-positive' },
      notes: { 'some-alert': 'escalated to IR' },
    });
    const { state, problems } = parseTuningText(saved);
    expect(problems).toEqual([]);
    const stateBefore = stateJson(state);

    await client.ingest(new Blob([NET]), 'DeviceNetworkEvents.csv');
    await client.ingest(new Blob([PROC]), 'DeviceProcessEvents.csv');
    const first = await client.detect(state.allowList!.active, { unknownBoot: state.unknownBoot });
    expect(first.rows.length).toBeGreaterThan(TRUTH); // dllhost.exe off the list: more alerts
    const detail = await client.hitDetail(0);

    // The worker dies while a detection is running.
    const pending = client.detect(state.allowList!.active, { unknownBoot: state.unknownBoot });
    engines[0]!.crash();
    const err = await pending.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isEngineCrash(err), String(err)).toBe(true);

    // The next request goes to a fresh engine with the files and the last detection replayed.
    const after = await client.hitDetail(0);
    expect(client.restarts).toBe(1);
    expect(engines).toHaveLength(2);
    expect(after).toEqual(detail);
    const again = await client.detect(state.allowList!.active, { unknownBoot: state.unknownBoot });
    expect(rowsOf(again)).toEqual(rowsOf(first));
    expect(again.allowList).toEqual(state.allowList!.active);
    // The tuning state (held by the UI, never by the engine) is untouched.
    expect(stateJson(state)).toBe(stateBefore);
    const csv = await client.exportCsv();
    expect(csv.rows).toBe(first.rows.length);

    // An explicit restart (e.g. after an out-of-memory) does the same.
    await client.restart();
    expect(client.restarts).toBe(2);
    expect((await client.exportCsv()).text).toBe(csv.text);
    // After clear, a restart has nothing to replay.
    await client.clear();
    await client.restart();
    await expect(client.exportCsv()).rejects.toThrow(/run the detection/);
    console.log(`reliability: engine restarted ${client.restarts} times; files, detection and tuning state survived`);
    client.dispose();
  });
});
