/**
 * Defender exports an attacker controls: DCOM chains (RPC accept → DCOM launch → child) whose
 * device names, file names and command lines carry HTML, <script>, SVG with handlers, bidi
 * overrides, spreadsheet formulas, a 100 kB command line, invalid UTF-8 and (through JSON escapes)
 * lone surrogates, plus rows with a NUL the CSV reader must reject. Deterministic: no randomness.
 * Every payload that could run sets `window.__pwned`, so "nothing executed" is one flag to check.
 */
import { csvField } from '../../bench/gen/csv-writer';
import { DEVICE_NETWORK_EVENTS, DEVICE_PROCESS_EVENTS } from '../../src/engine/table/defender-schema';

export const HTML = {
  img: `<img src=x onerror="window.__pwned='img'">`,
  script: `<script>window.__pwned='script'</script>`,
  svg: `<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned='svg'"><circle r="9"/></svg>`,
  anchor: `<a href="javascript:window.__pwned='href'">click</a>`,
} as const;

/** Right-to-left override: "report<RLO>fdp.exe" shows as "reportexe.pdf". */
export const BIDI = 'report\u202Efdp.exe';

/** Cells a spreadsheet would run; every CSV dcomlens writes must neutralise them. */
export const FORMULAS = ['=1+1', '+1+1', '-1+1', '@SUM(1,1)', '\t=1+1', '\r=1+1'] as const;

export const LONG_CMD = `powershell.exe -nop -w hidden -enc ${'QUFB'.repeat(25_000)}`; // 100 kB + prefix

/** Invalid UTF-8 (an encoded surrogate and a 0xFF byte) spliced where this marker sits. */
const BAD_UTF8_MARK = '\u0001BAD\u0001';
const BAD_UTF8 = Buffer.from([0xed, 0xa0, 0x80, 0xff]);

export interface Chain {
  readonly deviceId: string;
  readonly deviceName: string;
  readonly dcomFile: string;
  readonly dcomCmd: string;
  readonly childFile: string;
  readonly childCmd: string;
}

export const CHAINS: readonly Chain[] = [
  {
    deviceId: 'dev0',
    deviceName: `ws0 ${HTML.img}`,
    dcomFile: 'mmc.exe',
    dcomCmd: `${FORMULAS[0]} ${HTML.svg}`,
    childFile: `${HTML.script}.exe`,
    childCmd: HTML.script,
  },
  {
    deviceId: 'dev1',
    deviceName: `ws1 ${HTML.script}`,
    dcomFile: `${HTML.svg}.exe`,
    dcomCmd: `${FORMULAS[1]} ${HTML.img}`,
    childFile: 'cmd.exe',
    childCmd: HTML.img,
  },
  {
    deviceId: 'dev2',
    deviceName: `ws2 ${HTML.svg}`,
    dcomFile: BIDI,
    dcomCmd: `${FORMULAS[2]} ${HTML.anchor}`,
    childFile: `evil\u202Etxt.exe`,
    childCmd: HTML.svg,
  },
  {
    deviceId: 'dev3',
    deviceName: `${FORMULAS[3]} ws3`,
    dcomFile: 'excel.exe',
    dcomCmd: `${FORMULAS[3]} ${BIDI}`,
    childFile: 'cmd.exe',
    childCmd: LONG_CMD,
  },
  {
    deviceId: 'dev4',
    deviceName: `${FORMULAS[2]}ws4`,
    dcomFile: `${HTML.img}.exe`,
    dcomCmd: `${FORMULAS[4]} ${HTML.script}`,
    childFile: 'cmd.exe',
    childCmd: `${BIDI} ${HTML.anchor}`,
  },
  {
    deviceId: 'dev5',
    deviceName: 'ws5',
    dcomFile: 'mmc.exe',
    dcomCmd: `${FORMULAS[5]} mmc -Embedding`,
    childFile: 'cmd.exe',
    childCmd: `bad-utf8:${BAD_UTF8_MARK}:end`,
  },
];

/** A chain whose process rows come as JSON lines with lone surrogates (valid JSON, invalid UTF-16). */
export const SURROGATE_CHAIN: Chain = {
  deviceId: 'dev6',
  deviceName: 'ws6 \ud800 lone',
  dcomFile: 'mmc.exe',
  dcomCmd: `mmc.exe -Embedding \udfff ${HTML.img}`,
  childFile: 'cmd.exe',
  childCmd: `cmd /c \ud83d trailing-high ${HTML.script}`,
};

/** The rows per file: CSV data rows and NUL rows (which ingest must reject, one each). */
export const NUL_ROWS = 2;

type Row = Record<string, string | number>;

function netRow(c: Chain, i: number): Row {
  return {
    Timestamp: '2024-05-01T10:00:00.5Z',
    DeviceId: c.deviceId,
    DeviceName: c.deviceName,
    ActionType: 'InboundConnectionAccepted',
    RemoteIP: '10.0.9.9',
    RemotePort: 50000 + i,
    LocalIP: `10.0.0.${10 + i}`,
    LocalPort: 135,
    Protocol: 'Tcp',
    InitiatingProcessFileName: 'svchost.exe',
    InitiatingProcessId: 900,
    InitiatingProcessCommandLine: 'C:\\Windows\\system32\\svchost.exe -k RpcSs -p',
  };
}

function procRows(c: Chain): Row[] {
  const base = { DeviceId: c.deviceId, DeviceName: c.deviceName, ActionType: 'ProcessCreated' };
  return [
    {
      ...base,
      Timestamp: '2024-05-01T09:00:00Z',
      FileName: 'services.exe',
      ProcessId: 600,
      ProcessCommandLine: 'services.exe',
      InitiatingProcessFileName: 'wininit.exe',
      InitiatingProcessId: 500,
      InitiatingProcessCommandLine: 'wininit.exe',
      InitiatingProcessParentId: 400,
      InitiatingProcessParentFileName: 'smss.exe',
    },
    {
      ...base,
      Timestamp: '2024-05-01T10:00:01.2Z',
      FileName: c.dcomFile,
      ProcessId: 4000,
      ProcessCommandLine: c.dcomCmd,
      InitiatingProcessFileName: 'svchost.exe',
      InitiatingProcessId: 800,
      InitiatingProcessCommandLine: 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p',
      InitiatingProcessParentId: 600,
      InitiatingProcessParentFileName: 'services.exe',
    },
    {
      ...base,
      Timestamp: '2024-05-01T10:00:02Z',
      FileName: c.childFile,
      ProcessId: 4100,
      ProcessCommandLine: c.childCmd,
      InitiatingProcessFileName: c.dcomFile,
      InitiatingProcessId: 4000,
      InitiatingProcessCommandLine: c.dcomCmd,
      InitiatingProcessParentId: 800,
      InitiatingProcessParentFileName: 'svchost.exe',
    },
  ];
}

function csvFile(schema: readonly { name: string }[], rows: readonly Row[]): Buffer {
  const lines = [schema.map((c) => c.name).join(',')];
  for (const r of rows)
    lines.push(schema.map((c) => (r[c.name] === undefined ? '' : csvField(String(r[c.name])))).join(','));
  const text = `${lines.join('\r\n')}\r\n`;
  // Splice the invalid UTF-8 bytes in (a JS string cannot hold them).
  const parts = text.split(BAD_UTF8_MARK);
  return Buffer.concat(
    parts.flatMap((p, i) => (i === 0 ? [Buffer.from(p, 'utf8')] : [BAD_UTF8, Buffer.from(p, 'utf8')])),
  );
}

/** JSON text keeping lone surrogates as `\uXXXX` escapes (JSON.stringify does that since ES2019). */
function jsonLines(rows: readonly Row[]): Buffer {
  return Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf8');
}

export interface HostileFiles {
  readonly 'DeviceNetworkEvents.csv': Buffer;
  readonly 'DeviceProcessEvents.csv': Buffer;
  readonly 'DeviceProcessEvents-surrogates.json': Buffer;
}

export function hostileFiles(): HostileFiles {
  const chains = [...CHAINS, SURROGATE_CHAIN];
  const nulRow: Row = {
    Timestamp: '2024-05-01T10:00:03Z',
    DeviceId: 'dev0',
    DeviceName: 'ws0',
    FileName: 'nul\u0000.exe',
    ProcessCommandLine: 'a\u0000b',
  };
  const nulNet: Row = { ...netRow(CHAINS[0]!, 0), DeviceName: 'ws\u0000nul' };
  return {
    'DeviceNetworkEvents.csv': csvFile(DEVICE_NETWORK_EVENTS, [...chains.map(netRow), nulNet]),
    'DeviceProcessEvents.csv': csvFile(DEVICE_PROCESS_EVENTS, [...CHAINS.flatMap(procRows), nulRow]),
    'DeviceProcessEvents-surrogates.json': jsonLines(procRows(SURROGATE_CHAIN)),
  };
}

/** Alerts the rule must raise on these files: one per chain. */
export const EXPECTED_ALERTS = CHAINS.length + 1;
