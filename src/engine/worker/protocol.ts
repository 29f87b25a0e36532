/**
 * The one wire protocol between the UI thread and the engine (worker or in-thread fallback).
 * Every message is a discriminated union arm with a `kind` and the `id` of the request it belongs
 * to; payloads are named fields, never positional tuples. Everything here survives structured
 * clone (and, except `Blob`, JSON): datetimes cross as ISO 8601 text (`…0000000Z`, UTC), never as
 * `bigint` or `Date`, so the views need no engine code to show them.
 */

/** Bumped whenever a message shape changes; the worker answers `hello` with it. */
export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Requests (UI -> engine)

export type EngineRequest =
  | { readonly kind: 'hello'; readonly id: number }
  /** The rule as shipped: name, severity, default allow-list. */
  | { readonly kind: 'describe-rule'; readonly id: number }
  /** Streams one file into a table; a file of the same name replaces its earlier load. */
  | { readonly kind: 'ingest'; readonly id: number; readonly name: string; readonly file: Blob }
  /** Runs the rule with `allowList` as `allowListedExecs` (null: the rule's own list). */
  | { readonly kind: 'detect'; readonly id: number; readonly allowList: readonly string[] | null }
  /** The last detection's alerts as CSV text (no BOM; formulas neutralised). */
  | { readonly kind: 'export-csv'; readonly id: number }
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
}

// ---------------------------------------------------------------------------------------------
// Responses (engine -> UI)

export type EngineResponse =
  | { readonly kind: 'ready'; readonly id: number; readonly version: number }
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
    }
  | { readonly kind: 'detected'; readonly id: number; readonly detection: DetectionView }
  | { readonly kind: 'csv'; readonly id: number; readonly text: string; readonly rows: number }
  | { readonly kind: 'cleared'; readonly id: number }
  | { readonly kind: 'error'; readonly id: number; readonly error: WireError };

export type EngineResponseKind = EngineResponse['kind'];

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
