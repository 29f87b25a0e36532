/**
 * The one wire protocol between the UI thread and the engine (worker or in-thread fallback).
 * Every message is a discriminated union arm with a `kind` and the `id` of the request it belongs
 * to; payloads are named fields, never positional tuples.
 *
 * Two layers: `EngineResponse` is what the views read (JSON-safe; datetimes as ISO 8601 text
 * `…0000000Z`, UTC, never `bigint` or `Date`). `EngineWireResponse` is what actually crosses from
 * the engine: small control messages as they are (structured clone), and every payload that
 * scales with the data (alert rows and keys, candidates, devices, surrounding events, tree nodes,
 * exported text) as Arrow IPC / UTF-8 bytes whose buffers are transferred, not copied
 * (`wire.ts`: `transferList`, `decodeResponse`, which decodes lazily on first read).
 */

import type { RuleKnobs } from '../rule/knobs';
import type { ArrowPayload } from './arrow-wire';
import type { CandidateView, DeviceFunnel, ExplainView, FailureView, TuningInput } from './explain-protocol';

/** Bumped whenever a message shape changes; the worker answers `hello` with it. */
export const PROTOCOL_VERSION = 3;

// ---------------------------------------------------------------------------------------------
// Requests (UI -> engine)

export type EngineRequest =
  /**
   * The first message. `lock`: a Web Lock the worker takes and holds for its lifetime, so the page
   * learns of its death at once (a worker that dies in Chromium, by `close()` or killed, fires no
   * `error` event; the lock is released when it goes).
   */
  | { readonly kind: 'hello'; readonly id: number; readonly lock?: string }
  /** Liveness: answered with `pong` from the event loop (the engine yields between operators and batches). */
  | { readonly kind: 'ping'; readonly id: number }
  /** The rule as shipped: name, severity, default allow-list. */
  | { readonly kind: 'describe-rule'; readonly id: number }
  /** Streams one file into a table; a file of the same name replaces its earlier load. */
  | { readonly kind: 'ingest'; readonly id: number; readonly name: string; readonly file: Blob }
  /**
   * Runs the rule with `allowList` as `allowListedExecs` (null: the rule's own list) and the
   * unknown-boot knob (absent: `drop`, the rule as written).
   */
  | {
      readonly kind: 'detect';
      readonly id: number;
      readonly allowList: readonly string[] | null;
      readonly unknownBoot?: UnknownBoot;
      /** Window, boot grace, child exclusions (absent: as written). */
      readonly knobs?: RuleKnobs;
    }
  /** The last detection's alerts as CSV text (no BOM); see `ExportOptions`. */
  | { readonly kind: 'export-csv'; readonly id: number; readonly options?: ExportOptions }
  /** The last detection's alerts as JSON text, same columns as the CSV. */
  | { readonly kind: 'export-json'; readonly id: number; readonly options?: ExportOptions }
  /** Provenance, timeline, process tree and why-it-fired of alert `row` of the last detection. */
  | { readonly kind: 'hit-detail'; readonly id: number; readonly row: number }
  /** Every event of the alert's device within ±`seconds` of its RPC event (both tables). */
  | { readonly kind: 'surrounding'; readonly id: number; readonly row: number; readonly seconds: number }
  /** The rule as a view: metadata, stages as written with row counts from the last run, tuned KQL. */
  | { readonly kind: 'rule-view'; readonly id: number }
  /** Explain mode on the tuned rule: every candidate's fate, the funnel, suspicion, allow-list impact. */
  | { readonly kind: 'explain'; readonly id: number; readonly tuning: TuningInput }
  /** A candidate of that explanation opened like a hit (timeline, tree, why), its failing stage marked. */
  | { readonly kind: 'candidate-detail'; readonly id: number; readonly tuning: TuningInput; readonly key: string }
  /** Forgets every loaded file and result. */
  | { readonly kind: 'clear'; readonly id: number }
  /** Aborts request `target` (it then fails with an `AbortError`); gets no answer of its own. */
  | { readonly kind: 'cancel'; readonly id: number; readonly target: number };

export type EngineRequestKind = EngineRequest['kind'];

// ---------------------------------------------------------------------------------------------
// Payloads

/** An error flattened for postMessage (native errors do not structured-clone everywhere). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
}

export interface RuleSummary {
  readonly id: string;
  readonly name: string;
  readonly severity: string;
  readonly tactics: readonly string[];
  readonly techniques: readonly string[];
  readonly queryPeriod: string;
  /** `allowListedExecs` as shipped, in rule order. */
  readonly allowList: readonly string[];
  /** The knobs as written (null: the rule lacks the construct, so the knob is unsupported). */
  readonly knobs: {
    readonly window: { readonly lo: number; readonly hi: number; readonly unit: string } | null;
    readonly bootGraceSeconds: number | null;
    readonly childExclusions: readonly string[] | null;
  };
}

export interface RejectView {
  readonly line: number;
  readonly column: string | null;
  readonly position: number | null;
  readonly code: string;
  readonly reason: string;
}

/** An ingest report with the time range as ISO text. */
export interface IngestReportView {
  readonly file: string;
  readonly format: string;
  readonly table: string;
  readonly recognised: string | null;
  readonly bytes: number;
  readonly rowsRead: number;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
  /** The first rejects (at most 20) with line and column. */
  readonly rejects: readonly RejectView[];
  readonly rejectCounts: Readonly<Record<string, number>>;
  readonly columnsMapped: number;
  readonly columnsMissing: readonly string[];
  readonly columnsIgnored: readonly string[];
  /** ISO 8601 UTC (`…Z`), or null when the file has no Timestamp values. */
  readonly timeFrom: string | null;
  readonly timeTo: string | null;
  readonly devices: number | null;
  readonly warnings: readonly string[];
  readonly fatal: string | null;
  /** Parts of a large CSV other workers read at the same time (csv-split.ts); 0 = read in one piece. */
  readonly partsInParallel: number;
}

/** What the loaded data lets the rule's stages do (rule/readiness.ts), tied to files. */
export interface ReadinessView {
  readonly notes: readonly {
    readonly text: string;
    /** `warn`: a stage cannot run, or drops everything, with this data. */
    readonly level: 'info' | 'warn';
    /** The engine's keys of the files it concerns (see `readinessAppliesTo`). */
    readonly files: readonly string[];
  }[];
}

/**
 * Whether a readiness note concerns the file loaded as `name`: the engine keys a file by its
 * name, or by `name (Table)` / `name/entry` when the file holds several tables (streaming-API
 * JSON, zip).
 */
export function readinessAppliesTo(files: readonly string[], name: string): boolean {
  return files.some((f) => f === name || f.startsWith(`${name} (`) || f.startsWith(`${name}/`));
}

/** A table as loaded so far (all files of it together). */
export interface TableSummary {
  readonly name: string;
  readonly rows: number;
  readonly files: readonly string[];
}

/** One JSON-safe cell: ISO datetime text, number, bool, string, sorted string array, or null. */
export type Cell = string | number | boolean | null | readonly unknown[] | Readonly<Record<string, unknown>>;

export interface ResultColumn {
  readonly name: string;
  /** The engine's scalar type name (`datetime`, `string`, `long`, `dynamic`, …). */
  readonly type: string;
}

/** One line of the plan: an operator with its output row count. */
export interface StageView {
  readonly depth: number;
  readonly text: string;
  /** Rows out of this operator in the last run, or null for headings (`let x =`, `result =`). */
  readonly rows: number | null;
}

export interface DetectionView {
  readonly columns: readonly ResultColumn[];
  /** Cells aligned with `columns`; the rule's output columns come first. */
  readonly rows: readonly (readonly Cell[])[];
  readonly stages: readonly StageView[];
  readonly explain: string;
  readonly allowList: readonly string[];
  /** Alerts this run has that the previous run had not, and the reverse (null on the first run). */
  readonly diff: { readonly added: number; readonly removed: number } | null;
  readonly elapsedMs: number;
  /** `now()` of the run, ISO UTC. */
  readonly now: string;
  /** A stable key per row (device, both exact times, PID): verdicts and notes hang on it. */
  readonly keys: readonly string[];
  readonly unknownBoot: UnknownBoot;
  /** The knobs this run used (absent: as written). */
  readonly knobs: RuleKnobs;
  /** The KQL this run executed: the rule's text with the edits spliced in. */
  readonly query: string;
}

/** What the boot filter does with a device that has no `services.exe` start: as written, or keep. */
export type UnknownBoot = 'drop' | 'keep';

/** The analyst's call on an alert. */
export type Verdict = 'true-positive' | 'benign' | 'false-positive';

export interface ExportOptions {
  /** Cells exactly as they are: no formula neutralisation (default false). */
  readonly raw?: boolean;
  /** Verdicts by alert key (`DetectionView.keys`), written to the `Verdict` column. */
  readonly verdicts?: Readonly<Record<string, Verdict>>;
}

/** One base-table row: every field, JSON-safe, in schema order. */
export interface RowRecord {
  readonly table: string;
  /** Row index in the loaded (combined) table. */
  readonly row: number;
  readonly fields: readonly (readonly [string, Cell])[];
}

/** A point on the timeline: an event with its exact time. */
export interface TimedEvent {
  /** ISO 8601 UTC with 7 fraction digits. */
  readonly iso: string;
  /** Milliseconds since the Unix epoch, fractional (sub-millisecond precision kept to ~0.2 µs). */
  readonly ms: number;
  readonly label: string;
  readonly detail: string;
  readonly record: RowRecord;
}

export type TreeLinkKind = 'root' | 'unique-id' | 'pid-creation-time' | 'pid-time-order' | 'rule-join' | 'inferred';

export interface TreeNode {
  readonly id: string;
  readonly parentId: string | null;
  readonly fileName: string;
  readonly pid: number | null;
  readonly iso: string | null;
  readonly ms: number | null;
  readonly commandLine: string;
  readonly role: 'dcomlaunch' | 'server' | 'child' | 'descendant';
  /** How this node was linked to its parent, and in words. */
  readonly link: { readonly kind: TreeLinkKind; readonly text: string };
  /** True for the rows the alert is made of. */
  readonly inAlert: boolean;
  /** Other process starts on the device with this node's PID (PID reuse), ISO times. */
  readonly pidReuse: readonly string[];
  /** The row behind the node; null for a node inferred from its children's Initiating* fields. */
  readonly record: RowRecord | null;
}

/** One predicate of one stage, with the value it saw. */
export interface WhyCheck {
  readonly predicate: string;
  readonly value: string;
  readonly pass: boolean;
}

export interface WhyStage {
  readonly stage: string;
  readonly checks: readonly WhyCheck[];
}

export interface HitDetail {
  readonly row: number;
  readonly key: string;
  readonly deviceName: string;
  readonly rpc: TimedEvent | null;
  readonly dcom: readonly TimedEvent[];
  readonly children: readonly TimedEvent[];
  readonly boot: TimedEvent | null;
  /** `datetime_diff("second", proc, net)` as Kusto counts it (second boundaries crossed). */
  readonly diffSeconds: number | null;
  /** The interval of DCOM start times the window accepts: [floor(net, 1 s) + lo s, floor + (hi + 1) s). */
  readonly window: {
    /** The window's bounds in seconds (`between (lo .. hi)`, as tuned). */
    readonly lo: number;
    readonly hi: number;
    readonly fromMs: number;
    readonly toMs: number;
    readonly fromIso: string;
    readonly toIso: string;
  } | null;
  readonly tree: readonly TreeNode[];
  readonly why: readonly WhyStage[];
  /** For a suppressed candidate opened from explain mode: the stage that stopped it (else absent). */
  readonly failure?: FailureView | null;
}

export interface SurroundingEvents {
  readonly seconds: number;
  readonly events: readonly TimedEvent[];
  /** True when more events matched than were sent (`events` holds the nearest ones). */
  readonly truncated: boolean;
}

export interface RuleView {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly severity: string;
  readonly status: string;
  readonly version: string;
  readonly kind: string;
  readonly tactics: readonly string[];
  readonly techniques: readonly string[];
  readonly dataTypes: readonly string[];
  readonly queryFrequency: string;
  readonly queryPeriod: string;
  readonly entityMappings: readonly {
    readonly entityType: string;
    readonly fields: readonly { readonly identifier: string; readonly columnName: string }[];
  }[];
  readonly outputColumns: readonly string[];
  /** Allow-list in force and the child exclusions (`FileName !in~ (...)`). */
  readonly allowList: readonly string[];
  readonly childExclusions: readonly string[];
  readonly unknownBoot: UnknownBoot;
  /** The tuned window (`datetime_diff(unit, …) between (lo .. hi)`), null when the rule has none. */
  readonly window: { readonly lo: number; readonly hi: number; readonly unit: string } | null;
  /** The tuned boot grace in seconds (`LastBootTime+5m` → 300), null when the rule has none. */
  readonly bootGraceSeconds: number | null;
  /** The plan as written (no optimiser rewrites), with rows per stage from the last run. */
  readonly stages: readonly StageView[];
  /** Whether `stages` carry counts (false before data is loaded). */
  readonly counted: boolean;
  /** The tuned KQL: the rule's text with the analyst's edits applied. */
  readonly query: string;
}

// ---------------------------------------------------------------------------------------------
// Responses (engine -> UI)

export type EngineResponse =
  /** `locked`: the worker holds the hello's `lock` (absent: no Web Locks there; liveness by ping only). */
  | { readonly kind: 'ready'; readonly id: number; readonly version: number; readonly locked?: boolean }
  | { readonly kind: 'pong'; readonly id: number }
  | { readonly kind: 'rule'; readonly id: number; readonly rule: RuleSummary }
  /** Unsolicited while `ingest` request `id` runs: bytes consumed of `totalBytes`, rows read. */
  | {
      readonly kind: 'progress';
      readonly id: number;
      readonly bytes: number;
      readonly totalBytes: number;
      readonly rows: number;
    }
  | {
      readonly kind: 'ingested';
      readonly id: number;
      readonly report: IngestReportView;
      readonly tables: readonly TableSummary[];
      /** Rule readiness over every file loaded so far, after this one. */
      readonly readiness?: ReadinessView;
    }
  | { readonly kind: 'detected'; readonly id: number; readonly detection: DetectionView }
  /** `bytes` is the UTF-8 of `text` (no BOM); `text` is decoded from it on first read. */
  | {
      readonly kind: 'csv';
      readonly id: number;
      readonly text: string;
      readonly bytes: Uint8Array<ArrayBuffer>;
      readonly rows: number;
    }
  | {
      readonly kind: 'json';
      readonly id: number;
      readonly text: string;
      readonly bytes: Uint8Array<ArrayBuffer>;
      readonly rows: number;
    }
  | { readonly kind: 'hit'; readonly id: number; readonly detail: HitDetail }
  | { readonly kind: 'events'; readonly id: number; readonly events: SurroundingEvents }
  | { readonly kind: 'rule-view'; readonly id: number; readonly view: RuleView }
  | { readonly kind: 'explained'; readonly id: number; readonly view: ExplainView }
  | { readonly kind: 'cleared'; readonly id: number }
  | { readonly kind: 'error'; readonly id: number; readonly error: WireError };

export type EngineResponseKind = EngineResponse['kind'];

// ---------------------------------------------------------------------------------------------
// On the wire (engine -> UI): the bulky parts as transferable bytes

export interface DetectionWire extends Omit<DetectionView, 'columns' | 'rows' | 'keys'> {
  /** The result table, the rule's output columns first; column names and types in its schema. */
  readonly alerts: ArrowPayload<readonly Cell[]>;
  /** The alert keys, or null when the page makes them from the alert cells (alert-keys.ts). */
  readonly keys: ArrowPayload<{ readonly key: string }> | null;
}

export interface HitDetailWire extends Omit<HitDetail, 'tree'> {
  readonly tree: ArrowPayload<TreeNode>;
}

export interface SurroundingWire extends Omit<SurroundingEvents, 'events'> {
  readonly events: ArrowPayload<TimedEvent>;
}

/**
 * A candidate on the wire: its failures as indices into the explanation's failure table (candidates
 * share failures; each crosses once).
 */
export interface CandidateWireRow extends Omit<CandidateView, 'failure' | 'alsoFailed'> {
  readonly failure: number | null;
  readonly alsoFailed: readonly number[];
}

export interface ExplainWire extends Omit<ExplainView, 'candidates' | 'devices' | 'alertKeys'> {
  readonly candidates: ArrowPayload<CandidateWireRow>;
  /** The distinct failures the candidates refer to. */
  readonly failures: ArrowPayload<FailureView>;
  readonly devices: ArrowPayload<DeviceFunnel>;
  readonly alertKeys: ArrowPayload<{ readonly key: string }>;
}

/** Responses whose payload crosses as bytes; every other kind crosses as it is. */
export type BulkyKind = 'detected' | 'csv' | 'json' | 'hit' | 'events' | 'explained';

export type EngineWireResponse =
  | Exclude<EngineResponse, { readonly kind: BulkyKind }>
  | { readonly kind: 'detected'; readonly id: number; readonly detection: DetectionWire }
  | { readonly kind: 'csv'; readonly id: number; readonly bytes: Uint8Array<ArrayBuffer>; readonly rows: number }
  | { readonly kind: 'json'; readonly id: number; readonly bytes: Uint8Array<ArrayBuffer>; readonly rows: number }
  | { readonly kind: 'hit'; readonly id: number; readonly detail: HitDetailWire }
  | { readonly kind: 'events'; readonly id: number; readonly events: SurroundingWire }
  | { readonly kind: 'explained'; readonly id: number; readonly view: ExplainWire };

/** Flattens anything thrown into a cloneable `WireError`. */
export function flattenError(err: unknown): WireError {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack ?? '' };
  if (typeof err === 'object' && err !== null && 'message' in err) {
    const e = err as { name?: unknown; message?: unknown; stack?: unknown };
    return {
      name: typeof e.name === 'string' ? e.name : 'Error',
      message: String(e.message),
      stack: typeof e.stack === 'string' ? e.stack : '',
    };
  }
  return { name: 'Error', message: String(err), stack: '' };
}
