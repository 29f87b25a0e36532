import { DEVICE_NETWORK_EVENTS, DEVICE_PROCESS_EVENTS } from '../../src/engine/table/defender-schema';
import { formatDateTime } from '../../src/engine/time/ticks';
import type { Cell, TableName } from './model';

/**
 * A brute-force evaluation of the DCOM Lateral Movement rule exactly as written
 * (src/rules/dcom-lateral-movement.yaml), over the rows the generator emits. It shares nothing with
 * the engine but the tick formatter, so it can serve as the engine's oracle. Semantics follow
 * ../shared/docs/kql-semantics.md: `=~` folds each UTF-16 unit (§1), `has` is the term rule (§2),
 * `in` is case-sensitive and `!in~` is not (§3), `bin` floors on ticks (§4), `datetime_diff` counts
 * second boundaries (§5), a device without services.exe rows has a null LastBootTime and every row
 * of it is dropped (§7), joins are inner per key combination (§8), null long keys never match.
 *
 * Rows must arrive grouped by device (every join is on DeviceId), so each device is evaluated and
 * forgotten at `endDevice`; only the global `in ((RemoteDcomProcs | project DCOMFileName))` set
 * waits for `finish`.
 */

export const TRUTH_COLUMNS = [
  'TimestampNetwEventExact',
  'TimestampProcEventExact',
  'DeviceId',
  'DeviceName',
  'InitiatingProcessId',
  'LocalIP',
  'RemoteIP',
  'LastBootTime',
  'DCOMCmdLine',
  'set_ProcessCommandLine',
] as const;

/** The nine `by` columns of the final summarize. */
export type TruthKey = [string, string, string, string, number, string, string, string, string];
export type TruthRow = [...TruthKey, string[]];

export interface Truth {
  readonly columns: readonly string[];
  readonly rows: TruthRow[];
}

const ALLOW_LISTED_EXECS = [
  'TiWorker.exe',
  'dllhost.exe',
  'backgroundTaskHost.exe',
  'mobsync.exe',
  'WmiPrvSE.exe',
  'RuntimeBroker.exe',
  'smartscreen.exe',
  'SppExtComObj.Exe',
  'usocoreworker.exe',
  'browser_broker.exe',
  'ssoncom.exe',
];

const TICKS_PER_SECOND = 10_000_000n;
const FIVE_SECONDS = 50_000_000n;
const FIVE_MINUTES = 3_000_000_000n;

/** Case folding of kql-semantics §1: each UTF-16 unit upper-cased only when that stays one unit. */
export function fold(s: string): string {
  // ASCII fast path: the only data this rule sees in practice.
  if (!/[^ -~]/.test(s)) return s.toUpperCase();
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const u = c.toUpperCase();
    out += u.length === 1 ? u : c;
  }
  return out;
}

export function equalsIgnoreCase(a: string, b: string): boolean {
  return a.length === b.length && fold(a) === fold(b);
}

const TERM_CHAR = /^[\p{L}\p{N}]$/u;

function isTermChar(c: string | undefined): boolean {
  return c !== undefined && TERM_CHAR.test(c);
}

/** `h has n` (kql-semantics §2): a folded occurrence of n bounded by non-term characters at its term-char ends. */
export function has(haystack: string, needle: string): boolean {
  const h = fold(haystack);
  const n = fold(needle);
  if (n.length === 0) throw new Error('has with an empty needle is not modelled');
  const leftNeedsBoundary = isTermChar(n[0]);
  const rightNeedsBoundary = isTermChar(n[n.length - 1]);
  for (let i = h.indexOf(n); i >= 0; i = h.indexOf(n, i + 1)) {
    const end = i + n.length;
    const leftOk = !leftNeedsBoundary || i === 0 || !isTermChar(h[i - 1]);
    const rightOk = !rightNeedsBoundary || end === h.length || !isTermChar(h[end]);
    if (leftOk && rightOk) return true;
  }
  return false;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Compares truth rows column by column: strings by UTF-16 code units, numbers numerically. */
export function compareTruthRows(a: TruthRow, b: TruthRow): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x < y ? -1 : 1;
    } else {
      const sx = typeof x === 'string' ? x : JSON.stringify(x);
      const sy = typeof y === 'string' ? y : JSON.stringify(y);
      if (sx !== sy) return sx < sy ? -1 : 1;
    }
  }
  return 0;
}

interface NetEvent {
  readonly ts: bigint;
  readonly deviceName: string;
  readonly localIP: string;
  readonly remoteIP: string;
}

interface DcomEvent {
  readonly ts: bigint;
  readonly hostPid: number | null;
  readonly pid: number | null;
  readonly fileName: string;
  readonly cmd: string;
}

interface ChildEvent {
  readonly parentPid: number | null;
  readonly pid: number | null;
  readonly initiatingFileName: string;
  readonly fileName: string;
  readonly cmd: string;
}

interface DeviceState {
  nets: NetEvent[];
  dcoms: DcomEvent[];
  children: ChildEvent[];
  lastBoot: bigint | null;
}

/** A joined row before the global `in` filter and the summarize. */
interface Joined {
  readonly key: string;
  readonly keyCells: TruthKey;
  readonly initiatingFileName: string;
  readonly cmd: string;
}

function indexer(schema: readonly { name: string }[]): (name: string) => number {
  return (name) => {
    const i = schema.findIndex((c) => c.name === name);
    if (i < 0) throw new Error(`no column ${name}`);
    return i;
  };
}

const N = indexer(DEVICE_NETWORK_EVENTS);
const NI = {
  ts: N('Timestamp'),
  deviceId: N('DeviceId'),
  deviceName: N('DeviceName'),
  action: N('ActionType'),
  localIP: N('LocalIP'),
  localPort: N('LocalPort'),
  remoteIP: N('RemoteIP'),
  fileName: N('InitiatingProcessFileName'),
  cmd: N('InitiatingProcessCommandLine'),
};
const P = indexer(DEVICE_PROCESS_EVENTS);
const PI = {
  ts: P('Timestamp'),
  deviceId: P('DeviceId'),
  fileName: P('FileName'),
  pid: P('ProcessId'),
  cmd: P('ProcessCommandLine'),
  ipFileName: P('InitiatingProcessFileName'),
  ipCmd: P('InitiatingProcessCommandLine'),
  ipId: P('InitiatingProcessId'),
  ipParentId: P('InitiatingProcessParentId'),
  ipParentFileName: P('InitiatingProcessParentFileName'),
};

const str = (c: Cell | undefined): string =>
  typeof c === 'string' ? c : c === null || c === undefined ? '' : String(c);
const num = (c: Cell | undefined): number | null => (typeof c === 'number' ? c : null);

export class RuleOracle {
  private readonly devices = new Map<string, DeviceState>();
  private readonly finished = new Set<string>();
  private readonly dcomFileNames = new Set<string>();
  private readonly joined: Joined[] = [];

  /** `toTicks` turns a datetime cell into absolute Kusto ticks. */
  constructor(private readonly toTicks: (cell: number) => bigint) {}

  private state(deviceId: string): DeviceState {
    if (this.finished.has(deviceId)) throw new Error(`oracle: row for device ${deviceId} after endDevice`);
    let s = this.devices.get(deviceId);
    if (!s) {
      s = { nets: [], dcoms: [], children: [], lastBoot: null };
      this.devices.set(deviceId, s);
    }
    return s;
  }

  observe(table: TableName, c: readonly Cell[]): void {
    if (table === 'DeviceNetworkEvents') this.observeNetwork(c);
    else this.observeProcess(c);
  }

  private observeNetwork(c: readonly Cell[]): void {
    const st = this.state(str(c[NI.deviceId]));
    // rpcNetwEvents; cheapest test first, all are conjuncts.
    if (num(c[NI.localPort]) !== 135) return;
    if (!equalsIgnoreCase(str(c[NI.fileName]), 'svchost.exe')) return;
    if (!has(str(c[NI.cmd]), 'rpcss')) return;
    const localIP = str(c[NI.localIP]);
    const remoteIP = str(c[NI.remoteIP]);
    if (equalsIgnoreCase(localIP, remoteIP)) return;
    if (str(c[NI.action]) === 'ListeningConnectionCreated') return;
    const ts = num(c[NI.ts]);
    // A null Timestamp survives rpcNetwEvents but datetime_diff(null) drops it later.
    if (ts === null) return;
    st.nets.push({ ts: this.toTicks(ts), deviceName: str(c[NI.deviceName]), localIP, remoteIP });
  }

  private observeProcess(c: readonly Cell[]): void {
    const st = this.state(str(c[PI.deviceId]));
    const ts = num(c[PI.ts]);
    if (equalsIgnoreCase(str(c[PI.fileName]), 'services.exe') && ts !== null) {
      const t = this.toTicks(ts);
      if (st.lastBoot === null || t > st.lastBoot) st.lastBoot = t;
    }
    const ipFileName = str(c[PI.ipFileName]);
    if (equalsIgnoreCase(ipFileName, 'svchost.exe') && has(str(c[PI.ipCmd]), 'dcomlaunch') && ts !== null) {
      st.dcoms.push({
        ts: this.toTicks(ts),
        hostPid: num(c[PI.ipId]),
        pid: num(c[PI.pid]),
        fileName: str(c[PI.fileName]),
        cmd: str(c[PI.cmd]),
      });
    }
    if (equalsIgnoreCase(str(c[PI.ipParentFileName]), 'svchost.exe')) {
      st.children.push({
        parentPid: num(c[PI.ipParentId]),
        pid: num(c[PI.ipId]),
        initiatingFileName: ipFileName,
        fileName: str(c[PI.fileName]),
        cmd: str(c[PI.cmd]),
      });
    }
  }

  /** Evaluates everything keyed on this device; its rows must not come again. */
  endDevice(deviceId: string): void {
    const st = this.devices.get(deviceId);
    this.finished.add(deviceId);
    if (!st) return;
    this.devices.delete(deviceId);
    const allow = ALLOW_LISTED_EXECS.map(fold);
    for (const n of st.nets) {
      for (const p of st.dcoms) {
        // leftouter lastBootTime: no services.exe row -> null -> `>` is null -> dropped.
        if (st.lastBoot === null) continue;
        const binProc = floorDiv(p.ts, FIVE_SECONDS) * FIVE_SECONDS;
        if (!(binProc > st.lastBoot + FIVE_MINUTES)) continue;
        const diff = floorDiv(p.ts, TICKS_PER_SECOND) - floorDiv(n.ts, TICKS_PER_SECOND);
        if (diff < 0n || diff > 2n) continue;
        if (allow.includes(fold(p.fileName))) continue;
        this.dcomFileNames.add(p.fileName);
        for (const ch of st.children) {
          if (p.hostPid === null || p.pid === null || ch.parentPid !== p.hostPid || ch.pid !== p.pid) continue;
          if (!equalsIgnoreCase(ch.initiatingFileName, p.fileName)) continue;
          if (equalsIgnoreCase(ch.fileName, 'csc.exe')) continue;
          const keyCells: TruthKey = [
            formatDateTime(n.ts),
            formatDateTime(p.ts),
            deviceId,
            n.deviceName,
            ch.pid,
            n.localIP,
            n.remoteIP,
            formatDateTime(st.lastBoot),
            p.cmd,
          ];
          this.joined.push({
            key: JSON.stringify(keyCells),
            keyCells,
            initiatingFileName: ch.initiatingFileName,
            cmd: ch.cmd,
          });
        }
      }
    }
  }

  /** The rule's output: applies the global case-sensitive `in`, summarizes, sorts. */
  finish(): Truth {
    for (const id of [...this.devices.keys()]) this.endDevice(id);
    const groups = new Map<string, { cells: TruthKey; set: Set<string> }>();
    for (const j of this.joined) {
      if (!this.dcomFileNames.has(j.initiatingFileName)) continue;
      let g = groups.get(j.key);
      if (!g) {
        g = { cells: j.keyCells, set: new Set() };
        groups.set(j.key, g);
      }
      g.set.add(j.cmd);
    }
    const rows: TruthRow[] = [...groups.values()].map((g) => [...g.cells, [...g.set].sort(codeUnitOrder)] as TruthRow);
    rows.sort(compareTruthRows);
    return { columns: [...TRUTH_COLUMNS], rows };
  }
}

/** Plain `<` on UTF-16 code units (what Array.prototype.sort does by default for strings). */
export function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
