/**
 * The base rows behind one alert, by role. Provenance (`traceRow`) names rows per scan; the roles
 * are read off the rows themselves (the rule's own predicates), so the result is the same whether
 * the plan ran optimised or as written.
 */
import { traceRow } from '../execute/lineage';
import type { QueryResult } from '../run';
import type { Table } from '../table/table';
import { eqFold, hasTerm, stringAt, ticksAt } from './row-record';

export interface AlertRows {
  /** DeviceNetworkEvents rows (one per alert: its exact time is a summarize key). */
  readonly rpc: readonly number[];
  /** DeviceProcessEvents rows started by svchost DcomLaunch: the DCOM server start. */
  readonly dcom: readonly number[];
  /** The services.exe row whose time is the device's LastBootTime, if any. */
  readonly boot: number | null;
  /** DeviceProcessEvents rows of the children the alert's set is made of. */
  readonly children: readonly number[];
}

export function alertRows(
  result: Pick<QueryResult, 'lineage' | 'table'>,
  row: number,
  tables: ReadonlyMap<string, Table>,
  lastBootTicks: bigint | null,
): AlertRows {
  const traced = traceRow(result.lineage, row);
  const rpc = new Set<number>();
  const proc = new Set<number>();
  for (const [source, rows] of traced) {
    const into = source.table === 'DeviceNetworkEvents' ? rpc : source.table === 'DeviceProcessEvents' ? proc : null;
    for (const r of rows) into?.add(r);
  }
  const p = tables.get('DeviceProcessEvents');
  const dcom: number[] = [];
  const children: number[] = [];
  const boots: number[] = [];
  if (p) {
    for (const r of [...proc].sort((a, b) => a - b)) {
      const initiating = stringAt(p, 'InitiatingProcessFileName', r);
      if (eqFold(stringAt(p, 'FileName', r), 'services.exe')) boots.push(r);
      else if (
        eqFold(initiating, 'svchost.exe') &&
        hasTerm(stringAt(p, 'InitiatingProcessCommandLine', r), 'dcomlaunch')
      )
        dcom.push(r);
      else children.push(r);
    }
  }
  // The boot summarize traces to every services.exe row of the device; LastBootTime is the max.
  const boot =
    p && lastBootTicks !== null ? (boots.find((r) => ticksAt(p, 'Timestamp', r) === lastBootTicks) ?? null) : null;
  const byTime = (t: Table | undefined) => (a: number, b: number) => {
    const ta = t ? ticksAt(t, 'Timestamp', a) : null;
    const tb = t ? ticksAt(t, 'Timestamp', b) : null;
    return ta === null || tb === null ? a - b : ta < tb ? -1 : ta > tb ? 1 : a - b;
  };
  return {
    rpc: [...rpc].sort(byTime(tables.get('DeviceNetworkEvents'))),
    dcom: dcom.sort(byTime(p)),
    boot,
    children: children.sort(byTime(p)),
  };
}
