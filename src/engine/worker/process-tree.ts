/**
 * The process tree around an alert, from the FULL process table (not only the rows the rule
 * kept): svchost DcomLaunch → DCOM server → children → grandchildren on the alert's device.
 * A child is linked to a parent by the strongest evidence the rows carry: the unique process id,
 * else PID + device + the parent's creation time, else PID + device + time order (the parent is
 * the latest start of that PID before the child: inferred). PID reuse (the same PID started more
 * than once on the device) is reported on the node. Rows are flattened; the view builds the
 * hierarchy with d3-hierarchy.
 */
import { getValue as valueAtColumn, type Scalar } from '../table/column';
import type { Table } from '../table/table';
import { formatDateTime } from '../time/ticks';
import type { AlertRows } from './alert-provenance';
import type { TreeLinkKind, TreeNode } from './protocol';
import { colIndex, numberAt, recordOf, rowsOfDevice, stringAt, ticksAt, ticksToMs, valueAt } from './row-record';

const MAX_NODES = 300;
const MAX_DEPTH = 8;

interface DeviceIndex {
  /** Rows of the device by ProcessId, in time order. */
  readonly byPid: Map<number, number[]>;
  /** Rows of the device by InitiatingProcessId, in time order. */
  readonly byParentPid: Map<number, number[]>;
}

const deviceCache = new WeakMap<Table, Map<string, DeviceIndex>>();

/** Rows of one device, indexed by PID and parent PID (one pass over the table, cached). */
function deviceIndex(p: Table, device: string): DeviceIndex {
  let perTable = deviceCache.get(p);
  if (!perTable) deviceCache.set(p, (perTable = new Map()));
  const hit = perTable.get(device);
  if (hit) return hit;
  const rows = Array.from(rowsOfDevice(p, device));
  const ts = p.columns[colIndex(p, 'Timestamp')];
  const time = (r: number): bigint => (ts ? ((valueAtColumn(ts, r) as bigint | null) ?? 0n) : 0n);
  const at = new Map(rows.map((r) => [r, time(r)]));
  rows.sort((a, b) => {
    const x = at.get(a)!;
    const y = at.get(b)!;
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  const byPid = new Map<number, number[]>();
  const byParentPid = new Map<number, number[]>();
  const push = (m: Map<number, number[]>, k: number | null, r: number): void => {
    if (k === null) return;
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  };
  for (const r of rows) {
    push(byPid, numberAt(p, 'ProcessId', r), r);
    push(byParentPid, numberAt(p, 'InitiatingProcessId', r), r);
  }
  const index = { byPid, byParentPid };
  perTable.set(device, index);
  return index;
}

const present = (v: Scalar): boolean => v !== null && v !== '' && v !== undefined;

/** How (and whether) `child` descends from the process started by row `parent`. */
function linkOf(p: Table, ix: DeviceIndex, parent: number, child: number): TreeLinkKind | null {
  const uid = valueAt(p, 'ProcessUniqueId', parent);
  const childUid = valueAt(p, 'InitiatingProcessUniqueId', child);
  if (present(uid) && present(childUid)) return uid === childUid ? 'unique-id' : null;
  const created = ticksAt(p, 'ProcessCreationTime', parent) ?? ticksAt(p, 'Timestamp', parent);
  const childSays = ticksAt(p, 'InitiatingProcessCreationTime', child);
  if (created !== null && childSays !== null) return created === childSays ? 'pid-creation-time' : null;
  // No identity fields: the parent is the latest start of this PID at or before the child.
  const pid = numberAt(p, 'ProcessId', parent);
  const t = ticksAt(p, 'Timestamp', child);
  const starts = pid === null ? [] : (ix.byPid.get(pid) ?? []);
  let latest: number | null = null;
  for (const s of starts) {
    const ts = ticksAt(p, 'Timestamp', s);
    if (ts !== null && t !== null && ts <= t) latest = s;
  }
  return latest === parent ? 'pid-time-order' : null;
}

const LINK_TEXT: Readonly<Record<TreeLinkKind, string>> = {
  root: 'root: the DcomLaunch service host',
  'unique-id': 'unique process id (InitiatingProcessUniqueId = ProcessUniqueId), same device',
  'pid-creation-time': 'PID + device + creation time',
  'pid-time-order': 'PID + device, latest start before the child (inferred)',
  'rule-join': "the rule's join only (PID + device, no time bound): the rows say another process",
  inferred: "inferred from the child's InitiatingProcess* fields (no row of its own)",
};

export function processTree(p: Table, rows: AlertRows): TreeNode[] {
  const server = rows.dcom[0];
  if (server === undefined) return [];
  const device = stringAt(p, 'DeviceId', server);
  const ix = deviceIndex(p, device);
  const nodes: TreeNode[] = [];
  const placed = new Set<number>();
  const alertRowSet = new Set<number>([...rows.dcom, ...rows.children]);
  const reuse = (r: number): string[] => {
    const pid = numberAt(p, 'ProcessId', r);
    const starts = pid === null ? [] : (ix.byPid.get(pid) ?? []);
    return starts.length < 2
      ? []
      : starts.filter((s) => s !== r).map((s) => formatDateTime(ticksAt(p, 'Timestamp', s) ?? 0n));
  };
  const node = (r: number, parentId: string, role: TreeNode['role'], kind: TreeLinkKind): TreeNode => {
    const t = ticksAt(p, 'Timestamp', r);
    return {
      id: `r${r}`,
      parentId,
      fileName: stringAt(p, 'FileName', r),
      pid: numberAt(p, 'ProcessId', r),
      iso: t === null ? null : formatDateTime(t),
      ms: t === null ? null : ticksToMs(t),
      commandLine: stringAt(p, 'ProcessCommandLine', r),
      role,
      link: { kind, text: LINK_TEXT[kind] },
      inAlert: alertRowSet.has(r),
      pidReuse: reuse(r),
      record: recordOf(p, r),
    };
  };

  // Root: the svchost that started the server, from its own row when the table has one.
  const hostPid = numberAt(p, 'InitiatingProcessId', server);
  const hostRow = (hostPid === null ? [] : (ix.byPid.get(hostPid) ?? []))
    .filter((r) => r !== server && linkOf(p, ix, r, server) !== null)
    .at(-1);
  let rootId: string;
  let serverLink: TreeLinkKind;
  if (hostRow !== undefined) {
    const root = node(hostRow, '', 'dcomlaunch', 'root');
    nodes.push({ ...root, parentId: null });
    placed.add(hostRow);
    rootId = root.id;
    serverLink = linkOf(p, ix, hostRow, server) ?? 'inferred';
  } else {
    const created = ticksAt(p, 'InitiatingProcessCreationTime', server);
    rootId = 'host';
    serverLink = 'inferred';
    nodes.push({
      id: rootId,
      parentId: null,
      fileName: stringAt(p, 'InitiatingProcessFileName', server),
      pid: hostPid,
      iso: created === null ? null : formatDateTime(created),
      ms: created === null ? null : ticksToMs(created),
      commandLine: stringAt(p, 'InitiatingProcessCommandLine', server),
      role: 'dcomlaunch',
      link: { kind: 'inferred', text: LINK_TEXT.inferred },
      inAlert: false,
      pidReuse: [],
      record: null,
    });
  }
  nodes.push(node(server, rootId, 'server', serverLink));
  placed.add(server);

  // Breadth first from the server; siblings come out in time order (the index is time-sorted).
  let frontier: number[] = [server];
  for (let depth = 1; depth <= MAX_DEPTH && frontier.length > 0 && nodes.length < MAX_NODES; depth++) {
    const next: number[] = [];
    for (const parent of frontier) {
      const pid = numberAt(p, 'ProcessId', parent);
      for (const c of pid === null ? [] : (ix.byParentPid.get(pid) ?? [])) {
        if (placed.has(c) || nodes.length >= MAX_NODES) continue;
        const kind = linkOf(p, ix, parent, c);
        if (kind === null) continue;
        nodes.push(node(c, `r${parent}`, depth === 1 ? 'child' : 'descendant', kind));
        placed.add(c);
        next.push(c);
      }
    }
    frontier = next;
  }
  // Rows the rule joined as children that the identity fields give to another process (PID reuse).
  for (const c of rows.children) {
    if (!placed.has(c)) nodes.push(node(c, `r${server}`, 'child', 'rule-join'));
  }
  return nodes;
}
