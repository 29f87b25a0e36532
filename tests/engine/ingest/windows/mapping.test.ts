import { describe, expect, it } from 'vitest';
import { RPCSS_COMMAND_LINE } from '../../../../src/engine/ingest/windows';
import { canonicalIp, parseId } from '../../../../src/engine/ingest/windows/map-event';
import { parseIsoDateTime } from '../../../../src/engine/time/ticks';
import { normalise, rows, security, sysmon1, sysmon3, tableOf } from './event-builders';

const W10 = 'WORKSTATION6.theshire.local';
const W7 = 'IEWIN7';
/** An outbound connection teaches the normaliser the host's own address (schemas.md §7a). */
const outbound = (host: string, ip: string, t: string) =>
  sysmon3(host, t, {
    Image: 'C:\\Windows\\System32\\svchost.exe',
    ProcessId: '1',
    Initiated: 'true',
    SourceIp: ip,
    SourcePort: '50000',
    DestinationIp: '10.9.9.9',
    DestinationPort: '443',
  });

describe('Sysmon EID 3 direction and sides by the host own IP', () => {
  it('Sysmon 11+ order (remote initiator in Source): local = Destination', () => {
    const res = normalise('w10.json', [
      outbound(W10, '172.18.39.6', '2020-09-17T21:46:00.000'),
      sysmon3(W10, '2020-09-17T21:46:05.411', {
        Image: 'C:\\Windows\\System32\\svchost.exe',
        ProcessId: '996',
        Initiated: 'false',
        SourceIp: '172.18.39.5',
        SourcePort: '61543',
        DestinationIp: '172.18.39.6',
        DestinationPort: '135',
      }),
    ]);
    const r = rows(tableOf(res, 'DeviceNetworkEvents'))[1]!;
    expect(r).toMatchObject({
      ActionType: 'InboundConnectionAccepted',
      LocalIP: '172.18.39.6',
      LocalPort: 135,
      RemoteIP: '172.18.39.5',
      RemotePort: 61543,
      DeviceId: 'workstation6.theshire.local',
      DeviceName: W10,
    });
    expect(r.InferredColumns).toBe(
      RPCSS_COMMAND_LINE === r.InitiatingProcessCommandLine ? 'InitiatingProcessCommandLine' : '',
    );
  });

  it('old Sysmon order (local side in Source, SourceHostname = the host): local = Source', () => {
    const res = normalise('w7.jsonl', [
      sysmon3(W7, '2019-04-30T20:35:11.980', {
        Image: 'C:\\Windows\\System32\\mmc.exe',
        ProcessId: '3572',
        Initiated: 'false',
        SourceIp: '10.0.2.18',
        SourceHostname: 'IEWIN7',
        SourcePort: '49163',
        DestinationIp: '10.0.2.19',
        DestinationPort: '33474',
      }),
    ]);
    expect(rows(tableOf(res, 'DeviceNetworkEvents'))[0]).toMatchObject({
      LocalIP: '10.0.2.18',
      LocalPort: 49163,
      RemoteIP: '10.0.2.19',
      RemotePort: 33474,
      InferredColumns: '',
    });
  });

  it('old Sysmon order decided by IP alone (own IP learnt from an outbound row)', () => {
    const res = normalise('w7.jsonl', [
      outbound(W7, '10.0.2.18', '2019-04-30T20:35:00.000'),
      sysmon3(W7, '2019-04-30T20:35:11.980', {
        Image: 'C:\\Windows\\System32\\mmc.exe',
        ProcessId: '3572',
        Initiated: 'false',
        SourceIp: '10.0.2.18',
        SourcePort: '49163',
        DestinationIp: '10.0.2.19',
        DestinationPort: '33474',
      }),
    ]);
    expect(rows(tableOf(res, 'DeviceNetworkEvents'))[1]).toMatchObject({
      LocalIP: '10.0.2.18',
      LocalPort: 49163,
      RemoteIP: '10.0.2.19',
      InferredColumns: '',
    });
  });

  it('undecidable sides (loopback both ends) follow the host other inbound rows, marked inferred', () => {
    const res = normalise('w7.jsonl', [
      sysmon3(W7, '2019-04-30T20:35:11.569', {
        Image: 'System',
        ProcessId: '4',
        Initiated: 'false',
        SourceIp: '10.0.2.18',
        SourceHostname: 'IEWIN7',
        SourcePort: '445',
        DestinationIp: '10.0.2.19',
        DestinationPort: '45622',
      }),
      sysmon3(W7, '2019-04-30T20:35:12.321', {
        Image: 'System',
        ProcessId: '4',
        Initiated: 'false',
        SourceIp: '127.0.0.1',
        SourcePort: '445',
        DestinationIp: '127.0.0.1',
        DestinationPort: '49164',
      }),
    ]);
    const net = tableOf(res, 'DeviceNetworkEvents');
    expect(rows(net)[1]).toMatchObject({
      LocalPort: 445,
      RemotePort: 49164,
      InferredColumns: 'LocalIP,LocalPort,RemoteIP,RemotePort',
    });
    const rep = res[0]!.report;
    expect(rep.columnsInferred).toContainEqual(expect.objectContaining({ column: 'LocalPort', rows: 1 }));
  });

  it('outbound (Initiated=true) is ConnectionSuccess with the local end in Source', () => {
    const res = normalise('o.json', [outbound(W10, '172.18.39.6', '2020-09-17T21:46:00.000')]);
    expect(rows(tableOf(res, 'DeviceNetworkEvents'))[0]).toMatchObject({
      ActionType: 'ConnectionSuccess',
      LocalIP: '172.18.39.6',
      LocalPort: 50000,
      RemoteIP: '10.9.9.9',
      RemotePort: 443,
    });
  });
});

describe('Security 5156 / 5154 / 5157', () => {
  const inbound5156 = (src: string, dst: string) =>
    security(5156, W10, '2020-09-17T21:46:05.0000000', {
      ProcessID: '996',
      Application: '\\device\\harddiskvolume2\\windows\\system32\\svchost.exe',
      Direction: '%%14592',
      SourceAddress: src,
      SourcePort: '61543',
      DestAddress: dst,
      DestPort: '135',
      Protocol: '6',
    });
  const outbound5156 = security(5156, W10, '2020-09-17T21:45:00.0000000', {
    ProcessID: '4',
    Application: 'System',
    Direction: '%%14593',
    SourceAddress: '172.18.39.6',
    SourcePort: '50001',
    DestAddress: '172.18.38.5',
    DestPort: '445',
    Protocol: '6',
  });

  it('inbound with Source = remote initiator (the recorded Windows 10 data): local = Destination; kernel path -> file name; decimal PID', () => {
    const res = normalise('s.json', [outbound5156, inbound5156('172.18.39.5', '172.18.39.6')]);
    const r = rows(tableOf(res, 'DeviceNetworkEvents'))[1]!;
    expect(r).toMatchObject({
      ActionType: 'InboundConnectionAccepted',
      InitiatingProcessFileName: 'svchost.exe',
      InitiatingProcessId: 996,
      LocalIP: '172.18.39.6',
      LocalPort: 135,
      RemoteIP: '172.18.39.5',
      Protocol: 'Tcp',
    });
    expect(String(r.AdditionalFields)).toContain('harddiskvolume2');
  });

  it('inbound with Source = local (Microsoft documentation order): local = Source, decided by the own IP', () => {
    const res = normalise('s.json', [
      outbound5156,
      { ...inbound5156('172.18.39.6', '172.18.39.5'), SourcePort: '135', DestPort: '61543' },
    ]);
    expect(rows(tableOf(res, 'DeviceNetworkEvents'))[1]).toMatchObject({
      LocalIP: '172.18.39.6',
      LocalPort: 135,
      RemotePort: 61543,
      InferredColumns: 'InitiatingProcessCommandLine',
    });
  });

  it('5154 is ListeningConnectionCreated (TcpV4, no remote end); 5157 is skipped and counted', () => {
    const res = normalise('s.json', [
      security(5154, W10, '2020-09-17T21:46:12.0000000', {
        ProcessId: '1324',
        Application: '\\device\\harddiskvolume2\\program files (x86)\\microsoft office\\root\\office16\\excel.exe',
        SourceAddress: '0.0.0.0',
        SourcePort: '49603',
        Protocol: '6',
      }),
      security(5157, W10, '2020-09-17T21:32:14.0000000', {
        ProcessID: '996',
        Direction: '%%14592',
        SourceAddress: '172.18.39.5',
        DestAddress: '172.18.39.6',
        DestPort: '135',
        Protocol: '6',
      }),
    ]);
    const net = res[0]!;
    expect(rows(net.table)[0]).toMatchObject({
      ActionType: 'ListeningConnectionCreated',
      Protocol: 'TcpV4',
      LocalIP: '0.0.0.0',
      LocalPort: 49603,
      RemoteIP: '',
      RemotePort: null,
      InitiatingProcessFileName: 'excel.exe',
    });
    expect(net.report.skipCounts).toEqual({
      'Security 5157: connection blocked by the Windows Filtering Platform (no Defender row; schemas.md §6)': 1,
    });
    expect(net.report.rowsRead).toBe(net.report.rowsLoaded + net.report.rowsRejected + net.report.rowsSkipped!);
  });
});

describe('Security 4688', () => {
  it('hex PIDs, target subject as the account, token elevation, parent from ParentProcessName', () => {
    const res = normalise('s.json', [
      security(4688, W10, '2020-09-17T21:46:05.5600000', {
        NewProcessId: '0x52c',
        NewProcessName: 'C:\\Program Files (x86)\\Microsoft Office\\Root\\Office16\\EXCEL.EXE',
        ProcessId: '0x380',
        ParentProcessName: 'C:\\Windows\\System32\\svchost.exe',
        CommandLine: 'EXCEL.EXE /automation -Embedding',
        TokenElevationType: '%%1938',
        MandatoryLabel: 'S-1-16-8192',
        SubjectUserSid: 'S-1-5-18',
        SubjectUserName: 'WORKSTATION6$',
        SubjectDomainName: 'THESHIRE',
        TargetUserSid: 'S-1-5-21-1',
        TargetUserName: 'pgustavo',
        TargetDomainName: 'THESHIRE',
      }),
    ]);
    expect(rows(tableOf(res, 'DeviceProcessEvents'))[0]).toMatchObject({
      ActionType: 'ProcessCreated',
      FileName: 'EXCEL.EXE',
      ProcessId: 0x52c,
      InitiatingProcessId: 0x380,
      InitiatingProcessFileName: 'svchost.exe',
      AccountName: 'pgustavo',
      InitiatingProcessAccountName: 'WORKSTATION6$',
      ProcessTokenElevation: 'TokenElevationTypeLimited',
      ProcessIntegrityLevel: 'Medium',
      ProcessCreationTime: parseIsoDateTime('2020-09-17T21:46:05.56Z'),
    });
  });

  it.each([
    ['0x52c', false, 1324],
    ['0x0000000000000d60', false, 3424],
    ['996', false, 996],
    ['52c', false, NaN],
    ['520', true, 0x520],
    ['', false, undefined],
  ])('parseId(%j, hex=%s)', (text, hex, want) => {
    expect(parseId(text, hex)).toBe(want);
  });

  it('a bad PID rejects the record with a reason; accounting adds up', () => {
    const res = normalise('s.json', [
      security(4688, W10, '2020-09-17T21:46:05', { NewProcessId: 'zz', NewProcessName: 'C:\\x.exe' }),
      sysmon1('', '2020-09-17T21:46:05.000', { Image: 'C:\\y.exe' }),
    ]);
    const p = res.find((r) => r.table.name === 'DeviceProcessEvents')!.report;
    expect(p.rowsRejected).toBe(2);
    expect(p.rejectCounts).toEqual({ 'bad-number': 1, 'missing-field': 1 });
    expect(p.rowsRead).toBe(2);
  });
});

describe('IPv6 text', () => {
  it.each([
    ['fe80:0:0:0:9582:39e0:356b:ef4e', 'fe80::9582:39e0:356b:ef4e'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80::9582:39e0:356b:ef4e', 'fe80::9582:39e0:356b:ef4e'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['172.18.39.6', '172.18.39.6'],
    ['not:an:ip', 'not:an:ip'],
  ])('%s -> %s', (a, b) => expect(canonicalIp(a)).toBe(b));
});

describe('non-relevant events', () => {
  it('are counted as skipped by source and id; rowsRead = loaded + rejected + skipped', () => {
    const res = normalise('x.json', [
      security(4624, W10, '2020-09-17T21:46:05', {}),
      {
        ProviderName: 'Microsoft-Windows-DistributedCOM',
        Channel: 'System',
        EventID: 10016,
        Computer: 'MSEDGEWIN10',
        TimeCreated: '2020-02-28T22:35:55.9Z',
      },
      {
        ProviderName: 'Microsoft-Windows-Sysmon',
        Channel: 'Microsoft-Windows-Sysmon/Operational',
        EventID: 5,
        Computer: W10,
        TimeCreated: '2020-02-28T22:35:55.9Z',
      },
    ]);
    const rep = res[0]!.report;
    expect(rep.skipCounts).toEqual({
      'Security 4624: not used by the rule': 1,
      'System 10016: not used by the rule': 1,
      'Sysmon 5: not used by the rule': 1,
    });
    expect(res.reduce((n, r) => n + r.report.rowsRead, 0)).toBe(3);
    expect(rep.warnings).toContain('no Sysmon 1/3 or Security 4688/5154/5156 events in this file: nothing loaded');
  });
});
