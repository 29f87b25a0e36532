import { describe, expect, it } from 'vitest';
import { fromEvtxECmdRow, isWindowsEventRecord, WindowsEventNormaliser } from '../../../../src/engine/ingest/windows';
import { readEventRecord } from '../../../../src/engine/ingest/windows/event-record';
import { parseIsoDateTime } from '../../../../src/engine/time/ticks';
import { rows, tableOf } from './event-builders';

const NXLOG_4688 = {
  EventID: 4688,
  Channel: 'security',
  Hostname: 'WORKSTATION6.theshire.local',
  EventTime: '2020-09-17 17:46:05',
  EventReceivedTime: '2020-09-17 17:46:07',
  '@timestamp': '2020-09-17T21:46:07.500Z',
  SourceModuleType: 'im_msvistalog',
  NewProcessId: '0x52c',
  NewProcessName: 'C:\\Program Files (x86)\\Microsoft Office\\Root\\Office16\\EXCEL.EXE',
  ProcessId: '0x380',
  ParentProcessName: 'C:\\Windows\\System32\\svchost.exe',
  CommandLine: 'EXCEL.EXE /automation -Embedding',
  TokenElevationType: '%%1936',
  MandatoryLabel: 'S-1-16-8192',
  SubjectUserSid: 'S-1-5-18',
  SubjectUserName: 'WORKSTATION6$',
  SubjectDomainName: 'THESHIRE',
  SubjectLogonId: '0x3e7',
  TargetUserSid: 'S-1-5-21-1-2-3-1104',
  TargetUserName: 'pgustavo',
  TargetDomainName: 'THESHIRE',
  TargetLogonId: '0x2b78cd',
};

const WINLOGBEAT_5156 = {
  '@timestamp': '2020-09-17T21:46:05.4123456Z',
  event: { code: '5156' },
  winlog: {
    event_id: 5156,
    channel: 'Security',
    computer_name: 'WORKSTATION6.theshire.local',
    provider_name: 'Microsoft-Windows-Security-Auditing',
    event_data: {
      ProcessID: '996',
      Application: '\\device\\harddiskvolume2\\windows\\system32\\svchost.exe',
      Direction: '%%14592',
      SourceAddress: '172.18.39.5',
      SourcePort: '61543',
      DestAddress: '172.18.39.6',
      DestPort: '135',
      Protocol: '6',
      LayerName: '%%14610',
    },
  },
};

describe('record shapes', () => {
  it.each([
    ['NXLog (OTRF)', NXLOG_4688, true],
    ['winlogbeat', WINLOGBEAT_5156, true],
    [
      'flat EVTX dump',
      {
        ProviderName: 'Microsoft-Windows-DistributedCOM',
        EventID: 10016,
        Computer: 'MSEDGEWIN10',
        TimeCreated: '2020-02-28T22:35:55.910274100Z',
      },
      true,
    ],
    [
      'Defender advanced-hunting row',
      { Timestamp: '2024-05-01T10:00:00Z', DeviceName: 'h', ActionType: 'ProcessCreated' },
      false,
    ],
    [
      'streaming-API record',
      { time: '2024-05-01T10:00:00Z', category: 'AdvancedHunting-DeviceProcessEvents', properties: {} },
      false,
    ],
    ['EventID without channel or host', { EventID: 1 }, false],
  ])('%s', (_n, rec, want) => {
    expect(isWindowsEventRecord(rec as Record<string, unknown>)).toBe(want);
  });

  it('NXLog EventTime is local (no offset): kept apart from UTC times; @timestamp is never the event time', () => {
    const v = readEventRecord(NXLOG_4688)!;
    expect(v.shape).toBe('nxlog');
    expect(v.timeUtc).toBeNull();
    expect(v.timeLocal).toBe(parseIsoDateTime('2020-09-17T17:46:05Z'));
    expect(v.source).toBe('security');
  });

  it('winlogbeat: @timestamp is the event time, fields under winlog.event_data', () => {
    const v = readEventRecord(WINLOGBEAT_5156)!;
    expect(v.shape).toBe('winlogbeat');
    expect(v.timeUtc).toBe(parseIsoDateTime('2020-09-17T21:46:05.4123456Z'));
    expect(v.field('DestPort')).toBe('135');
    expect(v.host).toBe('WORKSTATION6.theshire.local');
  });

  it('EvtxECmd rows: Payload EventData items become fields, TimeCreated is UTC', () => {
    const payload = JSON.stringify({
      EventData: {
        Data: [
          { '@Name': 'RuleName', '#text': '-' },
          { '@Name': 'UtcTime', '#text': '2019-04-30 20:35:11.856' },
          { '@Name': 'ProcessGuid', '#text': '{365ABB72-B17F-5CC8-0000-001082A51E00}' },
          { '@Name': 'ProcessId', '#text': '3572' },
          { '@Name': 'Image', '#text': 'C:\\Windows\\System32\\mmc.exe' },
          { '@Name': 'CommandLine', '#text': 'C:\\Windows\\system32\\mmc.exe -Embedding' },
          { '@Name': 'ParentProcessId', '#text': '612' },
          { '@Name': 'ParentImage', '#text': 'C:\\Windows\\System32\\svchost.exe' },
          { '@Name': 'ParentCommandLine', '#text': 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch' },
          { '@Name': 'Description' },
        ],
      },
    });
    const rec = fromEvtxECmdRow({
      TimeCreated: '2019-04-30 20:35:11.8560890',
      EventId: '1',
      Computer: 'IEWIN7',
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Provider: 'Microsoft-Windows-Sysmon',
      Payload: payload,
    });
    expect(isWindowsEventRecord(rec)).toBe(true);
    expect(rec.Description).toBe('');
    const n = new WindowsEventNormaliser('sysmon.csv', {});
    n.add(rec, 2);
    const [res] = n.finish();
    expect(res!.report.format).toBe('evtx-csv');
    const [row] = rows(res!.table);
    expect(row).toMatchObject({
      FileName: 'mmc.exe',
      ProcessId: 3572,
      InitiatingProcessId: 612,
      InitiatingProcessCommandLine: 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch',
      DeviceId: 'iewin7',
      Timestamp: parseIsoDateTime('2019-04-30T20:35:11.856Z'),
    });
  });

  it('EvtxECmd row with a Payload that is not JSON is rejected with a reason, not thrown', () => {
    const rec = fromEvtxECmdRow({
      TimeCreated: '2019-04-30 20:35:11',
      EventId: '3',
      Computer: 'IEWIN7',
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Provider: 'Microsoft-Windows-Sysmon',
      Payload: '{oops',
    });
    const n = new WindowsEventNormaliser('s.csv', {});
    n.add(rec, 2);
    const res = n.finish();
    const net = res.find((r) => r.table.name === 'DeviceNetworkEvents')!;
    expect(net.report.rowsRejected).toBe(1);
    expect(net.report.rejects[0]!.reason).toMatch(/Initiated/);
  });

  it('winlogbeat 5156 maps to a DeviceNetworkEvents row', () => {
    const n = new WindowsEventNormaliser('wlb.json', {});
    n.add(WINLOGBEAT_5156, 1);
    const net = tableOf(n.finish(), 'DeviceNetworkEvents');
    expect(rows(net)[0]).toMatchObject({
      ActionType: 'InboundConnectionAccepted',
      InitiatingProcessFileName: 'svchost.exe',
      InitiatingProcessId: 996,
      Protocol: 'Tcp',
    });
  });
});
