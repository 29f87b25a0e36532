/**
 * Table-driven pins of every semantic decision in kql-semantics.md, evaluated by the engine.
 * Each row is a scalar KQL expression and the value Kusto gives (or the project decides).
 */
import { describe, expect, it } from 'vitest';
import { runQuery } from '../../../src/engine/run';
import { getValue, type Scalar } from '../../../src/engine/table/column';
import { formatDateTime } from '../../../src/engine/time/ticks';

async function scalar(expr: string): Promise<Scalar> {
  const r = await runQuery(`print v = ${expr}`, new Map(), { now: 0n });
  const v = getValue(r.table.columns[0]!, 0);
  return typeof v === 'bigint' && r.table.schema[0]!.type === 'datetime' ? formatDateTime(v) : v;
}

const cases: [string, Scalar][] = [
  // §1 equality and case-insensitive equality; strings never null.
  ['"aBc" == "aBc"', true],
  ['"abc" != "ABC"', true],
  ['"abc" =~ "ABC"', true],
  ['"aBc" !~ "xyz"', true],
  ['"SVCHOST.EXE" =~ "svchost.exe"', true],
  ['"svchost.exe" == "SvcHost.exe"', false],
  ['"fe80::A" !~ "fe80::a"', false],
  ['"ß" =~ "SS"', false],
  ['"straße" =~ "STRAßE"', true],
  ['"" == ""', true],
  ['isnull("")', false],
  ['isempty("")', true],
  // §2 has: whole terms, case-insensitive; punctuation separates; needle punctuation needs no boundary.
  ['"svchost.exe -k RpcSs -p" has "rpcss"', true],
  ['"C:\\\\Windows\\\\system32\\\\svchost.exe -k DcomLaunch -p" has "dcomlaunch"', true],
  ['"rpcss_x" has "rpcss"', true],
  ['"xrpcss" has "rpcss"', false],
  ['"svchost.exe -k rpcssx" has "rpcss"', false],
  ['"svchost.exe -k rpcss" has_cs "RPCSS"', false],
  ['"North America" has "america"', true],
  ['"North America" !has "amer"', true],
  ['"KustoExplorerQueryRun" has "Explorer"', false],
  ['"KustoExplorerQueryRun" contains "Explorer"', true],
  ['"Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun" has "4f9f"', true],
  ['"/resourcegroups/test.rg000001?api-version=1" has "resourcegroups/test.rg000001"', true],
  ['"/resourcegroups/test.rg000001?api-version=1" has "/resourcegroups/test.rg000001?"', true],
  ['"North America" has "North America"', true],
  ['"BA" has "b"', false],
  ['"Größe Straße" has "straße"', true],
  // §3 in (case-sensitive) vs in~.
  ['"WmiPrvSE.exe" in ("wmiprvse.exe")', false],
  ['"WmiPrvSE.exe" in~ ("wmiprvse.exe")', true],
  ['"DLLHOST.EXE" !in~ (dynamic(["dllhost.exe", "x"]))', false],
  ['"a" in (dynamic(["b", ["a"]]))', true],
  ['135 in (135, 445)', true],
  ['long(null) in (1, 2)', false],
  ['long(null) !in (1, 2)', true],
  // §4 bin floors from the datetime epoch; negative timespans floor toward -infinity.
  ['bin(datetime(2024-05-01 10:00:04.9999999), 5s)', '2024-05-01T10:00:00.0000000Z'],
  ['bin(datetime(2024-05-01 10:00:05), 5s)', '2024-05-01T10:00:05.0000000Z'],
  ['bin(datetime(1970-05-11 13:45:07), 1d)', '1970-05-11T00:00:00.0000000Z'],
  ['bin(datetime(2007-01-03), 7d)', '2007-01-01T00:00:00.0000000Z'],
  ['isnull(bin(datetime(null), 5s))', true],
  ['bin(-7, 5)', -10],
  // §5 datetime_diff counts boundaries (the doc's example table).
  ["datetime_diff('year', datetime(2017-01-01), datetime(2000-12-31))", 17],
  ["datetime_diff('quarter', datetime(2017-07-01), datetime(2017-03-30))", 2],
  ["datetime_diff('month', datetime(2017-01-01), datetime(2015-12-30))", 13],
  ["datetime_diff('week', datetime(2017-10-29 00:00), datetime(2017-09-30 23:59))", 5],
  ["datetime_diff('day', datetime(2017-10-29 00:00), datetime(2017-09-30 23:59))", 29],
  ["datetime_diff('hour', datetime(2017-10-31 01:00), datetime(2017-10-30 23:59))", 2],
  ["datetime_diff('minute', datetime(2017-10-30 23:05:01), datetime(2017-10-30 23:00:59))", 5],
  ["datetime_diff('second', datetime(2017-10-30 23:00:10.100), datetime(2017-10-30 23:00:00.900))", 10],
  ["datetime_diff('millisecond', datetime(2017-10-30 23:00:00.200100), datetime(2017-10-30 23:00:00.100900))", 100],
  ["datetime_diff('microsecond', datetime(2017-10-30 23:00:00.1009001), datetime(2017-10-30 23:00:00.1008009))", 100],
  ["datetime_diff('nanosecond', datetime(2017-10-30 23:00:00.0000000), datetime(2017-10-30 23:00:00.0000007))", -700],
  ["datetime_diff('second', datetime(2024-01-01 00:00:01.9), datetime(2024-01-01 00:00:00.1))", 1],
  ["datetime_diff('second', datetime(2024-01-01 00:00:00.9), datetime(2024-01-01 00:00:00.1))", 0],
  ["datetime_diff('second', datetime(2024-01-01 10:00:02.600), datetime(2024-01-01 10:00:00.100))", 2],
  ["datetime_diff('Second', datetime(2024-01-01 09:59:59.990), datetime(2024-01-01 10:00:00.010))", -1],
  ["isnull(datetime_diff('second', datetime(null), datetime(2024-01-01)))", true],
  // §6 between is inclusive at both ends.
  ['2 between (0 .. 2)', true],
  ['3 between (0 .. 2)', false],
  ['-1 between (0 .. 2)', false],
  ['3 !between (0 .. 2)', true],
  ['datetime(2024-01-02) between (datetime(2024-01-01) .. 1d)', true],
  ['isnull(long(null) between (0 .. 2))', true],
  // §7 arithmetic, null propagation, Kleene logic.
  ['datetime(2024-01-01 00:05) - datetime(2024-01-01) == 5m', true],
  ['datetime(2024-01-01) + 5m', '2024-01-01T00:05:00.0000000Z'],
  ['isnull(datetime(null) + 5m)', true],
  ['isnull(datetime(2024-01-01) > datetime(null))', true],
  ['long(null) == 1', false],
  ['long(null) != 1', true],
  ['isnull(long(null) == long(null))', true],
  ['false and bool(null)', false],
  ['true or bool(null)', true],
  ['isnull(true and bool(null))', true],
  ['isnull(not(bool(null)))', true],
  ['7 / 2', 3],
  ['-7 / 2', -3],
  ['7.0 / 2', 3.5],
  ['isnull(1 / 0)', true],
  // conversions and string functions
  ['tostring(datetime(2024-05-01 10:00:00.5))', '2024-05-01T10:00:00.5000000Z'],
  ['tostring(5s)', '00:00:05'],
  ['tolong("42")', 42],
  ['isnull(tolong("x"))', true],
  ['strlen("abc")', 3],
  ['toupper("straße")', 'STRAßE'],
  ['tolower("ÄBC")', 'äbc'],
  ['strcat("a", 1, "b")', 'a1b'],
  ['iff(bool(null), 1, 2)', 2],
  ['case(1 > 2, "a", 2 > 1, "b", "c")', 'b'],
  ['todatetime("2024-05-01T10:00:00.1234567Z")', '2024-05-01T10:00:00.1234567Z'],
  ['ago(1d) < now()', true],
];

describe('scalar semantics (kql-semantics.md)', () => {
  it.each(cases)('%s → %j', async (expr, expected) => {
    expect(await scalar(expr)).toEqual(expected);
  });
});

describe('tabular semantics', () => {
  it('inner join yields every matching pair (join-inner.md example)', async () => {
    const r = await runQuery(
      `datatable(Key:string, Value1:long)["a",1,"b",2,"b",3,"k",5,"c",4]
       | join kind=inner (datatable(Key:string, Value2:long)["b",10,"c",20,"c",30,"d",40,"k",50]) on Key
       | project Key, Value1, Key1, Value2 | order by Value1 asc, Value2 asc`,
      new Map(),
      { now: 0n },
    );
    const rows = Array.from({ length: r.table.rowCount }, (_, i) => r.table.columns.map((c) => getValue(c, i)));
    expect(rows).toEqual([
      ['b', 2, 'b', 10],
      ['b', 3, 'b', 10],
      ['c', 4, 'c', 20],
      ['c', 4, 'c', 30],
      ['k', 5, 'k', 50],
    ]);
  });

  it('leftouter keeps unmatched left rows with empty right cells ("" for strings, null otherwise)', async () => {
    const r = await runQuery(
      `datatable(Key:string, Value1:long)["a",1,"b",2]
       | join kind=leftouter (datatable(Key:string, Value2:long)["b",10]) on Key | order by Value1 asc`,
      new Map(),
      { now: 0n },
    );
    expect(r.table.schema.map((c) => c.name)).toEqual(['Key', 'Value1', 'Key1', 'Value2']);
    expect([0, 1, 2, 3].map((c) => getValue(r.table.columns[c]!, 0))).toEqual(['a', 1, '', null]);
  });

  it('innerunique (the default) keeps the first left row per key', async () => {
    const r = await runQuery(
      `datatable(k:long, v:string)[1,"first",1,"second"] | join (datatable(k:long)[1, 1]) on k | project v`,
      new Map(),
      { now: 0n },
    );
    expect(Array.from({ length: r.table.rowCount }, (_, i) => getValue(r.table.columns[0]!, i))).toEqual([
      'first',
      'first',
    ]);
  });

  it('null keys of non-string type never match; "" string keys do', async () => {
    const nums = await runQuery(
      `datatable(k:long)[long(null)] | join kind=inner (datatable(k:long)[long(null)]) on k | count`,
      new Map(),
      { now: 0n },
    );
    expect(getValue(nums.table.columns[0]!, 0)).toBe(0);
    const strs = await runQuery(
      `datatable(k:string)[""] | join kind=inner (datatable(k:string)[""]) on k | count`,
      new Map(),
      { now: 0n },
    );
    expect(getValue(strs.table.columns[0]!, 0)).toBe(1);
  });

  it('summarize groups null keys together and make_set keeps "" but skips null', async () => {
    const r = await runQuery(
      `datatable(k:long, s:string)[long(null),"a",long(null),"",1,"a"] | summarize c=count(), make_set(s) by k | order by c desc`,
      new Map(),
      { now: 0n },
    );
    expect(getValue(r.table.columns[0]!, 0)).toBe(null);
    expect(getValue(r.table.columns[1]!, 0)).toBe(2);
    expect([...(getValue(r.table.columns[2]!, 0) as string[])].sort()).toEqual(['', 'a']);
  });

  it('summarize without by over an empty input gives one row', async () => {
    const r = await runQuery(`datatable(x:long)[] | summarize count(), max(x)`, new Map(), { now: 0n });
    expect(r.table.rowCount).toBe(1);
    expect(r.table.schema.map((c) => c.name)).toEqual(['count_', 'max_x']);
    expect(getValue(r.table.columns[1]!, 0)).toBe(null);
  });

  it('sort defaults to descending with nulls last; ascending puts nulls first', async () => {
    const desc = await runQuery(`datatable(x:long)[2, long(null), 3, 1] | sort by x`, new Map(), { now: 0n });
    expect(Array.from({ length: 4 }, (_, i) => getValue(desc.table.columns[0]!, i))).toEqual([3, 2, 1, null]);
    const asc = await runQuery(`datatable(x:long)[2, long(null), 3, 1] | sort by x asc`, new Map(), { now: 0n });
    expect(Array.from({ length: 4 }, (_, i) => getValue(asc.table.columns[0]!, i))).toEqual([null, 1, 2, 3]);
  });

  it('in with a tabular subquery is case-sensitive; in~ is not', async () => {
    const q = (op: string) => `let names = datatable(n:string)["WmiPrvSE.exe"];
      datatable(f:string)["wmiprvse.exe", "WmiPrvSE.exe"] | where f ${op} ((names | project n)) | count`;
    expect(getValue((await runQuery(q('in'), new Map(), { now: 0n })).table.columns[0]!, 0)).toBe(1);
    expect(getValue((await runQuery(q('in~'), new Map(), { now: 0n })).table.columns[0]!, 0)).toBe(2);
  });

  it('an unnamed bin() column takes its argument name; aggregates get set_X / max_X names', async () => {
    const r = await runQuery(
      `datatable(Timestamp:datetime, P:string)[datetime(2024-01-01), "a"] | summarize make_set(P), max(Timestamp) by bin(Timestamp, 5s)`,
      new Map(),
      { now: 0n },
    );
    expect(r.table.schema.map((c) => c.name)).toEqual(['Timestamp', 'set_P', 'max_Timestamp']);
  });
});
