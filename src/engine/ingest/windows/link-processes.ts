import { TICKS_PER_SECOND } from '../../time/ticks';
import { countMerged, countValue, type BundleStats, type WorkRow } from './event-bundle';
import type { Cell, NetEvent, ProcEvent } from './normalised-event';

/**
 * Joins the events of one process or connection and fills what each record lacks from the
 * others (schemas.md §7a/§7b "if missing"). Lookups are hash maps keyed by device + id, so the
 * whole pass is linear in the rows (plus a sort per PID of its few creations).
 */

/** Security 4688 has whole-second NXLog times and a learnt offset: ±2 s covers the truncation. */
const PROC_MERGE_WINDOW = 2n * TICKS_PER_SECOND;
/**
 * Sysmon EID 3 UtcTime runs up to ~12 s off the 5156 of the same connection (OTRF iertutil);
 * the 5-tuple with an ephemeral port is what identifies the connection, the window only bounds it.
 */
const NET_MERGE_WINDOW = 30n * TICKS_PER_SECOND;
/** A PID lookup accepts a creation up to this much after the event (second-truncated times). */
const PID_TOLERANCE = 2n * TICKS_PER_SECOND;

export const RPCSS_COMMAND_LINE = 'svchost.exe -k RpcSs';
export const RPCSS_REASON =
  'svchost.exe accepting (or listening on) local TCP 135 is the RpcSs endpoint mapper, started at boot before any recording (schemas.md §7a)';

type DeviceKey = (r: WorkRow) => string;

function str(c: Cell | undefined): string {
  return typeof c === 'string' ? c : '';
}

function num(c: Cell | undefined): number | null {
  return typeof c === 'number' ? c : null;
}

function absDiff(a: bigint | null, b: bigint | null): bigint | null {
  if (a === null || b === null) return null;
  return a > b ? a - b : b - a;
}

function setSource(r: WorkRow, source: string, extra: Record<string, string> = {}): void {
  let obj: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(str(r.cells.AdditionalFields) || '{}') as unknown;
    if (typeof parsed === 'object' && parsed !== null) obj = parsed as Record<string, unknown>;
  } catch {
    obj = {};
  }
  obj.Source = source;
  for (const [k, v] of Object.entries(extra)) if (v !== '' && obj[k] === undefined) obj[k] = v;
  r.cells.AdditionalFields = JSON.stringify(obj);
}

/** Fills `col` when it is empty (or only inferred); counts it as enriched. */
function fill(r: WorkRow, col: string, value: Cell | undefined, how: string, stats: readonly BundleStats[]): boolean {
  if (value === undefined || value === null || value === '') return false;
  const cur = r.cells[col];
  const empty = cur === undefined || cur === null || cur === '';
  if (!empty && !r.inferred.has(col)) return false;
  if (cur === value) {
    r.inferred.delete(col);
    return false;
  }
  r.cells[col] = value;
  r.inferred.delete(col);
  countValue(stats, 'enriched', r, col, how);
  return true;
}

/**
 * Folds each Security 4688 into the Sysmon EID 1 of the same process (same device, image name,
 * PIDs where both are known, within ±2 s): MDE has one row per process creation. The Sysmon row
 * keeps its ms time and ParentCommandLine and gains what only the 4688 has (a PID Sysmon did not
 * log, the token elevation, SIDs).
 */
export function mergeProcessEvents(
  rows: readonly WorkRow[],
  deviceKey: DeviceKey,
  stats: readonly BundleStats[],
): void {
  const sysmon = new Map<string, WorkRow[]>();
  for (const r of rows) {
    if (r.event.kind !== 'sysmon-1') continue;
    const k = `${deviceKey(r)}|${str(r.cells.FileName).toLowerCase()}`;
    const list = sysmon.get(k);
    if (list === undefined) sysmon.set(k, [r]);
    else list.push(r);
  }
  const taken = new Set<WorkRow>();
  for (const r of rows) {
    if (r.event.kind !== 'security-4688') continue;
    const e = r.event as ProcEvent;
    const list = sysmon.get(`${deviceKey(r)}|${str(r.cells.FileName).toLowerCase()}`);
    if (list === undefined) continue;
    let best: WorkRow | null = null;
    let bestGap: bigint | null = null;
    for (const s of list) {
      if (taken.has(s)) continue;
      const se = s.event as ProcEvent;
      const sp = num(s.cells.ProcessId);
      if (sp !== null && e.pid !== null && sp !== e.pid) continue;
      if (se.ppid !== null && e.ppid !== null && se.ppid !== e.ppid) continue;
      const gap = absDiff(s.time, r.time);
      if (gap === null || gap > PROC_MERGE_WINDOW) continue;
      if (bestGap === null || gap < bestGap) {
        best = s;
        bestGap = gap;
      }
    }
    if (best === null) continue;
    taken.add(best);
    r.mergedInto = best;
    countMerged(stats, r, 'Security 4688: folded into the Sysmon 1 row of the same process creation');
    const how = 'from the Security 4688 of the same process creation';
    for (const col of [
      'ProcessId',
      'ProcessCommandLine',
      'ProcessTokenElevation',
      'ProcessIntegrityLevel',
      'AccountSid',
      'InitiatingProcessId',
      'InitiatingProcessAccountSid',
      'InitiatingProcessLogonId',
    ])
      fill(best, col, r.cells[col], how, stats);
    setSource(best, 'Sysmon 1 + Security 4688');
  }
}

/**
 * Folds each Security 5156 into the Sysmon EID 3 of the same connection (device, protocol,
 * direction, local port, remote address and port; nearest in time within 30 s). The row's
 * Timestamp becomes the 5156 time: schemas.md §7a prefers TimeCreated of 5156 over the unreliable
 * EID 3 UtcTime (§4).
 */
export function mergeNetworkEvents(
  rows: readonly WorkRow[],
  deviceKey: DeviceKey,
  stats: readonly BundleStats[],
): void {
  const key = (r: WorkRow): string =>
    `${deviceKey(r)}|${str(r.cells.Protocol)}|${str(r.cells.ActionType)}|${num(r.cells.LocalPort)}|${str(r.cells.RemoteIP)}|${num(r.cells.RemotePort)}`;
  const sysmon = new Map<string, WorkRow[]>();
  for (const r of rows) {
    if (r.event.kind !== 'sysmon-3') continue;
    const k = key(r);
    const list = sysmon.get(k);
    if (list === undefined) sysmon.set(k, [r]);
    else list.push(r);
  }
  const taken = new Set<WorkRow>();
  for (const r of rows) {
    if (r.event.kind !== 'security-5156') continue;
    const list = sysmon.get(key(r));
    if (list === undefined) continue;
    const e = r.event as NetEvent;
    let best: WorkRow | null = null;
    let bestGap: bigint | null = null;
    for (const s of list) {
      if (taken.has(s)) continue;
      const sp = num(s.cells.InitiatingProcessId);
      if (sp !== null && e.pid !== null && sp !== e.pid) continue;
      if (str(s.cells.InitiatingProcessFileName).toLowerCase() !== e.fileName.toLowerCase() && e.fileName !== '')
        continue;
      const gap = absDiff(s.time, r.time);
      if (gap === null || gap > NET_MERGE_WINDOW) continue;
      if (bestGap === null || gap < bestGap) {
        best = s;
        bestGap = gap;
      }
    }
    if (best === null) continue;
    taken.add(best);
    r.mergedInto = best;
    countMerged(stats, r, 'Security 5156: folded into the Sysmon 3 row of the same connection');
    fill(best, 'InitiatingProcessId', e.pid, 'from the Security 5156 of the same connection', stats);
    if (r.time !== null && best.time !== r.time) {
      best.time = r.time;
      best.wholeSeconds = r.wholeSeconds;
      countValue(
        stats,
        'enriched',
        best,
        'Timestamp',
        'the Security 5156 time of the same connection (preferred over Sysmon 3 UtcTime, schemas.md §7a)',
      );
    }
    if (r.inferred.has('Timestamp')) best.inferred.add('Timestamp');
    else best.inferred.delete('Timestamp');
    const app = /"Application":"((?:[^"\\]|\\.)*)"/.exec(str(r.cells.AdditionalFields));
    setSource(best, 'Sysmon 3 + Security 5156', app ? { Application: JSON.parse(`"${app[1]}"`) as string } : {});
  }
}

/** Process creations by ProcessGuid and by device + PID (sorted by time), for the lookups below. */
class ProcessIndex {
  private readonly byGuid = new Map<string, WorkRow>();
  private readonly byPid = new Map<string, WorkRow[]>();

  constructor(
    rows: readonly WorkRow[],
    private readonly deviceKey: DeviceKey,
  ) {
    for (const r of rows) {
      const e = r.event as ProcEvent;
      if (e.guid !== '' && !this.byGuid.has(e.guid)) this.byGuid.set(e.guid, r);
      const pid = num(r.cells.ProcessId);
      if (pid === null || r.time === null) continue;
      const k = `${deviceKey(r)}|${pid}`;
      const list = this.byPid.get(k);
      if (list === undefined) this.byPid.set(k, [r]);
      else list.push(r);
    }
    for (const list of this.byPid.values()) list.sort((a, b) => (a.time! < b.time! ? -1 : a.time! > b.time! ? 1 : 0));
  }

  /**
   * The creation of the process (device, pid) current at `time`: by ProcessGuid when given, else
   * the latest creation of that PID at or before `time` (+2 s for second-truncated clocks). An
   * image name that differs means the PID was reused by another process: no link.
   */
  find(
    device: string,
    guid: string,
    pid: number | null,
    fileName: string,
    time: bigint | null,
  ): { row: WorkRow; how: 'guid' | 'pid' } | null {
    if (guid !== '') {
      const g = this.byGuid.get(guid);
      if (g !== undefined) return { row: g, how: 'guid' };
    }
    if (pid === null || time === null) return null;
    const list = this.byPid.get(`${device}|${pid}`);
    if (list === undefined) return null;
    let hit: WorkRow | null = null;
    for (const c of list) {
      if (c.time! <= time + PID_TOLERANCE) hit = c;
      else break;
    }
    if (hit === null) return null;
    const name = str(hit.cells.FileName).toLowerCase();
    if (fileName !== '' && name !== '' && name !== fileName.toLowerCase()) return null;
    return { row: hit, how: 'pid' };
  }

  /** Whether `pid` was (re)created on the device strictly between two times. */
  createdBetween(device: string, pid: number, a: bigint, b: bigint): boolean {
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    const list = this.byPid.get(`${device}|${pid}`);
    return list !== undefined && list.some((c) => c.time! > lo && c.time! < hi);
  }
}

interface ParentSighting {
  readonly time: bigint | null;
  readonly commandLine: string;
  readonly pid: number | null;
  readonly folder: string;
}

/**
 * What children say about a parent (Sysmon ParentProcessId / ParentImage / ParentCommandLine):
 * the only record of processes started before the recording (DcomLaunch, explorer.exe).
 */
class ParentSightings {
  private readonly byGuid = new Map<string, ParentSighting>();
  private readonly byPid = new Map<string, ParentSighting[]>();

  constructor(rows: readonly WorkRow[], deviceKey: DeviceKey) {
    for (const r of rows) {
      const e = r.event as ProcEvent;
      if (e.kind !== 'sysmon-1') continue;
      const s: ParentSighting = {
        time: r.time,
        commandLine: r.inferred.has('InitiatingProcessCommandLine') ? '' : str(r.cells.InitiatingProcessCommandLine),
        pid: e.ppid,
        folder: e.parentImage,
      };
      if (e.parentGuid !== '' && !this.byGuid.has(e.parentGuid)) this.byGuid.set(e.parentGuid, s);
      if (e.ppid === null || s.commandLine === '') continue;
      const k = `${deviceKey(r)}|${e.ppid}|${str(r.cells.InitiatingProcessFileName).toLowerCase()}`;
      const list = this.byPid.get(k);
      if (list === undefined) this.byPid.set(k, [s]);
      else list.push(s);
    }
  }

  guid(guid: string): ParentSighting | undefined {
    return guid === '' ? undefined : this.byGuid.get(guid);
  }

  /** The nearest sighting of (device, pid, image) with no re-creation of that PID in between. */
  pid(
    device: string,
    pid: number | null,
    fileName: string,
    time: bigint | null,
    index: ProcessIndex,
  ): ParentSighting | undefined {
    if (pid === null || time === null || fileName === '') return undefined;
    const list = this.byPid.get(`${device}|${pid}|${fileName.toLowerCase()}`);
    if (list === undefined) return undefined;
    let best: ParentSighting | undefined;
    let bestGap: bigint | null = null;
    for (const s of list) {
      if (s.time === null || index.createdBetween(device, pid, s.time, time)) continue;
      const gap = absDiff(s.time, time)!;
      if (bestGap === null || gap < bestGap) {
        best = s;
        bestGap = gap;
      }
    }
    return best;
  }
}

const VIA_GUID = 'ProcessGuid';
const VIA_PID = 'device + PID + most recent creation before the event';

/**
 * Fills process rows' missing PIDs (from children), the initiating process's command line,
 * creation time and parent (the grandparent, schemas.md §7b), and network rows' initiating
 * process (command line, parent, hashes; §7a), from the process creations in `procRows`. Then the
 * one inference: a svchost.exe accepting on local TCP 135 is RpcSs.
 */
export function enrichRows(
  procRows: readonly WorkRow[],
  netRows: readonly WorkRow[],
  deviceKey: DeviceKey,
  stats: readonly BundleStats[],
): void {
  let sightings = new ParentSightings(procRows, deviceKey);
  // Sysmon ProcessId is absent in several OTRF files (README "Format"): children's ParentProcessId has it.
  for (const r of procRows) {
    const e = r.event as ProcEvent;
    if (num(r.cells.ProcessId) !== null) continue;
    fill(
      r,
      'ProcessId',
      sightings.guid(e.guid)?.pid ?? null,
      `from its children's ParentProcessId (${VIA_GUID})`,
      stats,
    );
  }
  const index = new ProcessIndex(procRows, deviceKey);
  sightings = new ParentSightings(procRows, deviceKey);

  const parentOf = new Map<WorkRow, WorkRow>();
  for (const r of procRows) {
    const e = r.event as ProcEvent;
    const dev = deviceKey(r);
    const found = index.find(
      dev,
      e.parentGuid,
      num(r.cells.InitiatingProcessId),
      str(r.cells.InitiatingProcessFileName),
      r.time,
    );
    if (found !== null && found.row !== r) {
      const p = found.row;
      parentOf.set(r, p);
      const how = `from the parent's own process creation (${found.how === 'guid' ? VIA_GUID : VIA_PID})`;
      fill(r, 'InitiatingProcessId', p.cells.ProcessId, how, stats);
      fill(r, 'InitiatingProcessCommandLine', p.cells.ProcessCommandLine, how, stats);
      fill(r, 'InitiatingProcessCreationTime', p.time, how, stats);
      fill(r, 'InitiatingProcessFolderPath', p.cells.FolderPath, how, stats);
      fill(r, 'InitiatingProcessIntegrityLevel', p.cells.ProcessIntegrityLevel, how, stats);
      fill(r, 'InitiatingProcessAccountName', p.cells.AccountName, how, stats);
      fill(r, 'InitiatingProcessAccountDomain', p.cells.AccountDomain, how, stats);
      fill(r, 'InitiatingProcessParentId', p.cells.InitiatingProcessId, how, stats);
      fill(r, 'InitiatingProcessParentFileName', p.cells.InitiatingProcessFileName, how, stats);
    } else if (str(r.cells.InitiatingProcessCommandLine) === '') {
      const s =
        sightings.guid(e.parentGuid) ??
        sightings.pid(dev, num(r.cells.InitiatingProcessId), str(r.cells.InitiatingProcessFileName), r.time, index);
      if (s !== undefined)
        fill(
          r,
          'InitiatingProcessCommandLine',
          s.commandLine,
          "from another child's ParentCommandLine of the same parent (device + PID + image)",
          stats,
        );
    }
  }
  // The grandparent's creation time needs every parent's own InitiatingProcessCreationTime first.
  for (const [r, p] of parentOf)
    fill(
      r,
      'InitiatingProcessParentCreationTime',
      p.cells.InitiatingProcessCreationTime,
      "from the parent's own process creation",
      stats,
    );

  for (const r of netRows) {
    const e = r.event as NetEvent;
    const dev = deviceKey(r);
    const found = index.find(
      dev,
      e.guid,
      num(r.cells.InitiatingProcessId),
      str(r.cells.InitiatingProcessFileName),
      r.time,
    );
    if (found !== null) {
      const p = found.row;
      const how = `from the socket owner's process creation (${found.how === 'guid' ? VIA_GUID : VIA_PID})`;
      fill(r, 'InitiatingProcessId', p.cells.ProcessId, how, stats);
      fill(r, 'InitiatingProcessCommandLine', p.cells.ProcessCommandLine, how, stats);
      fill(r, 'InitiatingProcessCreationTime', p.time, how, stats);
      fill(r, 'InitiatingProcessFolderPath', p.cells.FolderPath, how, stats);
      fill(r, 'InitiatingProcessParentFileName', p.cells.InitiatingProcessFileName, how, stats);
      fill(r, 'InitiatingProcessParentId', p.cells.InitiatingProcessId, how, stats);
      fill(r, 'InitiatingProcessSHA1', p.cells.SHA1, how, stats);
      fill(r, 'InitiatingProcessSHA256', p.cells.SHA256, how, stats);
      fill(r, 'InitiatingProcessMD5', p.cells.MD5, how, stats);
      fill(r, 'InitiatingProcessIntegrityLevel', p.cells.ProcessIntegrityLevel, how, stats);
      fill(r, 'InitiatingProcessAccountName', p.cells.AccountName, how, stats);
      fill(r, 'InitiatingProcessAccountDomain', p.cells.AccountDomain, how, stats);
      fill(r, 'InitiatingProcessAccountSid', p.cells.AccountSid, how, stats);
    } else {
      const s =
        sightings.guid(e.guid) ??
        sightings.pid(dev, num(r.cells.InitiatingProcessId), str(r.cells.InitiatingProcessFileName), r.time, index);
      if (s !== undefined) {
        const how = "from a child's ParentProcessId / ParentCommandLine (the owner started before the recording)";
        fill(r, 'InitiatingProcessId', s.pid, how, stats);
        fill(r, 'InitiatingProcessCommandLine', s.commandLine, how, stats);
      }
    }
    inferRpcSs(r, stats);
  }
}

/** The one inference (schemas.md §7a, OTRF README "What would make ... miss" 3). */
function inferRpcSs(r: WorkRow, stats: readonly BundleStats[]): void {
  if (str(r.cells.InitiatingProcessCommandLine) !== '') return;
  if (str(r.cells.InitiatingProcessFileName).toLowerCase() !== 'svchost.exe') return;
  if (r.cells.LocalPort !== 135) return;
  const action = str(r.cells.ActionType);
  const proto = str(r.cells.Protocol);
  if (action !== 'InboundConnectionAccepted' && action !== 'ListeningConnectionCreated') return;
  if (proto !== 'Tcp' && proto !== 'TcpV4' && proto !== 'TcpV6') return;
  r.cells.InitiatingProcessCommandLine = RPCSS_COMMAND_LINE;
  r.inferred.add('InitiatingProcessCommandLine');
  countValue(stats, 'inferred', r, 'InitiatingProcessCommandLine', RPCSS_REASON);
}
