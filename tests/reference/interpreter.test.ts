/**
 * Pins every semantic decision of kql-semantics.md through the reference interpreter, so that the
 * oracle itself is checked against the specification before the engine is checked against it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEVICE_NETWORK_EVENTS, DEVICE_PROCESS_EVENTS } from '../../src/engine/table/defender-schema';
import { canonicalRows } from './canonical';
import { dt, makeRefTable, runStarred, runText, scalarOf, schemaOf } from './fixtures';

const q = (s: string) => JSON.stringify(s);

describe('§2 has / has_cs / contains', () => {
  it.each([
    ['North America', 'has', 'america', true],
    ['North America', '!has', 'amer', true],
    ['KustoExplorerQueryRun', 'has', 'Explorer', false],
    ['KustoExplorerQueryRun', 'contains', 'Explorer', true],
    ['North America', 'has', 'North America', true],
    ['/subscriptions/x/resourcegroups/test.rg000001?api-version=1', 'has', 'resourcegroups/test.rg000001', true],
    ['/subscriptions/x/resourcegroups/test.rg000001?api-version=1', 'has', '/resourcegroups/test.rg000001?', true],
    ['Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun', 'has', '4f9f', true],
    ['svchost.exe -k RpcSs -p', 'has', 'rpcss', true],
    ['C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p', 'has', 'dcomlaunch', true],
    ['rpcss_x', 'has', 'rpcss', true],
    ['xrpcss', 'has', 'rpcss', false],
    ['rpcssx', 'has', 'rpcss', false],
    ['svchost.exe -k rpcss', 'has_cs', 'RPCSS', false],
    ['svchost.exe -k rpcss', 'has_cs', 'rpcss', true],
    ['svchost.exe -k rpcss', '!has_cs', 'RPCSS', true],
    ['BA', 'has', 'b', false],
    ['café-x', 'has', 'CAFÉ', true],
    ['cafés', 'has', 'café', false],
    ['abc', 'has', 'c', false],
    ['a.b', 'has', '.b', true],
    ['FabriKam', 'contains', 'BRik', true],
    ['FabriKam', 'contains_cs', 'BRik', false],
    ['FabriKam', '!contains', 'xyz', true],
    ['svchost.exe', 'startswith', 'SVC', true],
    ['svchost.exe', 'startswith_cs', 'SVC', false],
    ['svchost.exe', 'endswith', '.EXE', true],
    ['svchost.exe', '!endswith_cs', '.EXE', true],
  ])('%s %s %s -> %s', (lhs, op, needle, want) => {
    expect(scalarOf(`print r = ${q(lhs)} ${op} ${q(needle)}`)).toBe(want);
  });
});

describe('§1 case-insensitive equality', () => {
  it.each([
    ['SVCHOST.EXE', '=~', 'svchost.exe', true],
    ['svchost.exe', '==', 'SvcHost.exe', false],
    ['fe80::A', '!~', 'fe80::a', false],
    ['ÄBC', '=~', 'äbc', true],
    ['straße', '=~', 'STRASSE', false],
    ['ß', '=~', 'ß', true],
    ['', '==', '', true],
    ['', '=~', '', true],
    ['abc', '!=', 'ABC', true],
  ])('%s %s %s -> %s', (a, op, b, want) => {
    expect(scalarOf(`print r = ${q(a)} ${op} ${q(b)}`)).toBe(want);
  });

  it('toupper/tolower map code units 1:1 and never expand ß', () => {
    const r = runText('print u = toupper("straße"), l = tolower("ÀBC"), n = strlen("ß"), e = strlen("😀")');
    expect(r.rows).toEqual([['STRAßE', 'àbc', 1, 2]]);
    expect(r.columns.map((c) => c.type)).toEqual(['string', 'string', 'long', 'long']);
  });
});

describe('§3 in / !in / in~ / !in~', () => {
  it.each([
    ['"SVCHOST.EXE" in ("svchost.exe")', false],
    ['"SVCHOST.EXE" in~ ("svchost.exe")', true],
    ['"SVCHOST.EXE" !in ("svchost.exe")', true],
    ['"SVCHOST.EXE" !in~ ("svchost.exe", "x")', false],
    ['"b" in (dynamic(["a", ["b", "c"]]))', true],
    ['2 in (dynamic([1, [2, 3]]))', true],
    ['4 in (dynamic([1, [2, 3]]))', false],
    ['"DLLHOST.exe" !in~ (dynamic(["dllhost.exe", "mmc.exe"]))', false],
    ['"" in ("", "a")', true],
    ['long(null) in (1, 2)', false],
    ['long(null) !in (1, 2)', true],
    // Read literally as an AND of != (null-values.md), a null in the list makes the result null.
    ['long(null) !in (dynamic([1, null]))', null],
    ['long(null) in (dynamic([1, null]))', null],
  ])('%s -> %s', (expr, want) => {
    expect(scalarOf(`print r = ${expr}`)).toBe(want);
  });

  it('uses the first column of a tabular expression, case-sensitively for in', () => {
    const t = makeRefTable('T', schemaOf({ F: 'string', N: 'long' }), [
      { F: 'WmiPrvSE.exe', N: 1 },
      { F: 'mmc.exe', N: 2 },
    ]);
    const u = makeRefTable('U', schemaOf({ G: 'string' }), [{ G: 'wmiprvse.exe' }, { G: 'mmc.exe' }, { G: 'MMC.EXE' }]);
    expect(runText('U | where G in ((T | project F))', [t, u]).rows).toEqual([['mmc.exe']]);
    expect(runText('U | where G in~ ((T | project F)) | count', [t, u]).rows).toEqual([[3]]);
    expect(runText('let S = T | project F; U | where G !in (S)', [t, u]).rows).toEqual([['wmiprvse.exe'], ['MMC.EXE']]);
  });
});

describe('§4 bin', () => {
  it.each([
    ['datetime(2024-05-01 10:00:04.9999999)', '5s', dt('2024-05-01T10:00:00Z')],
    ['datetime(2024-05-01 10:00:05)', '5s', dt('2024-05-01T10:00:05Z')],
    ['datetime(1970-05-11 13:45:07)', '1d', dt('1970-05-11T00:00:00Z')],
    // 7-day bins count from 0001-01-01 (a Monday), so they start on Mondays such as 2007-01-01.
    ['datetime(2007-01-03 12:00)', '7d', dt('2007-01-01T00:00:00Z')],
    ['datetime(null)', '5s', null],
  ])('bin(%s, %s)', (x, size, want) => {
    expect(scalarOf(`print r = bin(${x}, ${size})`)).toBe(want);
  });

  it('floors negative timespans toward -infinity and numbers likewise', () => {
    const r = runText('print a = bin(-1h, 1d), b = bin(-7, 5), c = bin(7, 5), d = bin(2.5, 1.0), e = floor(-0.5, 1.0)');
    expect(r.rows).toEqual([[-864_000_000_000n, -10, 5, 2, -1]]);
    expect(r.columns.map((c) => c.type)).toEqual(['timespan', 'long', 'long', 'real', 'real']);
  });

  it('names an unnamed bin column after its argument and keeps datetime', () => {
    const t = makeRefTable('T', schemaOf({ Timestamp: 'datetime' }), [{ Timestamp: dt('2024-05-01T10:00:03Z') }]);
    const r = runText('T | project bin(Timestamp, 5s)', [t]);
    expect(r.columns).toEqual([{ name: 'Timestamp', type: 'datetime' }]);
    expect(r.rows).toEqual([[dt('2024-05-01T10:00:00Z')]]);
  });
});

describe('§5 datetime_diff (boundary counting)', () => {
  it.each([
    ['year', '2017-01-01', '2000-12-31', 17],
    ['quarter', '2017-07-01', '2017-03-30', 2],
    ['month', '2017-01-01', '2015-12-30', 13],
    ['week', '2017-10-29 00:00', '2017-09-30 23:59', 5],
    ['day', '2017-10-29 00:00', '2017-09-30 23:59', 29],
    ['hour', '2017-10-31 01:00', '2017-10-30 23:59', 2],
    ['minute', '2017-10-30 23:05:01', '2017-10-30 23:00:59', 5],
    ['second', '2017-10-30 23:00:10.100', '2017-10-30 23:00:00.900', 10],
    ['millisecond', '2017-10-30 23:00:00.2001', '2017-10-30 23:00:00.1009', 100],
    ['microsecond', '2017-10-30 23:00:00.1009001', '2017-10-30 23:00:00.1008009', 100],
    ['nanosecond', '2017-10-30 23:00:00.0000000', '2017-10-30 23:00:00.0000007', -700],
    // The probes that separate boundary counting from ceil (§5): boundary gives 1 and 0.
    ['second', '2024-01-01 00:00:01.9', '2024-01-01 00:00:00.1', 1],
    ['second', '2024-01-01 00:00:00.9', '2024-01-01 00:00:00.1', 0],
    ['Second', '2024-05-01 10:00:01.100', '2024-05-01 10:00:00.900', 1],
    // The §5 rows where the two models differ inside `between (0 .. 2)`.
    ['second', '2024-05-01 10:00:02.600', '2024-05-01 10:00:00.100', 2],
    ['second', '2024-05-01 09:59:59.990', '2024-05-01 10:00:00.010', -1],
    ['second', '2024-05-01 10:00:00.100', '2024-05-01 10:00:00.900', 0],
    // Sunday starts a week: Sat -> Sun is one week, Sun -> Sat of the same week is zero.
    ['week', '2024-05-05', '2024-05-04', 1],
    ['week', '2024-05-11', '2024-05-05', 0],
  ])('%s %s - %s = %d', (period, a, b, want) => {
    const r = runText(`print r = datetime_diff(${q(period)}, datetime(${a}), datetime(${b}))`);
    expect(r.columns).toEqual([{ name: 'r', type: 'long' }]);
    expect(r.rows).toEqual([[want]]);
  });

  it('is null when an argument is null', () => {
    expect(scalarOf('print r = datetime_diff("second", datetime(null), datetime(2024-01-01))')).toBeNull();
  });
});

describe('§6 between', () => {
  it('is inclusive at both ends and drops null', () => {
    const t = makeRefTable('T', schemaOf({ x: 'long' }), [
      { x: -1 },
      { x: 0 },
      { x: 1 },
      { x: 2 },
      { x: 3 },
      { x: null },
    ]);
    expect(runText('T | where x between (0 .. 2)', [t]).rows).toEqual([[0], [1], [2]]);
    expect(runText('T | where x !between (0 .. 2)', [t]).rows).toEqual([[-1], [3]]);
  });

  it('takes a timespan upper end relative to a datetime lower end', () => {
    expect(scalarOf('print r = datetime(2007-07-29) between (datetime(2007-07-27) .. 3d)')).toBe(true);
    expect(scalarOf('print r = datetime(2007-07-31) between (datetime(2007-07-27) .. 3d)')).toBe(false);
  });
});

describe('§7 arithmetic, null logic', () => {
  it('types and values of arithmetic', () => {
    const r = runText(
      'print a = -7 / 2, b = -7 % 2, c = int(3) + int(4), d = int(3) + 4, e = 7.0 / 2, ' +
        'f = datetime(2024-01-01 00:00:05) - datetime(2024-01-01), g = datetime(2024-01-01) + 5m, ' +
        'h = 2 * 1h, i = 1h / 30m, j = 1h - 2h, k = long(null) + 1, l = 1d / 2',
    );
    expect(r.columns.map((c) => c.type)).toEqual([
      'long',
      'long',
      'int',
      'long',
      'real',
      'timespan',
      'datetime',
      'timespan',
      'real',
      'timespan',
      'long',
      'timespan',
    ]);
    expect(r.rows).toEqual([
      [
        -3,
        -1,
        7,
        7,
        3.5,
        50_000_000n,
        dt('2024-01-01T00:05:00Z'),
        72_000_000_000n,
        2,
        -36_000_000_000n,
        null,
        432_000_000_000n,
      ],
    ]);
  });

  it.each([
    ['long(null) == 1', false],
    ['long(null) != 1', true],
    ['long(null) == long(null)', null],
    ['long(null) != long(null)', null],
    ['long(null) > 1', null],
    ['not(long(null) == long(null))', null],
    ['bool(null) and true', null],
    ['bool(null) and false', false],
    ['bool(null) or true', true],
    ['bool(null) or false', null],
    ['not(bool(null))', null],
    ['isnull("")', false],
    ['isempty("")', true],
    ['isnull(long(null))', true],
    ['isnotempty(long(null))', false],
    ['iff(bool(null), 1, 2) == 2', true],
  ])('%s -> %s', (expr, want) => {
    expect(scalarOf(`print r = ${expr}`)).toBe(want);
  });

  it('where drops null and false alike', () => {
    const t = makeRefTable('T', schemaOf({ a: 'long', b: 'datetime' }), [
      { a: 1, b: dt('2024-01-01') },
      { a: null, b: null },
      { a: 3, b: null },
    ]);
    expect(runText('T | where a > 0', [t]).rows.map((r) => r[0])).toEqual([1, 3]);
    expect(runText('T | where not(a > 2)', [t]).rows.map((r) => r[0])).toEqual([1]);
    // §7: an unmatched leftouter row has a null time, so `> null + 5m` drops it.
    expect(runText('T | where datetime(2024-06-01) > b + 5m', [t]).rows.map((r) => r[0])).toEqual([1]);
  });
});

describe('conversions', () => {
  it('tostring, tolong, todatetime, strcat, case', () => {
    const r = runText(
      'print a = tostring(datetime(2024-05-01 10:00:00.5)), b = tostring(5s), c = tostring(true), d = tostring(long(null)), ' +
        'e = tolong("12"), f = tolong("x"), g = toint("7"), h = todatetime("2024-05-01T10:00:00Z"), ' +
        'i = strcat("a", 1, true), j = case(1 > 2, "x", 2 > 1, "y", "z"), k = tostring(1d + 2h), l = tolong(1.9)',
    );
    expect(r.rows).toEqual([
      [
        '2024-05-01T10:00:00.5000000Z',
        '00:00:05',
        'true',
        '',
        12,
        null,
        7,
        dt('2024-05-01T10:00:00Z'),
        'a1true',
        'y',
        '1.02:00:00',
        1,
      ],
    ]);
    expect(r.columns.map((c) => c.type)).toEqual([
      'string',
      'string',
      'string',
      'string',
      'long',
      'long',
      'int',
      'datetime',
      'string',
      'string',
      'string',
      'long',
    ]);
  });

  it('ago and now use the given reference time', () => {
    const now = dt('2024-05-01T12:00:00Z');
    const r = runText('print a = now(), b = ago(1h), c = now(-1d)', [], now);
    expect(r.rows).toEqual([[now, dt('2024-05-01T11:00:00Z'), dt('2024-04-30T12:00:00Z')]]);
  });
});

// X and Y of join-operator.md.
const X = makeRefTable('X', schemaOf({ Key: 'string', Value1: 'long' }), [
  { Key: 'a', Value1: 1 },
  { Key: 'b', Value1: 2 },
  { Key: 'b', Value1: 3 },
  { Key: 'k', Value1: 5 },
  { Key: 'c', Value1: 4 },
]);
const Y = makeRefTable('Y', schemaOf({ Key: 'string', Value2: 'long' }), [
  { Key: 'b', Value2: 10 },
  { Key: 'c', Value2: 20 },
  { Key: 'c', Value2: 30 },
  { Key: 'd', Value2: 40 },
  { Key: 'k', Value2: 50 },
]);

function joined(kind: string): { names: string[]; rows: string[] } {
  const r = runText(`X | join ${kind} Y on Key`, [X, Y]);
  return { names: r.columns.map((c) => c.name), rows: canonicalRows(r.columns, r.rows) };
}

describe('§8 joins', () => {
  it('inner gives every matching pair (doc example)', () => {
    const r = joined('kind=inner');
    expect(r.names).toEqual(['Key', 'Value1', 'Key1', 'Value2']);
    expect(r.rows).toEqual(['["b",2,"b",10]', '["b",3,"b",10]', '["c",4,"c",20]', '["c",4,"c",30]', '["k",5,"k",50]']);
  });

  it('innerunique (the default) keeps the first left row per key', () => {
    expect(joined('').rows).toEqual(['["b",2,"b",10]', '["c",4,"c",20]', '["c",4,"c",30]', '["k",5,"k",50]']);
    expect(joined('kind=innerunique').rows).toEqual(joined('').rows);
  });

  it('leftouter adds unmatched left rows with "" and null', () => {
    expect(joined('kind=leftouter').rows).toEqual([
      '["a",1,"",null]',
      '["b",2,"b",10]',
      '["b",3,"b",10]',
      '["c",4,"c",20]',
      '["c",4,"c",30]',
      '["k",5,"k",50]',
    ]);
  });

  it('rightouter and fullouter', () => {
    const inner = joined('kind=inner').rows;
    expect(joined('kind=rightouter').rows).toEqual([...inner, '["",null,"d",40]'].sort());
    expect(joined('kind=fullouter').rows).toEqual([...inner, '["",null,"d",40]', '["a",1,"",null]'].sort());
  });

  it('semi and anti joins keep one side only', () => {
    const names = (kind: string) => runText(`X | join kind=${kind} Y on Key`, [X, Y]).columns.map((c) => c.name);
    expect(joined('kind=leftsemi').rows).toEqual(['["b",2]', '["b",3]', '["c",4]', '["k",5]']);
    expect(names('leftsemi')).toEqual(['Key', 'Value1']);
    expect(joined('kind=leftanti').rows).toEqual(['["a",1]']);
    expect(joined('kind=rightsemi').rows).toEqual(['["b",10]', '["c",20]', '["c",30]', '["k",50]']);
    expect(names('rightanti')).toEqual(['Key', 'Value2']);
    expect(joined('kind=rightanti').rows).toEqual(['["d",40]']);
  });

  it('null non-string keys never match; "" keys do', () => {
    expect(
      runText('datatable(k:long)[long(null)] | join kind=inner (datatable(k:long)[long(null)]) on k | count').rows,
    ).toEqual([[0]]);
    expect(runText('datatable(k:string)[""] | join kind=inner (datatable(k:string)[""]) on k | count').rows).toEqual([
      [1],
    ]);
    expect(
      runText('datatable(k:long)[long(null), 1] | join kind=leftanti (datatable(k:long)[long(null), 1]) on k').rows,
    ).toEqual([[null]]);
  });

  it('mixed on-clause: $left.A == $right.B and a bare name are ANDed', () => {
    const l = makeRefTable('L', schemaOf({ A: 'long', D: 'string' }), [
      { A: 1, D: 'x' },
      { A: 1, D: 'y' },
      { A: 2, D: 'x' },
    ]);
    const r = makeRefTable('R', schemaOf({ B: 'int', D: 'string' }), [
      { B: 1, D: 'x' },
      { B: 2, D: 'y' },
    ]);
    const out = runText('L | join kind=inner R on $left.A == $right.B, D', [l, r]);
    expect(out.columns).toEqual([
      { name: 'A', type: 'long' },
      { name: 'D', type: 'string' },
      { name: 'B', type: 'int' },
      { name: 'D1', type: 'string' },
    ]);
    expect(out.rows).toEqual([[1, 'x', 1, 'x']]);
  });
});

describe('§9 join column naming', () => {
  it('c, c1 joined with c gives c, c1, c2', () => {
    const r = runText('datatable(c:long, c1:long)[1, 2] | join (datatable(c:long)[1]) on c');
    expect(r.columns.map((c) => c.name)).toEqual(['c', 'c1', 'c2']);
  });

  it('continues the suffix across joins', () => {
    const r = runText(
      'datatable(k:string, v:long)["a", 1] | join kind=inner (datatable(k:string, v:long)["a", 2]) on k | join kind=leftouter (datatable(k:string, v:long)["a", 3]) on k',
    );
    expect(r.columns.map((c) => c.name)).toEqual(['k', 'v', 'k1', 'v1', 'k2', 'v2']);
    expect(r.rows).toEqual([['a', 1, 'a', 2, 'a', 3]]);
  });
});

const RULE_QUERY = (
  parseYaml(readFileSync(new URL('../../src/rules/dcom-lateral-movement.yaml', import.meta.url), 'utf8')) as {
    query: string;
  }
).query;
/** The rule's `let` statements, without its final expression. */
const RULE_LETS = RULE_QUERY.slice(0, RULE_QUERY.lastIndexOf('RemoteDcomProcs\n| join'));

const emptyDefender = [
  makeRefTable('DeviceProcessEvents', DEVICE_PROCESS_EVENTS, []),
  makeRefTable('DeviceNetworkEvents', DEVICE_NETWORK_EVENTS, []),
];

describe('§9 DCOM rule schemas', () => {
  it('names the intermediate RemoteDcomProcs columns DeviceId1, DeviceName1, DeviceId2', () => {
    const r = runText(`${RULE_LETS}RemoteDcomProcs`, emptyDefender);
    expect(r.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'TimestampNetwEvent:datetime',
      'TimestampNetwEventExact:datetime',
      'DeviceId:string',
      'DeviceName:string',
      'RPCHostID:long',
      'RPCHostFileName:string',
      'LocalIP:string',
      'RemoteIP:string',
      'TimestampProcEvent:datetime',
      'TimestampProcEventExact:datetime',
      'DeviceId1:string',
      'DeviceName1:string',
      'DCOMHostPID:long',
      'DCOMHostFileName:string',
      'DCOMPID:long',
      'DCOMFileName:string',
      'DCOMCmdLine:string',
      'DeviceId2:string',
      'LastBootTime:datetime',
    ]);
  });

  it('names the final join columns DeviceId3 and DeviceName2', () => {
    const r = runText(
      `${RULE_LETS}RemoteDcomProcs | join kind=inner (DeviceProcessEvents) on $left.DCOMHostPID == $right.InitiatingProcessParentId, DeviceId, $left.DCOMPID == $right.InitiatingProcessId`,
      emptyDefender,
    );
    const names = r.columns.map((c) => c.name);
    expect(names.length).toBe(19 + DEVICE_PROCESS_EVENTS.length);
    expect(names.slice(19, 22)).toEqual(['Timestamp', 'DeviceId3', 'DeviceName2']);
    expect(names).toContain('InitiatingProcessParentId');
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives the final summarize the documented schema', () => {
    const r = runText(RULE_QUERY, emptyDefender);
    expect(r.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'TimestampNetwEventExact:datetime',
      'TimestampProcEventExact:datetime',
      'DeviceId:string',
      'DeviceName:string',
      'InitiatingProcessId:long',
      'LocalIP:string',
      'RemoteIP:string',
      'LastBootTime:datetime',
      'DCOMCmdLine:string',
      'set_ProcessCommandLine:dynamic',
    ]);
    expect(r.rows).toEqual([]);
  });
});

describe('§12 summarize', () => {
  const T = makeRefTable('T', schemaOf({ k: 'long', s: 'string', n: 'long', i: 'int', r: 'real', t: 'datetime' }), [
    { k: 1, s: 'a', n: 1, i: 1, r: 0.5, t: dt('2024-01-01') },
    { k: 1, s: '', n: null, i: 2, r: 1.5, t: dt('2024-01-03') },
    { k: null, s: 'a', n: 3, i: 3, r: null, t: null },
    { k: null, s: 'b', n: 4, i: null, r: 2, t: dt('2024-01-02') },
  ]);

  it('default names and types of every aggregate', () => {
    const r = runText(
      'T | summarize count(), countif(n > 1), dcount(s), min(n), max(t), sum(i), avg(n), make_set(s), make_list(n) by k',
      [T],
    );
    expect(r.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'k:long',
      'count_:long',
      'countif_:long',
      'dcount_s:long',
      'min_n:long',
      'max_t:datetime',
      'sum_i:long',
      'avg_n:real',
      'set_s:dynamic',
      'list_n:dynamic',
    ]);
    // Null keys form one group (Decisions); make_set keeps "" and skips null.
    expect(canonicalRows(r.columns, r.rows)).toEqual([
      `[1,2,0,2,1,t:${dt('2024-01-03')},3,1,["","a"],[1]]`,
      `[null,2,2,2,3,t:${dt('2024-01-02')},3,3.5,["a","b"],[3,4]]`,
    ]);
  });

  it('make_set of strings keeps "" once; of longs skips null', () => {
    const r = runText(
      'datatable(s:string, n:long)["", 1, "a", long(null), "", 1] | summarize make_set(s), make_set(n)',
    );
    expect(canonicalRows(r.columns, r.rows)).toEqual(['[["","a"],[1]]']);
  });

  it('empty input: no by gives one row of defaults, by gives none', () => {
    // The default-values table and example of summarize-operator.md: sum 0, avg NaN, max null, [].
    const r = runText(
      'T | where k == 99 | summarize count(), sum(n), max(n), make_set(s), dcount(s), avg(n), countif(n > 0)',
      [T],
    );
    expect(r.rows).toEqual([[0, 0, null, [], 0, Number.NaN, 0]]);
    expect(runText('T | where k == 99 | summarize count() by k', [T]).rows).toEqual([]);
  });

  it('ignores nulls in sum and avg; renames a repeated aggregate (summarize-operator.md examples)', () => {
    const r = runText(
      'datatable(y:real)[real(null), 5.0, 5.0, 5.0] | summarize sum(y), avg(y), make_set(y), make_set(y)',
    );
    expect(r.columns.map((c) => c.name)).toEqual(['sum_y', 'avg_y', 'set_y', 'set_y1']);
    expect(r.rows).toEqual([[15, 5, [5], [5]]]);
  });

  it('named aggregates, bin keys and clash renaming', () => {
    const r = runText('T | summarize c = count(), max(n), max(n) by bin(t, 1d)', [T]);
    expect(r.columns.map((c) => c.name)).toEqual(['t', 'c', 'max_n', 'max_n1']);
  });

  it('arg_max(X, *) and arg_max(X, cols)', () => {
    const u = makeRefTable('U', schemaOf({ d: 'string', id: 'long', v: 'string' }), [
      { d: 'x', id: 1, v: 'p' },
      { d: 'x', id: 3, v: 'q' },
      { d: 'y', id: 2, v: 'r' },
    ]);
    // The parser does not accept `*` as an argument yet; the interpreter reads it as Name('*').
    const star = runStarred('U | summarize arg_max(id, __star__) by d', [u]);
    expect(star.columns.map((c) => c.name)).toEqual(['d', 'id', 'v']);
    expect(canonicalRows(star.columns, star.rows)).toEqual(['["x",3,"q"]', '["y",2,"r"]']);
    const cols = runText('U | summarize arg_min(id, v) by d', [u]);
    expect(cols.columns.map((c) => c.name)).toEqual(['d', 'id', 'v']);
    expect(canonicalRows(cols.columns, cols.rows)).toEqual(['["x",1,"p"]', '["y",2,"r"]']);
  });
});

describe('other operators', () => {
  const T = makeRefTable('T', schemaOf({ a: 'long', s: 'string' }), [
    { a: 2, s: 'b' },
    { a: null, s: 'a' },
    { a: 1, s: 'B' },
    { a: 2, s: 'a' },
  ]);

  it('sort defaults to desc with nulls last; asc puts nulls first', () => {
    expect(runText('T | sort by a, s asc', [T]).rows).toEqual([
      [2, 'a'],
      [2, 'b'],
      [1, 'B'],
      [null, 'a'],
    ]);
    expect(runText('T | order by a asc, s desc', [T]).rows).toEqual([
      [null, 'a'],
      [1, 'B'],
      [2, 'b'],
      [2, 'a'],
    ]);
    expect(runText('T | sort by a asc nulls last, s asc', [T]).rows).toEqual([
      [1, 'B'],
      [2, 'a'],
      [2, 'b'],
      [null, 'a'],
    ]);
    // Strings order by UTF-16 code unit: "B" < "a" < "b".
    expect(runText('T | sort by s asc, a asc | project s', [T]).rows).toEqual([['B'], ['a'], ['a'], ['b']]);
  });

  it('top, take, distinct, count', () => {
    expect(runText('T | top 2 by a asc', [T]).rows).toEqual([
      [null, 'a'],
      [1, 'B'],
    ]);
    expect(runText('T | take 1', [T]).rows).toEqual([[2, 'b']]);
    expect(runText('T | limit 0', [T]).rows).toEqual([]);
    expect(canonicalRows([], runText('T | distinct a', [T]).rows)).toEqual(['[1]', '[2]', '[null]']);
    expect(runText('T | distinct *', [T]).rows.length).toBe(4);
    expect(runText('T | count', [T])).toEqual({ columns: [{ name: 'Count', type: 'long' }], rows: [[4]] });
  });

  it('union fills missing columns with null or ""', () => {
    const u = makeRefTable('U', schemaOf({ s: 'string', b: 'bool' }), [{ s: 'z', b: true }]);
    const r = runText('union T, U', [T, u]);
    expect(r.columns).toEqual([
      { name: 'a', type: 'long' },
      { name: 's', type: 'string' },
      { name: 'b', type: 'bool' },
    ]);
    expect(r.rows[4]).toEqual([null, 'z', true]);
    expect(r.rows[0]).toEqual([2, 'b', null]);
    expect(runText('U | union T', [T, u]).rows[1]).toEqual(['b', null, 2]);
    expect(runText('U | union kind=inner T', [T, u]).columns.map((c) => c.name)).toEqual(['s']);
  });

  it('extend replaces an existing column by appending it; project-away drops', () => {
    const r = runText('T | extend a = a * 10, c = a + 1 | project-away s', [T]);
    expect(r.columns.map((c) => c.name)).toEqual(['a', 'c']);
    expect(r.rows[0]).toEqual([20, 21]);
  });

  it('let with scalar, dynamic and tabular values; materialize is transparent', () => {
    const r = runText(
      'let n = 1; let names = dynamic(["a"]); let U = materialize(T | where a >= n); U | where s in (names)',
      [T],
    );
    expect(r.rows).toEqual([[2, 'a']]);
  });

  it('print names unnamed columns print_0, print_1', () => {
    expect(runText('print 1, x = 2, "s"').columns.map((c) => c.name)).toEqual(['print_0', 'x', 'print_2']);
  });

  it('rejects unknown columns and type errors', () => {
    expect(() => runText('T | where nope == 1', [T])).toThrow(/unknown column/);
    expect(() => runText('T | where s has 1', [T])).toThrow(/strings/);
    expect(() => runText('T | where a', [T])).toThrow(/bool/);
  });
});

describe('DCOM rule on a hand-made dataset', () => {
  const rpcCmd = 'C:\\Windows\\system32\\svchost.exe -k RpcSs -p';
  const dcomCmd = 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p';
  const net = (device: string, ts: string, extra: Record<string, string | number> = {}) => ({
    Timestamp: dt(ts),
    DeviceId: device,
    DeviceName: `host-${device}`,
    ActionType: 'InboundConnectionAccepted',
    InitiatingProcessFileName: 'svchost.exe',
    InitiatingProcessCommandLine: rpcCmd,
    InitiatingProcessId: 900,
    LocalPort: 135,
    LocalIP: '10.0.0.5',
    RemoteIP: '10.0.0.9',
    ...extra,
  });
  const boot = (device: string, ts: string) => ({
    Timestamp: dt(ts),
    DeviceId: device,
    DeviceName: `host-${device}`,
    FileName: 'services.exe',
    ProcessId: 600,
  });
  const dcom = (device: string, ts: string, pid: number, file: string) => ({
    Timestamp: dt(ts),
    DeviceId: device,
    DeviceName: `host-${device}`,
    InitiatingProcessFileName: 'svchost.exe',
    InitiatingProcessCommandLine: dcomCmd,
    InitiatingProcessId: 700,
    ProcessId: pid,
    FileName: file,
    ProcessCommandLine: `${file} -Embedding`,
  });
  const child = (device: string, ts: string, parentPid: number, file: string, cmd: string, initiating = 'mmc.exe') => ({
    Timestamp: dt(ts),
    DeviceId: device,
    DeviceName: `host-${device}`,
    InitiatingProcessParentFileName: 'svchost.exe',
    InitiatingProcessParentId: 700,
    InitiatingProcessId: parentPid,
    InitiatingProcessFileName: initiating,
    FileName: file,
    ProcessId: 5000,
    ProcessCommandLine: cmd,
  });

  const network = makeRefTable('DeviceNetworkEvents', DEVICE_NETWORK_EVENTS, [
    net('D1', '2024-05-01T10:00:00.1Z'),
    // Near misses on the network side: listening event, loopback-like equal IPs (case only), wrong port, rpcssx.
    net('D1', '2024-05-01T10:00:00.2Z', { ActionType: 'ListeningConnectionCreated' }),
    net('D1', '2024-05-01T10:00:00.3Z', { LocalIP: 'FE80::A', RemoteIP: 'fe80::a' }),
    net('D1', '2024-05-01T10:00:00.4Z', { LocalPort: 445 }),
    net('D4', '2024-05-01T10:00:00.1Z', { InitiatingProcessCommandLine: 'svchost.exe -k rpcssx' }),
    net('D2', '2024-05-01T10:00:00.1Z'),
    net('D5', '2024-05-01T10:00:00.1Z'),
  ]);
  const process = makeRefTable('DeviceProcessEvents', DEVICE_PROCESS_EVENTS, [
    boot('D1', '2024-05-01T09:00:00Z'),
    boot('D4', '2024-05-01T09:00:00Z'),
    boot('D5', '2024-05-01T09:56:00Z'),
    // D1: the hit, 1 s after the network event (boundary count 1).
    dcom('D1', '2024-05-01T10:00:01.1Z', 4000, 'mmc.exe'),
    child('D1', '2024-05-01T10:00:02Z', 4000, 'cmd.exe', 'cmd.exe /c whoami'),
    child('D1', '2024-05-01T10:00:03Z', 4000, 'cmd.exe', 'cmd.exe /c ipconfig'),
    child('D1', '2024-05-01T10:00:03Z', 4000, 'cmd.exe', 'cmd.exe /c whoami'),
    child('D1', '2024-05-01T10:00:04Z', 4000, 'CSC.exe', 'csc.exe /noconfig'),
    // Differs from DCOMFileName only in case: dropped by the case-sensitive `in` (§3).
    child('D1', '2024-05-01T10:00:04Z', 4000, 'cmd.exe', 'cmd.exe /c case-trap', 'MMC.EXE'),
    // D1 near misses: allow-listed (case-insensitively) and 3 s late.
    dcom('D1', '2024-05-01T10:00:01.2Z', 4100, 'DLLHOST.EXE'),
    child('D1', '2024-05-01T10:00:02Z', 4100, 'cmd.exe', 'cmd.exe /c allowlisted', 'DLLHOST.EXE'),
    dcom('D1', '2024-05-01T10:00:03.2Z', 4200, 'mmc.exe'),
    child('D1', '2024-05-01T10:00:04Z', 4200, 'cmd.exe', 'cmd.exe /c too-late'),
    // D2 has no services.exe event: LastBootTime is null and the row is dropped (§7).
    dcom('D2', '2024-05-01T10:00:01Z', 4000, 'mmc.exe'),
    child('D2', '2024-05-01T10:00:02Z', 4000, 'cmd.exe', 'cmd.exe /c no-boot'),
    // D4's network event only has the term rpcssx.
    dcom('D4', '2024-05-01T10:00:01Z', 4000, 'mmc.exe'),
    child('D4', '2024-05-01T10:00:02Z', 4000, 'cmd.exe', 'cmd.exe /c rpcssx'),
    // D5 booted 4 minutes earlier: within the 5 minute grace period.
    dcom('D5', '2024-05-01T10:00:01Z', 4000, 'mmc.exe'),
    child('D5', '2024-05-01T10:00:02Z', 4000, 'cmd.exe', 'cmd.exe /c fresh-boot'),
  ]);

  it('raises exactly the expected alert', () => {
    const r = runText(RULE_QUERY, [network, process]);
    expect(r.rows).toHaveLength(1);
    expect(canonicalRows(r.columns, r.rows)).toEqual([
      `[t:${dt('2024-05-01T10:00:00.1Z')},t:${dt('2024-05-01T10:00:01.1Z')},"D1","host-D1",4000,"10.0.0.5","10.0.0.9",t:${dt('2024-05-01T09:00:00Z')},"mmc.exe -Embedding",["cmd.exe /c ipconfig","cmd.exe /c whoami"]]`,
    ]);
  });

  it('drops the alert when the child is allow-listed or the DCOM process is too late', () => {
    const late = runText(`${RULE_LETS}RemoteDcomProcs | project DCOMPID, DCOMFileName`, [network, process]);
    expect(late.rows).toEqual([[4000, 'mmc.exe']]);
  });
});
