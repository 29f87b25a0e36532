/**
 * A faithful DuckDB SQL translation of the Sentinel "DCOM Lateral Movement" rule
 * (src/rules/dcom-lateral-movement.yaml), with Kusto's semantics as the project pins them in
 * ../shared/docs/kql-semantics.md. It is the baseline the benchmark compares dcomlens against, so
 * it must return exactly the rows the rule returns: bench/run.ts and tests/bench/bench-smoke.test.ts
 * check DuckDB == truth.json == dcomlens on every dataset.
 *
 * This module is plain string building with no Node or browser imports (only the engine's pure schema
 * list), because the same SQL runs in @duckdb/node-api and in DuckDB-WASM (bench/browser).
 *
 * How each Kusto construct is translated, and why:
 * - Strings are never null in Kusto (§1): DuckDB reads an empty CSV field as NULL, so every string
 *   column is `coalesce(col, '')`; then `'' = ''` joins like Kusto's empty keys (§8).
 * - Datetimes are kept as BIGINT nanoseconds since 1970 (`epoch_ns` of a TIMESTAMP_NS): the data has
 *   100 ns ticks, which DuckDB's microsecond TIMESTAMP would round, merging distinct
 *   TimestampNetwEventExact values in the final group-by (§14).
 * - `=~`, `!~`, `!in~` fold case with `upper()`: the engine folds each code unit to upper case with a
 *   1:1 mapping (decisions table), and DuckDB's upper() is a per-code-point simple mapping too, so
 *   the two agree beyond ASCII for the cases that matter (e.g. 'ſ' folds to 'S' in both; lower()
 *   would not). Every literal in the rule is ASCII.
 * - `has "rpcss"` is a term match (§2): the needle, case-insensitively, with a non-letter/non-digit
 *   (or the string edge) on both sides. RE2's `(?i)` folding is simple case folding.
 * - `in ((RemoteDcomProcs | project DCOMFileName))` is case-SENSITIVE (§3), unlike the `!in~` lists.
 * - `bin(Timestamp, 5s)` floors toward −∞ (§4); `datetime_diff('second', a, b)` counts second
 *   boundaries, floor(a/1s) - floor(b/1s) (§5). DuckDB's `//` truncates toward zero, so FLOOR_DIV
 *   corrects negative remainders (never hit by real data, kept for exactness).
 * - The leftouter boot join leaves LastBootTime NULL for devices without services.exe rows; then
 *   `TimestampProcEvent > NULL + 5m` is NULL and WHERE drops the row, exactly as in Kusto (§7).
 * - Null long keys (PIDs) never match in a join, as SQL does (§8 decision).
 * - `make_set(ProcessCommandLine)` is `list(DISTINCT …)` (skips NULL, keeps ''), sorted so the
 *   export is reproducible (§12; element order is undefined in Kusto).
 */

import { DEVICE_NETWORK_EVENTS, DEVICE_PROCESS_EVENTS } from '../src/engine/table/defender-schema';

/** The Kusto types of the columns the rule reads (the rest of each export is never decoded). */
export type ColumnKind = 'string' | 'long' | 'int' | 'datetime' | 'other';

/** The columns the rule reads, per table (the same set dcomlens's planner derives). */
export const NEEDED_COLUMNS: Readonly<Record<'DeviceNetworkEvents' | 'DeviceProcessEvents', readonly string[]>> = {
  DeviceNetworkEvents: [
    'Timestamp',
    'DeviceId',
    'DeviceName',
    'ActionType',
    'RemoteIP',
    'LocalIP',
    'LocalPort',
    'InitiatingProcessFileName',
    'InitiatingProcessId',
    'InitiatingProcessCommandLine',
  ],
  DeviceProcessEvents: [
    'Timestamp',
    'DeviceId',
    'DeviceName',
    'FileName',
    'ProcessId',
    'ProcessCommandLine',
    'InitiatingProcessFileName',
    'InitiatingProcessId',
    'InitiatingProcessCommandLine',
    'InitiatingProcessParentId',
    'InitiatingProcessParentFileName',
  ],
};

/** The rule's allow-list as shipped (`allowListedExecs`). */
export const SHIPPED_ALLOW_LIST: readonly string[] = [
  'TiWorker.exe',
  'dllhost.exe',
  'backgroundTaskHost.exe',
  'mobsync.exe',
  'WmiPrvSE.exe',
  'RuntimeBroker.exe',
  'smartscreen.exe',
  'SppExtComObj.Exe',
  'usocoreworker.exe',
  'browser_broker.exe',
  'ssoncom.exe',
];

/**
 * The allow-list entry the "tuning" measurement removes: the generator plants remote WMI
 * (WmiPrvSE.exe right after inbound 135), so removing it changes the alerts, as a real edit would.
 */
export const EDIT_ENTRY = 'WmiPrvSE.exe';

/** The output columns, in the rule's order (the summarize keys, then the set). */
export const OUTPUT_COLUMNS: readonly string[] = [
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
];

/** Indexes of the datetime (BIGINT ns) output columns, for formatting. */
export const DATETIME_OUTPUTS: readonly number[] = [0, 1, 7];

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function sqlIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

const DUCK_TYPE: Readonly<Record<ColumnKind, string>> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  int: 'INTEGER',
  datetime: 'TIMESTAMP_NS',
  other: 'VARCHAR',
};

/**
 * `read_csv(...)` over one Defender export with every column declared (DuckDB requires the full
 * list when sniffing is off) but only the needed ones typed; the SELECT that uses it projects just
 * those, so DuckDB's projection push-down skips converting the rest. Sniffing is off because the
 * format is known (RFC 4180, header row) and sniffing a 1 GB file costs time DuckDB need not spend.
 */
export function readCsvSql(
  path: string,
  header: readonly { name: string; kind: ColumnKind }[],
  needed: readonly string[],
): string {
  const want = new Set(needed);
  const cols = header
    .map((c) => `${sqlString(c.name)}: '${want.has(c.name) ? DUCK_TYPE[c.kind] : 'VARCHAR'}'`)
    .join(', ');
  return `read_csv(${sqlString(path)}, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {${cols}})`;
}

/**
 * The typed, null-normalised projection of one table: strings coalesced to '', datetimes as
 * BIGINT ns. Used both to load tables (CREATE TABLE AS) and directly inside the rule query.
 */
export function projectionSql(source: string, columns: readonly { name: string; kind: ColumnKind }[]): string {
  const items = columns.map((c) => {
    const id = sqlIdent(c.name);
    if (c.kind === 'datetime') return `epoch_ns(${id}) AS ${id}`;
    if (c.kind === 'string' || c.kind === 'other') return `coalesce(${id}, '') AS ${id}`;
    return id;
  });
  return `SELECT ${items.join(', ')} FROM ${source}`;
}

const NS_PER_SECOND = '1000000000';
const BIN_5S_NS = '5000000000';
const FIVE_MINUTES_NS = '300000000000';

/** floor(a / b) for BIGINT with b > 0 (DuckDB's `//` truncates toward zero). */
function floorDiv(a: string, b: string): string {
  return `((${a}) // ${b} - CASE WHEN (${a}) % ${b} < 0 THEN 1 ELSE 0 END)`;
}

/** Kusto `=~` against an ASCII literal. */
function eqFold(col: string, literal: string): string {
  return `upper(${col}) = ${sqlString(literal.toUpperCase())}`;
}

/** Kusto `has` with an alphanumeric needle: a whole term, case-insensitively (§2). */
function hasTerm(col: string, needle: string): string {
  if (!/^[A-Za-z0-9]+$/.test(needle)) throw new Error(`hasTerm: only alphanumeric needles are translated (${needle})`);
  return `regexp_matches(${col}, ${sqlString(`(?i)(^|[^\\pL\\pN])${needle}([^\\pL\\pN]|$)`)})`;
}

/** `x !in~ (list)`: case-insensitive non-membership; an empty list keeps every row. */
function notInFold(col: string, list: readonly string[]): string {
  if (list.length === 0) return 'TRUE';
  return `upper(${col}) NOT IN (${list.map((s) => `upper(${sqlString(s)})`).join(', ')})`;
}

export interface RuleSqlSources {
  /** A table name or a parenthesised subquery yielding the network projection (see projectionSql). */
  readonly net: string;
  readonly proc: string;
}

/**
 * The rule as one SELECT. `allowList` replaces `allowListedExecs` (the shipped list by default).
 * Output: OUTPUT_COLUMNS, datetimes as BIGINT ns since 1970, the set as a sorted VARCHAR list.
 */
export function dcomRuleSql(src: RuleSqlSources, allowList: readonly string[] = SHIPPED_ALLOW_LIST): string {
  return `
WITH rpcNetwEvents AS (
  SELECT
    ${floorDiv('Timestamp', BIN_5S_NS)} * ${BIN_5S_NS} AS TimestampNetwEvent,
    Timestamp AS TimestampNetwEventExact,
    DeviceId, DeviceName,
    InitiatingProcessId AS RPCHostID,
    InitiatingProcessFileName AS RPCHostFileName,
    LocalIP, RemoteIP
  FROM ${src.net}
  WHERE ${eqFold('InitiatingProcessFileName', 'svchost.exe')}
    AND ${hasTerm('InitiatingProcessCommandLine', 'rpcss')}
    AND LocalPort = 135
    AND upper(LocalIP) <> upper(RemoteIP)
    AND ActionType <> 'ListeningConnectionCreated'
),
dcomProcEvents AS (
  SELECT
    ${floorDiv('Timestamp', BIN_5S_NS)} * ${BIN_5S_NS} AS TimestampProcEvent,
    Timestamp AS TimestampProcEventExact,
    DeviceId, DeviceName,
    InitiatingProcessId AS DCOMHostPID,
    InitiatingProcessFileName AS DCOMHostFileName,
    ProcessId AS DCOMPID,
    FileName AS DCOMFileName,
    ProcessCommandLine AS DCOMCmdLine
  FROM ${src.proc}
  WHERE ${eqFold('InitiatingProcessFileName', 'svchost.exe')}
    AND ${hasTerm('InitiatingProcessCommandLine', 'dcomlaunch')}
),
lastBootTime AS (
  SELECT DeviceId, max(Timestamp) AS LastBootTime
  FROM ${src.proc}
  WHERE ${eqFold('FileName', 'services.exe')}
  GROUP BY DeviceId
),
RemoteDcomProcs AS (
  SELECT
    r.TimestampNetwEventExact, r.DeviceId, r.DeviceName, r.LocalIP, r.RemoteIP,
    d.TimestampProcEventExact, d.DCOMHostPID, d.DCOMPID, d.DCOMFileName, d.DCOMCmdLine,
    b.LastBootTime
  FROM rpcNetwEvents r
  JOIN dcomProcEvents d ON r.DeviceId = d.DeviceId
  LEFT JOIN lastBootTime b ON r.DeviceId = b.DeviceId
  WHERE d.TimestampProcEvent > b.LastBootTime + ${FIVE_MINUTES_NS}
    AND (${floorDiv('d.TimestampProcEventExact', NS_PER_SECOND)} - ${floorDiv('r.TimestampNetwEventExact', NS_PER_SECOND)}) BETWEEN 0 AND 2
    AND ${notInFold('d.DCOMFileName', allowList)}
),
children AS (
  SELECT DeviceId, InitiatingProcessId, InitiatingProcessParentId, InitiatingProcessFileName,
         InitiatingProcessParentFileName, FileName, ProcessCommandLine
  FROM ${src.proc}
  WHERE ${eqFold('InitiatingProcessParentFileName', 'svchost.exe')}
    AND InitiatingProcessFileName IN (SELECT DCOMFileName FROM RemoteDcomProcs)
)
SELECT
  r.TimestampNetwEventExact, r.TimestampProcEventExact, r.DeviceId, r.DeviceName,
  c.InitiatingProcessId, r.LocalIP, r.RemoteIP, r.LastBootTime, r.DCOMCmdLine,
  list_sort(list(DISTINCT c.ProcessCommandLine)) AS set_ProcessCommandLine
FROM RemoteDcomProcs r
JOIN children c
  ON r.DCOMHostPID = c.InitiatingProcessParentId AND r.DeviceId = c.DeviceId AND r.DCOMPID = c.InitiatingProcessId
WHERE ${eqFold('c.InitiatingProcessParentFileName', 'svchost.exe')}
  AND upper(c.InitiatingProcessFileName) = upper(r.DCOMFileName)
  AND ${notInFold('c.FileName', ['csc.exe'])}
GROUP BY r.TimestampNetwEventExact, r.TimestampProcEventExact, r.DeviceId, r.DeviceName,
  c.InitiatingProcessId, r.LocalIP, r.RemoteIP, r.LastBootTime, r.DCOMCmdLine
`;
}

/** The needed columns of one table with their kinds, from a (name, Kusto type) schema. */
export function neededColumns(
  table: 'DeviceNetworkEvents' | 'DeviceProcessEvents',
  schema: readonly { name: string; type: string }[],
): { name: string; kind: ColumnKind }[] {
  return NEEDED_COLUMNS[table].map((name) => {
    const col = schema.find((c) => c.name === name);
    if (!col) throw new Error(`${table} has no column ${name}`);
    return { name, kind: kindOf(col.type) };
  });
}

export function kindOf(type: string): ColumnKind {
  return type === 'string' || type === 'long' || type === 'int' || type === 'datetime' ? type : 'other';
}

// -------------------------------------------------------------------------------------------------
// Results in the export's JSON cell convention (truth.json): 7-digit ISO datetimes, sorted sets,
// rows sorted cell by cell. Duplicated from the engine's formatter on purpose: the comparison must
// not depend on the code under test.

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

/** BIGINT ns since 1970 → `YYYY-MM-DDTHH:MM:SS.fffffffZ` (100 ns digits; the data has no finer). */
export function isoFromNs(ns: bigint): string {
  const NS_PER_DAY = 86_400_000_000_000n;
  let days = ns / NS_PER_DAY;
  let inDay = ns % NS_PER_DAY;
  if (inDay < 0n) {
    inDay += NS_PER_DAY;
    days -= 1n;
  }
  // Civil date from days since 1970 (H. Hinnant's algorithm).
  const z = Number(days) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const sec = inDay / 1_000_000_000n;
  const frac = (inDay % 1_000_000_000n) / 100n;
  const s = Number(sec);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor((s % 3600) / 60), 2)}:${pad(s % 60, 2)}.${pad(frac, 7)}Z`;
}

export type JsonCell = string | number | null | string[];

function cellKey(v: JsonCell): string {
  if (v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts sets (UTF-16 ordinal, as the exports do) and rows (cell by cell; numbers numerically). */
export function canonicalRows(rows: readonly (readonly JsonCell[])[]): JsonCell[][] {
  const norm = rows.map((r) => r.map((c) => (Array.isArray(c) ? [...c].sort(ordinal) : c)));
  return norm.sort((a, b) => {
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : ordinal(cellKey(x), cellKey(y));
      if (c !== 0) return c;
    }
    return 0;
  });
}

/** DuckDB result rows (datetimes as bigint ns, PIDs as bigint) → truth.json cells. */
export function duckRowsToJson(rows: readonly (readonly unknown[])[]): JsonCell[][] {
  return canonicalRows(
    rows.map((row) =>
      row.map((v, i): JsonCell => {
        if (v === null || v === undefined) return null;
        if (DATETIME_OUTPUTS.includes(i)) return isoFromNs(BigInt(v as bigint | number));
        if (typeof v === 'bigint') return Number(v);
        if (Array.isArray(v)) return v.map((x) => String(x));
        if (typeof v === 'object' && v !== null && 'items' in v)
          return (v as { items: unknown[] }).items.map((x) => String(x));
        return v as string | number;
      }),
    ),
  );
}

/** Minimal RFC 4180 CSV of JSON cells, for DuckDB's "files → alert CSV" leg. */
export function rowsToCsv(columns: readonly string[], rows: readonly (readonly JsonCell[])[]): string {
  const field = (v: JsonCell): string => {
    const s = v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.map((c) => field(c)), ...rows.map((r) => r.map(field))].map((r) => r.join(',')).join('\r\n') + '\r\n';
}

// -------------------------------------------------------------------------------------------------
// Sources over the CSV files (Node: paths; DuckDB-WASM: registered file names).

const NET_HEADER = DEVICE_NETWORK_EVENTS.map((c) => ({ name: c.name, kind: kindOf(c.type) }));
const PROC_HEADER = DEVICE_PROCESS_EVENTS.map((c) => ({ name: c.name, kind: kindOf(c.type) }));
const NET_COLS = neededColumns('DeviceNetworkEvents', DEVICE_NETWORK_EVENTS);
const PROC_COLS = neededColumns('DeviceProcessEvents', DEVICE_PROCESS_EVENTS);

/** The typed projections straight over the CSV files (DuckDB reads only the needed columns). */
export function csvSources(netCsv: string, procCsv: string): RuleSqlSources {
  return {
    net: `(${projectionSql(
      readCsvSql(
        netCsv,
        NET_HEADER,
        NET_COLS.map((c) => c.name),
      ),
      NET_COLS,
    )})`,
    proc: `(${projectionSql(
      readCsvSql(
        procCsv,
        PROC_HEADER,
        PROC_COLS.map((c) => c.name),
      ),
      PROC_COLS,
    )})`,
  };
}

/** SQL that loads the needed columns of both files into tables `net` and `proc`. */
export function loadTablesSql(netCsv: string, procCsv: string): string[] {
  const src = csvSources(netCsv, procCsv);
  return [
    `CREATE OR REPLACE TABLE net AS SELECT * FROM ${src.net}`,
    `CREATE OR REPLACE TABLE proc AS SELECT * FROM ${src.proc}`,
  ];
}
