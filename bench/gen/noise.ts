import {
  ADMIN_SOURCES,
  DLLHOST_CLSIDS,
  DOMAIN_CONTROLLERS,
  IMG,
  SEARCH_PROTOCOL_HOST_CMD,
  SYSTEM,
  WEB_DESTINATIONS,
} from './catalog';
import { MINUTE, SEC } from './clock';
import type { Device, Epoch } from './device';
import type { Image, NetworkSpec, Proc } from './model';
import type { Rng } from './prng';

/**
 * Benign background activity. Generic activity never involves the RpcSs or DcomLaunch svchost, so it
 * cannot feed the rule; the DCOM-looking activity (inbound 135, DcomLaunch-started servers) happens
 * only in "episodes", one per free minute slot, inside seconds 15-50 of that minute, so no episode
 * is ever within the rule's <3 s window of another episode or of a planted case.
 */

const ALLOW_LISTED: readonly (readonly [Image, (rng: Rng) => string])[] = [
  [IMG.dllhost, (rng) => `C:\\Windows\\system32\\DllHost.exe /Processid:${rng.pick(DLLHOST_CLSIDS)}`],
  [IMG.runtimeBroker, () => 'C:\\Windows\\System32\\RuntimeBroker.exe -Embedding'],
  [
    IMG.backgroundTaskHost,
    () => '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider',
  ],
  [IMG.smartscreen, () => 'C:\\Windows\\System32\\smartscreen.exe -Embedding'],
  [IMG.sppExtComObj, () => 'C:\\Windows\\system32\\SppExtComObj.Exe -Embedding'],
  [IMG.usocoreworker, () => 'C:\\Windows\\System32\\usocoreworker.exe -Embedding'],
  [IMG.mobsync, () => 'C:\\Windows\\System32\\mobsync.exe -Embedding'],
  [IMG.tiWorker, () => `${IMG.tiWorker.path} -Embedding`],
  [IMG.browserBroker, () => 'C:\\Windows\\system32\\browser_broker.exe -Embedding'],
];

const NOT_ALLOW_LISTED: readonly (readonly [Image, string])[] = [
  [IMG.applicationFrameHost, 'C:\\Windows\\system32\\ApplicationFrameHost.exe -Embedding'],
  [IMG.startMenu, `"${IMG.startMenu.path}" -ServerName:App.AppXywbrabmsek0gm3tkwpr5kwzbs55tkqay.mca`],
  [
    IMG.securityHealthHost,
    'C:\\Windows\\System32\\SecurityHealthHost.exe {08728914-3F57-4D52-9E31-49DAECA5A80A} -Embedding',
  ],
  [IMG.compPkgSrv, 'C:\\Windows\\System32\\CompPkgSrv.exe -Embedding'],
  [IMG.wuapihost, 'C:\\Windows\\System32\\wuapihost.exe -Embedding'],
  [
    IMG.rundll32,
    'C:\\Windows\\system32\\rundll32.exe C:\\Windows\\system32\\shell32.dll,SHCreateLocalServerRunDll {9aa46009-3ce0-458a-a354-715610a075e6} -Embedding',
  ],
  [IMG.winword, `"${IMG.winword.path}" /Automation -Embedding`],
];

const ephemeral = (rng: Rng): number => rng.range(49152, 65535);
const jitter = (rng: Rng, maxSec: number): number => rng.int(maxSec * SEC);

/** Timestamps with 7, 6 (µs) or 3 (ms) significant fraction digits, so the export trims some zeros. */
function roundTs(rng: Rng, t: number): number {
  const r = rng.next();
  if (r < 0.15) return t - (t % 10);
  if (r < 0.22) return t - (t % 10_000);
  return t;
}

function net(
  action: string,
  localIP: string,
  localPort: number | null,
  remoteIP: string,
  remotePort: number | null,
  protocol = 'Tcp',
  remoteUrl = '',
  additionalFields = '',
): NetworkSpec {
  return { action, localIP, localPort, remoteIP, remotePort, remoteUrl, protocol, additionalFields };
}

export class NoiseGenerator {
  private rendererId = 5;

  constructor(
    private readonly dev: Device,
    private readonly rng: Rng,
    /** Multiplier on activity rates (1 = ~600 rows per device-hour). */
    private readonly rate: number,
  ) {}

  /** Generic activity in [from, to). */
  generate(from: number, to: number): void {
    const rng = this.rng;
    const meanGap = (6.5 * SEC) / this.rate;
    let t = from + rng.exp(meanGap);
    for (; t < to; t += rng.exp(meanGap)) {
      const e = this.dev.epochAt(t);
      // Nothing but the boot sequence until the user's session is up.
      if (t < e.logon + 100 * SEC) continue;
      const ts = roundTs(rng, Math.floor(t));
      this.activity(e, ts);
    }
    for (let m = Math.ceil(from / MINUTE); (m + 1) * MINUTE <= to; m++) {
      const start = m * MINUTE;
      const e = this.dev.epochAt(start);
      if (start < e.logon + 100 * SEC) continue;
      if (!this.dev.isFree(m) || !rng.chance(0.1 * this.rate)) continue;
      this.dev.reserveSpan(start, start + MINUTE);
      this.episode(e, start + 15 * SEC + jitter(rng, 25));
    }
  }

  private activity(e: Epoch, ts: number): void {
    const rng = this.rng;
    const dev = this.dev;
    const kind = rng.weighted<number>([
      [0, 38],
      [1, 9],
      [2, 3],
      [3, 3],
      [4, 8],
      [5, 3],
      [6, 1],
      [7, 2],
      [8, 6],
      [9, 10],
      [10, 3],
      [11, 2],
      [12, 4],
      [13, 5],
      [14, 1],
      [15, 1],
      [16, 1],
    ]);
    switch (kind) {
      case 0: {
        const [url, ip] = rng.pick(WEB_DESTINATIONS);
        const actor = rng.pick([e.chrome, e.chrome, e.teams, e.outlook, e.msMpEng]);
        dev.emitNetwork(ts, actor, net('ConnectionSuccess', dev.ipv4, ephemeral(rng), ip, 443, 'Tcp', url));
        break;
      }
      case 1: {
        const [url, ip] = rng.pick(WEB_DESTINATIONS);
        const extra = JSON.stringify({
          direction: 'Outbound',
          conn_state: 'SF',
          query: url,
          qtype: 1,
          qtype_name: 'A',
          rcode: 0,
          rcode_name: 'NOERROR',
          answers: [ip],
          ttls: [300],
        });
        dev.emitNetwork(
          ts,
          e.dnscache,
          net('DnsConnectionInspected', dev.ipv4, ephemeral(rng), rng.pick(DOMAIN_CONTROLLERS), 53, 'Udp', '', extra),
        );
        break;
      }
      case 2: {
        const [url, ip] = rng.pick(WEB_DESTINATIONS);
        const extra = JSON.stringify({
          direction: 'Outbound',
          host: url,
          method: 'GET',
          uri: `/ncsi.txt?x=${rng.int(1000)},${rng.int(1000)}`,
          user_agent:
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
          status_code: 200,
        });
        dev.emitNetwork(
          ts,
          e.chrome,
          net('HttpConnectionInspected', dev.ipv4, ephemeral(rng), ip, 80, 'Tcp', url, extra),
        );
        break;
      }
      case 3: {
        const [url, ip] = rng.pick(WEB_DESTINATIONS);
        dev.emitNetwork(
          ts,
          rng.pick([e.chrome, e.teams]),
          net('ConnectionFailed', dev.ipv4, ephemeral(rng), ip, 443, 'Tcp', url),
        );
        break;
      }
      case 4: {
        const [actor, port] = rng.pick([
          [e.lsass, 389],
          [e.lsass, 88],
          [e.schedule, 445],
          [e.lsass, 636],
        ] as const);
        dev.emitNetwork(
          ts,
          actor,
          net('ConnectionSuccess', dev.ipv4, ephemeral(rng), rng.pick(DOMAIN_CONTROLLERS), port),
        );
        break;
      }
      case 5:
        dev.emitNetwork(
          ts,
          e.system,
          net('InboundConnectionAccepted', dev.ipv4, 445, rng.pick(ADMIN_SOURCES), ephemeral(rng)),
        );
        break;
      case 6:
        dev.emitNetwork(
          ts,
          e.termsvc,
          net('InboundConnectionAccepted', dev.ipv4, 3389, rng.pick(ADMIN_SOURCES), ephemeral(rng)),
        );
        break;
      case 7: {
        const actor = rng.pick([e.teams, e.spoolsv, e.localService]);
        dev.emitNetwork(
          ts,
          actor,
          net('ListeningConnectionCreated', '0.0.0.0', rng.range(49664, 49720), '', null, 'TcpV4'),
        );
        break;
      }
      case 8:
        dev.emitNetwork(
          ts,
          e.msMpEng,
          net(
            'ConnectionSuccess',
            dev.ipv4,
            ephemeral(rng),
            '51.105.71.136',
            443,
            'Tcp',
            'winatp-gw-weu.microsoft.com',
          ),
        );
        break;
      case 9:
        this.renderer(e, ts);
        break;
      case 10:
        this.userShell(e, ts);
        break;
      case 11: {
        const ps = this.start(
          e.explorer,
          IMG.powershell,
          `"${IMG.powershell.path}" -NoProfile -Command "Get-ChildItem -Path 'C:\\Users\\${dev.user.name}\\Documents' -Filter *.xlsx | Select-Object Name, Length"`,
          ts,
          dev.user,
        );
        this.start(
          ps,
          IMG.conhost,
          '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1',
          ts + 31_000,
          dev.user,
        );
        break;
      }
      case 12:
        this.scheduledTask(e, ts);
        break;
      case 13: {
        if (rng.chance(0.6)) this.start(e.searchIndexer, IMG.searchProtocolHost, SEARCH_PROTOCOL_HOST_CMD, ts, SYSTEM);
        else
          this.start(
            e.searchIndexer,
            IMG.searchFilterHost,
            '"C:\\Windows\\system32\\SearchFilterHost.exe" 0 716 720 728 8192 724 700 ',
            ts,
            SYSTEM,
          );
        break;
      }
      case 14:
        this.start(
          e.services,
          IMG.svchost,
          `C:\\Windows\\system32\\svchost.exe -k ${rng.pick(['netsvcs -p -s BITS', 'LocalService -p -s fdPHost', 'NetworkService -p -s CryptSvc', 'wsappx -p -s ClipSVC'])}`,
          ts,
          SYSTEM,
        );
        break;
      case 15:
        this.start(e.msMpEng, IMG.mpCmdRun, `"${IMG.mpCmdRun.path}" -wdenable`, ts, SYSTEM);
        break;
      case 16:
        this.start(e.wusvc, IMG.mousocoreworker, 'C:\\Windows\\System32\\mousocoreworker.exe -Embedding', ts, SYSTEM);
        break;
    }
  }

  private start(parent: Proc, image: Image, cmd: string, ts: number, account: Proc['account']): Proc {
    const p = this.dev.spawn(this.rng, parent, image, cmd, ts, account);
    this.dev.emitProcess(ts, p);
    return p;
  }

  private renderer(e: Epoch, ts: number): void {
    const rng = this.rng;
    const id = this.rendererId++;
    const big = () => `${rng.range(100000000, 999999999)}${rng.range(1000000, 9999999)}`;
    const cmd = `"${IMG.chrome.path}" --type=renderer --renderer-client-id=${id} --lang=en-US --js-flags=--ms-always-use-main-thread --field-trial-handle=1936,i,${big()},${big()},262144 --variations-seed-version=20240429-050129.411000 --mojo-platform-channel-handle=${rng.range(3000, 9000)} /prefetch:1`;
    this.start(e.chrome, IMG.chrome, cmd, ts, this.dev.user);
  }

  private userShell(e: Epoch, ts: number): void {
    const rng = this.rng;
    const user = this.dev.user;
    const [img, arg] = rng.pick([
      [IMG.ipconfig, 'ipconfig /all'],
      [IMG.whoami, 'whoami /groups'],
      [IMG.net, 'net use \\\\fs01.corp.contoso.com\\share'],
      [IMG.tasklist, 'tasklist /fi "imagename eq chrome.exe"'],
      [IMG.reg, 'reg query "HKCU\\Software\\Microsoft\\Office\\16.0\\Excel\\Options" /v "Font"'],
    ] as const);
    const cmd = this.start(e.explorer, IMG.cmd, `"C:\\Windows\\system32\\cmd.exe" /c ${arg}`, ts, user);
    this.start(
      cmd,
      IMG.conhost,
      '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1',
      ts + 15_000 + rng.int(40_000),
      user,
    );
    this.start(cmd, img, arg, ts + 200_000 + rng.int(900_000), user);
  }

  private scheduledTask(e: Epoch, ts: number): void {
    const rng = this.rng;
    const r = rng.int(4);
    if (r === 0) {
      this.start(
        e.schedule,
        IMG.taskhostw,
        'taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly',
        ts,
        SYSTEM,
      );
    } else if (r === 1) {
      // A task whose action spawns a grandchild: InitiatingProcessParentFileName is svchost.exe, like a DCOM child.
      const ps = this.start(
        e.schedule,
        IMG.powershell,
        `"${IMG.powershell.path}" -NonInteractive -ExecutionPolicy Bypass -File "C:\\ProgramData\\Contoso\\Inventory\\collect.ps1" -Targets "hw,sw,patches"`,
        ts,
        SYSTEM,
      );
      this.start(ps, IMG.conhost, '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', ts + 21_000, SYSTEM);
      if (rng.chance(0.5))
        this.start(
          ps,
          IMG.gpupdate,
          '"C:\\Windows\\system32\\gpupdate.exe" /target:computer',
          ts + 2 * SEC + rng.int(SEC),
          SYSTEM,
        );
    } else if (r === 2) {
      this.start(
        e.schedule,
        IMG.mpCmdRun,
        `"${IMG.mpCmdRun.path}" Scan -ScheduleJob -ScanTrigger 55 -IdleScheduledJob`,
        ts,
        SYSTEM,
      );
    } else {
      this.start(
        e.schedule,
        IMG.wuauclt,
        '"C:\\Windows\\system32\\wuauclt.exe" /UpdateDeploymentProvider UpdateDeploymentProvider.dll /ClassId 6a0b3e3a-5b0a-4f4c-9c63-2d0b4a8c1e31 /RunHandlerComServer',
        ts,
        SYSTEM,
      );
    }
  }

  /** One DCOM-looking episode in a reserved minute; none of them satisfies the rule. */
  private episode(e: Epoch, t: number): void {
    const rng = this.rng;
    const dev = this.dev;
    const kind = rng.weighted<number>([
      [0, 3],
      [1, 2],
      [2, 4],
      [3, 3],
    ]);
    if (kind === 0 || kind === 1) {
      // Remote management (SCCM, a DC, an admin box) reaching the endpoint mapper.
      const src = rng.pick(ADMIN_SOURCES);
      dev.emitNetwork(t, e.rpcss, net('InboundConnectionAccepted', dev.ipv4, 135, src, ephemeral(rng)));
      if (kind === 0) {
        dev.emitNetwork(
          t + 1_200_000 + rng.int(2_000_000),
          e.lsass,
          net('InboundConnectionAccepted', dev.ipv4, 49668, src, ephemeral(rng)),
        );
        return;
      }
      // Remote WMI: WmiPrvSE right after inbound 135, within the rule's window but allow-listed.
      const wmi = dev.spawn(
        rng,
        e.dcomLaunch,
        IMG.wmiPrvSE,
        'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding',
        t + 3_000_000 + rng.int(9_000_000),
        SYSTEM,
      );
      dev.emitProcess(wmi.created, wmi);
      if (rng.chance(0.5)) {
        const child = dev.spawn(
          rng,
          wmi,
          IMG.powershell,
          `"${IMG.powershell.path}" -NoLogo -NonInteractive -ExecutionPolicy Bypass -Command "Get-CimInstance -ClassName Win32_QuickFixEngineering | Select-Object HotFixID, InstalledOn"`,
          wmi.created + 2 * SEC + rng.int(SEC),
          SYSTEM,
        );
        dev.emitProcess(child.created, child);
      }
      return;
    }
    const [image, cmd] =
      kind === 2 ? (([img, mk]) => [img, mk(rng)] as const)(rng.pick(ALLOW_LISTED)) : rng.pick(NOT_ALLOW_LISTED);
    const server = dev.spawn(rng, e.dcomLaunch, image, cmd, t, kind === 2 ? SYSTEM : dev.user);
    dev.emitProcess(t, server);
    if (rng.chance(kind === 2 ? 0.25 : 0.3)) {
      const child = dev.spawn(
        rng,
        server,
        IMG.cmd,
        '"C:\\Windows\\system32\\cmd.exe" /d /c "C:\\Windows\\system32\\reg.exe query HKCU\\Software\\Classes\\CLSID /s /f InprocServer32"',
        t + 1_500_000 + rng.int(3 * SEC),
        server.account,
      );
      dev.emitProcess(child.created, child);
    }
  }
}
