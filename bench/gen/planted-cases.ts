import { ATTACK_FLAVORS, CSC_CHILD, DLLHOST_UPPER, attackShape, dllhostCmd } from './attacks';
import type { AttackFlavor } from './attacks';
import { IMG } from './catalog';
import type { Clock } from './clock';
import { MINUTE, MS, SEC } from './clock';
import type { Device, RowRef } from './device';
import type { Image, Proc } from './model';
import type { Rng } from './prng';
import { codeUnitOrder } from './rule-oracle';
import type { TruthRow } from './rule-oracle';

export type Expect = 'alert' | 'suppressed';

/** Every planted kind with its expected outcome and the reason, as written to cases.json and the README. */
export const CASE_KINDS = {
  'tp-mmc20': [
    'alert',
    'MMC20.Application: inbound 135 to RpcSs, DcomLaunch starts mmc.exe -Embedding, mmc.exe runs cmd.exe',
  ],
  'tp-excel': [
    'alert',
    'Excel.Application: DcomLaunch starts EXCEL.EXE /automation -Embedding, which runs cmd.exe and powershell.exe',
  ],
  'tp-shellbrowserwindow': [
    'alert',
    'ShellBrowserWindow: DcomLaunch starts explorer.exe /factory,{75dff2b7-...} -Embedding, which runs cmd.exe',
  ],
  'tp-outlook': ['alert', 'Outlook.Application: DcomLaunch starts OUTLOOK.EXE -Embedding, which runs powershell.exe'],
  'tp-fanout': ['alert', 'one attacker IP moves to several hosts within a minute; one alert per host'],
  'tp-two-rpc': [
    'alert',
    'two inbound 135 connections within the window of one DCOM start: two alert rows (TimestampNetwEventExact is a summarize key)',
  ],
  'tp-child-plus-csc': [
    'alert',
    "cmd.exe and csc.exe children: alert, and csc.exe's command line is not in set_ProcessCommandLine",
  ],
  'tp-pid-reuse-same-name': [
    'alert',
    "a later, unrelated DcomLaunch-started mmc.exe reuses the server PID; the child join has no time bound, so its child's command line joins the earlier alert's set",
  ],
  'tp-pid-reuse-other-name': [
    'alert',
    "a later dllhost.exe reuses the server PID; its child fails `in` / `=~` on the name, so the alert's set is unchanged",
  ],
  'edge-gap-2.05s-kept': [
    'alert',
    'exact gap 2.05 s (net x.900, proc x+2.950): datetime_diff counts 2 second boundaries, kept',
  ],
  'edge-proc-0.8s-before-net-kept': [
    'alert',
    'DCOM start 0.8 s BEFORE the network event within the same second: datetime_diff is 0, kept',
  ],
  'edge-boot-bin-kept': ['alert', 'bin(proc,5s) is the first 5 s bin after LastBootTime+5m: kept'],
  'case-svchost-upper': [
    'alert',
    'InitiatingProcessFileName SVCHOST.EXE on the RPC and DCOM rows and InitiatingProcessParentFileName SVCHOST.EXE on the children: =~ folds case',
  ],
  'case-rpcss-upper': ['alert', 'RpcSs host command line "-k RPCSS": has is case-insensitive'],
  'case-dcomlaunch-lower': [
    'alert',
    'DcomLaunch host command line "-k dcomlaunch -p" in lower case: has is case-insensitive',
  ],
  'term-rpcss-underscore': [
    'alert',
    'command line "-k rpcss_x -p": "_" is not a term character, so rpcss is a whole term',
  ],
  'term-rpcss-dash-p': ['alert', 'command line "-k RpcSs-p": "-" separates terms'],
  'gap-3s': ['suppressed', 'proc 3.1 s after net (x.400 -> x+3.500): datetime_diff 3 > 2'],
  'gap-2.002s-boundary-3': [
    'suppressed',
    'exact gap only 2.002 s but it crosses 3 second boundaries (x.999 -> x+3.001): datetime_diff 3',
  ],
  'proc-before-net': [
    'suppressed',
    'DCOM start 0.1 s before the network event across a second boundary: datetime_diff -1',
  ],
  'boot-window': ['suppressed', "DCOM start 2 minutes after the device's last boot: bin(proc) <= LastBootTime+5m"],
  'boot-bin-edge': [
    'suppressed',
    'DCOM start 0.5 s AFTER LastBootTime+5m, but bin(proc,5s) floors it to <= LastBootTime+5m (strict >)',
  ],
  'no-boot-device': [
    'suppressed',
    'a complete MMC20 chain on a device with no services.exe row: LastBootTime is null after the leftouter join, so where drops it',
  ],
  'reboot-after-attack': [
    'suppressed',
    'a complete MMC20 chain, then the device reboots: the later LastBootTime makes the attack "within/before boot"',
  ],
  'local-ip-equals-remote-ip': ['suppressed', "LocalIP == RemoteIP (local activation through the host's own address)"],
  'ipv6-case-only-difference': [
    'suppressed',
    'LocalIP and RemoteIP differ only in IPv6 hex case: !~ is case-insensitive',
  ],
  'listening-135': ['suppressed', 'the only port-135 row is ListeningConnectionCreated'],
  'port-swap-1350': ['suppressed', 'LocalPort 1350 / RemotePort 135: the rule wants LocalPort == 135'],
  'term-rpcssx': ['suppressed', 'command line "-k rpcssx -p": rpcssx is one term, so has "rpcss" is false'],
  'term-xdcomlaunch': ['suppressed', 'DcomLaunch host command line "-k xdcomlaunch -p": has "dcomlaunch" is false'],
  'child-name-case': [
    'suppressed',
    'children report InitiatingProcessFileName excel.exe while the DCOM server is EXCEL.EXE: the case-sensitive `in` drops them before =~',
  ],
  'only-child-csc': ['suppressed', 'the only child is csc.exe, removed by FileName !in~ ("csc.exe")'],
  'no-child': ['suppressed', 'inbound 135 and a DCOM start, but the server starts no child'],
  'allow-listed-with-child': ['suppressed', 'dllhost.exe after inbound 135, with a child: allow-listed'],
  'allow-listed-upper-case': [
    'suppressed',
    'DLLHOST.EXE after inbound 135, with a child: !in~ folds case, still allow-listed',
  ],
} as const satisfies Record<string, readonly [Expect, string]>;

export type CaseKind = keyof typeof CASE_KINDS;

export interface RowRefJson {
  readonly table: string;
  readonly Timestamp: string;
  readonly ReportId: number;
  readonly what: string;
}

export interface CaseRecord {
  readonly id: string;
  readonly kind: CaseKind;
  readonly expect: Expect;
  readonly why: string;
  readonly group?: string;
  readonly DeviceId: string;
  readonly DeviceName: string;
  readonly network: RowRefJson[];
  readonly dcom: RowRefJson | null;
  readonly children: RowRefJson[];
  readonly related: RowRefJson[];
  /** How many truth.json rows this case accounts for. */
  readonly truthRows: number;
}

export interface PlantedCase {
  readonly record: CaseRecord;
  readonly expected: TruthRow[];
}

interface NetStep {
  readonly dt: number;
  readonly remoteIP: string;
  readonly localIP?: string;
  readonly localPort?: number;
  readonly remotePort?: number | null;
  readonly action?: string;
  readonly protocol?: string;
  readonly ipFileName?: string;
  readonly ipCmd?: string;
}

interface ChildStep {
  readonly image: Image;
  readonly cmd: string;
  readonly dt: number;
  readonly ipFileName?: string;
  readonly ipParentFileName?: string;
}

interface ChainSpec {
  readonly nets: readonly NetStep[];
  readonly server: {
    readonly image: Image;
    readonly cmd: string;
    readonly dt: number;
    readonly ipFileName?: string;
    readonly ipCmd?: string;
    readonly pid?: number;
  };
  readonly children: readonly ChildStep[];
}

interface Chain {
  readonly dev: Device;
  readonly at: number;
  readonly spec: ChainSpec;
  readonly server: Proc;
  readonly netRefs: RowRef[];
  readonly serverRef: RowRef;
  readonly childRefs: RowRef[];
}

const ephemeral = (rng: Rng): number => rng.range(49152, 65535);

/**
 * Plants every case kind (and extra true positives) into the devices' row buffers, each in its own
 * reserved minute slot so no two cases, and no noise, can pair up across slots (the rule's window
 * is under 3 s). Each case states its expected truth rows independently of the oracle.
 */
export class CasePlanter {
  readonly cases: PlantedCase[] = [];
  readonly skipped: { kind: CaseKind; reason: string }[] = [];
  private rr = 0;
  private nextId = 1;

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly devices: readonly Device[],
    private readonly windowEnd: number,
  ) {}

  private attackerIp(): string {
    return `10.20.${this.rng.range(1, 250)}.${this.rng.range(2, 254)}`;
  }

  private bootable(): Device[] {
    return this.devices.filter((d) => d.role !== 'no-boot');
  }

  /** Earliest time a generic case may use on `dev`: 10 min after its last boot. */
  private lowBound(dev: Device): number {
    return (dev.lastBootTime ?? 0) + 10 * MINUTE;
  }

  /** Reserves a free minute in [lo, hi) and returns the case anchor (20 s into the minute). */
  private slot(dev: Device, lo: number, hi: number): number | null {
    const first = Math.ceil(lo / MINUTE);
    const last = Math.floor(hi / MINUTE) - 1;
    if (last < first) return null;
    for (let attempt = 0; attempt < 64; attempt++) {
      const m = this.rng.range(first, last);
      if (dev.isFree(m) && dev.reserveSpan(m * MINUTE, (m + 1) * MINUTE)) return m * MINUTE + 20 * SEC;
    }
    for (let m = first; m <= last; m++)
      if (dev.isFree(m) && dev.reserveSpan(m * MINUTE, (m + 1) * MINUTE)) return m * MINUTE + 20 * SEC;
    return null;
  }

  /** A generic placement: the next bootable device (round robin) with a free slot. */
  private placeAny(): { dev: Device; at: number } | null {
    const pool = this.bootable();
    for (let k = 0; k < pool.length; k++) {
      const dev = pool[(this.rr + k) % pool.length]!;
      const at = this.slot(dev, this.lowBound(dev), this.windowEnd - 2 * MINUTE);
      if (at !== null) {
        this.rr = (this.rr + k + 1) % pool.length;
        return { dev, at };
      }
    }
    return null;
  }

  /** Emits one chain: inbound RPC row(s), the DcomLaunch-started server, its children. */
  private chain(dev: Device, at: number, spec: ChainSpec): Chain {
    const rng = this.rng;
    const epoch = dev.epochAt(at + spec.server.dt);
    const netRefs = spec.nets.map((n) =>
      dev.emitNetwork(
        at + n.dt,
        epoch.rpcss,
        {
          action: n.action ?? 'InboundConnectionAccepted',
          localIP: n.localIP ?? dev.ipv4,
          localPort: n.localPort ?? 135,
          remoteIP: n.remoteIP,
          remotePort: n.remotePort === undefined ? ephemeral(rng) : n.remotePort,
          remoteUrl: '',
          protocol: n.protocol ?? 'Tcp',
          additionalFields: '',
        },
        { initiatingFileName: n.ipFileName, initiatingCommandLine: n.ipCmd },
      ),
    );
    const server = dev.spawn(
      rng,
      epoch.dcomLaunch,
      spec.server.image,
      spec.server.cmd,
      at + spec.server.dt,
      dev.admin,
      spec.server.pid,
    );
    const serverRef = dev.emitProcess(at + spec.server.dt, server, {
      initiatingFileName: spec.server.ipFileName,
      initiatingCommandLine: spec.server.ipCmd,
    });
    // The DCOM method calls then reach the new server on its dynamic endpoint (realism, not matched by the rule).
    const remote = spec.nets.find((n) => n.remoteIP !== '');
    if (remote) {
      dev.emitNetwork(at + spec.server.dt + 1_734_000, server, {
        action: 'InboundConnectionAccepted',
        localIP: remote.localIP ?? dev.ipv4,
        localPort: rng.range(49670, 49720),
        remoteIP: remote.remoteIP,
        remotePort: ephemeral(rng),
        remoteUrl: '',
        protocol: 'Tcp',
        additionalFields: '',
      });
    }
    const childRefs = spec.children.map((c) => {
      const child = dev.spawn(rng, server, c.image, c.cmd, at + c.dt, dev.admin);
      return dev.emitProcess(at + c.dt, child, {
        initiatingFileName: c.ipFileName,
        initiatingParentFileName: c.ipParentFileName,
      });
    });
    return { dev, at, spec, server, netRefs, serverRef, childRefs };
  }

  /** Typical attack timing: net a little after the anchor, DCOM start 0.25-1.2 s later, children seconds later. */
  private attackSpec(flavor: AttackFlavor, remoteIP: string, c2: string, over: Partial<ChainSpec> = {}): ChainSpec {
    const rng = this.rng;
    const shape = attackShape(flavor, rng, c2);
    const net = rng.range(500_000, 7_000_000);
    const srv = net + rng.range(2_500_000, 12_000_000);
    let t = srv + rng.range(15_000_000, 30_000_000);
    const children = shape.children.map((c) => {
      const step = { ...c, dt: t };
      t += rng.range(8_000_000, 20_000_000);
      return step;
    });
    return { nets: [{ dt: net, remoteIP }], server: { ...shape.server, dt: srv }, children, ...over };
  }

  /** The truth rows an alerting chain produces: one per network event, children minus csc.exe plus `extra`. */
  private expectedRows(ch: Chain, extra: readonly string[] = []): TruthRow[] {
    const boot = ch.dev.lastBootTime;
    if (boot === null) throw new Error('alert expected on a device without boot');
    const cmds = new Set<string>(extra);
    for (const c of ch.spec.children) if (c.image.fileName.toLowerCase() !== 'csc.exe') cmds.add(c.cmd);
    return ch.spec.nets.map((n) => [
      this.clock.exact(ch.at + n.dt),
      this.clock.exact(ch.at + ch.spec.server.dt),
      ch.dev.deviceId,
      ch.dev.deviceName,
      ch.server.pid,
      n.localIP ?? ch.dev.ipv4,
      n.remoteIP,
      this.clock.exact(boot),
      ch.spec.server.cmd,
      [...cmds].sort(codeUnitOrder),
    ]);
  }

  private ref(r: RowRef): RowRefJson {
    return { table: r.table, Timestamp: this.clock.exact(r.t), ReportId: r.reportId, what: r.what };
  }

  private record(kind: CaseKind, ch: Chain, expected: TruthRow[], related: RowRef[] = [], group?: string): void {
    const [expect, why] = CASE_KINDS[kind];
    if (expected.length > 0 !== (expect === 'alert'))
      throw new Error(`case ${kind}: expectation disagrees with its kind`);
    const record: CaseRecord = {
      id: `case-${String(this.nextId++).padStart(3, '0')}`,
      kind,
      expect,
      why,
      ...(group === undefined ? {} : { group }),
      DeviceId: ch.dev.deviceId,
      DeviceName: ch.dev.deviceName,
      network: ch.netRefs.map((r) => this.ref(r)),
      dcom: this.ref(ch.serverRef),
      children: ch.childRefs.map((r) => this.ref(r)),
      related: related.map((r) => this.ref(r)),
      truthRows: expected.length,
    };
    this.cases.push({ record, expected });
  }

  /** A generic placed case: attack-shaped chain with `edit` applied; alert or not per its kind. */
  private simple(
    kind: CaseKind,
    edit: (spec: ChainSpec, dev: Device, attacker: string) => ChainSpec,
    flavor: AttackFlavor = 'mmc20',
  ): void {
    const place = this.placeAny();
    if (!place) {
      this.skipped.push({ kind, reason: 'no free slot' });
      return;
    }
    const attacker = this.attackerIp();
    const spec = edit(this.attackSpec(flavor, attacker, this.attackerIp()), place.dev, attacker);
    const ch = this.chain(place.dev, place.at, spec);
    this.record(kind, ch, CASE_KINDS[kind][0] === 'alert' ? this.expectedRows(ch) : []);
  }

  /** Children at fixed offsets after a server start at `srv`. */
  private kids(srv: number, list: readonly { image: Image; cmd: string }[], o: Partial<ChildStep> = {}): ChildStep[] {
    return list.map((c, i) => ({ ...c, dt: srv + (2 + 1.5 * i) * SEC + 1_234_567 * (i + 1), ...o }));
  }

  plantAll(extraAttacks: number): void {
    const flavors: readonly [CaseKind, AttackFlavor][] = [
      ['tp-mmc20', 'mmc20'],
      ['tp-excel', 'excel'],
      ['tp-shellbrowserwindow', 'shellbrowserwindow'],
      ['tp-outlook', 'outlook'],
    ];
    for (const [kind, flavor] of flavors) this.simple(kind, (s) => s, flavor);
    this.fanout();
    this.simple('tp-two-rpc', (s, _d, a) => ({
      ...s,
      nets: [
        { dt: 2_000_000, remoteIP: a },
        { dt: 6_500_000, remoteIP: a },
      ],
      server: { ...s.server, dt: 11_000_000 },
      children: this.kids(11_000_000, s.children),
    }));
    this.simple('tp-child-plus-csc', (s) => ({
      ...s,
      children: [...s.children, { ...CSC_CHILD, dt: s.server.dt + 41_000_000 }],
    }));
    this.pidReuse('tp-pid-reuse-same-name');
    this.pidReuse('tp-pid-reuse-other-name');
    // Second-boundary edges; the anchor is a whole second, so dt fixes the sub-second position.
    const timed = (kind: CaseKind, net: number, srv: number): void =>
      this.simple(kind, (s, _d, a) => ({
        ...s,
        nets: [{ dt: net, remoteIP: a }],
        server: { ...s.server, dt: srv },
        children: this.kids(Math.max(net, srv), s.children),
      }));
    timed('edge-gap-2.05s-kept', 900 * MS, 2950 * MS);
    timed('edge-proc-0.8s-before-net-kept', 900 * MS, 100 * MS);
    timed('gap-3s', 400 * MS, 3500 * MS);
    timed('gap-2.002s-boundary-3', 999 * MS, 3001 * MS);
    timed('proc-before-net', 1050 * MS, 950 * MS);
    this.bootRelative('boot-window');
    this.bootRelative('boot-bin-edge');
    this.bootRelative('edge-boot-bin-kept');
    this.onSpecialDevice('no-boot-device');
    this.onSpecialDevice('reboot-after-attack');
    const netEdit =
      (n: Partial<NetStep>) =>
      (s: ChainSpec): ChainSpec => ({ ...s, nets: s.nets.map((x) => ({ ...x, ...n })) });
    this.simple('case-svchost-upper', (s) => ({
      ...netEdit({ ipFileName: 'SVCHOST.EXE' })(s),
      server: { ...s.server, ipFileName: 'SVCHOST.EXE' },
      children: s.children.map((c) => ({ ...c, ipParentFileName: 'SVCHOST.EXE' })),
    }));
    this.simple('case-rpcss-upper', netEdit({ ipCmd: 'C:\\Windows\\system32\\svchost.exe -k RPCSS' }));
    this.simple('case-dcomlaunch-lower', (s) => ({
      ...s,
      server: { ...s.server, ipCmd: 'c:\\windows\\system32\\svchost.exe -k dcomlaunch -p' },
    }));
    this.simple('term-rpcss-underscore', netEdit({ ipCmd: 'C:\\Windows\\system32\\svchost.exe -k rpcss_x -p' }));
    this.simple('term-rpcss-dash-p', netEdit({ ipCmd: 'C:\\Windows\\system32\\svchost.exe -k RpcSs-p' }));
    this.simple('term-rpcssx', netEdit({ ipCmd: 'C:\\Windows\\system32\\svchost.exe -k rpcssx -p' }));
    this.simple('term-xdcomlaunch', (s) => ({
      ...s,
      server: { ...s.server, ipCmd: 'C:\\Windows\\system32\\svchost.exe -k xdcomlaunch -p' },
    }));
    this.simple('local-ip-equals-remote-ip', (s, d) => netEdit({ remoteIP: d.ipv4 })(s));
    this.simple('ipv6-case-only-difference', (s, d) => netEdit({ localIP: d.ipv6, remoteIP: d.ipv6.toUpperCase() })(s));
    this.simple(
      'listening-135',
      netEdit({
        action: 'ListeningConnectionCreated',
        localIP: '0.0.0.0',
        remoteIP: '',
        remotePort: null,
        protocol: 'TcpV4',
      }),
    );
    this.simple('port-swap-1350', netEdit({ localPort: 1350, remotePort: 135 }));
    this.simple(
      'child-name-case',
      (s) => ({ ...s, children: s.children.map((c) => ({ ...c, ipFileName: 'excel.exe' })) }),
      'excel',
    );
    this.simple('only-child-csc', (s) => ({ ...s, children: [{ ...CSC_CHILD, dt: s.server.dt + 23_000_000 }] }));
    this.simple('no-child', (s) => ({ ...s, children: [] }));
    this.simple('allow-listed-with-child', (s) => ({
      ...s,
      server: { ...s.server, image: IMG.dllhost, cmd: dllhostCmd(this.rng) },
    }));
    this.simple('allow-listed-upper-case', (s) => ({
      ...s,
      server: { ...s.server, image: DLLHOST_UPPER, cmd: dllhostCmd(this.rng, 'DLLHOST.EXE') },
    }));
    for (let i = 0; i < extraAttacks; i++) {
      const flavor = this.rng.pick(ATTACK_FLAVORS);
      this.simple(`tp-${flavor}` as const, (s) => s, flavor);
    }
  }

  private fanout(): void {
    const pool = this.bootable();
    const k = Math.min(4, pool.length);
    if (k < 2) {
      this.skipped.push({ kind: 'tp-fanout', reason: 'needs two devices with a boot' });
      return;
    }
    const targets = Array.from({ length: k }, (_, j) => pool[(this.rr + j) % pool.length]!);
    const lo = Math.max(...targets.map((d) => this.lowBound(d)));
    const first = Math.ceil(lo / MINUTE);
    const last = Math.floor((this.windowEnd - 2 * MINUTE) / MINUTE) - 1;
    for (let m = first; m <= last; m++) {
      if (!targets.every((d) => d.isFree(m))) continue;
      const attacker = this.attackerIp();
      const c2 = this.attackerIp();
      targets.forEach((dev, j) => {
        dev.reserveSpan(m * MINUTE, (m + 1) * MINUTE);
        // Hosts hit 7 s apart: all within one minute from the same source.
        const ch = this.chain(dev, m * MINUTE + 5 * SEC + j * 7 * SEC, this.attackSpec('mmc20', attacker, c2));
        this.record('tp-fanout', ch, this.expectedRows(ch), [], `fanout-${attacker}`);
      });
      return;
    }
    this.skipped.push({ kind: 'tp-fanout', reason: 'no minute free on all targets' });
  }

  private pidReuse(kind: 'tp-pid-reuse-same-name' | 'tp-pid-reuse-other-name'): void {
    const pool = this.bootable();
    for (let k = 0; k < pool.length; k++) {
      const dev = pool[(this.rr + k) % pool.length]!;
      const hi = this.windowEnd - 2 * MINUTE;
      const at = this.slot(dev, this.lowBound(dev), hi - 6 * MINUTE);
      if (at === null) continue;
      const later = this.slot(dev, at + 5 * MINUTE, hi);
      if (later === null) continue;
      this.rr = (this.rr + k + 1) % pool.length;
      const attacker = this.attackerIp();
      const ch = this.chain(dev, at, this.attackSpec('mmc20', attacker, this.attackerIp()));
      const epoch = dev.epochAt(later);
      // Windows hands the freed PID to an unrelated process minutes later.
      const same = kind === 'tp-pid-reuse-same-name';
      const reused = dev.spawn(
        this.rng,
        epoch.dcomLaunch,
        same ? IMG.mmc : IMG.dllhost,
        same ? '"C:\\Windows\\system32\\mmc.exe" -Embedding' : dllhostCmd(this.rng),
        later,
        dev.user,
        ch.server.pid,
      );
      const reusedRef = dev.emitProcess(later, reused);
      const childCmd = same
        ? '"C:\\Windows\\system32\\notepad.exe" C:\\Users\\Public\\Documents\\mmc-export, 2024.txt'
        : '"C:\\Windows\\system32\\cmd.exe" /c "C:\\ProgramData\\Vendor\\thumbs.cmd"';
      const child = dev.spawn(
        this.rng,
        reused,
        same ? IMG.notepad : IMG.cmd,
        childCmd,
        later + 3 * SEC + 417,
        dev.user,
      );
      const childRef = dev.emitProcess(child.created, child);
      this.record(kind, ch, this.expectedRows(ch, same ? [childCmd] : []), [reusedRef, childRef]);
      return;
    }
    this.skipped.push({ kind, reason: 'no device with two free slots' });
  }

  /**
   * Cases pinned to the device's last boot. Boots are placed 1-3 s past a 5 s boundary
   * (generate.ts), so LastBootTime+5m sits 2-4 s before the next bin edge.
   */
  private bootRelative(kind: 'boot-window' | 'boot-bin-edge' | 'edge-boot-bin-kept'): void {
    const pool = this.bootable();
    for (let k = 0; k < pool.length; k++) {
      const dev = pool[(this.rr + k) % pool.length]!;
      const boot = dev.lastBootTime!;
      const limit = boot + 5 * MINUTE;
      const binEnd = Math.floor(limit / (5 * SEC)) * 5 * SEC + 5 * SEC;
      let proc: number;
      let net: number;
      if (kind === 'boot-window') {
        net = boot + 2 * MINUTE + this.rng.range(0, 20) * SEC + this.rng.int(SEC);
        proc = net + 6_120_000;
      } else if (kind === 'boot-bin-edge') {
        proc = limit + 500 * MS;
        net = proc - 300 * MS;
        if (proc >= binEnd) throw new Error('boot alignment broken');
      } else {
        proc = binEnd + 300 * MS;
        net = proc - 400 * MS;
      }
      if (!dev.reserveSpan(net - 20 * SEC, proc + 40 * SEC)) continue;
      this.rr = (this.rr + k + 1) % pool.length;
      const attacker = this.attackerIp();
      const s = this.attackSpec('mmc20', attacker, this.attackerIp());
      const ch = this.chain(dev, net, {
        nets: [{ dt: 0, remoteIP: attacker }],
        server: { ...s.server, dt: proc - net },
        children: this.kids(proc - net, s.children),
      });
      const related = dev.epochAt(proc).bootRef;
      this.record(kind, ch, CASE_KINDS[kind][0] === 'alert' ? this.expectedRows(ch) : [], related ? [related] : []);
      return;
    }
    this.skipped.push({ kind, reason: 'no device with a free post-boot slot' });
  }

  private onSpecialDevice(kind: 'no-boot-device' | 'reboot-after-attack'): void {
    const role = kind === 'no-boot-device' ? 'no-boot' : 'reboot';
    const dev = this.devices.find((d) => d.role === role);
    if (!dev) {
      this.skipped.push({ kind, reason: `no ${role} device (needs more devices)` });
      return;
    }
    const first = dev.epochs[0]!;
    const lastRow = dev.epochs[dev.epochs.length - 1]!;
    const lo = kind === 'no-boot-device' ? 10 * MINUTE : first.boot + 10 * MINUTE;
    const hi = kind === 'no-boot-device' ? this.windowEnd - 2 * MINUTE : lastRow.boot - 5 * MINUTE;
    const at = this.slot(dev, lo, hi);
    if (at === null) {
      this.skipped.push({ kind, reason: 'no free slot' });
      return;
    }
    const attacker = this.attackerIp();
    const ch = this.chain(dev, at, this.attackSpec('mmc20', attacker, this.attackerIp()));
    this.record(kind, ch, [], kind === 'reboot-after-attack' && lastRow.bootRef ? [lastRow.bootRef] : []);
  }
}
