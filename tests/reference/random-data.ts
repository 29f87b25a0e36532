/**
 * Seeded fast-check arbitraries for small Defender-shaped tables. Every value comes from a SMALL
 * pool so that join keys, equalities, case variants (`svchost.exe` / `SVCHOST.EXE`), term traps
 * (`rpcss`, `rpcssx`, `rpcss_x`, `-k RpcSs -p`), `""`, null numbers and timestamps around second and
 * 5 s boundaries collide often.
 */
import fc from 'fast-check';
import type { Scalar, ScalarType } from '../../src/engine/table/column';
import type { ColumnSchema, Table } from '../../src/engine/table/table';
import { TICKS_PER_MINUTE, TICKS_PER_SECOND } from '../../src/engine/time/ticks';
import { dt, makeRefTable } from './fixtures';

export const NETWORK_TABLE = 'DeviceNetworkEvents';
export const PROCESS_TABLE = 'DeviceProcessEvents';

/** A subset of DeviceNetworkEvents, in portal order, plus a unique ReportId per row. */
export const NETWORK_SCHEMA: readonly ColumnSchema[] = [
  { name: 'Timestamp', type: 'datetime' },
  { name: 'DeviceId', type: 'string' },
  { name: 'DeviceName', type: 'string' },
  { name: 'ActionType', type: 'string' },
  { name: 'RemoteIP', type: 'string' },
  { name: 'LocalIP', type: 'string' },
  { name: 'LocalPort', type: 'int' },
  { name: 'InitiatingProcessFileName', type: 'string' },
  { name: 'InitiatingProcessId', type: 'long' },
  { name: 'InitiatingProcessCommandLine', type: 'string' },
  { name: 'ReportId', type: 'long' },
];

/** A subset of DeviceProcessEvents, in portal order, plus a unique ReportId per row. */
export const PROCESS_SCHEMA: readonly ColumnSchema[] = [
  { name: 'Timestamp', type: 'datetime' },
  { name: 'DeviceId', type: 'string' },
  { name: 'DeviceName', type: 'string' },
  { name: 'FileName', type: 'string' },
  { name: 'ProcessId', type: 'long' },
  { name: 'ProcessCommandLine', type: 'string' },
  { name: 'InitiatingProcessFileName', type: 'string' },
  { name: 'InitiatingProcessId', type: 'long' },
  { name: 'InitiatingProcessCommandLine', type: 'string' },
  { name: 'InitiatingProcessParentId', type: 'long' },
  { name: 'InitiatingProcessParentFileName', type: 'string' },
  { name: 'ReportId', type: 'long' },
];

const BASE = dt('2024-05-01T10:00:00Z');

const FILE_NAMES = [
  'svchost.exe',
  'SVCHOST.EXE',
  'SvcHost.exe',
  'mmc.exe',
  'MMC.EXE',
  'dllhost.exe',
  'cmd.exe',
  'csc.exe',
  'services.exe',
  '',
  'straße.exe',
  'STRASSE.EXE',
];
const COMMAND_LINES = [
  'C:\\Windows\\system32\\svchost.exe -k RpcSs -p',
  'svchost.exe -k rpcss',
  'svchost.exe -k rpcssx',
  'rpcss_x',
  'xrpcss',
  'svchost.exe -k DcomLaunch -p',
  'svchost.exe -k dcomlaunch',
  'cmd.exe /c whoami',
  'mmc.exe -Embedding',
  'RPCSS',
  '',
];

/** Value pools by column name; also used by the query generator for literals that hit. */
export const POOLS: Readonly<Record<string, readonly Scalar[]>> = {
  DeviceId: ['d1', 'd2', 'D1', 'd3', ''],
  DeviceName: ['host1', 'HOST1', 'host2', ''],
  ActionType: ['InboundConnectionAccepted', 'ListeningConnectionCreated', 'ConnectionSuccess'],
  RemoteIP: ['10.0.0.5', '10.0.0.9', 'fe80::a', 'FE80::A', ''],
  LocalIP: ['10.0.0.5', '10.0.0.9', 'fe80::a', 'FE80::A', ''],
  LocalPort: [135, 135, 445, 49666, null],
  FileName: FILE_NAMES,
  InitiatingProcessFileName: FILE_NAMES,
  InitiatingProcessParentFileName: FILE_NAMES,
  ProcessCommandLine: COMMAND_LINES,
  InitiatingProcessCommandLine: COMMAND_LINES,
  ProcessId: [100, 200, 700, 4000, null],
  InitiatingProcessId: [100, 200, 700, 4000, null],
  InitiatingProcessParentId: [100, 200, 700, 4000, null],
};

/** Sub-second offsets around a second boundary: 0, 1 tick, 0.1 s, 0.5 s, 0.9 s, 1 tick short. */
const SUB_SECOND = [0n, 1n, 1_000_000n, 5_000_000n, 9_000_000n, TICKS_PER_SECOND - 1n];

/** Timestamps near 10:00:00, a few seconds apart, sometimes minutes later, rarely null. */
export const timestampArb: fc.Arbitrary<bigint | null> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc
      .tuple(fc.integer({ min: -2, max: 11 }), fc.constantFrom(...SUB_SECOND), fc.constantFrom(0n, 0n, 0n, 5n, 6n))
      .map(([s, sub, m]) => BASE + BigInt(s) * TICKS_PER_SECOND + sub + m * TICKS_PER_MINUTE),
  },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** A datetime literal pool for queries: the second/5 s boundaries the data straddles. */
export const TIMESTAMP_POOL: readonly bigint[] = [-1, 0, 1, 2, 4, 5, 10]
  .map((s) => BASE + BigInt(s) * TICKS_PER_SECOND)
  .concat([BASE + 5n * TICKS_PER_MINUTE]);

function rowArb(schema: readonly ColumnSchema[]): fc.Arbitrary<Record<string, Scalar>> {
  const fields: Record<string, fc.Arbitrary<Scalar>> = {};
  for (const c of schema) {
    if (c.name === 'ReportId') continue;
    if (c.name === 'Timestamp') fields[c.name] = timestampArb;
    else {
      const pool = POOLS[c.name];
      if (pool === undefined) throw new Error(`no pool for ${c.name}`);
      fields[c.name] = fc.constantFrom(...pool);
    }
  }
  return fc.record(fields);
}

function tableArb(
  name: string,
  schema: readonly ColumnSchema[],
  firstReportId: number,
  maxRows: number,
): fc.Arbitrary<Table> {
  return fc.array(rowArb(schema), { maxLength: maxRows }).map((rows) =>
    makeRefTable(
      name,
      schema,
      rows.map((r, i) => ({ ...r, ReportId: firstReportId + i })),
    ),
  );
}

/** Both tables; ReportIds are unique across them so that `arg_max(ReportId, ...)` has no ties. */
export function tablesArb(maxRows = 10): fc.Arbitrary<Map<string, Table>> {
  return fc
    .tuple(
      tableArb(NETWORK_TABLE, NETWORK_SCHEMA, 1000, maxRows),
      tableArb(PROCESS_TABLE, PROCESS_SCHEMA, 2000, maxRows),
    )
    .map(
      ([n, p]) =>
        new Map([
          [n.name, n],
          [p.name, p],
        ]),
    );
}

/** Literal pools by type, for columns the generator computes itself. */
export const TYPE_POOLS: Readonly<Record<ScalarType, readonly Scalar[]>> = {
  string: ['svchost.exe', 'SVCHOST.EXE', 'rpcss', 'd1', '', 'mmc.exe', 'host1'],
  long: [0, 1, 2, 100, 700, 4000, -1],
  int: [135, 445, 0],
  real: [0.5, 1.5, 2],
  bool: [true, false],
  datetime: TIMESTAMP_POOL,
  timespan: [0n, TICKS_PER_SECOND, 5n * TICKS_PER_SECOND, -TICKS_PER_SECOND],
  dynamic: [],
};

/** Offsets of a services.exe event from the chain: long before, inside the 5 min grace, or after. */
const BOOT_OFFSETS = [-10n, -10n, -10n, -10n, -10n, -10n, -10n, -10n, -5n, -4n, 1n].map((m) => m * TICKS_PER_MINUTE);

/** One RPC network event -> DcomLaunch child -> grandchild chain, as rows of both tables. */
interface Chain {
  readonly network: Record<string, Scalar>;
  readonly process: Record<string, Scalar>[];
}

function chainArb(): fc.Arbitrary<Chain> {
  const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
  return fc
    .record({
      device: pick('d1', 'd2', 'd3', 'D1', ''),
      netSec: fc.integer({ min: -1, max: 2 }),
      netSub: pick(...SUB_SECOND),
      // Seconds from the network event to the DCOM process: -1 and 3 fall outside `between (0 .. 2)`.
      lag: pick(-1n, 0n, 1n, 1n, 2n, 2n, 3n),
      procSub: pick(...SUB_SECOND),
      boot: pick<bigint | null>(...BOOT_OFFSETS, null),
      dcomFile: pick('mmc.exe', 'mmc.exe', 'mmc.exe', 'excel.exe', 'excel.exe', 'dllhost.exe', 'WmiPrvSE.exe'),
      childFiles: fc.array(pick('cmd.exe', 'powershell.exe', 'csc.exe', 'CSC.EXE'), { minLength: 1, maxLength: 3 }),
      childCmds: fc.array(pick('cmd.exe /c whoami', 'cmd.exe /c ipconfig', '', 'powershell -enc AAA'), {
        minLength: 3,
        maxLength: 3,
      }),
      // At most one near miss per chain; 'none' leaves a chain that fires.
      miss: pick(
        'none',
        'none',
        'none',
        'none',
        'port',
        'listening',
        'sameIp',
        'rpcssx',
        'dcomlaunchx',
        'hostPid',
        'dcomPid',
        'device',
        'childCase',
        'parentName',
      ),
    })
    .map((c) => {
      const netTs = BASE + BigInt(c.netSec) * TICKS_PER_SECOND + c.netSub;
      const procTs = BASE + BigInt(c.netSec) * TICKS_PER_SECOND + c.lag * TICKS_PER_SECOND + c.procSub;
      const network: Record<string, Scalar> = {
        Timestamp: netTs,
        DeviceId: c.device,
        DeviceName: 'host1',
        ActionType: c.miss === 'listening' ? 'ListeningConnectionCreated' : 'InboundConnectionAccepted',
        RemoteIP: c.miss === 'sameIp' ? 'fe80::a' : '10.0.0.9',
        LocalIP: c.miss === 'sameIp' ? 'FE80::A' : '10.0.0.5',
        LocalPort: c.miss === 'port' ? 445 : 135,
        InitiatingProcessFileName: 'SVCHOST.EXE',
        InitiatingProcessId: 900,
        InitiatingProcessCommandLine:
          c.miss === 'rpcssx' ? 'svchost.exe -k rpcssx' : 'C:\\Windows\\system32\\svchost.exe -k RpcSs -p',
      };
      const process: Record<string, Scalar>[] = [];
      if (c.boot !== null)
        process.push({
          Timestamp: netTs + c.boot,
          DeviceId: c.device,
          DeviceName: 'host1',
          FileName: 'services.exe',
          ProcessId: 600,
        });
      process.push({
        Timestamp: procTs,
        DeviceId: c.device,
        DeviceName: 'HOST1',
        InitiatingProcessFileName: 'svchost.exe',
        InitiatingProcessCommandLine:
          c.miss === 'dcomlaunchx' ? 'svchost.exe -k dcomlaunchx' : 'svchost.exe -k DcomLaunch -p',
        InitiatingProcessId: 700,
        ProcessId: 4000,
        FileName: c.dcomFile,
        ProcessCommandLine: `${c.dcomFile} -Embedding`,
      });
      c.childFiles.forEach((f, i) =>
        process.push({
          Timestamp: procTs + TICKS_PER_SECOND,
          DeviceId: c.miss === 'device' ? 'd9' : c.device,
          DeviceName: 'host1',
          InitiatingProcessParentFileName: c.miss === 'parentName' ? 'wininit.exe' : 'svchost.exe',
          InitiatingProcessParentId: c.miss === 'hostPid' ? 701 : 700,
          InitiatingProcessId: c.miss === 'dcomPid' ? 4001 : 4000,
          // A case-only difference is dropped by the case-sensitive `in` (§3).
          InitiatingProcessFileName: c.miss === 'childCase' ? c.dcomFile.toUpperCase() : c.dcomFile,
          FileName: f,
          ProcessId: 5000 + i,
          ProcessCommandLine: c.childCmds[i] ?? '',
        }),
      );
      return { network, process };
    });
}

/**
 * Tables built from a few DCOM chains (RPC network event -> DcomLaunch child -> grandchild), each
 * intact or with one near miss, plus noise rows from the general pools, so that the rule both
 * fires and narrowly misses.
 */
export function dcomTablesArb(maxNoise = 6): fc.Arbitrary<Map<string, Table>> {
  return fc
    .tuple(
      fc.array(chainArb(), { minLength: 1, maxLength: 4 }),
      fc.array(rowArb(NETWORK_SCHEMA), { maxLength: maxNoise }),
      fc.array(rowArb(PROCESS_SCHEMA), { maxLength: maxNoise }),
    )
    .map(([chains, netNoise, procNoise]) => {
      const n = [...chains.map((c) => c.network), ...netNoise];
      const p = [...chains.flatMap((c) => c.process), ...procNoise];
      const net = makeRefTable(
        NETWORK_TABLE,
        NETWORK_SCHEMA,
        n.map((r, i) => ({ ...r, ReportId: 1000 + i })),
      );
      const proc = makeRefTable(
        PROCESS_TABLE,
        PROCESS_SCHEMA,
        p.map((r, i) => ({ ...r, ReportId: 2000 + i })),
      );
      return new Map([
        [net.name, net],
        [proc.name, proc],
      ]);
    });
}
