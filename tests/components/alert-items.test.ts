/** The alerts table's derived columns (children, gap) and its grouping, as pure functions. */
import { describe, expect, it } from 'vitest';
import { alertFacts, formatGap, groupItems, isoTicks } from '../../src/components/alert-items';
import type { Cell, ResultColumn } from '../../src/engine/worker/client';
import fc from 'fast-check';
import { formatDateTime, MAX_DATETIME_TICKS, UNIX_EPOCH_TICKS } from '../../src/engine/time/ticks';

const COLUMNS: ResultColumn[] = [
  { name: 'TimestampNetwEventExact', type: 'datetime' },
  { name: 'TimestampProcEventExact', type: 'datetime' },
  { name: 'DeviceName', type: 'string' },
  { name: 'RemoteIP', type: 'string' },
  { name: 'set_ProcessCommandLine', type: 'dynamic' },
];

const row = (net: string | null, proc: string | null, device = 'ws-1', ip = '10.0.0.1', set: Cell = ['a']): Cell[] => [
  net,
  proc,
  device,
  ip,
  set,
];

describe('alertFacts', () => {
  it.each([
    // net, proc, gap (exact), datetime_diff: Kusto counts second boundaries crossed, not elapsed time
    ['2024-05-01T08:08:44.9000000Z', '2024-05-01T08:08:45.3000000Z', '+0.4000000 s', 1],
    ['2024-05-01T08:08:44.0000000Z', '2024-05-01T08:08:46.9999999Z', '+2.9999999 s', 2],
    ['2024-05-01T08:08:44.9999999Z', '2024-05-01T08:08:47.0000000Z', '+2.0000001 s', 3],
    ['2024-05-01T08:08:45.0000000Z', '2024-05-01T08:08:44.5000000Z', '−0.5000000 s', -1],
    ['2024-05-01T08:08:45.1234567Z', '2024-05-01T08:08:45.1234567Z', '+0.0000000 s', 0],
  ])('%s → %s: gap %s, datetime_diff %i', (net, proc, gap, diff) => {
    const f = alertFacts(COLUMNS, row(net, proc));
    expect(formatGap(f.gapTicks!, true)).toBe(gap);
    expect(f.diffSeconds).toBe(diff);
    expect(f.children).toBe(1);
  });

  it('is null where the row or the rule lacks the inputs', () => {
    expect(alertFacts(COLUMNS, row(null, '2024-05-01T08:08:45.3000000Z', 'd', 'i', null))).toEqual({
      children: null,
      gapTicks: null,
      diffSeconds: null,
    });
    expect(alertFacts([], [])).toEqual({ children: null, gapTicks: null, diffSeconds: null });
    expect(alertFacts(COLUMNS, row(null, null, 'd', 'i', ['x', 'y', 'z'])).children).toBe(3);
  });
});

describe('isoTicks', () => {
  it('matches the engine to the tick, from year 1 to 9999 (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_DATETIME_TICKS }), (ticks) => {
        expect(isoTicks(formatDateTime(ticks))).toBe(ticks - UNIX_EPOCH_TICKS);
      }),
    );
    expect(isoTicks('not a time')).toBeNull();
  });
});

describe('formatGap', () => {
  it.each([
    [4_000_000n, '+0.40 s'],
    [4_049_999n, '+0.40 s'],
    [4_050_000n, '+0.41 s'],
    [9_950_000n, '+1.00 s'],
    [-5_000_000n, '−0.50 s'],
    [123_456_789n, '+12.35 s'],
    [0n, '+0.00 s'],
  ])('%s ticks → %s', (ticks, text) => {
    expect(formatGap(ticks)).toBe(text);
  });
});

describe('groupItems', () => {
  const rows = [
    row('a', 'b', 'ws-1', '10.0.0.9'),
    row('a', 'b', 'ws-2', '10.0.0.8'),
    row('a', 'b', 'ws-1', '10.0.0.8'),
  ];
  it.each([
    ['none', ['r0', 'r1', 'r2']],
    ['device', ['g:ws-1:2', 'r0', 'r2', 'g:ws-2:1', 'r1']],
    ['remote', ['g:10.0.0.9:1', 'r0', 'g:10.0.0.8:2', 'r1', 'r2']],
  ] as const)('group by %s, in the sorted order given', (by, want) => {
    const items = groupItems([0, 1, 2], rows, COLUMNS, by);
    expect(items.map((it) => (it.kind === 'group' ? `g:${it.key}:${it.count}` : `r${it.index}`))).toEqual(want);
  });
});
