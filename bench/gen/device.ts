import { IMG, LOCAL_SERVICE, NETWORK_SERVICE, SYSTEM } from './catalog';
import { MINUTE, SEC } from './clock';
import type {
  Account,
  Cell,
  Image,
  NetworkRowOverrides,
  NetworkSpec,
  Proc,
  ProcessRowOverrides,
  RowSink,
  TableName,
} from './model';
import type { Rng } from './prng';
import { networkRow, processRow } from './row-builder';
import type { DeviceIdentity } from './row-builder';

/** A row waiting to be written; the device writes its rows in time order. */
interface PendingRow {
  readonly t: number;
  readonly seq: number;
  readonly table: TableName;
  readonly cells: Cell[];
}

/** Identifies one emitted row for cases.json (ReportId is unique per device and table). */
export interface RowRef {
  readonly table: TableName;
  readonly t: number;
  readonly reportId: number;
  readonly what: string;
}

/** The long-lived processes of one boot of a device. */
export interface Epoch {
  readonly boot: number;
  /** The services.exe row of this boot; null when the boot predates the window. */
  readonly bootRef: RowRef | null;
  readonly system: Proc;
  readonly services: Proc;
  readonly lsass: Proc;
  readonly dcomLaunch: Proc;
  readonly rpcss: Proc;
  readonly schedule: Proc;
  readonly dnscache: Proc;
  readonly termsvc: Proc;
  readonly wusvc: Proc;
  readonly localService: Proc;
  readonly spoolsv: Proc;
  readonly msMpEng: Proc;
  readonly searchIndexer: Proc;
  /** The interactive user's shell and long-running apps, started at `logon`. */
  readonly explorer: Proc;
  readonly chrome: Proc;
  readonly teams: Proc;
  readonly outlook: Proc;
  /** When the user logon completes; user activity starts after it. */
  readonly logon: number;
}

export interface RowObserver {
  observe(table: TableName, cells: readonly Cell[]): void;
}

export const DCOM_LAUNCH_CMD = 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p';
export const RPCSS_CMD = 'C:\\Windows\\system32\\svchost.exe -k RpcSs -p';

/**
 * One simulated Windows endpoint: identity, boots, PID allocation, and a time-ordered buffer of
 * its rows. Rows are buffered only until `flush`, so memory is bounded by one chunk of one device.
 */
export class Device implements DeviceIdentity {
  readonly epochs: Epoch[] = [];
  /** Minute slots (minute index from the origin) that a DCOM-relevant episode already uses. */
  private readonly reserved = new Set<number>();
  private pending: PendingRow[] = [];
  private seq = 0;
  private nextPid: number;
  private reportId: number;
  private uniqueCounter: number;

  constructor(
    readonly index: number,
    readonly deviceId: string,
    readonly deviceName: string,
    readonly ipv4: string,
    readonly ipv6: string,
    readonly user: Account,
    readonly admin: Account,
    readonly role: 'normal' | 'no-boot' | 'reboot',
    rng: Rng,
  ) {
    this.nextPid = 1000 + 4 * rng.int(200);
    this.reportId = 1000 + rng.int(50_000);
    this.uniqueCounter = 2_000_000 + rng.int(1_000_000);
  }

  /** The services.exe start times written for this device, ascending. */
  get bootRowTimes(): number[] {
    return this.role === 'no-boot' ? [] : this.epochs.map((e) => e.boot);
  }

  /** What the rule's `lastBootTime` computes for this device (null: no services.exe row at all). */
  get lastBootTime(): number | null {
    const rows = this.bootRowTimes;
    return rows.length === 0 ? null : rows[rows.length - 1]!;
  }

  epochAt(t: number): Epoch {
    let found = this.epochs[0];
    for (const e of this.epochs) if (e.boot <= t) found = e;
    if (!found) throw new Error(`${this.deviceName}: no boot`);
    return found;
  }

  /** Windows PIDs are multiples of 4; a monotonic allocator means no accidental PID reuse. */
  allocPid(rng: Rng): number {
    this.nextPid += 4 * (1 + rng.int(12));
    return this.nextPid;
  }

  spawn(
    rng: Rng,
    parent: Proc | null,
    image: Image,
    cmd: string,
    created: number,
    account: Account,
    pid?: number,
  ): Proc {
    return {
      pid: pid ?? this.allocPid(rng),
      image,
      cmd,
      created,
      account,
      uniqueId: String(this.uniqueCounter++),
      parent,
    };
  }

  isFree(minute: number): boolean {
    return !this.reserved.has(minute);
  }

  /** Reserves every minute slot overlapping [from, to) if all are free. */
  reserveSpan(from: number, to: number): boolean {
    const a = Math.floor(from / MINUTE);
    const b = Math.floor((to - 1) / MINUTE);
    for (let m = a; m <= b; m++) if (this.reserved.has(m)) return false;
    for (let m = a; m <= b; m++) this.reserved.add(m);
    return true;
  }

  private push(table: TableName, t: number, cells: Cell[]): void {
    this.pending.push({ t, seq: this.seq++, table, cells });
  }

  emitProcess(ts: number, proc: Proc, o: ProcessRowOverrides = {}, additionalFields = ''): RowRef {
    const reportId = this.reportId++;
    this.push('DeviceProcessEvents', ts, processRow(this, ts, proc, reportId, additionalFields, o));
    return {
      table: 'DeviceProcessEvents',
      t: ts,
      reportId,
      what: `${proc.image.fileName} (pid ${proc.pid}) ${proc.cmd}`,
    };
  }

  emitNetwork(ts: number, actor: Proc, net: NetworkSpec, o: NetworkRowOverrides = {}): RowRef {
    const reportId = this.reportId++;
    this.push('DeviceNetworkEvents', ts, networkRow(this, ts, actor, net, reportId, o));
    const what = `${net.action} ${net.remoteIP}:${net.remotePort ?? ''} -> ${net.localIP}:${net.localPort ?? ''} by ${o.initiatingFileName ?? actor.image.fileName} (pid ${actor.pid})`;
    return { table: 'DeviceNetworkEvents', t: ts, reportId, what };
  }

  /**
   * Writes every buffered row with t < until, in (time, emission) order, to the sinks and the
   * observer; later rows stay buffered.
   */
  flush(until: number, sinks: Record<TableName, RowSink>, observer: RowObserver): void {
    this.pending.sort((a, b) => a.t - b.t || a.seq - b.seq);
    let i = 0;
    for (; i < this.pending.length; i++) {
      const row = this.pending[i]!;
      if (row.t >= until) break;
      observer.observe(row.table, row.cells);
      sinks[row.table].writeRow(row.cells);
    }
    this.pending = this.pending.slice(i);
  }

  /** Drops rows at or after the end of the window (noise that would spill past it). */
  discardFrom(t: number): void {
    this.pending = this.pending.filter((r) => r.t < t);
  }

  /**
   * Starts a boot epoch at `boot`: the session-0 chain, the service hosts (with the RpcSs and
   * DcomLaunch svchost instances the rule keys on) and the user logon. With `writeRows` false the
   * boot happened before the export window: the processes exist but no row shows their start.
   */
  bootAt(rng: Rng, boot: number, writeRows: boolean): Epoch {
    const r = (p: Proc, dt: number): void => {
      if (writeRows) this.emitProcess(boot + dt, p);
    };
    const system = this.spawn(rng, null, IMG.ntoskrnl, '', boot - 12 * SEC, SYSTEM, 4);
    const smss = this.spawn(rng, system, IMG.smss, '\\SystemRoot\\System32\\smss.exe', boot - 9 * SEC, SYSTEM);
    const wininit = this.spawn(rng, smss, IMG.wininit, 'wininit.exe', boot - 3 * SEC, SYSTEM);
    const services = this.spawn(rng, wininit, IMG.services, 'C:\\Windows\\system32\\services.exe', boot, SYSTEM);
    const bootRef = writeRows ? this.emitProcess(boot, services) : null;
    const lsass = this.spawn(rng, wininit, IMG.lsass, 'C:\\Windows\\system32\\lsass.exe', boot + 310_000, SYSTEM);
    r(lsass, 310_000);
    const svc = (cmd: string, dt: number, acc: Account, img: Image = IMG.svchost): Proc => {
      const p = this.spawn(rng, services, img, cmd, boot + dt, acc);
      r(p, dt);
      return p;
    };
    const dcomLaunch = svc(DCOM_LAUNCH_CMD, 4_512_345, SYSTEM);
    const rpcss = svc(RPCSS_CMD, 6_871_002, NETWORK_SERVICE);
    if (writeRows) {
      // RpcSs starts listening on 135: exactly the ListeningConnectionCreated rows the rule excludes.
      const listen = (localIP: string, protocol: string): NetworkSpec => ({
        action: 'ListeningConnectionCreated',
        localIP,
        localPort: 135,
        remoteIP: '',
        remotePort: null,
        remoteUrl: '',
        protocol,
        additionalFields: '',
      });
      this.emitNetwork(boot + 9_100_000, rpcss, listen('0.0.0.0', 'TcpV4'));
      this.emitNetwork(boot + 9_100_417, rpcss, listen('::', 'TcpV6'));
      this.emitNetwork(boot + 11_000_000, system, {
        action: 'ListeningConnectionCreated',
        localIP: '0.0.0.0',
        localPort: 445,
        remoteIP: '',
        remotePort: null,
        remoteUrl: '',
        protocol: 'TcpV4',
        additionalFields: '',
      });
    }
    const schedule = svc('C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule', 21_000_000, SYSTEM);
    const dnscache = svc(
      'C:\\Windows\\system32\\svchost.exe -k NetworkService -p -s Dnscache',
      23_500_000,
      NETWORK_SERVICE,
    );
    const termsvc = svc('C:\\Windows\\System32\\svchost.exe -k termsvcs -s TermService', 27_000_000, NETWORK_SERVICE);
    const localService = svc(
      'C:\\Windows\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p',
      29_000_000,
      LOCAL_SERVICE,
    );
    const wusvc = svc('C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s wuauserv', 33_000_000, SYSTEM);
    const spoolsv = svc('C:\\Windows\\System32\\spoolsv.exe', 61_000_000, SYSTEM, IMG.spoolsv);
    const msMpEng = svc(`"${IMG.msMpEng.path}"`, 82_000_000, SYSTEM, IMG.msMpEng);
    const searchIndexer = svc(
      'C:\\Windows\\system32\\SearchIndexer.exe /Embedding',
      250_000_000,
      SYSTEM,
      IMG.searchIndexer,
    );
    const logon = boot + (45 + rng.int(45)) * SEC + rng.int(SEC);
    // The user's shell and apps: before the window they simply exist; inside it their starts are rows.
    const winlogon = this.spawn(rng, smss, IMG.winlogon, 'winlogon.exe', boot - 2 * SEC, { ...SYSTEM, session: 1 });
    const userinit = this.spawn(rng, winlogon, IMG.userinit, 'C:\\Windows\\system32\\userinit.exe', logon, this.user);
    const explorer = this.spawn(rng, userinit, IMG.explorer, 'C:\\Windows\\Explorer.EXE', logon + 1_250_000, this.user);
    const chrome = this.spawn(rng, explorer, IMG.chrome, `"${IMG.chrome.path}" `, logon + 38 * SEC, this.user);
    const teams = this.spawn(
      rng,
      explorer,
      IMG.teams,
      `"${IMG.teams.path}" --system-initiated`,
      logon + 12 * SEC,
      this.user,
    );
    const outlook = this.spawn(rng, explorer, IMG.outlook, `"${IMG.outlook.path}" `, logon + 95 * SEC, this.user);
    if (writeRows) {
      this.emitProcess(userinit.created, userinit);
      this.emitProcess(explorer.created, explorer);
      this.emitProcess(teams.created, teams);
      this.emitProcess(chrome.created, chrome);
      this.emitProcess(outlook.created, outlook);
    }
    const epoch: Epoch = {
      boot,
      bootRef,
      system,
      services,
      lsass,
      dcomLaunch,
      rpcss,
      schedule,
      dnscache,
      termsvc,
      wusvc,
      localService,
      spoolsv,
      msMpEng,
      searchIndexer,
      explorer,
      chrome,
      teams,
      outlook,
      logon,
    };
    this.epochs.push(epoch);
    return epoch;
  }
}
