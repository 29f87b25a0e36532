import { hexDigest } from './prng';
import type { Account, Image } from './model';

/**
 * Executables the generator uses, with realistic paths and version resources. Hashes are derived
 * from the path so one image has the same SHA1 on every device, as in real data.
 */
function image(
  fileName: string,
  path: string,
  description: string,
  vendor: 'os' | 'office' | 'google' | 'edge' | 'defender' = 'os',
): Image {
  const v = {
    os: ['Microsoft Corporation', 'Microsoft® Windows® Operating System', '10.0.19041.4355', 'OsVendor'],
    office: ['Microsoft Corporation', 'Microsoft Office', '16.0.17126.20132', 'Microsoft'],
    google: ['Google LLC', 'Google Chrome', '124.0.6367.119', 'ThirdParty'],
    edge: ['Microsoft Corporation', 'Microsoft Edge', '124.0.2478.80', 'Microsoft'],
    defender: ['Microsoft Corporation', 'Microsoft® Windows® Operating System', '4.18.24030.9', 'Microsoft'],
  }[vendor];
  const lower = path.toLowerCase();
  return {
    fileName,
    path,
    sha1: hexDigest(`sha1:${lower}`, 40),
    sha256: hexDigest(`sha256:${lower}`, 64),
    md5: hexDigest(`md5:${lower}`, 32),
    size: 20_000 + (parseInt(hexDigest(`size:${lower}`, 6), 16) % 4_000_000),
    company: v[0]!,
    product: v[1]!,
    version: v[2]!,
    internalName: fileName.replace(/\.exe$/i, ''),
    originalName: fileName.toUpperCase() === fileName ? fileName : fileName.replace(/\.EXE$/, '.exe'),
    description,
    signerType: v[3]!,
  };
}

const S32 = 'C:\\Windows\\System32\\';
const OFFICE = 'C:\\Program Files\\Microsoft Office\\root\\Office16\\';

export const IMG = {
  smss: image('smss.exe', `${S32}smss.exe`, 'Windows Session Manager'),
  wininit: image('wininit.exe', `${S32}wininit.exe`, 'Windows Start-Up Application'),
  winlogon: image('winlogon.exe', `${S32}winlogon.exe`, 'Windows Logon Application'),
  services: image('services.exe', `${S32}services.exe`, 'Services and Controller app'),
  lsass: image('lsass.exe', `${S32}lsass.exe`, 'Local Security Authority Process'),
  svchost: image('svchost.exe', `${S32}svchost.exe`, 'Host Process for Windows Services'),
  spoolsv: image('spoolsv.exe', `${S32}spoolsv.exe`, 'Spooler SubSystem App'),
  userinit: image('userinit.exe', `${S32}userinit.exe`, 'Userinit Logon Application'),
  explorer: image('explorer.exe', 'C:\\Windows\\explorer.exe', 'Windows Explorer'),
  ntoskrnl: image('ntoskrnl.exe', `${S32}ntoskrnl.exe`, 'NT Kernel & System'),
  cmd: image('cmd.exe', `${S32}cmd.exe`, 'Windows Command Processor'),
  conhost: image('conhost.exe', `${S32}conhost.exe`, 'Console Window Host'),
  powershell: image('powershell.exe', `${S32}WindowsPowerShell\\v1.0\\powershell.exe`, 'Windows PowerShell'),
  ipconfig: image('ipconfig.exe', `${S32}ipconfig.exe`, 'IP Configuration Utility'),
  whoami: image('whoami.exe', `${S32}whoami.exe`, 'whoami - displays logged on user information'),
  net: image('net.exe', `${S32}net.exe`, 'Net Command'),
  tasklist: image('tasklist.exe', `${S32}tasklist.exe`, 'Lists the current running tasks'),
  reg: image('reg.exe', `${S32}reg.exe`, 'Registry Console Tool'),
  rundll32: image('rundll32.exe', `${S32}rundll32.exe`, 'Windows host process (Rundll32)'),
  notepad: image('notepad.exe', `${S32}notepad.exe`, 'Notepad'),
  taskhostw: image('taskhostw.exe', `${S32}taskhostw.exe`, 'Host Process for Windows Tasks'),
  gpupdate: image('gpupdate.exe', `${S32}gpupdate.exe`, 'Microsoft® Group Policy Update Utility'),
  wuauclt: image('wuauclt.exe', `${S32}wuauclt.exe`, 'Windows Update'),
  mousocoreworker: image('MoUsoCoreWorker.exe', `${S32}MoUsoCoreWorker.exe`, 'MoUSO Core Worker Process'),
  searchIndexer: image('SearchIndexer.exe', `${S32}SearchIndexer.exe`, 'Microsoft Windows Search Indexer'),
  searchProtocolHost: image(
    'SearchProtocolHost.exe',
    `${S32}SearchProtocolHost.exe`,
    'Microsoft Windows Search Protocol Host',
  ),
  searchFilterHost: image('SearchFilterHost.exe', `${S32}SearchFilterHost.exe`, 'Microsoft Windows Search Filter Host'),
  msMpEng: image(
    'MsMpEng.exe',
    'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24030.9-0\\MsMpEng.exe',
    'Antimalware Service Executable',
    'defender',
  ),
  mpCmdRun: image(
    'MpCmdRun.exe',
    'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24030.9-0\\MpCmdRun.exe',
    'Microsoft Malware Protection Command Line Utility',
    'defender',
  ),
  senseIr: image(
    'SenseIR.exe',
    'C:\\Program Files\\Windows Defender Advanced Threat Protection\\SenseIR.exe',
    'Windows Defender Advanced Threat Protection Service Executable',
    'defender',
  ),
  csc: image(
    'csc.exe',
    'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe',
    'Visual C# Command Line Compiler',
  ),
  cvtres: image(
    'cvtres.exe',
    'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\cvtres.exe',
    'Microsoft® Resource File To COFF Object Conversion Utility',
  ),
  // DCOM servers from the rule's allow-list.
  dllhost: image('dllhost.exe', `${S32}dllhost.exe`, 'COM Surrogate'),
  wmiPrvSE: image('WmiPrvSE.exe', `${S32}wbem\\WmiPrvSE.exe`, 'WMI Provider Host'),
  backgroundTaskHost: image('backgroundTaskHost.exe', `${S32}backgroundTaskHost.exe`, 'Background Task Host'),
  runtimeBroker: image('RuntimeBroker.exe', `${S32}RuntimeBroker.exe`, 'Runtime Broker'),
  smartscreen: image('smartscreen.exe', `${S32}smartscreen.exe`, 'Windows Defender SmartScreen'),
  sppExtComObj: image('SppExtComObj.Exe', `${S32}SppExtComObj.Exe`, 'KMS Connection Broker'),
  usocoreworker: image('usocoreworker.exe', `${S32}usocoreworker.exe`, 'USO Core Worker Process'),
  mobsync: image('mobsync.exe', `${S32}mobsync.exe`, 'Microsoft Sync Center'),
  tiWorker: image(
    'TiWorker.exe',
    'C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.4285_none_7e26c9ed8b7b4e2c\\TiWorker.exe',
    'Windows Modules Installer Worker',
  ),
  browserBroker: image('browser_broker.exe', `${S32}browser_broker.exe`, 'Browser_Broker'),
  // DCOM servers outside the allow-list that Windows starts through DcomLaunch every day.
  applicationFrameHost: image('ApplicationFrameHost.exe', `${S32}ApplicationFrameHost.exe`, 'Application Frame Host'),
  startMenu: image(
    'StartMenuExperienceHost.exe',
    'C:\\Windows\\SystemApps\\Microsoft.Windows.StartMenuExperienceHost_cw5n1h2txyewy\\StartMenuExperienceHost.exe',
    'Windows Start Experience Host',
  ),
  securityHealthHost: image('SecurityHealthHost.exe', `${S32}SecurityHealthHost.exe`, 'Windows Security Health Host'),
  compPkgSrv: image('CompPkgSrv.exe', `${S32}CompPkgSrv.exe`, 'Component Package Support Server'),
  wuapihost: image('wuapihost.exe', `${S32}wuapihost.exe`, 'Windows Update API Host'),
  // Lateral-movement DCOM servers.
  mmc: image('mmc.exe', `${S32}mmc.exe`, 'Microsoft Management Console'),
  excel: image('EXCEL.EXE', `${OFFICE}EXCEL.EXE`, 'Microsoft Excel', 'office'),
  outlook: image('OUTLOOK.EXE', `${OFFICE}OUTLOOK.EXE`, 'Microsoft Outlook', 'office'),
  winword: image('WINWORD.EXE', `${OFFICE}WINWORD.EXE`, 'Microsoft Word', 'office'),
  chrome: image('chrome.exe', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'Google Chrome', 'google'),
  msedge: image(
    'msedge.exe',
    'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
    'Microsoft Edge',
    'edge',
  ),
  teams: image(
    'ms-teams.exe',
    'C:\\Program Files\\WindowsApps\\MSTeams_24102.2223.2870.9480_x64__8wekyb3d8bbwe\\ms-teams.exe',
    'Microsoft Teams',
    'edge',
  ),
  oneDrive: image('OneDrive.exe', 'C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe', 'Microsoft OneDrive', 'edge'),
} as const;

/** A copy of an image whose FileName has a different spelling (case traps). */
export function respelled(base: Image, fileName: string): Image {
  return { ...base, fileName };
}

function builtin(name: string, sid: string, logonId: number): Account {
  return {
    domain: 'nt authority',
    name,
    sid,
    upn: '',
    objectId: '',
    logonId,
    integrity: 'System',
    elevation: 'TokenElevationTypeDefault',
    session: 0,
  };
}

export const SYSTEM = builtin('system', 'S-1-5-18', 999);
export const NETWORK_SERVICE = builtin('network service', 'S-1-5-20', 996);
export const LOCAL_SERVICE = builtin('local service', 'S-1-5-19', 997);

export const DOMAIN_SID = 'S-1-5-21-3623811015-3361044348-30300820';

export const FIRST_NAMES = [
  'anna',
  'bram',
  'chloe',
  'dev',
  'elif',
  'farid',
  'greta',
  'hiro',
  'ines',
  'jonas',
  'kemal',
  'lena',
  'mateo',
  'nora',
  'oscar',
  'priya',
];
export const LAST_NAMES = [
  'novak',
  'okafor',
  'lindqvist',
  'tanaka',
  'moreau',
  'schmidt',
  'rossi',
  'dubois',
  'kowalski',
  'silva',
  'nguyen',
  'fischer',
];

/** Remote administration sources that legitimately talk RPC/WMI to every host. */
export const ADMIN_SOURCES = ['10.0.5.20', '10.0.5.21', '10.0.0.10', '10.0.0.11'];

export const DOMAIN_CONTROLLERS = ['10.0.0.10', '10.0.0.11'];

export const WEB_DESTINATIONS: readonly (readonly [string, string])[] = [
  ['login.microsoftonline.com', '20.190.151.70'],
  ['outlook.office365.com', '52.97.146.162'],
  ['teams.microsoft.com', '52.113.194.132'],
  ['www.google.com', '142.250.185.100'],
  ['github.com', '140.82.121.4'],
  ['settings-win.data.microsoft.com', '20.42.73.29'],
  ['v10.events.data.microsoft.com', '20.189.173.13'],
  ['winatp-gw-weu.microsoft.com', '51.105.71.136'],
  ['ctldl.windowsupdate.com', '93.184.221.240'],
  ['fonts.gstatic.com', '142.250.186.67'],
  ['contoso.sharepoint.com', '13.107.136.9'],
  ['www.bing.com', '204.79.197.200'],
];

/** COM class GUIDs seen as `dllhost.exe /Processid:{...}` (thumbnail cache, shell, etc.). */
export const DLLHOST_CLSIDS = [
  '{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}',
  '{3EB3C877-1F16-487C-9050-104DBCD66683}',
  '{973D20D7-562D-44B9-B70B-5A0F49CCDF3F}',
  '{338B40F9-9D74-4A2B-9A5B-6F2B3C4F1A9E}',
  '{76D0CB12-7604-4048-B83C-1005C7DDC503}',
];

export const SEARCH_PROTOCOL_HOST_CMD =
  '"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe7_ Global\\UsGthrCtrlFltPipeMssGthrPipe7 1 -2147483646 "Software\\Microsoft\\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 6.0 Robot)" "C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc" "DownLevelDaemon" ';
