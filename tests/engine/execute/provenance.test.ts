/**
 * Provenance (every result row names its input rows), cancellation, and the optimiser's band join
 * agreeing with the plain plan.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { traceRow } from '../../../src/engine/execute/lineage';
import { loadRule } from '../../../src/engine/rule/rule';
import { runQuery } from '../../../src/engine/run';
import { columnFromValues, getValue, type Scalar, type ScalarType } from '../../../src/engine/table/column';
import { makeTable, type Table } from '../../../src/engine/table/table';
import { parseIsoDateTime } from '../../../src/engine/time/ticks';
import { formatJson } from '../../../src/engine/output/format-results';

const rule = loadRule(
  readFileSync(new URL('../../../src/rules/dcom-lateral-movement.yaml', import.meta.url), 'utf8'),
).rule!;

function table(name: string, cols: [string, ScalarType][], rows: Scalar[][]): Table {
  return makeTable(
    name,
    cols.map(([n, type]) => ({ name: n, type })),
    cols.map(([, type], j) =>
      columnFromValues(
        type,
        rows.map((r) => (type === 'datetime' && typeof r[j] === 'string' ? parseIsoDateTime(r[j] as string) : r[j]!)),
      ),
    ),
  );
}

const net = table(
  'DeviceNetworkEvents',
  [
    ['Timestamp', 'datetime'],
    ['DeviceId', 'string'],
    ['DeviceName', 'string'],
    ['ActionType', 'string'],
    ['RemoteIP', 'string'],
    ['LocalIP', 'string'],
    ['LocalPort', 'int'],
    ['InitiatingProcessFileName', 'string'],
    ['InitiatingProcessId', 'long'],
    ['InitiatingProcessCommandLine', 'string'],
  ],
  [
    ['2024-05-01T09:30:00Z', 'dev1', 'ws1', 'InboundConnectionAccepted', '10.0.0.8', '10.0.0.5', 445, 'System', 4, ''],
    [
      '2024-05-01T10:00:00.5Z',
      'dev1',
      'ws1',
      'InboundConnectionAccepted',
      '10.0.0.9',
      '10.0.0.5',
      135,
      'svchost.exe',
      900,
      'svchost.exe -k RpcSs -p',
    ],
  ],
);
const proc = table(
  'DeviceProcessEvents',
  [
    ['Timestamp', 'datetime'],
    ['DeviceId', 'string'],
    ['DeviceName', 'string'],
    ['FileName', 'string'],
    ['ProcessId', 'long'],
    ['ProcessCommandLine', 'string'],
    ['InitiatingProcessFileName', 'string'],
    ['InitiatingProcessId', 'long'],
    ['InitiatingProcessCommandLine', 'string'],
    ['InitiatingProcessParentId', 'long'],
    ['InitiatingProcessParentFileName', 'string'],
  ],
  [
    [
      '2024-05-01T09:00:00Z',
      'dev1',
      'ws1',
      'services.exe',
      600,
      'services.exe',
      'wininit.exe',
      500,
      'wininit.exe',
      400,
      'smss.exe',
    ],
    [
      '2024-05-01T10:00:01.2Z',
      'dev1',
      'ws1',
      'mmc.exe',
      4000,
      'mmc.exe -Embedding',
      'svchost.exe',
      800,
      'svchost.exe -k DcomLaunch -p',
      600,
      'services.exe',
    ],
    [
      '2024-05-01T10:00:02Z',
      'dev1',
      'ws1',
      'cmd.exe',
      4100,
      'cmd.exe /c whoami',
      'mmc.exe',
      4000,
      'mmc.exe -Embedding',
      800,
      'svchost.exe',
    ],
    [
      '2024-05-01T10:00:03Z',
      'dev1',
      'ws1',
      'csc.exe',
      4200,
      'csc.exe /noconfig',
      'mmc.exe',
      4000,
      'mmc.exe -Embedding',
      800,
      'svchost.exe',
    ],
  ],
);
const tables = new Map([
  ['DeviceNetworkEvents', net],
  ['DeviceProcessEvents', proc],
]);

describe('provenance', () => {
  it('names the network, DCOM, boot and child rows behind an alert', async () => {
    const r = await runQuery(rule.query, tables, { now: 0n });
    expect(r.table.rowCount).toBe(1);
    const trace = traceRow(r.lineage, 0);
    const byTable = new Map<string, Set<number>>();
    for (const [src, rows] of trace) {
      const s = byTable.get(src.table) ?? new Set<number>();
      rows.forEach((x) => s.add(x));
      byTable.set(src.table, s);
    }
    expect([...byTable.get('DeviceNetworkEvents')!]).toEqual([1]);
    // services.exe (boot), mmc.exe (DCOM server), cmd.exe (child); csc.exe was excluded.
    expect([...byTable.get('DeviceProcessEvents')!].sort()).toEqual([0, 1, 2]);
  });

  it('counts rows out of every stage', async () => {
    const r = await runQuery(rule.query, tables, { now: 0n });
    expect(r.explain).toMatch(/Summarize .* \[rows=1\]/);
    expect(r.explain).toMatch(/Filter .*csc\.exe.*\[rows=1\]/);
    expect(r.explain).toMatch(/band TimestampProcEventExact - TimestampNetwEventExact/);
    expect([...r.stats.values()].every((s) => s.rowsOut >= 0)).toBe(true);
  });

  it('gives the same result with and without the optimiser', async () => {
    const a = await runQuery(rule.query, tables, { now: 0n });
    const b = await runQuery(rule.query, tables, { now: 0n, optimise: false });
    expect(formatJson(a.table)).toBe(formatJson(b.table));
    expect(b.explain).not.toMatch(/band/);
  });
});

describe('cancellation', () => {
  it('rejects with an AbortError when the signal is aborted', async () => {
    const c = new AbortController();
    c.abort();
    await expect(runQuery(rule.query, tables, { now: 0n, signal: c.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('band join equals the per-key product filtered', () => {
  const base = 638500000000000000n; // a 2024 datetime in ticks
  const row = fc.record({
    k: fc.constantFrom('a', 'b', ''),
    t: fc.option(fc.bigInt({ min: 0n, max: 80_000_000n }), { nil: null }),
  });
  it('for random times around second boundaries (seeded)', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 25 }),
        fc.array(row, { maxLength: 25 }),
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom('second', 'millisecond', 'minute'),
        async (L, R, lo, width, unit) => {
          runs++;
          const mk = (name: string, rows: typeof L) =>
            makeTable(
              name,
              [
                { name: 'k', type: 'string' },
                { name: 't', type: 'datetime' },
              ],
              [
                columnFromValues(
                  'string',
                  rows.map((x) => x.k),
                ),
                columnFromValues(
                  'datetime',
                  rows.map((x) => (x.t === null ? null : base + x.t)),
                ),
              ],
            );
          const t = new Map([
            ['L', mk('L', L)],
            ['R', mk('R', R)],
          ]);
          const q = `L | join kind=inner R on k | where datetime_diff("${unit}", t1, t) between (${lo} .. ${lo + width}) | project k, t, t1`;
          const a = await runQuery(q, t, { now: 0n });
          const b = await runQuery(q, t, { now: 0n, optimise: false });
          expect(a.explain).toMatch(/band/);
          expect(formatJson(a.table)).toBe(formatJson(b.table));
        },
      ),
      { seed: 20261128, numRuns: 200 },
    );
    expect(runs).toBe(200);
    void getValue;
  });

  // Times years apart (up to the ends of the datetime range) take the join's bigint path; times
  // within ~7 years of each other its double-offset path; a left time far from every right time
  // must match nothing either way.
  const anyTime = fc.oneof(
    fc.bigInt({ min: 0n, max: 80_000_000n }),
    fc.constantFrom(2n ** 51n, -(2n ** 51n), 2n ** 52n + 5n, 2n ** 52n - 2n ** 32n, -(2n ** 52n)),
    fc.bigInt({ min: -base, max: 3_155_378_975_999_999_999n - base }),
  );
  const farRow = fc.record({ k: fc.constantFrom('a', 'b'), t: fc.option(anyTime, { nil: null }) });
  it('for random times up to the ends of the datetime range (seeded)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(farRow, { maxLength: 20 }),
        fc.array(farRow, { maxLength: 20 }),
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom('second', 'day', 'minute'),
        async (L, R, lo, width, unit) => {
          const mk = (name: string, rows: typeof L) =>
            makeTable(
              name,
              [
                { name: 'k', type: 'string' },
                { name: 't', type: 'datetime' },
              ],
              [
                columnFromValues(
                  'string',
                  rows.map((x) => x.k),
                ),
                columnFromValues(
                  'datetime',
                  rows.map((x) => (x.t === null ? null : base + x.t)),
                ),
              ],
            );
          const t = new Map([
            ['L', mk('L', L)],
            ['R', mk('R', R)],
          ]);
          const q = `L | join kind=inner R on k | where datetime_diff("${unit}", t1, t) between (${lo} .. ${lo + width}) | project k, t, t1`;
          const a = await runQuery(q, t, { now: 0n });
          const b = await runQuery(q, t, { now: 0n, optimise: false });
          expect(a.explain).toMatch(/band/);
          expect(formatJson(a.table)).toBe(formatJson(b.table));
        },
      ),
      { seed: 20261129, numRuns: 300 },
    );
  });
});
