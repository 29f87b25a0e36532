import { TICKS_PER_SECOND } from '../../time/ticks';
import { countValue, type BundleStats, type EventBundle, type WorkRow } from './event-bundle';
import type { NetEvent } from './normalised-event';

/**
 * Host names as one device each: a bare `WORKSTATION6` becomes `WORKSTATION6.theshire.local`
 * when exactly one FQDN in the load starts with that label (OTRF mixes both, README "Format").
 * Returns raw name -> DeviceName.
 */
export function canonicalHosts(names: Iterable<string>): Map<string, string> {
  const all = [...new Set(names)];
  const fqdnByLabel = new Map<string, string | null>();
  for (const n of all) {
    if (!n.includes('.')) continue;
    const label = n.slice(0, n.indexOf('.')).toLowerCase();
    const prev = fqdnByLabel.get(label);
    if (prev === undefined) fqdnByLabel.set(label, n);
    else if (prev !== null && prev.toLowerCase() !== n.toLowerCase()) fqdnByLabel.set(label, null);
  }
  const out = new Map<string, string>();
  for (const n of all) {
    const full = n.includes('.') ? null : fqdnByLabel.get(n.toLowerCase());
    out.set(n, full ?? n);
  }
  return out;
}

/** First DNS label, lower case: compares `IEWIN7` with `iewin7.local` and Sysmon host names. */
export function hostLabel(name: string): string {
  const i = name.indexOf('.');
  return (i < 0 ? name : name.slice(0, i)).toLowerCase();
}

export interface HostOffset {
  /** Local minus UTC, seconds (OTRF: -14400 for EDT). */
  readonly seconds: number;
  readonly how: string;
}

function mode(samples: ReadonlyMap<number, number> | undefined): { value: number; n: number } | null {
  if (samples === undefined) return null;
  let best: { value: number; n: number } | null = null;
  for (const [value, n] of samples) if (best === null || n > best.n) best = { value, n };
  return best;
}

function mergeSamples(
  bundles: readonly EventBundle[],
  pick: (b: EventBundle) => ReadonlyMap<string, ReadonlyMap<number, number>>,
  deviceOf: (raw: string) => string,
): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  const all = new Map<number, number>();
  for (const b of bundles) {
    for (const [raw, samples] of pick(b)) {
      const key = deviceOf(raw);
      let m = out.get(key);
      if (m === undefined) out.set(key, (m = new Map()));
      for (const [v, n] of samples) {
        m.set(v, (m.get(v) ?? 0) + n);
        all.set(v, (all.get(v) ?? 0) + n);
      }
    }
  }
  out.set('', all);
  return out;
}

function formatOffset(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const a = Math.abs(seconds);
  return `UTC${sign}${String(Math.floor(a / 3600)).padStart(2, '0')}:${String(Math.floor((a % 3600) / 60)).padStart(2, '0')}`;
}

/**
 * The UTC offset of NXLog's local `EventTime` per device (OTRF README "Three different clocks"):
 * from Sysmon UtcTime on the same device, else on any device of the load, else from
 * EventReceivedTime vs @timestamp. null = nothing to learn from (times are then taken as UTC and
 * marked inferred).
 */
export function learnOffsets(
  bundles: readonly EventBundle[],
  deviceOf: (raw: string) => string,
): (device: string) => HostOffset | null {
  const utc = mergeSamples(bundles, (b) => b.utcOffsetSamples, deviceOf);
  const recv = mergeSamples(bundles, (b) => b.receivedOffsetSamples, deviceOf);
  return (device) => {
    const own = mode(utc.get(device));
    if (own !== null)
      return {
        seconds: own.value,
        how: `${formatOffset(own.value)}, from ${own.n} Sysmon UtcTime value(s) of the same device`,
      };
    const any = mode(utc.get(''));
    if (any !== null)
      return {
        seconds: any.value,
        how: `${formatOffset(any.value)}, from ${any.n} Sysmon UtcTime value(s) of other devices in the load`,
      };
    const r = mode(recv.get(device)) ?? mode(recv.get(''));
    if (r !== null)
      return {
        seconds: r.value,
        how: `${formatOffset(r.value)}, from EventReceivedTime vs @timestamp of ${r.n} record(s)`,
      };
    return null;
  };
}

/** Rounds local-minus-UTC seconds to the 15-minute grid every real UTC offset sits on. */
export function roundOffset(seconds: number): number {
  return Math.round(seconds / 900) * 900;
}

export function ticksOfSeconds(s: number): bigint {
  return BigInt(s) * TICKS_PER_SECOND;
}

const UNSPECIFIED = new Set(['', '0.0.0.0', '::', '-']);

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

/**
 * The device's own IP addresses, learnt from the data (schemas.md §7a): the Source of outbound
 * Sysmon EID 3 and 5156 (both put the local end in Source for outbound), and a Sysmon end whose
 * host name is the device's.
 */
export function learnHostIps(rows: readonly WorkRow[], deviceKey: (r: WorkRow) => string): Map<string, Set<string>> {
  const ips = new Map<string, Set<string>>();
  const add = (key: string, ip: string): void => {
    if (UNSPECIFIED.has(ip)) return;
    let s = ips.get(key);
    if (s === undefined) ips.set(key, (s = new Set()));
    s.add(ip);
  };
  for (const r of rows) {
    const e = r.event as NetEvent;
    const key = deviceKey(r);
    if (e.inbound === false) add(key, e.srcIp);
    const label = hostLabel(key);
    if (e.srcHostname !== '' && hostLabel(e.srcHostname) === label) add(key, e.srcIp);
    if (e.dstHostname !== '' && hostLabel(e.dstHostname) === label) add(key, e.dstIp);
  }
  return ips;
}

type Side = 'src' | 'dst';

function decideByEvidence(e: NetEvent, own: Set<string> | undefined, label: string): Side | null {
  const srcNamed = e.srcHostname !== '' && hostLabel(e.srcHostname) === label;
  const dstNamed = e.dstHostname !== '' && hostLabel(e.dstHostname) === label;
  if (srcNamed !== dstNamed) return srcNamed ? 'src' : 'dst';
  const s = isLoopback(e.srcIp) || (own?.has(e.srcIp) ?? false);
  const d = isLoopback(e.dstIp) || (own?.has(e.dstIp) ?? false);
  if (s !== d) return s ? 'src' : 'dst';
  return null;
}

const SIDE_COLUMNS = ['LocalIP', 'LocalPort', 'RemoteIP', 'RemotePort'];

/**
 * Sets ActionType and the local / remote columns of network rows. Outbound and listen rows have
 * the local end in Source. For inbound rows the local end is the one with the device's own IP or
 * host name: Sysmon 11+ and the recorded 5156 put it in Destination, old Sysmon in Source
 * (schemas.md §4, §6). When the addresses cannot tell (both or neither are the device's), the
 * orientation of the device's other inbound rows of the same source is used, else Destination;
 * both are marked inferred.
 */
export function assignSides(
  rows: readonly WorkRow[],
  deviceKey: (r: WorkRow) => string,
  ips: Map<string, Set<string>>,
  stats: readonly BundleStats[],
): void {
  const decided = new Map<WorkRow, Side>();
  const votes = new Map<string, { src: number; dst: number }>();
  for (const r of rows) {
    const e = r.event as NetEvent;
    if (e.inbound !== true) continue;
    const key = deviceKey(r);
    const side = decideByEvidence(e, ips.get(key), hostLabel(key));
    if (side === null) continue;
    decided.set(r, side);
    const vk = `${key}|${e.kind}`;
    const v = votes.get(vk) ?? { src: 0, dst: 0 };
    v[side]++;
    votes.set(vk, v);
  }
  for (const r of rows) {
    const e = r.event as NetEvent;
    let side: Side = 'src';
    if (e.inbound === true) {
      const known = decided.get(r);
      if (known !== undefined) side = known;
      else {
        const v = votes.get(`${deviceKey(r)}|${e.kind}`);
        const what = e.kind === 'sysmon-3' ? 'Sysmon 3' : 'Security 5156';
        let why: string;
        if (v !== undefined && v.src !== v.dst) {
          side = v.src > v.dst ? 'src' : 'dst';
          why = `inbound ${what} whose addresses are both or neither the device's: the local end taken from the device's other inbound ${what} rows`;
        } else {
          side = 'dst';
          why = `inbound ${what} whose addresses are both or neither the device's: Destination taken as the local end (Sysmon 11+ / recorded 5156 order, schemas.md §4/§6)`;
        }
        for (const c of SIDE_COLUMNS) {
          r.inferred.add(c);
          countValue(stats, 'inferred', r, c, why);
        }
      }
    }
    const local = side === 'src';
    r.cells.LocalIP = local ? e.srcIp : e.dstIp;
    r.cells.LocalPort = local ? e.srcPort : e.dstPort;
    r.cells.RemoteIP = e.inbound === null ? '' : local ? e.dstIp : e.srcIp;
    r.cells.RemotePort = e.inbound === null ? null : local ? e.dstPort : e.srcPort;
    r.cells.RemoteUrl = e.inbound === null ? '' : local ? e.dstHostname : e.srcHostname;
    r.cells.ActionType =
      e.inbound === null ? 'ListeningConnectionCreated' : e.inbound ? 'InboundConnectionAccepted' : 'ConnectionSuccess';
  }
}
