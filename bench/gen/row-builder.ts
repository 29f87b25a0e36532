import { DEVICE_NETWORK_EVENTS, DEVICE_PROCESS_EVENTS } from '../../src/engine/table/defender-schema';
import type { Cell, NetworkRowOverrides, NetworkSpec, Proc, ProcessRowOverrides } from './model';

/**
 * Column order the builders below write. Checked against the engine's schema at load time, so a
 * schema change fails loudly here instead of shifting every value one column over.
 */
const PROCESS_COLUMNS = [
  'Timestamp',
  'DeviceId',
  'DeviceName',
  'ActionType',
  'FileName',
  'FolderPath',
  'SHA1',
  'SHA256',
  'MD5',
  'FileSize',
  'ProcessVersionInfoCompanyName',
  'ProcessVersionInfoProductName',
  'ProcessVersionInfoProductVersion',
  'ProcessVersionInfoInternalFileName',
  'ProcessVersionInfoOriginalFileName',
  'ProcessVersionInfoFileDescription',
  'ProcessId',
  'ProcessCommandLine',
  'ProcessIntegrityLevel',
  'ProcessTokenElevation',
  'ProcessCreationTime',
  'AccountDomain',
  'AccountName',
  'AccountSid',
  'AccountUpn',
  'AccountObjectId',
  'LogonId',
  'InitiatingProcessAccountDomain',
  'InitiatingProcessAccountName',
  'InitiatingProcessAccountSid',
  'InitiatingProcessAccountUpn',
  'InitiatingProcessAccountObjectId',
  'InitiatingProcessLogonId',
  'InitiatingProcessIntegrityLevel',
  'InitiatingProcessTokenElevation',
  'InitiatingProcessSHA1',
  'InitiatingProcessSHA256',
  'InitiatingProcessMD5',
  'InitiatingProcessFileName',
  'InitiatingProcessFileSize',
  'InitiatingProcessVersionInfoCompanyName',
  'InitiatingProcessVersionInfoProductName',
  'InitiatingProcessVersionInfoProductVersion',
  'InitiatingProcessVersionInfoInternalFileName',
  'InitiatingProcessVersionInfoOriginalFileName',
  'InitiatingProcessVersionInfoFileDescription',
  'InitiatingProcessId',
  'InitiatingProcessCommandLine',
  'InitiatingProcessCreationTime',
  'InitiatingProcessFolderPath',
  'InitiatingProcessParentId',
  'InitiatingProcessParentFileName',
  'InitiatingProcessParentCreationTime',
  'InitiatingProcessSignerType',
  'InitiatingProcessSignatureStatus',
  'ReportId',
  'AppGuardContainerId',
  'AdditionalFields',
  'InitiatingProcessSessionId',
  'IsInitiatingProcessRemoteSession',
  'InitiatingProcessRemoteSessionDeviceName',
  'InitiatingProcessRemoteSessionIP',
  'CreatedProcessSessionId',
  'IsProcessRemoteSession',
  'ProcessRemoteSessionDeviceName',
  'ProcessRemoteSessionIP',
  'ProcessUniqueId',
  'InitiatingProcessUniqueId',
];

const NETWORK_COLUMNS = [
  'Timestamp',
  'DeviceId',
  'DeviceName',
  'ActionType',
  'RemoteIP',
  'RemotePort',
  'RemoteUrl',
  'LocalIP',
  'LocalPort',
  'Protocol',
  'LocalIPType',
  'RemoteIPType',
  'InitiatingProcessSHA1',
  'InitiatingProcessSHA256',
  'InitiatingProcessMD5',
  'InitiatingProcessFileName',
  'InitiatingProcessFileSize',
  'InitiatingProcessVersionInfoCompanyName',
  'InitiatingProcessVersionInfoProductName',
  'InitiatingProcessVersionInfoProductVersion',
  'InitiatingProcessVersionInfoInternalFileName',
  'InitiatingProcessVersionInfoOriginalFileName',
  'InitiatingProcessVersionInfoFileDescription',
  'InitiatingProcessId',
  'InitiatingProcessCommandLine',
  'InitiatingProcessCreationTime',
  'InitiatingProcessFolderPath',
  'InitiatingProcessParentFileName',
  'InitiatingProcessParentId',
  'InitiatingProcessParentCreationTime',
  'InitiatingProcessAccountDomain',
  'InitiatingProcessAccountName',
  'InitiatingProcessAccountSid',
  'InitiatingProcessAccountUpn',
  'InitiatingProcessAccountObjectId',
  'InitiatingProcessIntegrityLevel',
  'InitiatingProcessTokenElevation',
  'ReportId',
  'AppGuardContainerId',
  'AdditionalFields',
  'InitiatingProcessSessionId',
  'IsInitiatingProcessRemoteSession',
  'InitiatingProcessRemoteSessionDeviceName',
  'InitiatingProcessRemoteSessionIP',
  'InitiatingProcessUniqueId',
];

function assertOrder(expected: readonly string[], schema: readonly { name: string }[], table: string): void {
  const actual = schema.map((c) => c.name);
  if (actual.length !== expected.length || actual.some((n, i) => n !== expected[i])) {
    throw new Error(`${table}: generator column order is out of date with defender-schema.ts`);
  }
}
assertOrder(PROCESS_COLUMNS, DEVICE_PROCESS_EVENTS, 'DeviceProcessEvents');
assertOrder(NETWORK_COLUMNS, DEVICE_NETWORK_EVENTS, 'DeviceNetworkEvents');

export interface DeviceIdentity {
  readonly deviceId: string;
  readonly deviceName: string;
}

/** A `ProcessCreated` row for `proc`, seen from its parent (the initiating process). */
export function processRow(
  dev: DeviceIdentity,
  ts: number,
  proc: Proc,
  reportId: number,
  additionalFields: string,
  o: ProcessRowOverrides = {},
): Cell[] {
  const img = proc.image;
  const acc = proc.account;
  const ip = proc.parent;
  const ipImg = ip?.image;
  const ipAcc = ip?.account;
  const gp = ip?.parent ?? null;
  return [
    ts,
    dev.deviceId,
    dev.deviceName,
    'ProcessCreated',
    img.fileName,
    img.path,
    img.sha1,
    img.sha256,
    img.md5,
    img.size,
    img.company,
    img.product,
    img.version,
    img.internalName,
    img.originalName,
    img.description,
    proc.pid,
    proc.cmd,
    acc.integrity,
    acc.elevation,
    proc.created,
    acc.domain,
    acc.name,
    acc.sid,
    acc.upn,
    acc.objectId,
    acc.logonId,
    ipAcc?.domain ?? '',
    ipAcc?.name ?? '',
    ipAcc?.sid ?? '',
    ipAcc?.upn ?? '',
    ipAcc?.objectId ?? '',
    ipAcc?.logonId ?? null,
    ipAcc?.integrity ?? '',
    ipAcc?.elevation ?? '',
    ipImg?.sha1 ?? '',
    ipImg?.sha256 ?? '',
    ipImg?.md5 ?? '',
    o.initiatingFileName ?? ipImg?.fileName ?? '',
    ipImg?.size ?? null,
    ipImg?.company ?? '',
    ipImg?.product ?? '',
    ipImg?.version ?? '',
    ipImg?.internalName ?? '',
    ipImg?.originalName ?? '',
    ipImg?.description ?? '',
    ip?.pid ?? null,
    o.initiatingCommandLine ?? ip?.cmd ?? '',
    ip?.created ?? null,
    ipImg?.path ?? '',
    gp?.pid ?? null,
    o.initiatingParentFileName ?? gp?.image.fileName ?? '',
    gp?.created ?? null,
    ipImg?.signerType ?? '',
    ip ? 'Valid' : '',
    reportId,
    '',
    additionalFields,
    ipAcc?.session ?? null,
    false,
    '',
    '',
    acc.session,
    false,
    '',
    '',
    proc.uniqueId,
    ip?.uniqueId ?? '',
  ];
}

/** A network row whose initiating process is `actor` (for inbound rows: the accepting process). */
export function networkRow(
  dev: DeviceIdentity,
  ts: number,
  actor: Proc,
  net: NetworkSpec,
  reportId: number,
  o: NetworkRowOverrides = {},
): Cell[] {
  const img = actor.image;
  const acc = actor.account;
  const parent = actor.parent;
  return [
    ts,
    dev.deviceId,
    dev.deviceName,
    net.action,
    net.remoteIP,
    net.remotePort,
    net.remoteUrl,
    net.localIP,
    net.localPort,
    net.protocol,
    ipType(net.localIP),
    ipType(net.remoteIP),
    img.sha1,
    img.sha256,
    img.md5,
    o.initiatingFileName ?? img.fileName,
    img.size,
    img.company,
    img.product,
    img.version,
    img.internalName,
    img.originalName,
    img.description,
    actor.pid,
    o.initiatingCommandLine ?? actor.cmd,
    actor.created,
    img.path,
    parent?.image.fileName ?? '',
    parent?.pid ?? null,
    parent?.created ?? null,
    acc.domain,
    acc.name,
    acc.sid,
    acc.upn,
    acc.objectId,
    acc.integrity,
    acc.elevation,
    reportId,
    '',
    net.additionalFields,
    acc.session,
    false,
    '',
    '',
    actor.uniqueId,
  ];
}

/** Defender's LocalIPType/RemoteIPType classification, for the address ranges the generator uses. */
export function ipType(ip: string): string {
  if (ip === '') return '';
  if (ip === '0.0.0.0' || ip === '::') return 'Reserved';
  if (ip.startsWith('127.') || ip === '::1') return 'Loopback';
  // Defender's type list (schemas.md §2) has no link-local value; fe80::/10 is IANA special-purpose.
  if (/^fe80:/i.test(ip)) return 'Reserved';
  if (
    ip.startsWith('10.') ||
    ip.startsWith('192.168.') ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(ip) ||
    /^f[cd]/i.test(ip)
  ) {
    return 'Private';
  }
  return 'Public';
}
