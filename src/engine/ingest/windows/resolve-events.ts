import { BundleStats, countValue, type EventBundle, type WorkRow } from './event-bundle';
import { enrichRows, mergeNetworkEvents, mergeProcessEvents } from './link-processes';
import type { Cell } from './normalised-event';
import { assignSides, canonicalHosts, learnHostIps, learnOffsets, ticksOfSeconds } from './resolve-hosts';

export interface ResolvedBundle {
  readonly bundle: EventBundle;
  /** Rows kept (not folded into another row), in file order. */
  readonly proc: readonly WorkRow[];
  readonly net: readonly WorkRow[];
  readonly stats: BundleStats;
}

/**
 * Resolves the events of one or more files together: device names, event times (NXLog local
 * times with the learnt offset), local / remote sides, 4688 -> Sysmon 1 and 5156 -> Sysmon 3
 * merges, then enrichment and inference. Pure: the bundles are not changed, so a load can be
 * resolved again with more files (`enrichAcrossFiles`).
 */
export function resolveBundles(bundles: readonly EventBundle[]): ResolvedBundle[] {
  const stats = bundles.map(() => new BundleStats());
  const names: string[] = [];
  for (const b of bundles) {
    for (const e of b.proc) names.push(e.host);
    for (const e of b.net) names.push(e.host);
  }
  const canon = canonicalHosts(names);
  const deviceName = (raw: string): string => canon.get(raw) ?? raw;
  // DeviceId does not exist in Windows events: the lower-case FQDN stands in for it (schemas.md §7a).
  const deviceOf = (raw: string): string => deviceName(raw).toLowerCase();
  const offsets = learnOffsets(bundles, deviceOf);
  const offsetCache = new Map<string, ReturnType<typeof offsets>>();
  const offsetOf = (device: string): ReturnType<typeof offsets> => {
    if (!offsetCache.has(device)) offsetCache.set(device, offsets(device));
    return offsetCache.get(device) ?? null;
  };
  const usedOffsets = bundles.map(() => new Map<string, string>());
  const assumedUtc = bundles.map(() => new Set<string>());

  const makeRow = (bundle: number, event: WorkRow['event']): WorkRow => {
    const device = deviceOf(event.host);
    let time = event.timeUtc;
    let assumed = false;
    if (time === null && event.timeLocal !== null) {
      const off = offsetOf(device);
      if (off === null) {
        time = event.timeLocal;
        assumed = true;
        assumedUtc[bundle]!.add(deviceName(event.host));
      } else {
        time = event.timeLocal - ticksOfSeconds(off.seconds);
        usedOffsets[bundle]!.set(deviceName(event.host), off.how);
      }
    }
    const cells: Record<string, Cell> = { ...event.cells, DeviceName: deviceName(event.host), DeviceId: device };
    const row: WorkRow = {
      bundle,
      event,
      time,
      cells,
      inferred: new Set<string>(),
      mergedInto: null,
      wholeSeconds: event.timeUtc === null,
    };
    if (assumed) {
      row.inferred.add('Timestamp');
      countValue(
        stats,
        'inferred',
        row,
        'Timestamp',
        'NXLog EventTime is local time without an offset and no offset could be learnt from the data: taken as UTC',
      );
    }
    return row;
  };

  const proc: WorkRow[] = [];
  const net: WorkRow[] = [];
  bundles.forEach((b, i) => {
    for (const e of b.proc) proc.push(makeRow(i, e));
    for (const e of b.net) net.push(makeRow(i, e));
  });
  const deviceKey = (r: WorkRow): string => r.cells.DeviceId as string;

  const ips = learnHostIps(net, deviceKey);
  assignSides(net, deviceKey, ips, stats);
  mergeProcessEvents(proc, deviceKey, stats);
  mergeNetworkEvents(net, deviceKey, stats);
  const keptProc = proc.filter((r) => r.mergedInto === null);
  const keptNet = net.filter((r) => r.mergedInto === null);
  enrichRows(keptProc, keptNet, deviceKey, stats);
  for (const r of keptProc) {
    r.cells.Timestamp = r.time;
    // Process creation rows: the new process was created at the event time.
    r.cells.ProcessCreationTime = r.time;
  }
  for (const r of keptNet) r.cells.Timestamp = r.time;

  return bundles.map((bundle, i) => {
    const s = stats[i]!;
    const devices = new Set<string>();
    for (const e of bundle.proc) devices.add(deviceName(e.host));
    for (const e of bundle.net) devices.add(deviceName(e.host));
    if (devices.size > 0)
      s.notes.push(
        `DeviceId synthesized from the lower-case computer name (Windows events carry no Defender device id): ${[...devices].sort().join(', ')}`,
      );
    const renamed = [...new Set([...bundle.proc, ...bundle.net].map((e) => e.host))].filter((h) => deviceName(h) !== h);
    if (renamed.length > 0)
      s.notes.push(
        `bare host names taken as the one FQDN of the load with that label: ${renamed.map((h) => `${h} -> ${deviceName(h)}`).join(', ')}`,
      );
    for (const [dev, how] of usedOffsets[i]!)
      s.notes.push(`${dev}: NXLog EventTime (local, no offset) converted to UTC with ${how}`);
    for (const d of [...devices].sort()) {
      const own = ips.get(d.toLowerCase());
      if (own !== undefined && own.size > 0)
        s.notes.push(
          `${d}: own IP address(es) learnt from outbound connections / Sysmon host names: ${[...own].sort().join(', ')}`,
        );
    }
    if (assumedUtc[i]!.size > 0)
      s.warnings.push(
        `EventTime taken as UTC on ${[...assumedUtc[i]!].sort().join(', ')}: no Sysmon UtcTime or @timestamp to learn the offset from`,
      );
    return {
      bundle,
      proc: keptProc.filter((r) => r.bundle === i),
      net: keptNet.filter((r) => r.bundle === i),
      stats: s,
    };
  });
}
