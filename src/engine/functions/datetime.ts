/**
 * bin / floor and datetime_diff on exact ticks (kql-semantics §4, §5).
 */
import type { NumberColumn, ScalarType, TimeColumn } from '../table/column';
import { civilFromDays, floorDivTicks, TICKS_PER_DAY } from '../time/ticks';
import { registerScalar, type Kernel } from './registry';
import { isNumeric, numberColumn, timeColumn, widerNumeric } from './vec';

/** bin(value, size): floor toward -infinity; datetimes from tick 0 (0001-01-01). Null or size <= 0 → null. */
function binTimeKernel(type: 'datetime' | 'timespan'): Kernel {
  return (args, n) => {
    const v = args[0] as TimeColumn;
    const s = args[1] as TimeColumn;
    const values = new BigInt64Array(n);
    let valid: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const ok = (v.valid === null || v.valid[i] === 1) && (s.valid === null || s.valid[i] === 1);
      const size = s.values[i]!;
      if (!ok || size <= 0n) {
        (valid ??= new Uint8Array(n).fill(1))[i] = 0;
        continue;
      }
      const x = v.values[i]!;
      values[i] = floorDivTicks(x, size) * size;
    }
    return timeColumn(type, values, valid);
  };
}

function binNumberKernel(type: 'int' | 'long' | 'real'): Kernel {
  return (args, n) => {
    const v = args[0] as NumberColumn;
    const s = args[1] as NumberColumn;
    const values = new Float64Array(n);
    let valid: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const ok = (v.valid === null || v.valid[i] === 1) && (s.valid === null || s.valid[i] === 1);
      const size = s.values[i]!;
      if (!ok || size <= 0) {
        (valid ??= new Uint8Array(n).fill(1))[i] = 0;
        continue;
      }
      values[i] = Math.floor(v.values[i]! / size) * size;
    }
    return numberColumn(type, values, valid);
  };
}

function resolveBin(types: readonly ScalarType[]) {
  const [tv, ts] = types;
  if (tv === 'datetime' && ts === 'timespan')
    return { type: 'datetime' as const, fn: { name: 'bin', kernel: binTimeKernel('datetime') } };
  if (tv === 'timespan' && ts === 'timespan')
    return { type: 'timespan' as const, fn: { name: 'bin', kernel: binTimeKernel('timespan') } };
  if (isNumeric(tv!) && isNumeric(ts!)) {
    const type = widerNumeric(tv!, ts!);
    return { type, fn: { name: 'bin', kernel: binNumberKernel(type) } };
  }
  return `bin() does not apply to ${tv} and ${ts}`;
}

registerScalar({ name: 'bin', minArgs: 2, maxArgs: 2, resolve: resolveBin });
registerScalar({ name: 'floor', minArgs: 2, maxArgs: 2, resolve: resolveBin });

/** The calendar or tick index of `ticks` in `period`; differences of indices are datetime_diff. */
export type PeriodIndex = (ticks: bigint) => bigint;

function fixed(unit: bigint): PeriodIndex {
  return (t) => floorDivTicks(t, unit);
}

function calendar(f: (year: number, month: number) => number): PeriodIndex {
  return (t) => {
    const { year, month } = civilFromDays(Number(floorDivTicks(t, TICKS_PER_DAY)));
    return BigInt(f(year, month));
  };
}

/**
 * Periods of datetime_diff, by boundary counting (the project's decision, kql-semantics §5):
 * the result is index(dt1) - index(dt2). Weeks start on Sunday; 0001-01-01 (tick 0) is a Monday.
 */
export const DATETIME_DIFF_PERIODS: Readonly<Record<string, PeriodIndex>> = {
  year: calendar((y) => y),
  quarter: calendar((y, m) => y * 4 + Math.floor((m - 1) / 3)),
  month: calendar((y, m) => y * 12 + (m - 1)),
  week: (t) => floorDivTicks(floorDivTicks(t, TICKS_PER_DAY) + 1n, 7n),
  day: fixed(TICKS_PER_DAY),
  hour: fixed(36_000_000_000n),
  minute: fixed(600_000_000n),
  second: fixed(10_000_000n),
  millisecond: fixed(10_000n),
  microsecond: fixed(10n),
  nanosecond: (t) => t * 100n,
};

function diffKernel(index: PeriodIndex): Kernel {
  return (args, n) => {
    const a = args[1] as TimeColumn;
    const b = args[2] as TimeColumn;
    const values = new Float64Array(n);
    let valid: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      if ((a.valid !== null && a.valid[i] === 0) || (b.valid !== null && b.valid[i] === 0)) {
        (valid ??= new Uint8Array(n).fill(1))[i] = 0;
        continue;
      }
      values[i] = Number(index(a.values[i]!) - index(b.values[i]!));
    }
    return numberColumn('long', values, valid);
  };
}

registerScalar({
  name: 'datetime_diff',
  minArgs: 3,
  maxArgs: 3,
  resolve: (types, literals) => {
    const period = literals[0];
    if (types[0] !== 'string' || typeof period !== 'string')
      return 'datetime_diff() needs a literal period string as its first argument';
    const index = DATETIME_DIFF_PERIODS[period.toLowerCase()];
    if (!index) return `datetime_diff(): unknown period '${period}'`;
    if (types[1] !== 'datetime' || types[2] !== 'datetime')
      return `datetime_diff() compares two datetimes, got ${types[1]} and ${types[2]}`;
    return { type: 'long', fn: { name: 'datetime_diff', kernel: diffKernel(index) } };
  },
});
