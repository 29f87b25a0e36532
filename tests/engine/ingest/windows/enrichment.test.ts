import { describe, expect, it } from 'vitest';
import { enrichAcrossFiles, RPCSS_COMMAND_LINE, WindowsEventNormaliser } from '../../../../src/engine/ingest/windows';
import { parseIsoDateTime } from '../../../../src/engine/time/ticks';
import { normalise, rows, security, sysmon1, sysmon3, tableOf, type Rec } from './event-builders';

const H = 'WORKSTATION6.theshire.local';
const SVC = 'C:\\Windows\\System32\\svchost.exe';
const outbound = sysmon3(H, '2020-09-17T21:40:00.000', {
  Image: SVC,
  ProcessId: '1',
  Initiated: 'true',
  SourceIp: '172.18.39.6',
  SourcePort: '50000',
  DestinationIp: '10.9.9.9',
  DestinationPort: '443',
});
const excel = sysmon1(H, '2020-09-17T21:46:05.560', {
  ProcessGuid: '{aaaa-excel}',
  ProcessId: '1324',
  Image: 'C:\\Office16\\EXCEL.EXE',
  CommandLine: 'EXCEL.EXE /automation -Embedding',
  ParentProcessGuid: '{aaaa-dcomlaunch}',
  ParentProcessId: '896',
  ParentImage: SVC,
  ParentCommandLine: 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p',
});
const surrogate = sysmon1(H, '2020-09-17T21:46:21.342', {
  ProcessGuid: '{aaaa-child}',
  ProcessId: '5484',
  Image: 'C:\\Office16\\AppVDllSurrogate64.exe',
  CommandLine: 'AppVDllSurrogate64.exe -Embedding',
  ParentProcessGuid: '{aaaa-excel}',
  ParentProcessId: '1324',
  ParentImage: 'C:\\Office16\\EXCEL.EXE',
  ParentCommandLine: 'EXCEL.EXE /automation -Embedding',
});
const excelAccept = (f: Record<string, string>) =>
  sysmon3(H, '2020-09-17T21:46:12.261', {
    Image: 'C:\\Office16\\EXCEL.EXE',
    Initiated: 'false',
    SourceIp: '172.18.39.5',
    SourcePort: '61545',
    DestinationIp: '172.18.39.6',
    DestinationPort: '49603',
    ...f,
  });
const rpcAccept = sysmon3(H, '2020-09-17T21:46:05.411', {
  Image: SVC,
  ProcessId: '996',
  ProcessGuid: '{aaaa-rpcss}',
  Initiated: 'false',
  SourceIp: '172.18.39.5',
  SourcePort: '61543',
  DestinationIp: '172.18.39.6',
  DestinationPort: '135',
});

describe('network rows: the socket owner from its process creation', () => {
  it('via ProcessGuid (EID 3 without ProcessId, as in several OTRF files)', () => {
    const res = normalise('a.json', [outbound, excel, excelAccept({ ProcessGuid: '{aaaa-excel}' })]);
    const r = rows(tableOf(res, 'DeviceNetworkEvents'))[1]!;
    expect(r).toMatchObject({
      InitiatingProcessId: 1324,
      InitiatingProcessCommandLine: 'EXCEL.EXE /automation -Embedding',
      InitiatingProcessParentFileName: 'svchost.exe',
      InitiatingProcessParentId: 896,
      InitiatingProcessCreationTime: parseIsoDateTime('2020-09-17T21:46:05.56Z'),
      InferredColumns: '',
    });
    const net = res.find((x) => x.table.name === 'DeviceNetworkEvents')!.report;
    expect(net.columnsEnriched).toContainEqual({
      column: 'InitiatingProcessCommandLine',
      rows: 1,
      how: "from the socket owner's process creation (ProcessGuid)",
    });
  });

  it('via device + PID + the most recent creation before the event', () => {
    const res = normalise('a.json', [outbound, excel, excelAccept({ ProcessId: '1324' })]);
    expect(rows(tableOf(res, 'DeviceNetworkEvents'))[1]).toMatchObject({
      InitiatingProcessCommandLine: 'EXCEL.EXE /automation -Embedding',
      InitiatingProcessParentId: 896,
    });
  });

  it('PID reuse is not mis-linked: an event before the reuse links the earlier process, a different image links nothing', () => {
    const old = sysmon1(H, '2020-09-17T21:40:00.000', {
      ProcessId: '1324',
      Image: 'C:\\Windows\\notepad.exe',
      CommandLine: 'notepad.exe',
      ParentProcessId: '10',
      ParentImage: 'C:\\Windows\\explorer.exe',
    });
    const before = sysmon3(H, '2020-09-17T21:41:00.000', {
      Image: 'C:\\Windows\\notepad.exe',
      ProcessId: '1324',
      Initiated: 'true',
      SourceIp: '172.18.39.6',
      SourcePort: '50010',
      DestinationIp: '10.9.9.9',
      DestinationPort: '80',
    });
    // After EXCEL took PID 1324, a row that names notepad.exe must not get EXCEL's command line.
    const stale = sysmon3(H, '2020-09-17T21:47:00.000', {
      Image: 'C:\\Windows\\notepad.exe',
      ProcessId: '1324',
      Initiated: 'true',
      SourceIp: '172.18.39.6',
      SourcePort: '50011',
      DestinationIp: '10.9.9.9',
      DestinationPort: '80',
    });
    const res = normalise('a.json', [outbound, old, excel, before, stale]);
    const net = rows(tableOf(res, 'DeviceNetworkEvents'));
    expect(net[1]).toMatchObject({
      InitiatingProcessCommandLine: 'notepad.exe',
      InitiatingProcessParentFileName: 'explorer.exe',
    });
    expect(net[2]).toMatchObject({ InitiatingProcessCommandLine: '', InitiatingProcessParentFileName: '' });
  });
});

describe('process rows: the grandparent from the parent own creation', () => {
  it('InitiatingProcessParentFileName / Id of the child come from the DCOM server creation (ParentProcessGuid)', () => {
    const res = normalise('a.json', [excel, surrogate]);
    const p = rows(tableOf(res, 'DeviceProcessEvents'));
    expect(p[1]).toMatchObject({
      InitiatingProcessId: 1324,
      InitiatingProcessParentFileName: 'svchost.exe',
      InitiatingProcessParentId: 896,
      InitiatingProcessCreationTime: parseIsoDateTime('2020-09-17T21:46:05.56Z'),
    });
    // The DcomLaunch svchost started at boot: its own parent (services.exe) is not invented.
    expect(p[0]).toMatchObject({ InitiatingProcessParentFileName: '', InitiatingProcessParentId: null });
  });

  it('a missing Sysmon ProcessId is taken from the children ParentProcessId (same ProcessGuid)', () => {
    const { ProcessId: _drop, ...noPid } = excel as Rec & { ProcessId: string };
    const res = normalise('a.json', [noPid, surrogate]);
    expect(rows(tableOf(res, 'DeviceProcessEvents'))[0]).toMatchObject({ ProcessId: 1324 });
  });

  it('4688 only: the parent command line and grandparent via device + PID + time (hex PIDs)', () => {
    const parent = security(4688, H, '2020-09-17T21:46:05.0000000', {
      NewProcessId: '0x52c',
      NewProcessName: 'C:\\Office16\\EXCEL.EXE',
      CommandLine: 'EXCEL.EXE /automation -Embedding',
      ProcessId: '0x380',
      ParentProcessName: SVC,
    });
    const child = security(4688, H, '2020-09-17T21:46:21.0000000', {
      NewProcessId: '0x156c',
      NewProcessName: 'C:\\Office16\\AppVDllSurrogate64.exe',
      CommandLine: 'x',
      ProcessId: '0x52c',
      ParentProcessName: 'C:\\Office16\\EXCEL.EXE',
    });
    const p = rows(tableOf(normalise('s.json', [parent, child]), 'DeviceProcessEvents'));
    expect(p[1]).toMatchObject({
      InitiatingProcessId: 1324,
      InitiatingProcessCommandLine: 'EXCEL.EXE /automation -Embedding',
      InitiatingProcessParentId: 0x380,
      InitiatingProcessParentFileName: 'svchost.exe',
    });
  });

  it('a 4688 of the same process folds into the Sysmon EID 1 (one row; PID taken from the 4688 when Sysmon has none)', () => {
    const { ProcessId: _drop, ...noPid } = excel as Rec & { ProcessId: string };
    const dup = security(4688, H, '2020-09-17T21:46:05.0000000', {
      NewProcessId: '0x52c',
      NewProcessName: 'C:\\Office16\\EXCEL.EXE',
      ProcessId: '0x380',
      ParentProcessName: SVC,
      TokenElevationType: '%%1936',
    });
    const res = normalise('a.json', [noPid, dup]);
    const proc = res.find((r) => r.table.name === 'DeviceProcessEvents')!;
    expect(proc.table.rowCount).toBe(1);
    expect(rows(proc.table)[0]).toMatchObject({
      ProcessId: 1324,
      ProcessTokenElevation: 'TokenElevationTypeDefault',
      Timestamp: parseIsoDateTime('2020-09-17T21:46:05.56Z'),
    });
    expect(proc.report.skipCounts).toEqual({
      'Security 4688: folded into the Sysmon 1 row of the same process creation': 1,
    });
    expect(proc.report.rowsRead).toBe(2);
  });
});

describe('RpcSs inference (schemas.md §7a)', () => {
  it('svchost accepting on local TCP 135 with no known command line: inferred and marked', () => {
    const res = normalise('a.json', [outbound, rpcAccept]);
    const r = rows(tableOf(res, 'DeviceNetworkEvents'))[1]!;
    expect(r).toMatchObject({
      InitiatingProcessCommandLine: RPCSS_COMMAND_LINE,
      InferredColumns: 'InitiatingProcessCommandLine',
    });
    expect(res[0]!.report.columnsInferred).toContainEqual(
      expect.objectContaining({
        column: 'InitiatingProcessCommandLine',
        rows: 1,
        reason: expect.stringMatching(/RpcSs endpoint mapper/),
      }),
    );
  });

  it('not inferred when the command line is known from the data, nor for other ports or outbound', () => {
    const rpcCreate = sysmon1(H, '2020-09-17T21:00:00.000', {
      ProcessGuid: '{aaaa-rpcss}',
      ProcessId: '996',
      Image: SVC,
      CommandLine: 'C:\\Windows\\system32\\svchost.exe -k RPCSS -p',
      ParentProcessId: '700',
      ParentImage: 'C:\\Windows\\System32\\services.exe',
    });
    const other = { ...rpcAccept, DestinationPort: '445', SourcePort: '61600' };
    const out135 = sysmon3(H, '2020-09-17T21:46:06.000', {
      Image: SVC,
      ProcessId: '990',
      Initiated: 'true',
      SourceIp: '172.18.39.6',
      SourcePort: '61700',
      DestinationIp: '172.18.38.5',
      DestinationPort: '135',
    });
    const net = rows(
      tableOf(normalise('a.json', [outbound, rpcCreate, rpcAccept, other, out135]), 'DeviceNetworkEvents'),
    );
    expect(net[1]).toMatchObject({
      InitiatingProcessCommandLine: 'C:\\Windows\\system32\\svchost.exe -k RPCSS -p',
      InitiatingProcessParentFileName: 'services.exe',
      InferredColumns: '',
    });
    expect(net[2]!.InferredColumns).toBe('');
    expect(net[3]).toMatchObject({ InitiatingProcessCommandLine: '', InferredColumns: '' });
  });
});

describe('5156 + Sysmon 3 of one connection', () => {
  it('fold into one row whose Timestamp is the 5156 time (schemas.md §7a), even with EID 3 skewed by 11 s', () => {
    const skewed = { ...rpcAccept, UtcTime: '2020-09-17 21:45:54.000', ProcessId: undefined };
    delete (skewed as Rec).ProcessId;
    const wfp = security(5156, H, '2020-09-17T21:46:05.0000000', {
      ProcessID: '996',
      Application: '\\device\\harddiskvolume2\\windows\\system32\\svchost.exe',
      Direction: '%%14592',
      SourceAddress: '172.18.39.5',
      SourcePort: '61543',
      DestAddress: '172.18.39.6',
      DestPort: '135',
      Protocol: '6',
    });
    const res = normalise('a.json', [outbound, skewed, wfp]);
    const net = res.find((r) => r.table.name === 'DeviceNetworkEvents')!;
    expect(net.table.rowCount).toBe(2);
    expect(rows(net.table)[1]).toMatchObject({
      Timestamp: parseIsoDateTime('2020-09-17T21:46:05Z'),
      InitiatingProcessId: 996,
    });
    expect(String(rows(net.table)[1]!.AdditionalFields)).toContain('Sysmon 3 + Security 5156');
  });
});

describe('NXLog local EventTime', () => {
  it('is converted with the UTC offset learnt from Sysmon UtcTime of the same file', () => {
    const nx = (r: Rec): Rec => ({ ...r, Hostname: H, EventTime: r.EventTime, SourceModuleType: 'im_msvistalog' });
    const s1 = nx({
      EventID: 1,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      EventTime: '2020-09-17 17:46:05',
      UtcTime: '2020-09-17 21:46:05.560',
      Image: 'C:\\x.exe',
      ProcessId: '5',
      ParentProcessId: '4',
      ParentImage: 'C:\\p.exe',
    });
    const s4688 = nx({
      EventID: 4688,
      Channel: 'security',
      EventTime: '2020-09-17 17:46:30',
      NewProcessId: '0x10',
      NewProcessName: 'C:\\y.exe',
      ProcessId: '0x4',
      ParentProcessName: 'C:\\p.exe',
    });
    const res = normalise('n.json', [s1, s4688]);
    const p = res.find((r) => r.table.name === 'DeviceProcessEvents')!;
    expect(rows(p.table)[1]!.Timestamp).toBe(parseIsoDateTime('2020-09-17T21:46:30Z'));
    expect(p.report.notes?.join('\n')).toMatch(/UTC-04:00, from 1 Sysmon UtcTime/);
    expect(p.report.precisionNote).toMatch(/^1 row/);
  });

  it('without anything to learn from, is taken as UTC and Timestamp is marked inferred', () => {
    const res = normalise('n.json', [
      {
        EventID: 4688,
        Channel: 'Security',
        Hostname: H,
        EventTime: '2020-09-17 17:46:30',
        NewProcessId: '0x10',
        NewProcessName: 'C:\\y.exe',
        ProcessId: '0x4',
      },
    ]);
    const p = res[0]!;
    expect(rows(p.table)[0]).toMatchObject({
      Timestamp: parseIsoDateTime('2020-09-17T17:46:30Z'),
      InferredColumns: 'Timestamp',
    });
    expect(p.report.warnings.join('\n')).toMatch(/EventTime taken as UTC/);
  });
});

describe('enrichAcrossFiles', () => {
  it('joins EID 3 in one file to the EID 1 in another, and 4688 in a third folds into the Sysmon row', () => {
    const netFile = normalise('sysmon-net.json', [outbound, excelAccept({ ProcessGuid: '{aaaa-excel}' })]);
    const procFile = normalise('sysmon-proc.json', [excel]);
    const secFile = normalise('security.json', [
      security(4688, H, '2020-09-17T21:46:05.0000000', {
        NewProcessId: '0x52c',
        NewProcessName: 'C:\\Office16\\EXCEL.EXE',
        ProcessId: '0x380',
        ParentProcessName: SVC,
        TokenElevationType: '%%1936',
      }),
    ]);
    expect(rows(tableOf(netFile, 'DeviceNetworkEvents'))[1]!.InitiatingProcessCommandLine).toBe('');
    const all = [...netFile, ...procFile, ...secFile];
    const out = enrichAcrossFiles(all);
    expect(out).toHaveLength(all.length);
    expect(rows(out[0]!.table)[1]).toMatchObject({
      InitiatingProcessCommandLine: 'EXCEL.EXE /automation -Embedding',
      InitiatingProcessParentId: 896,
    });
    expect(out[2]!.table.rowCount).toBe(0);
    expect(out[2]!.report).toMatchObject({ rowsRead: 1, rowsLoaded: 0, rowsSkipped: 1 });
    expect(rows(out[1]!.table)[0]).toMatchObject({ ProcessTokenElevation: 'TokenElevationTypeDefault' });
    // Idempotent, and other results pass through untouched.
    const again = enrichAcrossFiles(out);
    expect(rows(again[0]!.table)).toEqual(rows(out[0]!.table));
    const foreign = { table: out[0]!.table, report: out[0]!.report };
    expect(enrichAcrossFiles([{ ...foreign, table: { ...foreign.table } }])[0]!.table.rowCount).toBe(2);
  });

  it('a single file is returned as finished', () => {
    const n = new WindowsEventNormaliser('a.json', {});
    n.add(excel, 1);
    const res = n.finish();
    expect(enrichAcrossFiles(res)[0]).toBe(res[0]);
  });
});
