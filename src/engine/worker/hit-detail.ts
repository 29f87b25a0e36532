/**
 * One alert, opened: its provenance rows as timeline events, the process tree around it, and why
 * it fired. Pure over the last result and the loaded tables.
 */
import type { QueryResult } from '../run';
import type { Table } from '../table/table';
import { floorTicks, formatDateTime, TICKS_PER_SECOND } from '../time/ticks';
import { alertRows, type AlertRows } from './alert-provenance';
import { processTree } from './process-tree';
import type { HitDetail, TimedEvent, UnknownBoot } from './protocol';
import { numberAt, stringAt, ticksAt, ticksToMs, timedEvent } from './row-record';
import { diffSeconds, whyItFired } from './why-it-fired';

export interface HitContext {
  readonly allowList: readonly string[];
  readonly childExclusions: readonly string[];
  readonly unknownBoot: UnknownBoot;
  /** The rule's window in seconds (`between (lo .. hi)`) as tuned; absent: 0 .. 2 as shipped. */
  readonly window?: { readonly lo: number; readonly hi: number } | null;
  /** Seconds added to LastBootTime in the boot filter as tuned; absent: 300 as shipped. */
  readonly bootGraceSeconds?: number | null;
}

function events(
  t: Table | undefined,
  rows: readonly number[],
  label: (r: number) => string,
  detail: (r: number) => string,
) {
  if (!t) return [];
  return rows.map((r) => timedEvent(t, r, label(r), detail(r))).filter((e): e is TimedEvent => e !== null);
}

export function hitDetail(
  result: Pick<QueryResult, 'lineage' | 'table'>,
  tables: ReadonlyMap<string, Table>,
  row: number,
  key: string,
  ctx: HitContext,
): HitDetail {
  if (row < 0 || row >= result.table.rowCount) throw new RangeError(`no alert row ${row}`);
  const lastBoot = ticksAt(result.table, 'LastBootTime', row);
  const rows = alertRows(result, row, tables, lastBoot);
  return detailFromRows(tables, rows, lastBoot, row, key, ctx);
}

/** The detail view of a set of rows by role (an alert's, or a suppressed candidate's path). */
export function detailFromRows(
  tables: ReadonlyMap<string, Table>,
  rows: AlertRows,
  lastBoot: bigint | null,
  row: number,
  key: string,
  ctx: HitContext,
): HitDetail {
  const n = tables.get('DeviceNetworkEvents');
  const p = tables.get('DeviceProcessEvents');
  const rpc =
    events(
      n,
      rows.rpc,
      (r) => `RPC ${stringAt(n!, 'RemoteIP', r)} → ${stringAt(n!, 'LocalIP', r)}:${numberAt(n!, 'LocalPort', r) ?? ''}`,
      (r) =>
        `${stringAt(n!, 'ActionType', r)} · ${stringAt(n!, 'InitiatingProcessFileName', r)} ${stringAt(n!, 'InitiatingProcessCommandLine', r)}`,
    )[0] ?? null;
  const proc = (r: number): string => `${stringAt(p!, 'FileName', r)} (PID ${numberAt(p!, 'ProcessId', r) ?? '?'})`;
  const cmd = (r: number): string => stringAt(p!, 'ProcessCommandLine', r);
  const dcom = events(p, rows.dcom, proc, cmd);
  const children = events(p, rows.children, proc, cmd);
  const boot =
    rows.boot === null ? null : (events(p, [rows.boot], () => 'services.exe start (last boot)', cmd)[0] ?? null);
  const netTicks = n && rows.rpc[0] !== undefined ? ticksAt(n, 'Timestamp', rows.rpc[0]) : null;
  const procTicks = p && rows.dcom[0] !== undefined ? ticksAt(p, 'Timestamp', rows.dcom[0]) : null;
  let window: HitDetail['window'] = null;
  if (netTicks !== null) {
    const w = ctx.window ?? { lo: 0, hi: 2 };
    const floor = floorTicks(netTicks, TICKS_PER_SECOND);
    const from = floor + BigInt(w.lo) * TICKS_PER_SECOND;
    const to = floor + BigInt(w.hi + 1) * TICKS_PER_SECOND;
    window = {
      lo: w.lo,
      hi: w.hi,
      fromMs: ticksToMs(from),
      toMs: ticksToMs(to),
      fromIso: formatDateTime(from),
      toIso: formatDateTime(to),
    };
  }
  return {
    row,
    key,
    deviceName:
      n && rows.rpc[0] !== undefined
        ? stringAt(n, 'DeviceName', rows.rpc[0])
        : p && rows.dcom[0] !== undefined
          ? stringAt(p, 'DeviceName', rows.dcom[0])
          : '',
    rpc,
    dcom,
    children,
    boot,
    diffSeconds: netTicks !== null && procTicks !== null ? diffSeconds(procTicks, netTicks) : null,
    window,
    tree: p ? processTree(p, rows) : [],
    why: whyItFired({ tables, rows, lastBoot, ...ctx }),
  };
}
