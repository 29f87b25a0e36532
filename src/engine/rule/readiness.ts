/**
 * What the loaded data lets the DCOM rule see, said before anyone wonders why it is silent: the
 * tables it reads, how many spine events there are (rpcss accepts on 135, DcomLaunch starts), and
 * the devices without a `services.exe` start, where the boot filter (a comparison with a null
 * LastBootTime, kql-semantics §7) drops every candidate unless unknown boot times are kept.
 */
import { foldCase, hasTerm } from '../functions/fold';
import { getValue, type Column } from '../table/column';
import type { Table } from '../table/table';

/** One thing the loaded data means for the rule, with what it is about (for per-file display). */
export interface ReadinessNote {
  readonly text: string;
  /** `warn`: a stage cannot run, or drops everything, with this data. */
  readonly level: 'info' | 'warn';
  /** The table it is about (a missing table: every file is concerned). */
  readonly table: 'DeviceNetworkEvents' | 'DeviceProcessEvents' | null;
  /** The DeviceId it is about, or null for the whole table. */
  readonly deviceId: string | null;
}

export interface Readiness {
  /** The CLI's lines (the rule's knob names as command-line options). */
  readonly lines: readonly string[];
  /** The same findings for the browser's ingest report, in words without CLI options. */
  readonly notes: readonly ReadinessNote[];
  /** Devices with spine events but no boot in the data, with their DcomLaunch start counts. */
  readonly unbooted: readonly { readonly device: string; readonly dcomStarts: number }[];
}

function col(t: Table | undefined, name: string): Column | undefined {
  const i = t ? t.schema.findIndex((c) => c.name === name) : -1;
  return i >= 0 ? t!.columns[i] : undefined;
}

const SVCHOST = foldCase('svchost.exe');

/** A per-row test on a string column, evaluated once per distinct value (dictionary codes). */
function stringTest(c: Column | undefined, test: (s: string) => boolean): (row: number) => boolean {
  if (!c) return () => false;
  if (c.type !== 'string') return (row) => test(String(getValue(c, row) ?? ''));
  const memo = new Int8Array(c.dict.length).fill(-1);
  return (row) => {
    const code = c.codes[row]!;
    if (memo[code]! < 0) memo[code] = test(c.dict[code]!) ? 1 : 0;
    return memo[code] === 1;
  };
}

export function ruleReadiness(tables: ReadonlyMap<string, Table>): Readiness {
  const lines: string[] = [];
  const notes: ReadinessNote[] = [];
  const note = (
    text: string,
    level: ReadinessNote['level'],
    table: ReadinessNote['table'],
    deviceId: string | null = null,
  ): void => void notes.push({ text, level, table, deviceId });
  const net = tables.get('DeviceNetworkEvents');
  const proc = tables.get('DeviceProcessEvents');
  if (!net) {
    lines.push('no DeviceNetworkEvents loaded: the rule cannot see an inbound RPC connection');
    note('no DeviceNetworkEvents loaded: the RPC stage cannot run, so the rule can find nothing', 'warn', null);
  }
  if (!proc) {
    lines.push('no DeviceProcessEvents loaded: the rule cannot see DCOM server or child starts');
    note(
      'no DeviceProcessEvents loaded: the DcomLaunch, child-process and boot stages cannot run, so the rule can find nothing',
      'warn',
      null,
    );
  }
  let rpc = 0;
  if (net) {
    const f = col(net, 'InitiatingProcessFileName');
    const c = col(net, 'InitiatingProcessCommandLine');
    const p = col(net, 'LocalPort');
    for (let i = 0; f && c && p && i < net.rowCount; i++) {
      if (
        getValue(p, i) === 135 &&
        foldCase(String(getValue(f, i))) === SVCHOST &&
        hasTerm(String(getValue(c, i)), 'rpcss')
      )
        rpc++;
    }
    lines.push(`${rpc} inbound RPC events on TCP 135 accepted by svchost RpcSs`);
    if (rpc > 0)
      note(`RPC stage: ${rpc} inbound connections on TCP 135 accepted by svchost RpcSs`, 'info', 'DeviceNetworkEvents');
    else
      note(
        'no inbound connection on TCP 135 accepted by svchost RpcSs: the RPC stage finds nothing, so the rule can find nothing',
        'warn',
        'DeviceNetworkEvents',
      );
  }
  const unbooted: { device: string; dcomStarts: number }[] = [];
  if (proc) {
    // DeviceId is always decoded (the rule joins on it); DeviceName only names it when present.
    const dev = col(proc, 'DeviceId');
    const names = new Map<string, string>();
    for (const t of [proc, net]) {
      const id = col(t, 'DeviceId');
      const name = col(t, 'DeviceName');
      for (let i = 0; id && name && i < t!.rowCount; i++)
        if (!names.has(String(getValue(id, i)))) names.set(String(getValue(id, i)), String(getValue(name, i)));
    }
    const isBoot = stringTest(col(proc, 'FileName'), (s) => foldCase(s) === foldCase('services.exe'));
    const bySvchost = stringTest(col(proc, 'InitiatingProcessFileName'), (s) => foldCase(s) === SVCHOST);
    const isDcomLaunch = stringTest(col(proc, 'InitiatingProcessCommandLine'), (s) => hasTerm(s, 'dcomlaunch'));
    const booted = new Set<string>();
    const starts = new Map<string, number>();
    for (let i = 0; dev && i < proc.rowCount; i++) {
      const d = String(getValue(dev, i));
      if (isBoot(i)) booted.add(d);
      if (bySvchost(i) && isDcomLaunch(i)) starts.set(d, (starts.get(d) ?? 0) + 1);
    }
    const total = [...starts.values()].reduce((a, b) => a + b, 0);
    lines.push(`${total} process starts by svchost DcomLaunch on ${starts.size} devices`);
    if (total > 0)
      note(
        `DCOM stage: ${total} process starts by svchost DcomLaunch on ${starts.size} devices`,
        'info',
        'DeviceProcessEvents',
      );
    else
      note(
        'no process started by svchost DcomLaunch: the DCOM stage finds nothing, so the rule can find nothing',
        'warn',
        'DeviceProcessEvents',
      );
    for (const [device, n] of [...starts].sort((a, b) => b[1] - a[1])) {
      if (booted.has(device)) continue;
      const name = names.get(device) || device || '(no device id)';
      unbooted.push({ device: name, dcomStarts: n });
      lines.push(
        `no boot seen on ${name}: its ${n} DcomLaunch starts are all dropped by the boot filter (use --unknown-boot keep)`,
      );
      note(
        `no services.exe start found: every candidate on ${name} (${n} DcomLaunch starts) is dropped by the boot filter, unless unknown boot times are kept`,
        'warn',
        'DeviceProcessEvents',
        device,
      );
    }
  }
  return { lines, notes, unbooted };
}
