/**
 * The engine behind the worker protocol, as a plain class: it holds the loaded tables and the last
 * result, answers one request at a time through `post`, and knows nothing about `self`, so the
 * same code runs in the worker, on the main thread (fallback) and in-thread in tests.
 */
import type { CsvSplitter } from '../ingest/csv-split';
import { ALERT_COLUMNS } from '../output/alert-columns';
import defaultRuleText from '../../rules/dcom-lateral-movement.yaml?raw';
import { readinessView } from './readiness-view';
import { blobSource, combineReports, concatTables, ingestAny, type IngestReport } from '../ingest/ingest';
import { decodeColumns } from './decode-columns';
import { enrichTablesAcrossFiles } from '../ingest/windows';
import { jsonCell } from '../output/format-results';
import { readKnobs, type RuleKnobs } from '../rule/knobs';
import { loadRule, readLetList, type RuleDefinition } from '../rule/rule';
import { ALLOW_LIST_LET, tuneQuery } from '../rule/tune';
import { PlanCache } from '../execute/plan-cache';
import { Foreground, yieldNow } from '../execute/cooperate';
import { compileQuery, runQuery, wallClockTicks, type QueryResult } from '../run';
import { explainPlan } from '../plan/explain';
import { DEFENDER_TABLES } from '../table/defender-schema';
import { getValue } from '../table/column';
import type { Table } from '../table/table';
import { formatDateTime } from '../time/ticks';
import { alertKey, alertKeys, exportAlerts } from './alert-export';
import { ExplainService } from './explain-service';
import { hitDetail } from './hit-detail';
import { hitContext, ruleView } from './rule-view';
import { stringAt, ticksAt } from './row-record';
import { surroundingEvents } from './surrounding';
import { rowIdentities, type TextIds } from './result-rows';
import { encodeDetection, encodeExplain, encodeHitDetail, encodeSurrounding, encodeText } from './wire';
import {
  columnBytes,
  defaultMemoryBudget,
  estimateKeptBytes,
  formatFamily,
  isAllocationFailure,
  outOfMemoryWhileDetecting,
  outOfMemoryWhileLoading,
  tooLargeBeforeLoad,
} from './memory-guard';
import {
  flattenError,
  PROTOCOL_VERSION,
  type Cell,
  type DetectionView,
  type DetectionWire,
  type EngineRequest,
  type EngineWireResponse,
  type IngestReportView,
  type RuleSummary,
  type RuleView,
  type StageView,
  type TableSummary,
  type UnknownBoot,
} from './protocol';

export { ALERT_COLUMNS } from '../output/alert-columns';

/** Progress messages per ingest are throttled to one per this many ms (plus the final one). */
const PROGRESS_INTERVAL_MS = 50;
const REJECTS_SHOWN = 20;
/** Distinct texts the diff's identities may number before the numbering starts again. */
const TEXT_IDS_LIMIT = 200_000;

/** Sends one answer; bulky payloads are bytes whose buffers `wire.ts` `transferList` names. */
export type Post = (message: EngineWireResponse) => void;

export interface EngineServerOptions {
  /** Sentinel rule YAML to run (default: the shipped DCOM Lateral Movement rule). */
  readonly ruleText?: string;
  /** `now()` for runs, in ticks (default: the wall clock at each run). Tests pin it. */
  readonly now?: () => bigint;
  /** Bytes the loaded data may take (default: from the device's memory, memory-guard.ts). */
  readonly memoryBudget?: number;
  /** Reads parts of a large CSV in other workers (csv-split.ts); default: one thread. */
  readonly csvSplitter?: (file: Blob) => CsvSplitter;
}

/** A user-facing failure (missing table, rule problem): shown as its message, no stack. */
class EngineError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class EngineServer {
  private readonly rule: RuleDefinition | null;
  private readonly ruleProblems: string;
  private columnsToDecode: Record<string, string[]> | undefined;
  /** Loaded tables by file name (a file loaded again replaces its earlier table). */
  private readonly files = new Map<string, Table>();
  private combined: Map<string, Table> | null = null;
  private readonly running = new Map<number, AbortController>();
  private last: {
    result: QueryResult;
    keys: Set<string>;
    tuned: { query: string; allowList: readonly string[]; unknownBoot: UnknownBoot };
    /** The same query run as written (optimise: false), for per-stage counts; made on request. */
    asWritten: Promise<StageView[]> | null;
  } | null = null;

  constructor(
    private readonly post: Post,
    private readonly options: EngineServerOptions = {},
  ) {
    const loaded = loadRule(options.ruleText ?? defaultRuleText);
    this.rule = loaded.rule;
    this.ruleProblems = loaded.problems.map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message)).join('; ');
  }

  /** Answers one request; never throws (failures are posted as `error` responses). */
  async handle(req: EngineRequest): Promise<void> {
    if (req.kind === 'cancel') {
      this.running.get(req.target)?.abort();
      return;
    }
    if (req.kind === 'ping') {
      // At once, outside `running`: a busy engine still answers whenever it yields.
      this.post({ kind: 'pong', id: req.id });
      return;
    }
    const controller = new AbortController();
    this.running.set(req.id, controller);
    const work = async (): Promise<void> => {
      try {
        this.post(await this.answer(req, controller.signal));
      } catch (err) {
        this.post({ kind: 'error', id: req.id, error: flattenError(err) });
      } finally {
        this.running.delete(req.id);
      }
    };
    // Explain mode is background work: it parks at its next checkpoint while any other request
    // runs (an edit's detect, an opened alert), until that request's answer has been posted.
    // A candidate's detail waits on its explain run, so it must not hold the explanation back.
    if (req.kind === 'explain' || req.kind === 'candidate-detail') {
      // One turn first: a request queued right behind this one (the page asks an edit's
      // explanation and its detect together) starts before any explain work, and goes first.
      await yieldNow();
      await this.foreground.idle();
      await work();
    } else await this.foreground.run(work);
  }

  private async answer(
    req: Exclude<EngineRequest, { kind: 'cancel' | 'ping' }>,
    signal: AbortSignal,
  ): Promise<EngineWireResponse> {
    switch (req.kind) {
      case 'hello':
        return { kind: 'ready', id: req.id, version: PROTOCOL_VERSION };
      case 'describe-rule':
        return { kind: 'rule', id: req.id, rule: this.describeRule() };
      case 'ingest':
        return this.ingest(req.id, req.name, req.file, signal);
      case 'detect':
        return {
          kind: 'detected',
          id: req.id,
          detection: await this.detect(req.allowList, req.unknownBoot ?? 'drop', req.knobs ?? {}, signal),
        };
      case 'export-csv':
      case 'export-json': {
        const last = this.requireLast('exporting');
        const format = req.kind === 'export-csv' ? 'csv' : 'json';
        const text = exportAlerts(format, last.result.table, this.requireRule(), ALERT_COLUMNS, req.options);
        return { kind: format, id: req.id, bytes: encodeText(text), rows: last.result.table.rowCount };
      }
      case 'hit-detail': {
        const last = this.requireLast('opening an alert');
        const t = last.result.table;
        const key = Number.isInteger(req.row) && req.row >= 0 && req.row < t.rowCount ? alertKey(t, req.row) : '';
        const ctx = hitContext(last.tuned.query, last.tuned.allowList, last.tuned.unknownBoot);
        const detail = hitDetail(last.result, this.tables(), req.row, key, ctx);
        return { kind: 'hit', id: req.id, detail: encodeHitDetail(detail) };
      }
      case 'surrounding': {
        const last = this.requireLast('showing surrounding events');
        const t = last.result.table;
        if (req.row < 0 || req.row >= t.rowCount) throw new EngineError('RangeError', `no alert row ${req.row}`);
        const center = ticksAt(t, 'TimestampNetwEventExact', req.row) ?? 0n;
        const events = surroundingEvents(this.tables(), stringAt(t, 'DeviceId', req.row), center, req.seconds);
        return { kind: 'events', id: req.id, events: encodeSurrounding(events) };
      }
      case 'rule-view':
        return { kind: 'rule-view', id: req.id, view: await this.ruleView(signal) };
      case 'explain':
        return {
          kind: 'explained',
          id: req.id,
          view: encodeExplain(await this.explainer.explain(this.requireRule(), this.tables(), req.tuning, signal)),
        };
      case 'candidate-detail': {
        const detail = await this.explainer.detail(this.requireRule(), this.tables(), req.tuning, req.key, signal);
        return { kind: 'hit', id: req.id, detail: encodeHitDetail(detail) };
      }
      case 'clear':
        this.files.clear();
        this.combined = null;
        this.last = null;
        this.textIds = new Map();
        return { kind: 'cleared', id: req.id };
      default:
        return assertNever(req);
    }
  }

  private requireRule(): RuleDefinition {
    if (!this.rule) throw new EngineError('RuleError', `the rule cannot be loaded: ${this.ruleProblems}`);
    return this.rule;
  }

  private requireLast(doing: string): NonNullable<EngineServer['last']> {
    if (!this.last) throw new EngineError('NoResult', `run the detection before ${doing}`);
    return this.last;
  }

  /** The rule view; stage counts come from running the tuned query as written, once per detection. */
  private async ruleView(signal: AbortSignal): Promise<RuleView> {
    const rule = this.requireRule();
    const last = this.last;
    const tuned = last?.tuned ?? {
      query: rule.query,
      allowList: readLetList(rule.query, ALLOW_LIST_LET) ?? [],
      unknownBoot: 'drop' as const,
    };
    if (!last) {
      // No data yet: bind against the Defender schemas for the stages, without counts.
      const schemas = new Map(Object.entries(DEFENDER_TABLES).map(([name, schema]) => [name, { schema }]));
      const { plan } = compileQuery(tuned.query, schemas, wallClockTicks(), { optimise: false });
      const stages = plan ? parseExplain(explainPlan(plan)) : [];
      return ruleView(rule, tuned, ALERT_COLUMNS, { stages, counted: false });
    }
    last.asWritten ??= runQuery(tuned.query, this.tables(), { optimise: false, now: last.result.now, signal }).then(
      (r) => parseExplain(r.explain),
    );
    try {
      return ruleView(rule, tuned, ALERT_COLUMNS, { stages: await last.asWritten, counted: true });
    } catch (err) {
      last.asWritten = null;
      throw err;
    }
  }

  private describeRule(): RuleSummary {
    const rule = this.requireRule();
    return {
      id: rule.id,
      name: rule.name,
      severity: rule.severity,
      tactics: rule.tactics,
      techniques: rule.relevantTechniques,
      queryPeriod: rule.queryPeriod,
      allowList: readLetList(rule.query, ALLOW_LIST_LET) ?? [],
      knobs: readKnobs(rule.query),
    };
  }

  /** Estimated bytes of the loads in flight (both files of a drop are read at once). */
  private reserved = 0;

  private async ingest(id: number, name: string, file: Blob, signal: AbortSignal): Promise<EngineWireResponse> {
    const totalBytes = file.size;
    let lastPost = 0;
    // Fail before reading when the kept columns would not fit next to what is loaded (a file of the
    // same name is replaced, so its memory does not count).
    const needed = estimateKeptBytes(totalBytes, await sniffFamily(file));
    const budget = this.options.memoryBudget ?? defaultMemoryBudget();
    const held = this.heldBytes(name) + this.reserved;
    if (held + needed > budget) throw tooLargeBeforeLoad(name, totalBytes, needed, held, budget);
    const at = { bytes: 0, totalBytes, rows: 0 };
    this.reserved += needed;
    let results: Awaited<ReturnType<typeof ingestAny>>;
    try {
      results = await ingestAny(
        name,
        blobSource(file, () => blobChunksUntil(file, signal), signal),
        {
          signal,
          ...(this.options.csvSplitter ? { csvSplitter: this.options.csvSplitter(file) } : {}),
          columnsByTable: (this.columnsToDecode ??= decodeColumns(this.rule)),
          onProgress: (bytes, rows) => {
            at.bytes = bytes;
            at.rows = rows;
            const t = Date.now();
            if (t - lastPost < PROGRESS_INTERVAL_MS && bytes < totalBytes) return;
            lastPost = t;
            this.post({ kind: 'progress', id, bytes, totalBytes, rows });
          },
        },
      );
    } catch (err) {
      // The partial columns were local to the load: dropping them here frees them; earlier files stay.
      if (isAllocationFailure(err)) throw outOfMemoryWhileLoading(name, at, err);
      throw err;
    } finally {
      this.reserved -= needed;
    }
    // A cancel that landed while a read was pending ends the stream early: not a short file.
    if (signal.aborted) throw abortError();
    // A file may hold several tables (zip, streaming-API export): one summed report, one entry per table.
    const report = combineReports(
      name,
      results.map((r) => r.report),
    );
    this.post({ kind: 'progress', id, bytes: totalBytes, totalBytes, rows: report.rowsRead });
    for (const r of results) {
      if (r.report.fatal !== undefined) continue;
      this.files.set(results.length === 1 ? name : `${r.report.file} (${r.table.name})`, r.table);
      this.combined = null;
    }
    // Which rule stages can run with everything loaded now, per file (shown in the ingest report).
    const readiness = readinessView(this.tables(), this.files);
    const parts = results.length === 1 ? (results[0]!.partsInParallel ?? 0) : 0;
    return { kind: 'ingested', id, report: reportView(report, parts), tables: this.tableSummaries(), readiness };
  }

  /** Bytes held by the loaded files' columns (but `except`, which a new load of it replaces). */
  private heldBytes(except: string): number {
    let n = 0;
    for (const [file, t] of this.files) if (file !== except) n += columnBytes(t.columns);
    return n;
  }

  private planCache = new PlanCache();
  /** Numbers for the texts of the results whose row identities the diff compares (result-rows.ts). */
  private textIds: TextIds = new Map();
  /** Requests other than explain mode's: while one runs, explain runs park (cooperate.ts `Foreground`). */
  private readonly foreground = new Foreground();
  private readonly explainer = new ExplainService(() => this.options.now?.() ?? wallClockTicks(), this.foreground);

  private tables(): Map<string, Table> {
    if (this.combined) return this.combined;
    const parts = new Map<string, Table[]>();
    // Sysmon / Security files are resolved together: EID 3 and EID 1, 5156 and 4688 of one
    // process may sit in different files (ingest/windows, schemas.md §7).
    for (const t of enrichTablesAcrossFiles([...this.files.values()]))
      parts.set(t.name, [...(parts.get(t.name) ?? []), t]);
    const out = new Map<string, Table>();
    for (const [name, list] of parts) out.set(name, list.length === 1 ? list[0]! : concatTables(list, name).table);
    this.combined = out;
    return out;
  }

  private tableSummaries(): TableSummary[] {
    const files = new Map<string, string[]>();
    for (const [file, t] of this.files) files.set(t.name, [...(files.get(t.name) ?? []), file]);
    return [...this.tables()].map(([name, t]) => ({ name, rows: t.rowCount, files: files.get(name) ?? [] }));
  }

  private async detect(
    allowList: readonly string[] | null,
    unknownBoot: UnknownBoot,
    knobs: RuleKnobs,
    signal: AbortSignal,
  ): Promise<DetectionWire> {
    const rule = this.requireRule();
    // Allow-list, unknown boot and knobs spliced into the rule's text (KnobError / RangeError on a bad edit).
    const { query, allowList: usedAllowList } = tuneQuery(rule.query, { allowList, unknownBoot, knobs });
    const tables = this.tables();
    const needed = rule.dataTypes.length > 0 ? rule.dataTypes : ['DeviceNetworkEvents', 'DeviceProcessEvents'];
    const missing = needed.filter((n) => !tables.has(n));
    if (missing.length > 0) {
      throw new EngineError(
        'MissingTable',
        `load a ${missing.join(' and a ')} export: the rule reads ${needed.join(' and ')}`,
      );
    }
    const t0 = performance.now();
    // The plan cache reuses every stage upstream of an edit (allow-list, knob) from the last run.
    let result: QueryResult;
    try {
      result = await runQuery(query, tables, {
        now: this.options.now?.() ?? wallClockTicks(),
        signal,
        cache: this.planCache,
      });
    } catch (err) {
      if (!isAllocationFailure(err)) throw err;
      // Free the run's intermediates (and the cached ones): the loaded tables stay usable.
      this.planCache = new PlanCache();
      let rows = 0;
      for (const t of tables.values()) rows += t.rowCount;
      throw outOfMemoryWhileDetecting(rows, err);
    }
    const elapsedMs = performance.now() - t0;
    // Row identities for the diff: equal exactly when the rows' JSON cells are (result-rows.ts).
    if (this.textIds.size > TEXT_IDS_LIMIT) {
      // Texts of many earlier results: start again, re-keying the previous result (rare).
      this.textIds = new Map();
      if (this.last) this.last.keys = new Set(rowIdentities(this.last.result.table, this.textIds));
    }
    const keys = new Set(rowIdentities(result.table, this.textIds));
    let diff: DetectionView['diff'] = null;
    if (this.last) {
      const before = this.last.keys;
      let added = 0;
      let removed = 0;
      for (const k of keys) if (!before.has(k)) added++;
      for (const k of before) if (!keys.has(k)) removed++;
      diff = { added, removed };
    }
    this.last = { result, keys, tuned: { query, allowList: usedAllowList, unknownBoot }, asWritten: null };
    const view = {
      stages: parseExplain(result.explain),
      explain: result.explain,
      allowList: usedAllowList,
      diff,
      elapsedMs,
      now: formatDateTime(result.now),
      unknownBoot,
      knobs,
      query,
    };
    // The rows scale with the data: they cross as Arrow IPC (transferred). The page makes the
    // alert keys from the rows' cells (alert-keys.ts); they cross only when it cannot.
    return encodeDetection(view, result.table, ALERT_COLUMNS, () => alertKeys(result.table));
  }
}

/** Result rows as JSON-safe cells, the rule's output columns first. */
export function alertRows(table: Table): Pick<DetectionView, 'columns' | 'rows'> {
  const order = ALERT_COLUMNS.map((n) => table.schema.findIndex((c) => c.name === n)).filter((i) => i >= 0);
  table.schema.forEach((_, i) => {
    if (!order.includes(i)) order.push(i);
  });
  const columns = order.map((i) => ({ name: table.schema[i]!.name, type: table.schema[i]!.type }));
  const rows: Cell[][] = [];
  for (let r = 0; r < table.rowCount; r++) {
    rows.push(order.map((i) => jsonCell(getValue(table.columns[i]!, r), table.schema[i]!.type) as Cell));
  }
  return { columns, rows };
}

/** `explain` text (two spaces per level, `  [rows=N]` suffix) as stage lines. */
export function parseExplain(text: string): StageView[] {
  const stages: StageView[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^( *)(.*?)(?: {2}\[rows=(\d+)\])?$/.exec(line);
    if (!m) continue;
    stages.push({ depth: m[1]!.length / 2, text: m[2]!, rows: m[3] === undefined ? null : Number(m[3]) });
  }
  return stages;
}

function reportView(r: IngestReport, partsInParallel = 0): IngestReportView {
  return {
    file: r.file,
    format: r.format,
    table: r.table,
    recognised: r.recognised,
    bytes: r.bytes,
    rowsRead: r.rowsRead,
    rowsLoaded: r.rowsLoaded,
    rowsRejected: r.rowsRejected,
    rejects: r.rejects.slice(0, REJECTS_SHOWN).map((j) => ({
      line: j.line,
      column: j.column ?? null,
      position: j.position ?? null,
      code: j.code,
      reason: j.reason,
    })),
    rejectCounts: Object.fromEntries(
      Object.entries(r.rejectCounts).filter((e): e is [string, number] => typeof e[1] === 'number'),
    ),
    columnsMapped: r.columnsMapped.length,
    columnsMissing: r.columnsMissing,
    columnsIgnored: r.columnsIgnored,
    timeFrom: r.timeRange ? formatDateTime(r.timeRange.min) : null,
    timeTo: r.timeRange ? formatDateTime(r.timeRange.max) : null,
    devices: r.devices,
    warnings: r.precisionNote ? [...r.warnings, r.precisionNote] : r.warnings,
    fatal: r.fatal ?? null,
    partsInParallel,
  };
}

/**
 * Chunks of a Blob that stop as soon as `signal` aborts, even while a read is pending (ingest
 * checks its signal only between chunks; a stalled stream would otherwise hold a cancel forever).
 */
async function* blobChunksUntil(blob: Blob, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const reader = (blob.stream() as ReadableStream<Uint8Array>).getReader();
  let done = false;
  const onAbort = (): void => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        return;
      }
      yield r.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** The file's format family from its first bytes (a Blob-like without `slice` counts as text). */
async function sniffFamily(file: Blob): Promise<string> {
  if (typeof file.slice !== 'function') return formatFamily(new Uint8Array(0));
  return formatFamily(new Uint8Array(await file.slice(0, 8).arrayBuffer()));
}

function abortError(): Error {
  return new EngineError('AbortError', 'the request was cancelled');
}

function assertNever(x: never): never {
  throw new Error(`unhandled request ${JSON.stringify(x)}`);
}
