import { parseIsoDateTime } from '../../time/ticks';
import type { RejectCode } from '../ingest-report';
import type { EventView } from './event-record';
import type { Cell, NetEvent, ProcEvent } from './normalised-event';

export type MapOutcome =
  | { readonly kind: 'proc'; readonly event: ProcEvent }
  | { readonly kind: 'net'; readonly event: NetEvent }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'reject'; readonly code: RejectCode; readonly column?: string; readonly reason: string };

/** `C:\Windows\System32\svchost.exe` or `\device\harddiskvolume2\...\svchost.exe` -> `svchost.exe`. */
export function basename(path: string): string {
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return i < 0 ? path : path.slice(i + 1);
}

/**
 * A process id: `0x52c` (Security 4688 writes hex, schemas.md §5) or decimal (Sysmon, and 5156 in
 * the recorded data, §6). `hexDigitsToo` reads bare digits as hex (4688 fields are hexadecimal).
 * undefined = absent / empty, NaN = present but not a number.
 */
export function parseId(v: string | undefined, hexDigitsToo = false): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (t === '' || t === '-') return undefined;
  // Leading zeros are common (`0x0000000000000d60`); 13 hex digits stay below 2^53.
  const hex = /^0x0*([0-9a-f]{1,13})$/i.exec(t);
  if (hex) return parseInt(hex[1]!, 16);
  if (/^0x0+$/i.test(t)) return 0;
  if (/^\d{1,15}$/.test(t)) return hexDigitsToo ? parseInt(t, 16) : Number(t);
  return NaN;
}

function portOf(v: string | undefined): number | null | 'bad' {
  const n = parseId(v);
  if (n === undefined) return null;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : 'bad';
}

/**
 * IPv6 text in RFC 5952 form (`fe80:0:0:0:9582:...` -> `fe80::9582:...`): Sysmon writes the full
 * form, 5156 the compressed one, and the two must compare equal (own-IP sets, merging). IPv4 and
 * anything unparsable are returned as written.
 */
export function canonicalIp(ip: string): string {
  if (!ip.includes(':') || ip.includes('.')) return ip;
  const zone = ip.indexOf('%');
  const addr = (zone < 0 ? ip : ip.slice(0, zone)).toLowerCase();
  const halves = addr.split('::');
  if (halves.length > 2) return ip;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return ip;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return ip;
  const parts = groups.map((g) => g.replace(/^0+(?=.)/, ''));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const out =
    bestStart < 0
      ? parts.join(':')
      : `${parts.slice(0, bestStart).join(':')}::${parts.slice(bestStart + bestLen).join(':')}`;
  return zone < 0 ? out : out + ip.slice(zone);
}

/** Sysmon `-` (and `''`) mean "no value". */
function clean(v: string | undefined): string {
  return v === undefined || v === '-' ? '' : v;
}

/** `DOMAIN\user` -> [domain, user]. */
function splitUser(user: string | undefined): [string, string] {
  const u = clean(user);
  const i = u.indexOf('\\');
  return i < 0 ? ['', u] : [u.slice(0, i), u.slice(i + 1)];
}

/** Sysmon `Hashes`: `SHA1=...,MD5=...,SHA256=...,IMPHASH=...`. */
function hashes(v: string | undefined): { SHA1: string; MD5: string; SHA256: string } {
  const out = { SHA1: '', MD5: '', SHA256: '' };
  for (const part of clean(v).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim().toUpperCase();
    const val = part
      .slice(eq + 1)
      .trim()
      .toLowerCase();
    if (k === 'SHA1' || k === 'MD5' || k === 'SHA256') out[k] = val;
  }
  return out;
}

/** Security 4688 MandatoryLabel SID -> Defender integrity level (schemas.md §5). */
const INTEGRITY: Readonly<Record<string, string>> = {
  'S-1-16-0': 'Untrusted',
  'S-1-16-4096': 'Low',
  'S-1-16-8192': 'Medium',
  'S-1-16-8448': 'Medium',
  'S-1-16-12288': 'High',
  'S-1-16-16384': 'System',
  'S-1-16-20480': 'System',
};

/** Security 4688 TokenElevationType (schemas.md §5) -> Defender ProcessTokenElevation. */
const ELEVATION: Readonly<Record<string, string>> = {
  '%%1936': 'TokenElevationTypeDefault',
  '%%1937': 'TokenElevationTypeFull',
  '%%1938': 'TokenElevationTypeLimited',
};

const PROTOCOLS: Readonly<Record<string, string>> = { '6': 'Tcp', '17': 'Udp', '1': 'Icmp', '58': 'IcmpV6' };

function badId(column: string, field: string, v: string | undefined): MapOutcome {
  return {
    kind: 'reject',
    code: 'bad-number',
    column,
    reason: `${field} ${JSON.stringify(v)} is not a process id / port`,
  };
}

function sysmonTime(ev: EventView): bigint | null {
  const t = ev.field('UtcTime');
  if (t === undefined) return null;
  return parseUtcTime(t);
}

/** Sysmon `UtcTime`: `2020-09-17 21:46:05.403`, UTC. */
export function parseUtcTime(t: string): bigint | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(t.trim());
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ? `.${m[7]}` : ''}Z`;
  return parseIsoDateTime(iso);
}

function jsonFields(obj: Record<string, string>): string {
  const kept = Object.entries(obj).filter(([, v]) => v !== '');
  return kept.length === 0 ? '' : JSON.stringify(Object.fromEntries(kept));
}

/** Maps one record per schemas.md §7; never throws. */
export function mapEvent(ev: EventView, line: number): MapOutcome {
  const label =
    ev.source === 'sysmon'
      ? `Sysmon ${ev.eventId}`
      : ev.source === 'security'
        ? `Security ${ev.eventId}`
        : `${ev.channel || 'unknown channel'} ${ev.eventId}`;
  const relevant =
    (ev.source === 'sysmon' && (ev.eventId === 1 || ev.eventId === 3)) ||
    (ev.source === 'security' && (ev.eventId === 4688 || ev.eventId === 5156 || ev.eventId === 5154));
  if (!relevant) {
    if (ev.source === 'security' && ev.eventId === 5157)
      return {
        kind: 'skip',
        reason: 'Security 5157: connection blocked by the Windows Filtering Platform (no Defender row; schemas.md §6)',
      };
    return { kind: 'skip', reason: `${label}: not used by the rule` };
  }
  if (ev.host.trim() === '')
    return {
      kind: 'reject',
      code: 'missing-field',
      column: 'DeviceName',
      reason: `${label} without a computer name (Hostname / Computer)`,
    };
  const host = ev.host.trim();
  let timeUtc = ev.timeUtc;
  if (ev.source === 'sysmon') {
    // Sysmon's own UtcTime (ms) is the event time (schemas.md §7a/§7b); the record time is the fallback.
    timeUtc = sysmonTime(ev) ?? timeUtc;
  }
  const timeLocal = timeUtc === null ? ev.timeLocal : null;
  if (timeUtc === null && timeLocal === null)
    return {
      kind: 'reject',
      code: 'bad-datetime',
      column: 'Timestamp',
      reason: `${label} without a readable event time (UtcTime / TimeCreated / EventTime)`,
    };
  const base = { line, host, timeUtc, timeLocal };

  if (ev.source === 'sysmon' && ev.eventId === 1) {
    const image = clean(ev.field('Image'));
    const parentImage = clean(ev.field('ParentImage'));
    const pid = parseId(ev.field('ProcessId'));
    const ppid = parseId(ev.field('ParentProcessId'));
    if (Number.isNaN(pid)) return badId('ProcessId', 'ProcessId', ev.field('ProcessId'));
    if (Number.isNaN(ppid)) return badId('InitiatingProcessId', 'ParentProcessId', ev.field('ParentProcessId'));
    const [domain, name] = splitUser(ev.field('User'));
    const [pDomain, pName] = splitUser(ev.field('ParentUser'));
    const h = hashes(ev.field('Hashes'));
    const guid = clean(ev.field('ProcessGuid')).toLowerCase();
    const parentGuid = clean(ev.field('ParentProcessGuid')).toLowerCase();
    const logon = parseId(ev.field('LogonId'));
    const cells: Record<string, Cell> = {
      ActionType: 'ProcessCreated',
      FileName: basename(image),
      FolderPath: image,
      SHA1: h.SHA1,
      SHA256: h.SHA256,
      MD5: h.MD5,
      ProcessVersionInfoCompanyName: clean(ev.field('Company')),
      ProcessVersionInfoProductName: clean(ev.field('Product')),
      ProcessVersionInfoOriginalFileName: clean(ev.field('OriginalFileName')),
      ProcessVersionInfoFileDescription: clean(ev.field('Description')),
      ProcessId: pid ?? null,
      ProcessCommandLine: ev.field('CommandLine') ?? '',
      ProcessIntegrityLevel: clean(ev.field('IntegrityLevel')),
      AccountDomain: domain,
      AccountName: name,
      LogonId: logon === undefined || Number.isNaN(logon) ? null : logon,
      InitiatingProcessAccountDomain: pDomain,
      InitiatingProcessAccountName: pName,
      InitiatingProcessFileName: basename(parentImage),
      InitiatingProcessFolderPath: parentImage,
      InitiatingProcessId: ppid ?? null,
      InitiatingProcessCommandLine: ev.field('ParentCommandLine') ?? '',
      AdditionalFields: jsonFields({ Source: 'Sysmon 1', ProcessGuid: guid, ParentProcessGuid: parentGuid }),
    };
    return {
      kind: 'proc',
      event: {
        ...base,
        kind: 'sysmon-1',
        pid: pid ?? null,
        ppid: ppid ?? null,
        guid,
        parentGuid,
        image,
        parentImage,
        cells,
      },
    };
  }

  if (ev.eventId === 4688) {
    const image = clean(ev.field('NewProcessName'));
    const parentImage = clean(ev.field('ParentProcessName'));
    const pid = parseId(ev.field('NewProcessId'), true);
    const ppid = parseId(ev.field('ProcessId'), true);
    if (Number.isNaN(pid)) return badId('ProcessId', 'NewProcessId', ev.field('NewProcessId'));
    if (Number.isNaN(ppid)) return badId('InitiatingProcessId', 'ProcessId', ev.field('ProcessId'));
    const targetSid = clean(ev.field('TargetUserSid'));
    // Windows 10+ "target subject" is the account the new process runs as when it differs from the creator (§5).
    const useTarget = targetSid !== '' && targetSid !== 'S-1-0-0';
    const logon = parseId(useTarget ? ev.field('TargetLogonId') : ev.field('SubjectLogonId'));
    const subjectLogon = parseId(ev.field('SubjectLogonId'));
    const cells: Record<string, Cell> = {
      ActionType: 'ProcessCreated',
      FileName: basename(image),
      FolderPath: image,
      ProcessId: pid ?? null,
      ProcessCommandLine: ev.field('CommandLine') ?? '',
      ProcessIntegrityLevel: INTEGRITY[clean(ev.field('MandatoryLabel')).toUpperCase()] ?? '',
      ProcessTokenElevation: ELEVATION[clean(ev.field('TokenElevationType'))] ?? '',
      AccountDomain: clean(useTarget ? ev.field('TargetDomainName') : ev.field('SubjectDomainName')),
      AccountName: clean(useTarget ? ev.field('TargetUserName') : ev.field('SubjectUserName')),
      AccountSid: useTarget ? targetSid : clean(ev.field('SubjectUserSid')),
      LogonId: logon === undefined || Number.isNaN(logon) ? null : logon,
      InitiatingProcessAccountDomain: clean(ev.field('SubjectDomainName')),
      InitiatingProcessAccountName: clean(ev.field('SubjectUserName')),
      InitiatingProcessAccountSid: clean(ev.field('SubjectUserSid')),
      InitiatingProcessLogonId: subjectLogon === undefined || Number.isNaN(subjectLogon) ? null : subjectLogon,
      InitiatingProcessFileName: basename(parentImage),
      InitiatingProcessFolderPath: parentImage,
      InitiatingProcessId: ppid ?? null,
      AdditionalFields: jsonFields({ Source: 'Security 4688' }),
    };
    return {
      kind: 'proc',
      event: {
        ...base,
        kind: 'security-4688',
        pid: pid ?? null,
        ppid: ppid ?? null,
        guid: '',
        parentGuid: '',
        image,
        parentImage,
        cells,
      },
    };
  }

  if (ev.source === 'sysmon') {
    // EID 3 (schemas.md §4): direction from Initiated; which end is local is decided later by host IPs.
    const initiated = clean(ev.field('Initiated')).toLowerCase();
    if (initiated !== 'true' && initiated !== 'false')
      return {
        kind: 'reject',
        code: 'missing-field',
        column: 'ActionType',
        reason: `Sysmon 3 with Initiated ${JSON.stringify(ev.field('Initiated'))} (expected true/false)`,
      };
    const srcPort = portOf(ev.field('SourcePort'));
    const dstPort = portOf(ev.field('DestinationPort'));
    if (srcPort === 'bad') return badId('LocalPort', 'SourcePort', ev.field('SourcePort'));
    if (dstPort === 'bad') return badId('RemotePort', 'DestinationPort', ev.field('DestinationPort'));
    const pid = parseId(ev.field('ProcessId'));
    if (Number.isNaN(pid)) return badId('InitiatingProcessId', 'ProcessId', ev.field('ProcessId'));
    const image = clean(ev.field('Image'));
    const [domain, name] = splitUser(ev.field('User'));
    const proto = clean(ev.field('Protocol')).toLowerCase();
    const guid = clean(ev.field('ProcessGuid')).toLowerCase();
    const cells: Record<string, Cell> = {
      Protocol: proto === 'tcp' ? 'Tcp' : proto === 'udp' ? 'Udp' : proto,
      InitiatingProcessFileName: basename(image),
      InitiatingProcessFolderPath: image,
      InitiatingProcessId: pid ?? null,
      InitiatingProcessAccountDomain: domain,
      InitiatingProcessAccountName: name,
      AdditionalFields: jsonFields({ Source: 'Sysmon 3', ProcessGuid: guid }),
    };
    return {
      kind: 'net',
      event: {
        ...base,
        kind: 'sysmon-3',
        inbound: initiated === 'false',
        srcIp: canonicalIp(clean(ev.field('SourceIp'))),
        srcPort,
        dstIp: canonicalIp(clean(ev.field('DestinationIp'))),
        dstPort,
        srcHostname: clean(ev.field('SourceHostname')),
        dstHostname: clean(ev.field('DestinationHostname')),
        pid: pid ?? null,
        guid,
        fileName: basename(image),
        cells,
      },
    };
  }

  // Security 5156 / 5154 (schemas.md §6): kernel image path, decimal PID in the recorded data.
  const pidText = ev.field('ProcessID') ?? ev.field('ProcessId');
  const pid = parseId(pidText);
  if (Number.isNaN(pid)) return badId('InitiatingProcessId', 'ProcessID', pidText);
  const app = clean(ev.field('Application'));
  const srcPort = portOf(ev.field('SourcePort'));
  const dstPort = portOf(ev.field('DestPort'));
  if (srcPort === 'bad') return badId('LocalPort', 'SourcePort', ev.field('SourcePort'));
  if (dstPort === 'bad') return badId('RemotePort', 'DestPort', ev.field('DestPort'));
  const protoNum = clean(ev.field('Protocol'));
  const srcIp = canonicalIp(clean(ev.field('SourceAddress')));
  let inbound: boolean | null = null;
  let protocol = PROTOCOLS[protoNum] ?? (protoNum === '' ? '' : `Protocol${protoNum}`);
  if (ev.eventId === 5156) {
    const dir = clean(ev.field('Direction'));
    if (dir === '%%14592' || /^inbound$/i.test(dir)) inbound = true;
    else if (dir === '%%14593' || /^outbound$/i.test(dir)) inbound = false;
    else
      return {
        kind: 'reject',
        code: 'missing-field',
        column: 'ActionType',
        reason: `Security 5156 with Direction ${JSON.stringify(dir)} (expected %%14592 / %%14593)`,
      };
  } else if (protocol === 'Tcp') {
    // Listening rows carry TcpV4 / TcpV6 in Defender (schemas.md §2).
    protocol = srcIp.includes(':') ? 'TcpV6' : 'TcpV4';
  }
  const fileName = basename(app);
  const cells: Record<string, Cell> = {
    Protocol: protocol,
    InitiatingProcessFileName: fileName,
    InitiatingProcessId: pid ?? null,
    AdditionalFields: jsonFields({ Source: `Security ${ev.eventId}`, Application: app }),
  };
  return {
    kind: 'net',
    event: {
      ...base,
      kind: ev.eventId === 5156 ? 'security-5156' : 'security-5154',
      inbound,
      srcIp,
      srcPort,
      dstIp: canonicalIp(clean(ev.field('DestAddress'))),
      dstPort,
      srcHostname: '',
      dstHostname: '',
      pid: pid ?? null,
      guid: '',
      fileName,
      cells,
    },
  };
}
