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

/** The worker, answering `hello` before it counts as started. */
function startWorker(receive: Receive, onCrash: (err: Error) => void): Promise<Transport> {
  return new Promise((resolve, reject) => {
    let ready = false;
    // The literal `new URL(..., import.meta.url)` form is what Vite bundles as a worker chunk.
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'dcomlens-engine' });
    const transport: Transport = { send: (req) => worker.postMessage(req), dispose: () => worker.terminate() };
    worker.onmessage = (e: MessageEvent<EngineWireResponse>) => {
      if (!ready && e.data.kind === 'ready' && e.data.id === 0) {
        ready = true;
        resolve(transport);
        return;
      }
      receive(e.data);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      const err = new Error(`the engine worker failed: ${e.message || 'could not start'}`);
      if (!ready) {
        worker.terminate();
        reject(err);
      } else onCrash(err);
    };
    worker.postMessage({ kind: 'hello', id: 0 } satisfies EngineRequest);
  });
}

/** The same server on this thread; answers go out on a microtask, as they would from a worker. */
async function startInThread(receive: Receive): Promise<Transport> {
  const { EngineServer } = await import('./server');
  const server = new EngineServer((message) => queueMicrotask(() => receive(message)));
  return { send: (req) => void server.handle(req), dispose: () => undefined };
}

class Client implements EngineClient {
  readonly mode: Promise<EngineMode>;
  private readonly transport: Promise<Transport>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(preferWorker: boolean) {
    const receive: Receive = (res) => this.receive(res);
    const onCrash = (err: Error): void => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    let mode: EngineMode = 'main-thread';
    this.transport = (async () => {
      if (preferWorker && typeof Worker !== 'undefined') {
        try {
          const t = await startWorker(receive, onCrash);
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

  private receive(res: EngineWireResponse): void {
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
    if (signal?.aborted) throw abortError();
    const transport = await this.transport;
    if (signal?.aborted) throw abortError();
    const id = this.nextId++;
    const onAbort = (): void => transport.send({ kind: 'cancel', id: this.nextId++, target: id });
    try {
      return await new Promise<EngineResponse>((resolve, reject) => {
        this.pending.set(id, { resolve, reject, ...(onProgress ? { onProgress } : {}) });
        signal?.addEventListener('abort', onAbort, { once: true });
        transport.send(make(id));
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
    void this.transport.then((t) => t.dispose());
    for (const p of this.pending.values()) p.reject(abortError());
    this.pending.clear();
  }
}

/** Starts the engine: in a module worker when possible (`preferWorker`, default true), else in-thread. */
export function createEngineClient(options: { preferWorker?: boolean } = {}): EngineClient {
  return new Client(options.preferWorker ?? true);
}
