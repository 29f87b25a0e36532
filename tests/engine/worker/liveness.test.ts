/**
 * Liveness of the worker engine (client.ts) and restart (restartable-client.ts), with fake
 * workers that run the real engine server in-thread and can die the ways a Chromium worker dies:
 * silently (no `error` event), releasing the lifetime Web Lock or not. Timers are fake (intervals
 * and the clock); the server's own yields run on real timers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createEngineClient,
  isEngineStopped,
  type EngineLifecycleEvent,
  type WorkerLike,
} from '../../../src/engine/worker/client';
import { PROTOCOL_VERSION, type EngineRequest, type EngineWireResponse } from '../../../src/engine/worker/protocol';
import { createRestartableClient, isEngineCrash } from '../../../src/engine/worker/restartable-client';
import { EngineServer } from '../../../src/engine/worker/server';

const SAMPLES = join(__dirname, '../../../public/samples');
const NET = readFileSync(join(SAMPLES, 'DeviceNetworkEvents.csv'));
const PROC = readFileSync(join(SAMPLES, 'DeviceProcessEvents.csv'));
const TRUTH = (JSON.parse(readFileSync(join(SAMPLES, 'truth.json'), 'utf8')) as { rows: unknown[] }).rows.length;
const NOW = 638_500_000_000_000_000n;
const PING = 1000;
const TIMEOUT = 10_000;

/** Web Locks as far as the client and the fake worker use them: exclusive, queued, abortable. */
class FakeLocks {
  private readonly held = new Set<string>();
  private readonly waiting = new Map<string, (() => void)[]>();
  /** The worker side: takes `name` for its lifetime. */
  hold(name: string): void {
    this.held.add(name);
  }
  /** The worker is gone: the browser releases what it held. */
  release(name: string): void {
    this.held.delete(name);
    for (const grant of this.waiting.get(name) ?? []) grant();
    this.waiting.delete(name);
  }
  request(name: string, opts: { signal?: AbortSignal }, cb: () => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const grant = (): void => resolve(cb());
      if (!this.held.has(name)) return grant();
      this.waiting.set(name, [...(this.waiting.get(name) ?? []), grant]);
      opts.signal?.addEventListener('abort', () => {
        this.waiting.set(
          name,
          (this.waiting.get(name) ?? []).filter((g) => g !== grant),
        );
        reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      });
    });
  }
  asLockManager(): LockManager {
    return this as unknown as LockManager;
  }
}

type Mode = 'alive' | 'busy' | 'silent';

/** A worker over a real EngineServer. `busy`: answers pings only; `silent`: answers nothing (dead). */
class FakeWorker implements WorkerLike {
  onmessage: ((e: MessageEvent<EngineWireResponse>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  mode: Mode = 'alive';
  terminated = false;
  readonly posted: EngineRequest[] = [];
  private held: EngineRequest[] = [];
  private lock: string | null = null;
  private readonly server = new EngineServer(
    (m) => {
      if (this.mode !== 'silent' && !this.terminated)
        queueMicrotask(() => this.onmessage?.({ data: m } as MessageEvent));
    },
    { now: () => NOW },
  );

  constructor(private readonly locks: FakeLocks | null = null) {}

  postMessage(req: EngineRequest): void {
    this.posted.push(req);
    if (this.mode === 'silent' || this.terminated) return;
    if (req.kind === 'hello') {
      const locked = Boolean(req.lock && this.locks);
      if (locked) {
        this.lock = req.lock!;
        this.locks!.hold(this.lock);
      }
      const ready: EngineWireResponse = { kind: 'ready', id: req.id, version: PROTOCOL_VERSION, locked };
      queueMicrotask(() => this.onmessage?.({ data: ready } as MessageEvent));
      return;
    }
    if (this.mode === 'busy' && req.kind !== 'ping') {
      this.held.push(req);
      return;
    }
    void this.server.handle(req);
  }

  terminate(): void {
    this.die();
  }

  /** Dies the way Chromium's workers do: no `error` event; the lock (if held) is released. */
  die(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.mode = 'silent';
    if (this.lock) this.locks?.release(this.lock);
  }

  /** Back from a long stretch: handles what it held. */
  resume(): void {
    this.mode = 'alive';
    const held = this.held;
    this.held = [];
    for (const r of held) void this.server.handle(r);
  }

  pings(): number {
    return this.posted.filter((r) => r.kind === 'ping').length;
  }
}

/** Settles `p` into a value or the error it rejected with, without an unhandled rejection. */
function settle<T>(p: Promise<T>): { readonly done: boolean; readonly value?: T; readonly error?: unknown } {
  const out: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then(
    (value) => Object.assign(out, { done: true, value }),
    (error: unknown) => Object.assign(out, { done: true, error }),
  );
  return out;
}

/** Lets the in-thread server work (real timers) for a while. */
const realTurns = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

async function loadSample(client: ReturnType<typeof createEngineClient>): Promise<void> {
  await client.ingest(new Blob([NET]), 'DeviceNetworkEvents.csv');
  await client.ingest(new Blob([PROC]), 'DeviceProcessEvents.csv');
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('liveness by silence (no Web Locks)', () => {
  const start = (worker: FakeWorker) =>
    createEngineClient({ createWorker: () => worker, locks: null, liveness: { pingMs: PING, timeoutMs: TIMEOUT } });

  it('a worker that goes silent with a detection pending is declared dead after the timeout, not before', async () => {
    const worker = new FakeWorker();
    const client = start(worker);
    const events: EngineLifecycleEvent[] = [];
    client.onLifecycle!((e) => events.push(e));
    expect(await client.mode).toBe('worker');
    await loadSample(client);
    worker.mode = 'silent';
    const pending = settle(client.detect(null));
    await realTurns();
    vi.advanceTimersByTime(TIMEOUT - PING);
    await realTurns();
    expect(pending.done).toBe(false);
    expect(worker.pings()).toBeGreaterThanOrEqual(TIMEOUT / PING - 2);
    vi.advanceTimersByTime(2 * PING + 1);
    await realTurns();
    expect(pending.done).toBe(true);
    expect(isEngineStopped(pending.error)).toBe(true);
    expect(String(pending.error)).toMatch(
      /the engine stopped \(crashed or ran out of memory\): it gave no sign of life for 1\d s/,
    );
    expect(isEngineCrash(pending.error)).toBe(true);
    expect(worker.terminated).toBe(true);
    expect(events.map((e) => e.kind)).toEqual(['stopped']);
    // Every later request fails at once with the same error.
    await expect(client.describeRule()).rejects.toMatchObject({ name: 'EngineStopped' });
    client.dispose();
  });

  it('a busy worker that still answers pings is never taken for dead, however long the request runs', async () => {
    const worker = new FakeWorker();
    const client = start(worker);
    await client.mode;
    await loadSample(client);
    worker.mode = 'busy';
    const pending = settle(client.detect(null));
    for (let t = 0; t < (5 * TIMEOUT) / PING; t++) {
      vi.advanceTimersByTime(PING);
      await realTurns(3);
    }
    expect(pending.done).toBe(false);
    worker.resume();
    await vi.waitFor(() => expect(pending.done).toBe(true), { timeout: 10_000, interval: 5 });
    expect(pending.error).toBeUndefined();
    expect(pending.value?.rows).toHaveLength(TRUTH);
    // Idle again: no pings while nothing is pending.
    const pings = worker.pings();
    vi.advanceTimersByTime(5 * TIMEOUT);
    expect(worker.pings()).toBe(pings);
    client.dispose();
  });

  it('a worker that died while idle is found out at the next request', async () => {
    const worker = new FakeWorker();
    const client = start(worker);
    await client.mode;
    worker.die();
    vi.advanceTimersByTime(10 * TIMEOUT); // idle: nothing is owed, nothing is judged
    const pending = settle(client.describeRule());
    await realTurns();
    vi.advanceTimersByTime(TIMEOUT - PING);
    await realTurns();
    expect(pending.done).toBe(false);
    vi.advanceTimersByTime(2 * PING + 1);
    await realTurns();
    expect(isEngineStopped(pending.error)).toBe(true);
    client.dispose();
  });
});

describe('liveness by the lifetime lock', () => {
  it('a death is known at once (no timer runs), with the request pending or idle', async () => {
    for (const pendingAtDeath of [true, false]) {
      const locks = new FakeLocks();
      const worker = new FakeWorker(locks);
      const client = createEngineClient({ createWorker: () => worker, locks: locks.asLockManager() });
      const events: EngineLifecycleEvent[] = [];
      client.onLifecycle!((e) => events.push(e));
      await client.mode;
      await loadSample(client);
      worker.mode = 'busy';
      const pending = pendingAtDeath ? settle(client.detect(null)) : null;
      await realTurns();
      worker.die();
      await realTurns();
      expect(
        events.map((e) => e.kind),
        `pending: ${pendingAtDeath}`,
      ).toEqual(['stopped']);
      expect(events[0]!.kind === 'stopped' && events[0]!.message).toBe(
        'the engine stopped (crashed or ran out of memory): its worker is gone',
      );
      if (pending) expect(isEngineStopped(pending.error)).toBe(true);
      // With the lock, silence is never judged: no pings were sent.
      expect(worker.pings()).toBe(0);
      client.dispose();
    }
  });

  it('a busy worker holding the lock is not declared dead by silence', async () => {
    const locks = new FakeLocks();
    const worker = new FakeWorker(locks);
    const client = createEngineClient({
      createWorker: () => worker,
      locks: locks.asLockManager(),
      liveness: { pingMs: PING, timeoutMs: TIMEOUT },
    });
    await client.mode;
    await loadSample(client);
    worker.mode = 'silent'; // silent, but alive: the lock is still held
    const pending = settle(client.detect(null));
    vi.advanceTimersByTime(10 * TIMEOUT);
    await realTurns();
    expect(pending.done).toBe(false);
    client.dispose();
  });

  it('disposing (terminate) releases the lock without reporting a death', async () => {
    const locks = new FakeLocks();
    const worker = new FakeWorker(locks);
    const client = createEngineClient({ createWorker: () => worker, locks: locks.asLockManager() });
    const events: EngineLifecycleEvent[] = [];
    client.onLifecycle!((e) => events.push(e));
    await client.mode;
    client.dispose();
    await realTurns();
    expect(worker.terminated).toBe(true);
    expect(events).toEqual([]);
  });
});

describe('restart after a death', () => {
  function restartable(opts: { failReload?: (n: number, name: string) => boolean } = {}) {
    const locks = new FakeLocks();
    const workers: FakeWorker[] = [];
    const client = createRestartableClient(() => {
      const w = new FakeWorker(locks);
      const n = workers.length;
      workers.push(w);
      if (opts.failReload) {
        const post = w.postMessage.bind(w);
        w.postMessage = (req) => {
          post(req);
          if (req.kind === 'ingest' && opts.failReload!(n, req.name)) w.die();
        };
      }
      return createEngineClient({ createWorker: () => w, locks: locks.asLockManager() });
    });
    const events: EngineLifecycleEvent[] = [];
    client.onLifecycle((e) => events.push(e));
    return { client, workers, events };
  }

  it('rejects the pending detection, restarts at once, reloads the files and replays the last detection', async () => {
    const { client, workers, events } = restartable();
    await client.ingest(new Blob([NET]), 'DeviceNetworkEvents.csv');
    await client.ingest(new Blob([PROC]), 'DeviceProcessEvents.csv');
    const edited = (await client.describeRule()).allowList.filter((e) => e !== 'dllhost.exe');
    const first = await client.detect(edited);
    expect(first.rows.length).toBeGreaterThan(TRUTH);
    workers[0]!.mode = 'busy';
    const pending = settle(client.detect(null));
    await realTurns();
    workers[0]!.die();
    await vi.waitFor(() => expect(events.map((e) => e.kind)).toEqual(['stopped', 'restarted']), {
      timeout: 20_000,
      interval: 10,
    });
    expect(isEngineStopped(pending.error)).toBe(true);
    expect(events[1]).toEqual({
      kind: 'restarted',
      restarts: 1,
      reloaded: ['DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv'],
      failed: [],
    });
    expect(client.restarts).toBe(1);
    expect(workers).toHaveLength(2);
    const replayed = workers[1]!.posted.filter((r) => r.kind === 'ingest' || r.kind === 'detect');
    expect(replayed.map((r) => (r.kind === 'detect' ? `detect ${r.allowList?.length}` : `ingest ${r.name}`))).toEqual([
      'ingest DeviceNetworkEvents.csv',
      'ingest DeviceProcessEvents.csv',
      `detect ${edited.length}`,
    ]);
    // The engine holds the last successful detection again (exports answer without a new run) …
    expect((await client.exportCsv()).rows).toBe(first.rows.length);
    // … and detects exactly as before.
    const again = await client.detect(edited);
    expect(again.rows.map((r) => JSON.stringify(r)).sort()).toEqual(first.rows.map((r) => JSON.stringify(r)).sort());
    expect((await client.detect(null)).rows).toHaveLength(TRUTH);
    expect(client.restarts).toBe(1); // the rejected call did not cause a second restart
    client.dispose();
  });

  it('a file that kills the engine again while it is reloaded is dropped and named, not replayed for ever', async () => {
    const { client, workers, events } = restartable({
      failReload: (n, name) => n === 1 && name === 'DeviceProcessEvents.csv',
    });
    await client.ingest(new Blob([NET]), 'DeviceNetworkEvents.csv');
    await client.ingest(new Blob([PROC]), 'DeviceProcessEvents.csv');
    await client.detect(null);
    workers[0]!.die();
    await vi.waitFor(() => expect(events.some((e) => e.kind === 'restarted')).toBe(true), {
      timeout: 20_000,
      interval: 10,
    });
    const restarted = events.find((e) => e.kind === 'restarted')!;
    expect(restarted.kind === 'restarted' && restarted.reloaded).toEqual(['DeviceNetworkEvents.csv']);
    expect(restarted.kind === 'restarted' && restarted.failed.map((f) => f.name)).toEqual(['DeviceProcessEvents.csv']);
    // The next request restarts once more with what is left, and the dropped file is not replayed.
    const err = await client.detect(null).catch((e: unknown) => e);
    expect(String(err)).toMatch(/load a DeviceProcessEvents export/);
    expect(workers).toHaveLength(3);
    expect(workers[2]!.posted.filter((r) => r.kind === 'ingest').map((r) => r.kind === 'ingest' && r.name)).toEqual([
      'DeviceNetworkEvents.csv',
    ]);
    client.dispose();
  });
});
