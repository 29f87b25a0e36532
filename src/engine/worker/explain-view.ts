/**
 * An engine explanation (src/engine/explain) as the views need it: JSON-safe candidates with their
 * measured failure, chain facts (remote IP, server, gap), suspicion and pins' keys; the funnel in
 * total and per device, with the boot filter's silent drops called out; the allow-list's impact.
 */
import { Cooperator } from '../execute/cooperate';
import { readWindow as readRuleWindow } from '../rule/knobs';
import type { Candidate, ExplainResult } from '../explain/explain';
import type { Failure } from '../explain/failures';
import type { Table } from '../table/table';
import { formatDateTime } from '../time/ticks';
import { alertKeys as alertKeysOf } from './alert-export';
import { allowImpact } from './allow-impact';
import { nearMissesCooperative } from './near-misses';
import type {
  CandidateView,
  DeviceFunnel,
  ExplainView,
  FailureView,
  FunnelStageView,
  TuningInput,
} from './explain-protocol';
import { colIndex, numberAt, stringAt, ticksAt, ticksToMs, valueAt, eqFold } from './row-record';
import { dcomRowOf, offspringOf, suspicionOf } from './suspicion';
import { diffSeconds } from './why-it-fired';

export interface ExplainContext {
  readonly tuning: TuningInput;
  readonly query: string;
  /** The allow-list in force (entries of `allowListedExecs`). */
  readonly allowList: readonly string[];
  readonly childExclusions: readonly string[];
  readonly elapsedMs: number;
}

const NET = 'DeviceNetworkEvents';
const PROC = 'DeviceProcessEvents';

function failureView(f: Failure): FailureView {
  return {
    nodeId: f.nodeId,
    stage: f.stage,
    kind: f.kind,
    predicate: f.predicate,
    detail: f.detail,
    values: f.values.map((v) => ({ expr: v.expr, value: v.value })),
    violation: f.violation !== null && Number.isFinite(f.violation) ? f.violation : null,
    listEntry: f.listEntry ?? null,
  };
}

/** Device names with at least one services.exe start (a boot) in the process table. */
const bootCache = new WeakMap<Table, Set<string>>();
async function devicesWithBoot(p: Table | undefined, coop: Cooperator): Promise<Set<string>> {
  if (!p) return new Set();
  const hit = bootCache.get(p);
  if (hit) return hit;
  const out = new Set<string>();
  const file = p.columns[colIndex(p, 'FileName')];
  // A pass over the whole process table: in slices, checking the cooperator between them.
  const SLICE = 1 << 16;
  if (file?.type === 'string') {
    // Per distinct file name, then over the codes (a 10 M-row table has a few thousand names).
    const isBoot = file.dict.map((f) => eqFold(f, 'services.exe'));
    for (let r = 0; r < p.rowCount; r++) {
      if ((r & (SLICE - 1)) === 0 && coop.due()) await coop.checkpoint();
      if (isBoot[file.codes[r]!]) out.add(stringAt(p, 'DeviceName', r));
    }
  } else
    for (let r = 0; r < p.rowCount; r++) {
      if ((r & 4095) === 0 && coop.due()) await coop.checkpoint();
      if (eqFold(stringAt(p, 'FileName', r), 'services.exe')) out.add(stringAt(p, 'DeviceName', r));
    }
  bootCache.set(p, out);
  return out;
}

/** `datetime_diff(...) between (lo .. hi)`: the rule's window, read off the syntax tree. */
export function readWindow(query: string): { lo: number; hi: number } | null {
  const w = readRuleWindow(query);
  return w ? { lo: w.lo, hi: w.hi } : null;
}

export function candidateKey(
  tables: ReadonlyMap<string, Table>,
  c: Pick<Candidate, 'spine' | 'table' | 'row'>,
): string {
  const t = tables.get(c.table);
  if (!t) return `${c.spine}|${c.table}#${c.row}`;
  const ticks = ticksAt(t, 'Timestamp', c.row);
  return keyOf(t, c, ticks === null ? null : formatDateTime(ticks));
}

/** `candidateKey` with the row's time text already made. */
function keyOf(t: Table, c: Pick<Candidate, 'spine' | 'row'>, iso: string | null): string {
  const report = valueAt(t, 'ReportId', c.row);
  const id = report === null || report === '' ? `#${c.row}` : String(report);
  return `${c.spine}|${stringAt(t, 'DeviceId', c.row)}|${iso ?? ''}|${id}`;
}

/** Candidates between cooperative checkpoints. */
const CHECK_EVERY = 256;

/**
 * The view of `result`. Yields to the event loop as it goes and stops with an `AbortError` when
 * the cooperator's signal aborts (default: a cooperator without a signal).
 */
export async function explainView(
  result: ExplainResult,
  tables: ReadonlyMap<string, Table>,
  ctx: ExplainContext,
  coop: Cooperator = new Cooperator(),
): Promise<ExplainView> {
  const n = tables.get(NET);
  const p = tables.get(PROC);
  const stageIndex = new Map(result.funnel.map((f, i) => [f.nodeId, i]));
  const bootStage = result.funnel.find((f) => f.kind === 'predicate' && /LastBootTime/.test(f.stage));
  const alertKeys = alertKeysOf(result.table);

  // Inbound RPC events per remote IP among the rpc candidates (for "rare IP").
  const ipCounts = new Map<string, number>();
  let ipTotal = 0;
  if (n) {
    for (const c of result.candidates) {
      if (c.table !== NET) continue;
      const ip = stringAt(n, 'RemoteIP', c.row);
      ipCounts.set(ip, (ipCounts.get(ip) ?? 0) + 1);
      ipTotal++;
    }
  }

  // Candidates share failures (one per distinct stage, conjunct and values): one view of each.
  const failureViews = new Map<Failure, FailureView>();
  const viewOf = (f: Failure): FailureView => {
    let v = failureViews.get(f);
    if (!v) failureViews.set(f, (v = failureView(f)));
    return v;
  };
  const candidates: CandidateView[] = [];
  for (let i = 0; i < result.candidates.length; i++) {
    // A candidate's view can take a millisecond (its rows, suspicion): test the clock each time.
    if (coop.due()) await coop.checkpoint();
    const c = result.candidates[i]!;
    const t = tables.get(c.table);
    const ticks = t ? ticksAt(t, 'Timestamp', c.row) : null;
    const iso = ticks === null ? null : formatDateTime(ticks);
    const netRow = c.table === NET ? c.row : c.pathRows.get(NET)?.[0];
    const procRows = c.pathRows.get(PROC) ?? [];
    const dcomRow = p ? (c.table === PROC ? c.row : dcomRowOf(p, procRows)) : null;
    const remoteIp = n && netRow !== undefined ? stringAt(n, 'RemoteIP', netRow) : null;
    const dcomFile = p && dcomRow !== null ? stringAt(p, 'FileName', dcomRow) : null;
    const netT = n && netRow !== undefined ? ticksAt(n, 'Timestamp', netRow) : null;
    const procT = p && dcomRow !== null ? ticksAt(p, 'Timestamp', dcomRow) : null;
    const gap = netT !== null && procT !== null ? diffSeconds(procT, netT) : null;
    const label =
      c.table === NET && n
        ? `RPC ${stringAt(n, 'RemoteIP', c.row)} → ${stringAt(n, 'LocalIP', c.row)}:${numberAt(n, 'LocalPort', c.row) ?? ''}`
        : p
          ? `${stringAt(p, 'FileName', c.row)} (PID ${numberAt(p, 'ProcessId', c.row) ?? '?'})`
          : c.table;
    const failure = c.failure ? viewOf(c.failure) : null;
    let suspicion: CandidateView['suspicion'] = null;
    if (failure?.listEntry && p) {
      const hiddenBy = /allowListedExecs/.test(failure.predicate) ? 'allow-list' : 'child-exclusion';
      suspicion = suspicionOf({
        hiddenBy,
        entry: failure.listEntry,
        server: dcomFile ?? '?',
        offspring: dcomRow !== null ? offspringOf(p, dcomRow) : null,
        childExclusions: ctx.childExclusions,
        remoteIp,
        ipCount: remoteIp !== null ? (ipCounts.get(remoteIp) ?? 0) : 0,
        ipTotal,
        gap,
        onlyFailure: c.alsoFailed.length === 0,
      });
    }
    candidates.push({
      key: t ? keyOf(t, c, iso) : `${c.spine}|${c.table}#${c.row}`,
      spine: c.spine,
      table: c.table,
      row: c.row,
      device: c.group,
      iso,
      ms: ticks === null ? null : ticksToMs(ticks),
      label,
      remoteIp,
      dcomFile,
      gap,
      state: c.state,
      failure,
      alsoFailed: c.alsoFailed.map(viewOf),
      stageIndex: c.failure ? (stageIndex.get(c.failure.nodeId) ?? 0) : -1,
      pathRows: [...c.pathRows].map(([table, rows]) => ({ table, rows: [...rows] })),
      alertKeys: c.alertRows.length === 0 ? [] : [...new Set(c.alertRows.map((r) => alertKeys[r] ?? ''))],
      suspicion,
    });
  }
  await coop.checkpoint();

  const funnel: FunnelStageView[] = result.funnel.map((f) => ({
    nodeId: f.nodeId,
    stage: f.stage,
    kind: f.kind,
    suppressed: f.suppressed,
    byDevice: [...f.byGroup].sort((a, b) => b[1] - a[1]),
    byPredicate: [...f.byPredicate].sort((a, b) => b[1] - a[1]),
    boot: f === bootStage,
  }));

  await coop.checkpoint();
  const booted = await devicesWithBoot(p, coop);
  const perDevice = new Map<string, { candidates: number; alerts: number; bootDropped: number }>();
  for (let i = 0; i < candidates.length; i++) {
    if (i % (CHECK_EVERY * 16) === 0) await coop.checkpoint();
    const c = candidates[i]!;
    const d = perDevice.get(c.device) ?? { candidates: 0, alerts: 0, bootDropped: 0 };
    d.candidates++;
    if (c.state === 'alert') d.alerts++;
    if (bootStage && c.failure?.nodeId === bootStage.nodeId) d.bootDropped++;
    perDevice.set(c.device, d);
  }
  const devices: DeviceFunnel[] = [...perDevice]
    .map(([device, d]) => ({ device, ...d, suppressed: d.candidates - d.alerts, noBoot: !booted.has(device) }))
    .sort((a, b) => b.candidates - a.candidates || a.device.localeCompare(b.device));

  await coop.checkpoint();
  const impact = await allowImpact(candidates, ctx.allowList, p, coop);
  await coop.checkpoint();
  const near = await nearMissesCooperative(candidates, coop);
  await coop.checkpoint();
  return {
    tuning: ctx.tuning,
    query: ctx.query,
    spines: result.spines,
    candidates,
    funnel,
    devices,
    allowImpact: impact,
    alertKeys,
    nearMisses: near,
    window: readWindow(ctx.query),
    elapsedMs: ctx.elapsedMs,
  };
}
