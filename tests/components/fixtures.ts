/** A hit detail shaped like the worker's answer for the MMC20 sample alert (ws-hr-1004, 08:08:44.9). */
import type { HitDetail, RowRecord, TimedEvent, TreeNode } from '../../src/engine/worker/client';

const record = (table: string, row: number, fields: Record<string, string | number | null>): RowRecord => ({
  table,
  row,
  fields: Object.entries(fields),
});

const ms = (iso: string): number =>
  Date.parse(iso.replace(/(\.\d{3})\d*Z$/, '$1Z')) + Number(`0.${iso.slice(23, 27) || '0'}`);

function event(iso: string, label: string, table = 'DeviceProcessEvents', row = 1): TimedEvent {
  return { iso, ms: ms(iso), label, detail: `${label} detail`, record: record(table, row, { Timestamp: iso }) };
}

export function mmcDetail(): HitDetail {
  return {
    row: 0,
    key: 'dev|2024-05-01T08:08:44.9000000Z|2024-05-01T08:08:45.3000000Z|2300',
    deviceName: 'ws-hr-1004.corp.contoso.com',
    rpc: event('2024-05-01T08:08:44.9000000Z', 'RPC 10.20.232.190 → 10.11.1.10:135', 'DeviceNetworkEvents', 7),
    dcom: [event('2024-05-01T08:08:45.3000000Z', 'mmc.exe (PID 2300)', 'DeviceProcessEvents', 10)],
    children: [
      event('2024-05-01T08:08:47.4234567Z', 'cmd.exe (PID 2344)', 'DeviceProcessEvents', 11),
      event('2024-05-01T08:08:49.0469134Z', 'cmd.exe (PID 2348)', 'DeviceProcessEvents', 12),
    ],
    boot: null,
    diffSeconds: 1,
    window: {
      lo: 0,
      hi: 2,
      fromMs: Date.parse('2024-05-01T08:08:44Z'),
      toMs: Date.parse('2024-05-01T08:08:47Z'),
      fromIso: '2024-05-01T08:08:44.0000000Z',
      toIso: '2024-05-01T08:08:47.0000000Z',
    },
    tree: [],
    why: [],
  };
}

const node = (over: Partial<TreeNode> & Pick<TreeNode, 'id' | 'parentId' | 'fileName' | 'pid'>): TreeNode => ({
  iso: '2024-05-01T08:08:45.3000000Z',
  ms: ms('2024-05-01T08:08:45.3000000Z'),
  commandLine: `${over.fileName} -x`,
  role: 'child',
  link: { kind: 'unique-id', text: 'unique process id' },
  inAlert: false,
  pidReuse: [],
  record: record('DeviceProcessEvents', 0, {
    FileName: over.fileName,
    ProcessId: over.pid,
    ProcessCommandLine: '<b>not html</b>',
  }),
  ...over,
});

/** svchost → mmc.exe (PID reused later) → cmd.exe, cmd.exe → whoami.exe, plus a rule-join-only child. */
export function treeNodes(): TreeNode[] {
  return [
    node({
      id: 'r1',
      parentId: null,
      fileName: 'svchost.exe',
      pid: 1552,
      role: 'dcomlaunch',
      link: { kind: 'root', text: 'root' },
    }),
    node({
      id: 'r2',
      parentId: 'r1',
      fileName: 'mmc.exe',
      pid: 2300,
      role: 'server',
      inAlert: true,
      pidReuse: ['2024-05-01T09:18:20.0000000Z'],
    }),
    node({
      id: 'r4',
      parentId: 'r2',
      fileName: 'cmd.exe',
      pid: 2348,
      inAlert: true,
      iso: '2024-05-01T08:08:49.0000000Z',
      ms: ms('2024-05-01T08:08:49.0000000Z'),
    }),
    node({
      id: 'r3',
      parentId: 'r2',
      fileName: 'cmd.exe',
      pid: 2344,
      inAlert: true,
      iso: '2024-05-01T08:08:47.0000000Z',
      ms: ms('2024-05-01T08:08:47.0000000Z'),
    }),
    node({
      id: 'r5',
      parentId: 'r3',
      fileName: 'whoami.exe',
      pid: 2400,
      role: 'descendant',
      link: { kind: 'pid-time-order', text: 'PID + device (inferred)' },
    }),
    node({
      id: 'r6',
      parentId: 'r2',
      fileName: 'notepad.exe',
      pid: 2500,
      inAlert: true,
      link: { kind: 'rule-join', text: 'rule join only' },
      iso: '2024-05-01T09:18:23.0000000Z',
      ms: ms('2024-05-01T09:18:23.0000000Z'),
    }),
  ];
}
