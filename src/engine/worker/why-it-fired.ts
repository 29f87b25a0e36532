/**
 * "Why it fired": each stage of the DCOM rule with the value this alert's rows showed it. Computed
 * from the alert's provenance rows, re-checking each predicate in plain code so the view can show
 * the values side by side with the rule text. One module on purpose: the generic engine explain
 * mode (src/engine/explain/) is meant to replace it behind the same `WhyStage[]` shape.
 */
import type { Table } from '../table/table';
import { formatTimespanLiteral } from '../rule/knobs';
import { floorTicks, formatDateTime, formatTimespan, TICKS_PER_SECOND } from '../time/ticks';
import type { AlertRows } from './alert-provenance';
import type { UnknownBoot, WhyCheck, WhyStage } from './protocol';
import { eqFold, hasTerm, numberAt, stringAt, ticksAt } from './row-record';

export interface WhyInput {
  readonly tables: ReadonlyMap<string, Table>;
  readonly rows: AlertRows;
  readonly lastBoot: bigint | null;
  readonly allowList: readonly string[];
  readonly childExclusions: readonly string[];
  readonly unknownBoot: UnknownBoot;
  /** The window as tuned (seconds); absent: 0 .. 2. */
  readonly window?: { readonly lo: number; readonly hi: number } | null;
  /** The boot grace as tuned (seconds); absent: 300 (`5m`). */
  readonly bootGraceSeconds?: number | null;
}

const q = (s: string): string => JSON.stringify(s);

/** `datetime_diff("second", a, b)`: second boundaries crossed from b to a (floors, not the gap). */
export function diffSeconds(a: bigint, b: bigint): number {
  return Number((floorTicks(a, TICKS_PER_SECOND) - floorTicks(b, TICKS_PER_SECOND)) / TICKS_PER_SECOND);
}

/** A signed gap in seconds with 7 decimals trimmed to what is needed: `+0.4 s`, `-0.8 s`. */
export function gapText(ticks: bigint): string {
  const sign = ticks < 0n ? '-' : '+';
  const abs = ticks < 0n ? -ticks : ticks;
  const whole = abs / TICKS_PER_SECOND;
  const frac = (abs % TICKS_PER_SECOND).toString().padStart(7, '0').replace(/0+$/, '');
  return `${sign}${whole}${frac ? `.${frac}` : '.0'} s`;
}

function rpcStage(n: Table, r: number): WhyStage {
  const file = stringAt(n, 'InitiatingProcessFileName', r);
  const cmd = stringAt(n, 'InitiatingProcessCommandLine', r);
  const port = numberAt(n, 'LocalPort', r);
  const local = stringAt(n, 'LocalIP', r);
  const remote = stringAt(n, 'RemoteIP', r);
  const action = stringAt(n, 'ActionType', r);
  return {
    stage: 'Inbound RPC to RpcSs (rpcNetwEvents)',
    checks: [
      { predicate: 'InitiatingProcessFileName =~ "svchost.exe"', value: q(file), pass: eqFold(file, 'svchost.exe') },
      { predicate: 'InitiatingProcessCommandLine has "rpcss"', value: q(cmd), pass: hasTerm(cmd, 'rpcss') },
      { predicate: 'LocalPort == 135', value: port === null ? 'null' : String(port), pass: port === 135 },
      { predicate: 'LocalIP !~ RemoteIP', value: `${local} vs ${remote}`, pass: !eqFold(local, remote) },
      {
        predicate: 'ActionType != "ListeningConnectionCreated"',
        value: q(action),
        pass: action !== 'ListeningConnectionCreated',
      },
    ],
  };
}

function dcomStage(p: Table, r: number): WhyStage {
  const file = stringAt(p, 'InitiatingProcessFileName', r);
  const cmd = stringAt(p, 'InitiatingProcessCommandLine', r);
  return {
    stage: `DCOM server started by DcomLaunch (dcomProcEvents): ${stringAt(p, 'FileName', r)}`,
    checks: [
      { predicate: 'InitiatingProcessFileName =~ "svchost.exe"', value: q(file), pass: eqFold(file, 'svchost.exe') },
      { predicate: 'InitiatingProcessCommandLine has "dcomlaunch"', value: q(cmd), pass: hasTerm(cmd, 'dcomlaunch') },
    ],
  };
}

function windowChecks(net: bigint, proc: bigint, w: { readonly lo: number; readonly hi: number }): WhyCheck[] {
  const d = diffSeconds(proc, net);
  const floor = floorTicks(net, TICKS_PER_SECOND);
  const from = floor + BigInt(w.lo) * TICKS_PER_SECOND;
  const to = floor + BigInt(w.hi + 1) * TICKS_PER_SECOND;
  const within = d >= w.lo && d <= w.hi;
  return [
    {
      predicate: `datetime_diff("second", TimestampProcEventExact, TimestampNetwEventExact) between (${w.lo} .. ${w.hi})`,
      value: `datetime_diff = ${d} s ${within ? 'within' : 'outside'} ${w.lo}..${w.hi} (exact gap ${gapText(proc - net)})`,
      pass: within,
    },
    {
      predicate: `accepted DCOM start times: [floor(net, 1 s) ${w.lo < 0 ? '-' : '+'} ${Math.abs(w.lo)} s, floor + ${w.hi + 1} s)`,
      value: `${formatDateTime(from)} ≤ ${formatDateTime(proc)} < ${formatDateTime(to)}`,
      pass: proc >= from && proc < to,
    },
  ];
}

/** `5 min`, `90 s`, `1 h`: a grace in words. */
function graceText(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function bootCheck(proc: bigint, lastBoot: bigint | null, mode: UnknownBoot, graceSeconds: number): WhyCheck {
  const bin = floorTicks(proc, 5n * TICKS_PER_SECOND);
  const grace = Number.isInteger(graceSeconds) ? formatTimespanLiteral(graceSeconds) : `${graceSeconds}s`;
  const filter = `TimestampProcEvent > LastBootTime+${grace}`;
  if (lastBoot === null) {
    return {
      predicate: mode === 'keep' ? `isnull(LastBootTime) or ${filter}` : filter,
      value: `no services.exe start on the device: LastBootTime is null (${mode === 'keep' ? 'kept by the knob' : 'dropped as written'})`,
      pass: mode === 'keep',
    };
  }
  const edge = lastBoot + BigInt(Math.round(graceSeconds * 1e7));
  return {
    predicate: `${filter}   (TimestampProcEvent = bin(Timestamp, 5s))`,
    value: `boot ${formatDateTime(lastBoot)} + ${graceText(graceSeconds)} = ${formatDateTime(edge)} < bin(proc, 5s) ${formatDateTime(bin)} (margin ${formatTimespan(bin - edge)})`,
    pass: bin > edge,
  };
}

/** The stages this alert passed, with values; a failing check means the re-check disagrees. */
export function whyItFired(input: WhyInput): WhyStage[] {
  const { tables, rows } = input;
  const n = tables.get('DeviceNetworkEvents');
  const p = tables.get('DeviceProcessEvents');
  if (!n || !p) return [];
  const stages: WhyStage[] = [];
  const rpcRow = rows.rpc[0];
  const dcomRow = rows.dcom[0];
  if (rpcRow !== undefined) stages.push(rpcStage(n, rpcRow));
  if (dcomRow !== undefined) stages.push(dcomStage(p, dcomRow));
  if (rpcRow === undefined || dcomRow === undefined) return stages;
  const net = ticksAt(n, 'Timestamp', rpcRow);
  const proc = ticksAt(p, 'Timestamp', dcomRow);
  const device = stringAt(n, 'DeviceId', rpcRow);
  const join: WhyCheck = {
    predicate: 'rpcNetwEvents join kind=inner dcomProcEvents on DeviceId',
    value: `${stringAt(n, 'DeviceName', rpcRow)} (${device})`,
    pass: device === stringAt(p, 'DeviceId', dcomRow),
  };
  if (net !== null && proc !== null) {
    stages.push({
      stage: 'Same device, within the window (RemoteDcomProcs)',
      checks: [join, ...windowChecks(net, proc, input.window ?? { lo: 0, hi: 2 })],
    });
    stages.push({
      stage: `Not in the first ${graceText(input.bootGraceSeconds ?? 300)} after boot`,
      checks: [bootCheck(proc, input.lastBoot, input.unknownBoot, input.bootGraceSeconds ?? 300)],
    });
  }
  const server = stringAt(p, 'FileName', dcomRow);
  const listed = input.allowList.find((e) => eqFold(e, server));
  stages.push({
    stage: 'DCOM server not allow-listed',
    checks: [
      {
        predicate: 'DCOMFileName !in~ (allowListedExecs)',
        value: listed
          ? `${q(server)} matches ${q(listed)}`
          : `${q(server)} is not among the ${input.allowList.length} entries`,
        pass: listed === undefined,
      },
    ],
  });
  const serverPid = numberAt(p, 'ProcessId', dcomRow);
  const hostPid = numberAt(p, 'InitiatingProcessId', dcomRow);
  for (const c of rows.children) {
    const file = stringAt(p, 'FileName', c);
    const excluded = input.childExclusions.find((e) => eqFold(e, file));
    const parentPid = numberAt(p, 'InitiatingProcessParentId', c);
    const pid = numberAt(p, 'InitiatingProcessId', c);
    const t = ticksAt(p, 'Timestamp', c);
    stages.push({
      stage: `Child ${file}${t !== null && proc !== null ? ` (${gapText(t - proc)} after the DCOM start)` : ''}`,
      checks: [
        {
          predicate:
            '$left.DCOMHostPID == $right.InitiatingProcessParentId, DeviceId, $left.DCOMPID == $right.InitiatingProcessId',
          value: `host PID ${hostPid ?? 'null'} = ${parentPid ?? 'null'}, server PID ${serverPid ?? 'null'} = ${pid ?? 'null'}`,
          pass: hostPid === parentPid && serverPid === pid && stringAt(p, 'DeviceId', c) === device,
        },
        {
          predicate: 'InitiatingProcessParentFileName =~ "svchost.exe" and InitiatingProcessFileName =~ DCOMFileName',
          value: `${q(stringAt(p, 'InitiatingProcessParentFileName', c))}, ${q(stringAt(p, 'InitiatingProcessFileName', c))} vs ${q(server)}`,
          pass:
            eqFold(stringAt(p, 'InitiatingProcessParentFileName', c), 'svchost.exe') &&
            eqFold(stringAt(p, 'InitiatingProcessFileName', c), server),
        },
        {
          predicate: `FileName !in~ (${input.childExclusions.map(q).join(', ')})`,
          value: excluded ? `${q(file)} is excluded` : `${q(file)} is not excluded`,
          pass: excluded === undefined,
        },
      ],
    });
  }
  return stages;
}
