/**
 * The UI's only door to the engine: a promise-based client over the worker protocol, with progress
 * callbacks and cancellation through `AbortSignal`. It starts a module worker; where module workers
 * are unavailable (or the worker fails to start) it runs the same server on the main thread, so
 * the app still works, only less smoothly.
 */
import {
  type DetectionView,
  type ExportOptions,
  type HitDetail,
  type RuleView,
  type SurroundingEvents,
  type UnknownBoot,
  type EngineRequest,
  type EngineResponse,
  type EngineResponseKind,
  type EngineWireResponse,
  type IngestReportView,
  type ReadinessView,
  type RuleSummary,
  type TableSummary,
  type WireError,
} from './protocol';
import type { ExplainView, RuleKnobs, TuningInput } from './explain-protocol';
import { decodeResponse } from './wire';

export type {
  AllowImpact,
  CandidateView,
  DeviceFunnel,
  ExplainView,
  FailureView,
  FunnelStageView,
  RuleKnobs,
  Suspicion,
  TuningInput,
} from './explain-protocol';
export type {
  Cell,
  DetectionView,
  ExportOptions,
  HitDetail,
  RowRecord,
  RuleView,
  SurroundingEvents,
  TimedEvent,
  TreeLinkKind,
  TreeNode,
  UnknownBoot,
  Verdict,
  WhyCheck,
  WhyStage,
  IngestReportView,
  ReadinessView,
  RejectView,
  ResultColumn,
  RuleSummary,
  StageView,
  TableSummary,
} from './protocol';
export { readinessAppliesTo } from './protocol';

/** The knobs' limits and checks, so the UI validates a draft by the engine's own rules. */
export {
  checkBootGrace,
  checkExclusions,
  checkWindow,
  formatTimespanLiteral,
  KNOB_LIMITS,
  parseTimespanSeconds,
} from '../rule/knob-values';

export type EngineMode = 'worker' | 'main-thread';

export interface IngestProgress {
  readonly bytes: number;
  readonly totalBytes: number;
  readonly rows: number;
}

export interface IngestOutcome {
  readonly report: IngestReportView;
  /** Every table loaded so far, after this file. */
  readonly tables: readonly TableSummary[];
  /** Which rule stages can run with every file loaded so far (null from an engine that does not say). */
  readonly readiness: ReadinessView | null;
}

export interface ExportedText {
  readonly text: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly rows: number;
}

export interface EngineClient {
  /** Where the engine runs; settles once it is ready. */
  readonly mode: Promise<EngineMode>;
  describeRule(): Promise<RuleSummary>;
  /** Streams a file into the engine; rejects with an `AbortError` when `signal` aborts. */
  ingest(
    file: Blob,
    name: string,
    opts?: { onProgress?: (p: IngestProgress) => void; signal?: AbortSignal },
  ): Promise<IngestOutcome>;
  /** Runs the rule with this allow-list (null: as shipped), unknown-boot knob (default `drop`) and knobs (default: as written). */
  detect(
    allowList: readonly string[] | null,
    opts?: { signal?: AbortSignal; unknownBoot?: UnknownBoot; knobs?: RuleKnobs },
  ): Promise<DetectionView>;
  /** The last detection's alerts as CSV: UTF-8 `bytes` (no BOM), `text` decoded from them on first read. */
  exportCsv(options?: ExportOptions): Promise<ExportedText>;
  /** The last detection's alerts as JSON, likewise. */
  exportJson(options?: ExportOptions): Promise<ExportedText>;
  /** Alert `row` (index in the last detection's rows) opened: timeline, tree, why it fired. */
  hitDetail(row: number, opts?: { signal?: AbortSignal }): Promise<HitDetail>;
  /** Events of the alert's device within ±`seconds` of its RPC event. */
  surrounding(row: number, seconds: number, opts?: { signal?: AbortSignal }): Promise<SurroundingEvents>;
  /** The rule's metadata, stages as written with counts from the last run, and the tuned KQL. */
  ruleView(opts?: { signal?: AbortSignal }): Promise<RuleView>;
  /** Explain mode on the rule with this tuning: every candidate's fate (cached per tuning by the engine). */
  explain(tuning: TuningInput, opts?: { signal?: AbortSignal }): Promise<ExplainView>;
  /** A candidate of `explain(tuning)` opened like a hit, its failing stage marked. */
  candidateDetail(tuning: TuningInput, key: string, opts?: { signal?: AbortSignal }): Promise<HitDetail>;
  clear(): Promise<void>;
  dispose(): void;
  /**
   * Lifecycle of the engine behind the client: `stopped` when its worker died (every pending
   * request has been rejected with an `EngineStopped` error), `restarted` from a restartable
   * client once a fresh engine holds the files again. Returns the unsubscribe. Optional: test
   * doubles and the in-thread engine need not say anything.
   */
  onLifecycle?(listener: (event: EngineLifecycleEvent) => void): () => void;
}

export type EngineLifecycleEvent =
  | { readonly kind: 'stopped'; readonly message: string }
  | {
      readonly kind: 'restarted';
      readonly restarts: number;
      /** Files loaded into the fresh engine again, by name. */
      readonly reloaded: readonly string[];
      /** Files that could not be: the analyst must load them again. */
      readonly failed: readonly { readonly name: string; readonly message: string }[];
    };

/**
 * How often a client pings its worker while requests wait on it. Pings are answered from the
 * worker's event loop, which the engine reaches between operators and filter batches.
 */
export const DEFAULT_PING_MS = 1000;
/**
 * Silence (no message of any kind) after which a worker with pending requests counts as dead, where
 * the worker cannot hold the lifetime Web Lock (no Web Locks, not a secure context); with the lock
 * a death is known at once and silence is never taken for one. Measured longest stretches without
 * yielding (Node, 2 M rows per table, Arrow): ingest 0.45 s, detection 1.5 s (so ~8 s at 10 M if
 * linear); explain mode 43 s, which it must stop doing (it blocks its own cancel as well) before
 * this can be tightened.
 */
export const DEFAULT_LIVENESS_TIMEOUT_MS = 60_000;

/** The rejection of every request pending on, or made to, an engine whose worker died. */
export class EngineStoppedError extends Error {
  constructor(why: string) {
    super(`the engine stopped (crashed or ran out of memory): ${why}`);
    this.name = 'EngineStopped';
  }
}

/** True for the rejection of a request whose engine died (see `EngineStoppedError`). */
export function isEngineStopped(err: unknown): boolean {
  return err instanceof Error && err.name === 'EngineStopped';
}

/** An engine failure re-created on this side of the wire (name, message and the engine's stack). */
export class EngineRequestError extends Error {
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    if (wire.stack) this.stack = wire.stack;
  }
}

/** True for the rejection of a cancelled request. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

interface Transport {
  send(req: EngineRequest): void;
  dispose(): void;
  /**
   * True when silence is how a death shows: a worker without the lifetime lock. A worker holding
   * it is known dead the moment the lock is released, and a busy one is never mistaken for dead
   * (false in-thread too: nothing there can die apart from the page).
   */
  readonly watched: boolean;
}

/** Gets what crossed; decodes it (lazily) into what the views read. */
type Receive = (res: EngineWireResponse) => void;

interface Pending {
  readonly resolve: (res: EngineResponse) => void;
  readonly reject: (err: Error) => void;
  readonly onProgress?: (p: IngestProgress) => void;
}

function abortError(): Error {
  const e = new Error('the request was cancelled');
  e.name = 'AbortError';
  return e;
}

function narrow<K extends EngineResponseKind>(res: EngineResponse, kind: K): Extract<EngineResponse, { kind: K }> {
  if (res.kind !== kind) throw new Error(`engine answered ${res.kind} where ${kind} was expected`);
  return res as Extract<EngineResponse, { kind: K }>;
}

/** The part of `Worker` the client uses (tests pass a fake). */
export interface WorkerLike {
  onmessage: ((e: MessageEvent<EngineWireResponse>) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
  postMessage(message: EngineRequest): void;
  terminate(): void;
}

function moduleWorker(): WorkerLike {
  // The literal `new URL(..., import.meta.url)` form is what Vite bundles as a worker chunk.
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'dcomlens-engine' });
}

function lockName(): string {
  const random =
    typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function'
      ? crypto.randomUUID()
      : `${Date.now()}-${Math.random()}`;
  return `dcomlens-engine-${random}`;
}

/**
 * The worker, answering `hello` before it counts as started. `onDead` is called (once) when it
 * dies after starting: an `error` event, or the release of the Web Lock it holds for its lifetime
 * (Chromium fires no `error` event for a worker that ends by `close()` or is killed).
 */
function startWorker(
  receive: Receive,
  onDead: (why: string) => void,
  create: () => WorkerLike,
  locks: LockManager | null,
): Promise<Transport> {
  return new Promise((resolve, reject) => {
    let ready = false;
    let disposed = false;
    const lock = locks ? lockName() : undefined;
    const unlock = new AbortController();
    const worker = create();
    const transport: { -readonly [K in keyof Transport]: Transport[K] } = {
      send: (req) => worker.postMessage(req),
      dispose: () => {
        disposed = true;
        unlock.abort();
        worker.terminate();
      },
      watched: true,
    };
    const dead = (why: string): void => {
      if (!disposed) onDead(why);
    };
    worker.onmessage = (e: MessageEvent<EngineWireResponse>) => {
      const res = e.data;
      if (!ready && res.kind === 'ready' && res.id === 0) {
        ready = true;
        // Granted only once the worker has let go of it: when the worker is gone.
        if (locks && lock && res.locked === true) {
          locks.request(lock, { signal: unlock.signal }, () => dead('its worker is gone')).catch(() => undefined);
          transport.watched = false;
        }
        resolve(transport);
        return;
      }
      receive(res);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      if (!ready) {
        worker.terminate();
        reject(new Error(`the engine worker failed: ${e.message || 'could not start'}`));
      } else dead(`the worker failed: ${e.message || 'an uncaught error'}`);
    };
    worker.postMessage({ kind: 'hello', id: 0, ...(lock ? { lock } : {}) } satisfies EngineRequest);
  });
}

/** The same server on this thread; answers go out on a microtask, as they would from a worker. */
async function startInThread(receive: Receive): Promise<Transport> {
  const { EngineServer } = await import('./server');
  const server = new EngineServer((message) => queueMicrotask(() => receive(message)));
  return { send: (req) => void server.handle(req), dispose: () => undefined, watched: false };
}

class Client implements EngineClient {
  readonly mode: Promise<EngineMode>;
  private readonly transport: Promise<Transport>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the worker is known dead: every request after it fails with this. */
  private stopped: EngineStoppedError | null = null;
  private disposed = false;
  private readonly listeners = new Set<(e: EngineLifecycleEvent) => void>();
  /** When the worker last said anything (any message counts as a sign of life). */
  private heard = 0;
  private watch: ReturnType<typeof setInterval> | null = null;
  private readonly pingMs: number;
  private readonly timeoutMs: number;

  constructor(options: EngineClientOptions) {
    this.pingMs = options.liveness?.pingMs ?? DEFAULT_PING_MS;
    this.timeoutMs = options.liveness?.timeoutMs ?? DEFAULT_LIVENESS_TIMEOUT_MS;
    const receive: Receive = (res) => this.receive(res);
    const onDead = (why: string): void => this.stop(why);
    const locks =
      options.locks !== undefined
        ? options.locks
        : typeof navigator !== 'undefined' && navigator.locks
          ? navigator.locks
          : null;
    let mode: EngineMode = 'main-thread';
    this.transport = (async () => {
      if ((options.preferWorker ?? true) && (options.createWorker || typeof Worker !== 'undefined')) {
        try {
          const t = await startWorker(receive, onDead, options.createWorker ?? moduleWorker, locks);
          mode = 'worker';
          return t;
        } catch {
          // No module workers here (or the chunk failed to load): run in-thread instead.
        }
      }
      return startInThread(receive);
    })();
    this.mode = this.transport.then(() => mode);
  }

  onLifecycle(listener: (e: EngineLifecycleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The worker is dead: fail what waits on it, let it go, and say so. */
  private stop(why: string): void {
    if (this.stopped || this.disposed) return;
    const err = new EngineStoppedError(why);
    this.stopped = err;
    this.stopWatch();
    void this.transport.then((t) => t.dispose()).catch(() => undefined);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const l of [...this.listeners]) l({ kind: 'stopped', message: err.message });
  }

  /** While requests wait on a worker: ping it, and call it dead after `timeoutMs` of silence. */
  private startWatch(transport: Transport): void {
    if (!transport.watched || this.watch !== null) return;
    this.watch = setInterval(() => {
      if (this.pending.size === 0) return this.stopWatch();
      const silent = Date.now() - this.heard;
      if (silent > this.timeoutMs) {
        this.stop(`it gave no sign of life for ${Math.round(silent / 1000)} s`);
        return;
      }
      transport.send({ kind: 'ping', id: this.nextId++ });
    }, this.pingMs);
  }

  private stopWatch(): void {
    if (this.watch !== null) clearInterval(this.watch);
    this.watch = null;
  }

  private receive(res: EngineWireResponse): void {
    this.heard = Date.now();
    const p = this.pending.get(res.id);
    if (!p) return;
    if (res.kind === 'progress') {
      p.onProgress?.({ bytes: res.bytes, totalBytes: res.totalBytes, rows: res.rows });
      return;
    }
    this.pending.delete(res.id);
    if (res.kind === 'error') p.reject(new EngineRequestError(res.error));
    else p.resolve(decodeResponse(res));
  }

  private async request(
    make: (id: number) => EngineRequest,
    opts: { signal?: AbortSignal; onProgress?: (p: IngestProgress) => void } = {},
  ): Promise<EngineResponse> {
    const { signal, onProgress } = opts;
    if (this.stopped) throw this.stopped;
    if (signal?.aborted) throw abortError();
    const transport = await this.transport;
    if (this.stopped) throw this.stopped;
    if (signal?.aborted) throw abortError();
    const id = this.nextId++;
    const onAbort = (): void => transport.send({ kind: 'cancel', id: this.nextId++, target: id });
    try {
      return await new Promise<EngineResponse>((resolve, reject) => {
        // The silence that counts starts now: an idle worker owes no message.
        if (this.pending.size === 0) this.heard = Date.now();
        this.pending.set(id, { resolve, reject, ...(onProgress ? { onProgress } : {}) });
        signal?.addEventListener('abort', onAbort, { once: true });
        transport.send(make(id));
        this.startWatch(transport);
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async describeRule(): Promise<RuleSummary> {
    return narrow(await this.request((id) => ({ kind: 'describe-rule', id })), 'rule').rule;
  }

  async ingest(
    file: Blob,
    name: string,
    opts: { onProgress?: (p: IngestProgress) => void; signal?: AbortSignal } = {},
  ): Promise<IngestOutcome> {
    const res = narrow(await this.request((id) => ({ kind: 'ingest', id, name, file }), opts), 'ingested');
    return { report: res.report, tables: res.tables, readiness: res.readiness ?? null };
  }

  async detect(
    allowList: readonly string[] | null,
    opts: { signal?: AbortSignal; unknownBoot?: UnknownBoot; knobs?: RuleKnobs } = {},
  ): Promise<DetectionView> {
    const unknownBoot = opts.unknownBoot ?? 'drop';
    const knobs = opts.knobs;
    const res = await this.request(
      (id) => ({ kind: 'detect', id, allowList, unknownBoot, ...(knobs ? { knobs } : {}) }),
      opts,
    );
    return narrow(res, 'detected').detection;
  }

  async exportCsv(options: ExportOptions = {}): Promise<ExportedText> {
    return narrow(await this.request((id) => ({ kind: 'export-csv', id, options })), 'csv');
  }

  async exportJson(options: ExportOptions = {}): Promise<ExportedText> {
    return narrow(await this.request((id) => ({ kind: 'export-json', id, options })), 'json');
  }

  async hitDetail(row: number, opts: { signal?: AbortSignal } = {}): Promise<HitDetail> {
    return narrow(await this.request((id) => ({ kind: 'hit-detail', id, row }), opts), 'hit').detail;
  }

  async surrounding(row: number, seconds: number, opts: { signal?: AbortSignal } = {}): Promise<SurroundingEvents> {
    return narrow(await this.request((id) => ({ kind: 'surrounding', id, row, seconds }), opts), 'events').events;
  }

  async ruleView(opts: { signal?: AbortSignal } = {}): Promise<RuleView> {
    return narrow(await this.request((id) => ({ kind: 'rule-view', id }), opts), 'rule-view').view;
  }

  async explain(tuning: TuningInput, opts: { signal?: AbortSignal } = {}): Promise<ExplainView> {
    return narrow(await this.request((id) => ({ kind: 'explain', id, tuning }), opts), 'explained').view;
  }

  async candidateDetail(tuning: TuningInput, key: string, opts: { signal?: AbortSignal } = {}): Promise<HitDetail> {
    return narrow(await this.request((id) => ({ kind: 'candidate-detail', id, tuning, key }), opts), 'hit').detail;
  }

  async clear(): Promise<void> {
    narrow(await this.request((id) => ({ kind: 'clear', id })), 'cleared');
  }

  dispose(): void {
    this.disposed = true;
    this.stopWatch();
    this.listeners.clear();
    void this.transport.then((t) => t.dispose());
    for (const p of this.pending.values()) p.reject(abortError());
    this.pending.clear();
  }
}

export interface EngineClientOptions {
  /** Run in a worker when possible (default true); else in-thread. */
  readonly preferWorker?: boolean;
  /** Makes the worker (default: the engine's module worker). Tests pass a fake. */
  readonly createWorker?: () => WorkerLike;
  /** Web Locks for the liveness lock (default `navigator.locks`; null: ping only). */
  readonly locks?: LockManager | null;
  readonly liveness?: { readonly pingMs?: number; readonly timeoutMs?: number };
}

/** Starts the engine: in a module worker when possible, else in-thread. */
export function createEngineClient(options: EngineClientOptions = {}): EngineClient {
  return new Client(options);
}
