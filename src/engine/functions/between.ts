/**
 * between / !between, inclusive at both ends (between-operator.md, kql-semantics §6). With a datetime
 * value the upper bound may be a timespan, meaning `low + span`. Any null operand gives null.
 */
import type { Column, ScalarType } from '../table/column';
import { getValue } from '../table/column';
import { registerScalar, type Kernel } from './registry';
import { boolColumn, isNumeric } from './vec';

function kernel(negated: boolean, highIsSpan: boolean): Kernel {
  return (args: readonly Column[], n: number) => {
    const [x, lo, hi] = args as [Column, Column, Column];
    const values = new Uint8Array(n);
    let valid: Uint8Array | null = null;
    // Typed fast path for numbers (the rule's `datetime_diff(...) between (0 .. 2)`).
    if (
      x.type !== 'string' &&
      x.type !== 'dynamic' &&
      lo.type !== 'string' &&
      lo.type !== 'dynamic' &&
      hi.type !== 'string' &&
      hi.type !== 'dynamic' &&
      !highIsSpan
    ) {
      const xv = x.values as ArrayLike<number | bigint>;
      const lv = lo.values as ArrayLike<number | bigint>;
      const hv = hi.values as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) {
        if ((x.valid && x.valid[i] === 0) || (lo.valid && lo.valid[i] === 0) || (hi.valid && hi.valid[i] === 0)) {
          (valid ??= new Uint8Array(n).fill(1))[i] = 0;
          continue;
        }
        const v = xv[i]!;
        const inside = v >= lv[i]! && v <= hv[i]!;
        values[i] = inside !== negated ? 1 : 0;
      }
      return boolColumn(values, valid);
    }
    for (let i = 0; i < n; i++) {
      const v = getValue(x, i) as number | bigint | null;
      const l = getValue(lo, i) as number | bigint | null;
      let h = getValue(hi, i) as number | bigint | null;
      if (v === null || l === null || h === null) {
        (valid ??= new Uint8Array(n).fill(1))[i] = 0;
        continue;
      }
      if (highIsSpan) h = (l as bigint) + (h as bigint);
      const inside = v >= l && v <= h;
      values[i] = inside !== negated ? 1 : 0;
    }
    return boolColumn(values, valid);
  };
}

function resolve(negated: boolean) {
  return (types: readonly ScalarType[]) => {
    const [t, l, h] = types as [ScalarType, ScalarType, ScalarType];
    const name = negated ? '!between' : 'between';
    if (isNumeric(t) && isNumeric(l) && isNumeric(h))
      return { type: 'bool' as const, fn: { name, kernel: kernel(negated, false) } };
    if (t === 'datetime' && l === 'datetime' && h === 'datetime')
      return { type: 'bool' as const, fn: { name, kernel: kernel(negated, false) } };
    if (t === 'datetime' && l === 'datetime' && h === 'timespan')
      return { type: 'bool' as const, fn: { name, kernel: kernel(negated, true) } };
    if (t === 'timespan' && l === 'timespan' && h === 'timespan')
      return { type: 'bool' as const, fn: { name, kernel: kernel(negated, false) } };
    return `${name} does not apply to ${t} between (${l} .. ${h})`;
  };
}

registerScalar({ name: 'between', minArgs: 3, maxArgs: 3, resolve: resolve(false) });
registerScalar({ name: '!between', minArgs: 3, maxArgs: 3, resolve: resolve(true) });
