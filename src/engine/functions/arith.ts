/**
 * Arithmetic: + - * / % and unary minus on numbers, datetimes and timespans
 * (datetime-timespan-arithmetic.md, kql-semantics §7). Any null operand gives null.
 */
import type { Column, NumberColumn, ScalarType, TimeColumn } from '../table/column';
import { registerScalar, type Kernel } from './registry';
import { isNumeric, numberColumn, timeColumn, widerNumeric } from './vec';

function mergeValid(a: Column, b: Column, n: number): Uint8Array | null {
  const va = 'valid' in a ? a.valid : null;
  const vb = 'valid' in b ? b.valid : null;
  if (va === null && vb === null) return null;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (va === null || va[i] === 1) && (vb === null || vb[i] === 1) ? 1 : 0;
  return out;
}

type NumOp = (x: number, y: number) => number;

/** Integer division and modulo truncate toward zero, like .NET; division by zero gives null. */
function numericKernel(type: 'int' | 'long' | 'real', op: string): Kernel {
  const integral = type !== 'real';
  const f: NumOp =
    op === '+'
      ? (x, y) => x + y
      : op === '-'
        ? (x, y) => x - y
        : op === '*'
          ? (x, y) => x * y
          : op === '/'
            ? integral
              ? (x, y) => Math.trunc(x / y)
              : (x, y) => x / y
            : (x, y) => x % y;
  const zeroIsNull = integral && (op === '/' || op === '%');
  return (args, n) => {
    const a = args[0] as NumberColumn;
    const b = args[1] as NumberColumn;
    let valid = mergeValid(a, b, n);
    const values = new Float64Array(n);
    const av = a.values;
    const bv = b.values;
    for (let i = 0; i < n; i++) {
      if (zeroIsNull && bv[i] === 0) {
        (valid ??= new Uint8Array(n).fill(1))[i] = 0;
        continue;
      }
      values[i] = f(av[i]!, bv[i]!);
    }
    if (type === 'int') for (let i = 0; i < n; i++) values[i] = values[i]! | 0;
    return numberColumn(type, values, valid);
  };
}

type TimeOp = (x: bigint, y: bigint) => bigint;

function timeKernel(type: 'datetime' | 'timespan', f: TimeOp): Kernel {
  return (args, n) => {
    const a = args[0] as TimeColumn;
    const b = args[1] as TimeColumn;
    const valid = mergeValid(a, b, n);
    const values = new BigInt64Array(n);
    const av = a.values;
    const bv = b.values;
    for (let i = 0; i < n; i++) if (valid === null || valid[i] === 1) values[i] = f(av[i]!, bv[i]!);
    return timeColumn(type, values, valid);
  };
}

/** timespan × number (either order) or timespan ÷ number → timespan. */
function scaleKernel(timeFirst: boolean, divide: boolean): Kernel {
  return (args, n) => {
    const t = (timeFirst ? args[0] : args[1]) as TimeColumn;
    const x = (timeFirst ? args[1] : args[0]) as NumberColumn;
    let valid = mergeValid(t, x, n);
    const values = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const k = x.values[i]!;
      if (divide && k === 0) {
        (valid ??= new Uint8Array(n).fill(1))[i] = 0;
        continue;
      }
      const ticks = t.values[i]!;
      // Integral factors stay exact in bigint; fractional ones go through a double.
      if (Number.isInteger(k)) values[i] = divide ? ticks / BigInt(k) : ticks * BigInt(k);
      else values[i] = BigInt(Math.trunc(divide ? Number(ticks) / k : Number(ticks) * k));
    }
    return timeColumn('timespan', values, valid);
  };
}

function ratioKernel(): Kernel {
  return (args, n) => {
    const a = args[0] as TimeColumn;
    const b = args[1] as TimeColumn;
    const valid = mergeValid(a, b, n);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = Number(a.values[i]!) / Number(b.values[i]!);
    return numberColumn('real', values, valid);
  };
}

function resolveArith(op: string, ta: ScalarType, tb: ScalarType): { type: ScalarType; kernel: Kernel } | null {
  if (isNumeric(ta) && isNumeric(tb)) {
    const type = widerNumeric(ta, tb);
    return { type, kernel: numericKernel(type, op) };
  }
  const add: TimeOp = (x, y) => x + y;
  const sub: TimeOp = (x, y) => x - y;
  switch (op) {
    case '+':
      if (ta === 'datetime' && tb === 'timespan') return { type: 'datetime', kernel: timeKernel('datetime', add) };
      if (ta === 'timespan' && tb === 'datetime') return { type: 'datetime', kernel: timeKernel('datetime', add) };
      if (ta === 'timespan' && tb === 'timespan') return { type: 'timespan', kernel: timeKernel('timespan', add) };
      return null;
    case '-':
      if (ta === 'datetime' && tb === 'datetime') return { type: 'timespan', kernel: timeKernel('timespan', sub) };
      if (ta === 'datetime' && tb === 'timespan') return { type: 'datetime', kernel: timeKernel('datetime', sub) };
      if (ta === 'timespan' && tb === 'timespan') return { type: 'timespan', kernel: timeKernel('timespan', sub) };
      return null;
    case '*':
      if (ta === 'timespan' && isNumeric(tb)) return { type: 'timespan', kernel: scaleKernel(true, false) };
      if (isNumeric(ta) && tb === 'timespan') return { type: 'timespan', kernel: scaleKernel(false, false) };
      return null;
    case '/':
      if (ta === 'timespan' && isNumeric(tb)) return { type: 'timespan', kernel: scaleKernel(true, true) };
      if (ta === 'timespan' && tb === 'timespan') return { type: 'real', kernel: ratioKernel() };
      return null;
    case '%':
      if (ta === 'timespan' && tb === 'timespan')
        return {
          type: 'timespan',
          kernel: timeKernel('timespan', (x, y) => (y === 0n ? 0n : x % y)),
        };
      return null;
    default:
      return null;
  }
}

for (const op of ['+', '-', '*', '/', '%']) {
  registerScalar({
    name: op,
    minArgs: 2,
    maxArgs: 2,
    resolve: ([ta, tb]) => {
      const r = resolveArith(op, ta!, tb!);
      return r
        ? { type: r.type, fn: { name: op, kernel: r.kernel } }
        : `operator ${op} does not apply to ${ta} and ${tb}`;
    },
  });
}

registerScalar({
  name: 'negate',
  minArgs: 1,
  maxArgs: 1,
  resolve: ([t]) => {
    if (isNumeric(t!)) {
      const type = t;
      return {
        type,
        fn: {
          name: 'negate',
          kernel: (args, n) => {
            const a = args[0] as NumberColumn;
            const values = new Float64Array(n);
            for (let i = 0; i < n; i++) values[i] = -a.values[i]!;
            return numberColumn(type, values, a.valid);
          },
        },
      };
    }
    if (t === 'timespan') {
      return {
        type: 'timespan',
        fn: {
          name: 'negate',
          kernel: (args, n) => {
            const a = args[0] as TimeColumn;
            const values = new BigInt64Array(n);
            for (let i = 0; i < n; i++) values[i] = -a.values[i]!;
            return timeColumn('timespan', values, a.valid);
          },
        },
      };
    }
    return `unary minus does not apply to ${t}`;
  },
});
