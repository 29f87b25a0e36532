/**
 * The engine behind the worker protocol, as a plain class: it holds the loaded tables and the last
 * result, answers one request at a time through `post`, and knows nothing about `self`, so the
 * same code runs in the worker, on the main thread (fallback) and in-thread in tests.
 */
import defaultRuleText from '../../rules/dcom-lateral-movement.yaml?raw';
import { concatTables, ingestFile, type IngestReport } from '../ingest/ingest';
import { formatCsv, jsonCell } from '../output/format-results';
import { loadRule, readLetList, replaceLetList, type RuleDefinition } from '../rule/rule';
import { runQuery, wallClockTicks, type QueryResult } from '../run';
import { getValue } from '../table/column';
import type { Table } from '../table/table';
import { formatDateTime } from '../time/ticks';
import {
  flattenError,
  PROTOCOL_VERSION,
  type Cell,
  type DetectionView,
  type EngineRequest,
  type EngineResponse,
  type IngestReportView,
  type RuleSummary,
  type StageView,
  type TableSummary,
} from './protocol';

/**
 * The rule's output columns, first and in this order, in the alerts view and the CSV export.
 * A copy of the CLI's list (src/cli/main.ts): the app must not bundle the CLI.
 */
export const ALERT_COLUMNS: readonly string[] = [
  'TimestampNetwEventExact',
  'TimestampProcEventExact',
  'DeviceId',
  'DeviceName',
  'InitiatingProcessId',
  'LocalIP',
  'RemoteIP',
  'LastBootTime',
  'DCOMCmdLine',
  'set_ProcessCommandLine',
];

const ALLOW_LIST_LET = 'allowListedExecs';
/** Progress messages per ingest are throttled to one per this many ms (plus the final one). */
const PROGRESS_INTERVAL_MS = 50;
const REJECTS_SHOWN = 20;

export type Post = (message: EngineResponse) => void;

export interface EngineServerOptions {
  /** Sentinel rule YAML to run (default: the shipped DCOM Lateral Movement rule). */
  readonly ruleText?: string;
  /** `now()` for runs, in ticks (default: the wall clock at each run). Tests pin it. */
  readonly now?: () => bigint;
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
  /** Loaded tables by file name (a file loaded again replaces its earlier table). */
  private readonly files = new Map<string, Table>();
  private combined: Map<string, Table> | null = null;
  private readonly running = new Map<number, AbortController>();
  private last: { result: QueryResult; keys: Set<string> } | null = null;

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
    const controller = new AbortController();
    this.running.set(req.id, controller);
    try {
      this.post(await this.answer(req, controller.signal));
    } catch (err) {
      this.post({ kind: 'error', id: req.id, error: flattenError(err) });
    } finally {
      this.running.delete(req.id);
    }
  }

  private async answer(req: Exclude<EngineRequest, { kind: 'cancel' }>, signal: AbortSignal): Promise<EngineResponse> {
    switch (req.kind) {
      case 'hello':
        return { kind: 'ready', id: req.id, version: PROTOCOL_VERSION };
      case 'describe-rule':
        return { kind: 'rule', id: req.id, rule: this.describeRule() };
      case 'ingest':
        return this.ingest(req.id, req.name, req.file, signal);
      case 'detect':
        return { kind: 'detected', id: req.id, detection: await this.detect(req.allowList, signal) };
      case 'export-csv': {
        if (!this.last) throw new EngineError('NoResult', 'run the detection before exporting');
        const table = this.last.result.table;
        return {
          kind: 'csv',
          id: req.id,
          text: formatCsv(table, { leadingColumns: ALERT_COLUMNS }),
          rows: table.rowCount,
        };
      }
      case 'clear':
        this.files.clear();
        this.combined = null;
        this.last = null;
        return { kind: 'cleared', id: req.id };
      default:
        return assertNever(req);
    }
  }

  private requireRule(): RuleDefinition {
    if (!this.rule) throw new EngineError('RuleError', `the rule cannot be loaded: ${this.ruleProblems}`);
    return this.rule;
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
    };
  }

  private async ingest(id: number, name: string, file: Blob, signal: AbortSignal): Promise<EngineResponse> {
    const totalBytes = file.size;
    let lastPost = 0;
    const { table, report } = await ingestFile(name, blobChunksUntil(file, signal), {
      signal,
      onProgress: (bytes, rows) => {
        const t = Date.now();
        if (t - lastPost < PROGRESS_INTERVAL_MS && bytes < totalBytes) return;
        lastPost = t;
        this.post({ kind: 'progress', id, bytes, totalBytes, rows });
      },
    });
    // A cancel that landed while a read was pending ends the stream early: not a short file.
    if (signal.aborted) throw abortError();
    this.post({ kind: 'progress', id, bytes: totalBytes, totalBytes, rows: report.rowsRead });
    if (report.fatal === undefined) {
      this.files.set(name, table);
      this.combined = null;
    }
    return { kind: 'ingested', id, report: reportView(report), tables: this.tableSummaries() };
  }

  private tables(): Map<string, Table> {
    if (this.combined) return this.combined;
    const parts = new Map<string, Table[]>();
    for (const t of this.files.values()) parts.set(t.name, [...(parts.get(t.name) ?? []), t]);
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

  private async detect(allowList: readonly string[] | null, signal: AbortSignal): Promise<DetectionView> {
    const rule = this.requireRule();
    let query = rule.query;
    if (allowList !== null) {
      const edited = replaceLetList(query, ALLOW_LIST_LET, allowList);
      if (edited === null)
        throw new EngineError('RuleError', `the rule has no \`let ${ALLOW_LIST_LET} = dynamic([...])\` to tune`);
      query = edited;
    }
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
    const result = await runQuery(query, tables, { now: this.options.now?.() ?? wallClockTicks(), signal });
    const elapsedMs = performance.now() - t0;
    const { columns, rows } = alertRows(result.table);
    const keys = new Set(rows.map((r) => JSON.stringify(r)));
    let diff: DetectionView['diff'] = null;
    if (this.last) {
      const before = this.last.keys;
      let added = 0;
      let removed = 0;
      for (const k of keys) if (!before.has(k)) added++;
      for (const k of before) if (!keys.has(k)) removed++;
      diff = { added, removed };
    }
    this.last = { result, keys };
    return {
      columns,
      rows,
      stages: parseExplain(result.explain),
      explain: result.explain,
      allowList: allowList ?? readLetList(rule.query, ALLOW_LIST_LET) ?? [],
      diff,
      elapsedMs,
      now: formatDateTime(result.now),
    };
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

function reportView(r: IngestReport): IngestReportView {
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

function abortError(): Error {
  return new EngineError('AbortError', 'the request was cancelled');
}

function assertNever(x: never): never {
  throw new Error(`unhandled request ${JSON.stringify(x)}`);
}
