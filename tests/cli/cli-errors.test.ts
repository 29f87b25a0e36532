/**
 * The CLI's behaviour on bad input: non-zero exit and a message naming file, line and column.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';

function capture() {
  let out = '';
  let err = '';
  return {
    io: { out: (s: string) => void (out += s), err: (s: string) => void (err += s) },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'dcomlens-cli-'));
const NET_HEADER =
  'Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,LocalIP,LocalPort,Protocol,InitiatingProcessFileName,InitiatingProcessId,InitiatingProcessCommandLine';
const PROC_HEADER =
  'Timestamp,DeviceId,DeviceName,ActionType,FileName,ProcessId,ProcessCommandLine,InitiatingProcessFileName,InitiatingProcessId,InitiatingProcessCommandLine,InitiatingProcessParentId,InitiatingProcessParentFileName';

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const net = write(
  'net.csv',
  `${NET_HEADER}\n2024-05-01T10:00:00.5Z,dev1,ws1.corp,InboundConnectionAccepted,10.0.0.9,50000,10.0.0.5,135,Tcp,svchost.exe,900,svchost.exe -k RpcSs -p\n`,
);
const proc = write(
  'proc.csv',
  [
    PROC_HEADER,
    '2024-05-01T09:00:00Z,dev1,ws1.corp,ProcessCreated,services.exe,600,services.exe,wininit.exe,500,wininit.exe,400,smss.exe',
    '2024-05-01T10:00:01.2Z,dev1,ws1.corp,ProcessCreated,mmc.exe,4000,"C:\\Windows\\system32\\mmc.exe -Embedding",svchost.exe,800,"C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p",600,services.exe',
    '2024-05-01T10:00:02Z,dev1,ws1.corp,ProcessCreated,cmd.exe,4100,"cmd.exe /Q /c whoami",mmc.exe,4000,"mmc.exe -Embedding",800,svchost.exe',
    'not-a-time,dev1,ws1.corp,ProcessCreated,x.exe,1,x,y,2,y,3,z',
  ].join('\n') + '\n',
);

describe('dcomlens detect: a minimal chain and bad input', () => {
  it('finds the chain and reports the rejected row with its line', async () => {
    const c = capture();
    const code = await main(['detect', net, proc, '--format', 'json'], c.io);
    expect(code).toBe(0);
    const result = JSON.parse(c.out) as { columns: string[]; rows: unknown[][] };
    expect(result.columns.slice(0, 10)).toEqual([
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
    ]);
    expect(result.rows).toEqual([
      [
        '2024-05-01T10:00:00.5000000Z',
        '2024-05-01T10:00:01.2000000Z',
        'dev1',
        'ws1.corp',
        4000,
        '10.0.0.5',
        '10.0.0.9',
        '2024-05-01T09:00:00.0000000Z',
        'C:\\Windows\\system32\\mmc.exe -Embedding',
        ['cmd.exe /Q /c whoami'],
      ],
    ]);
    expect(c.err).toMatch(/proc\.csv: DeviceProcessEvents \(csv\), 3 rows loaded, 1 rejected/);
    expect(c.err).toMatch(/proc\.csv:5(:\d+)?: Timestamp/);
  });

  it('--strict turns a rejected row into exit status 2, naming file, line and column', async () => {
    const c = capture();
    expect(await main(['detect', net, proc, '--strict'], c.io)).toBe(2);
    expect(c.err).toMatch(/proc\.csv: 1 rows rejected \(--strict\); first at \S*proc\.csv:5:1: .*not-a-time/);
  });

  it('an allow-list that names the DCOM server suppresses the alert', async () => {
    const c = capture();
    expect(await main(['detect', net, proc, '--allow', 'mmc.exe', '--format', 'json'], c.io)).toBe(0);
    expect(JSON.parse(c.out).rows).toEqual([]);
  });

  it('fails on a missing file, naming it', async () => {
    const c = capture();
    expect(await main(['detect', join(dir, 'nope.csv')], c.io)).toBe(2);
    expect(c.err).toMatch(/nope\.csv/);
  });

  it('fails on a file that is no known table', async () => {
    const c = capture();
    const other = write('other.csv', 'a,b\n1,2\n');
    expect(await main(['detect', other, proc], c.io)).toBe(2);
    expect(c.err).toMatch(/other\.csv/);
  });

  it('fails when a table the rule reads is absent', async () => {
    const c = capture();
    expect(await main(['detect', proc], c.io)).toBe(2);
    expect(c.err).toMatch(/DeviceNetworkEvents/);
  });

  it('reports a bad rule query with file, line and column', async () => {
    const c = capture();
    const rule = write('bad.yaml', 'id: x\nname: bad\nquery: |\n  DeviceProcessEvents\n  | where NoSuchColumn == 1\n');
    expect(await main(['detect', net, proc, '--rule', rule], c.io)).toBe(2);
    expect(c.err).toMatch(/bad\.yaml:5:11: error KQL401/);
  });

  it('reports a malformed rule YAML', async () => {
    const c = capture();
    const rule = write('broken.yaml', 'id: [unclosed\nname: x\n');
    expect(await main(['detect', net, proc, '--rule', rule], c.io)).toBe(2);
    expect(c.err).toMatch(/broken\.yaml:\d+:\d+: not valid YAML/);
  });

  it('runs any query over named tables with dcomlens run', async () => {
    const c = capture();
    const q = write('q.kql', 'DeviceProcessEvents | summarize n = count() by FileName | order by FileName asc');
    expect(await main(['run', '--query', q, '--table', `DeviceProcessEvents=${proc}`], c.io)).toBe(0);
    expect(c.out.trim().split(/\r?\n/)).toEqual(['FileName,n', 'cmd.exe,1', 'mmc.exe,1', 'services.exe,1']);
  });

  it('rejects unknown options and commands', async () => {
    const c = capture();
    expect(await main(['detect', '--bogus'], c.io)).toBe(2);
    expect(await main(['frobnicate'], c.io)).toBe(2);
    expect(c.err).toMatch(/unknown option --bogus/);
  });
});
