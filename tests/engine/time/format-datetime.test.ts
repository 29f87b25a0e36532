/**
 * `formatDateTime` formats through numbers where whole seconds fit a double: it must give exactly
 * what the all-bigint reference gives for every tick (year 1 to 9999, day and second edges, the
 * largest fraction), and read back to the same tick.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  civilFromDays,
  formatDateTime,
  MAX_DATETIME_TICKS,
  parseIsoDateTime,
  TICKS_PER_DAY,
  TICKS_PER_SECOND,
} from '../../../src/engine/time/ticks';

/** The reference: every step in bigint (the algorithm before the number path). */
function reference(ticks: bigint): string {
  const q = ticks / TICKS_PER_DAY;
  const days = ticks % TICKS_PER_DAY !== 0n && ticks < 0n ? q - 1n : q;
  const inDay = ticks - days * TICKS_PER_DAY;
  const { year, month, day } = civilFromDays(Number(days));
  const secOfDay = Number(inDay / TICKS_PER_SECOND);
  const frac = Number(inDay % TICKS_PER_SECOND);
  const p = (n: number, w: number): string => String(n).padStart(w, '0');
  const h = Math.floor(secOfDay / 3600);
  const mi = Math.floor((secOfDay % 3600) / 60);
  return `${p(year, 4)}-${p(month, 2)}-${p(day, 2)}T${p(h, 2)}:${p(mi, 2)}:${p(secOfDay % 60, 2)}.${p(frac, 7)}Z`;
}

describe('formatDateTime', () => {
  it('equals the all-bigint reference and parses back, over the whole datetime range (property)', () => {
    const edges = fc.constantFrom(
      0n,
      1n,
      TICKS_PER_SECOND - 1n,
      TICKS_PER_DAY - 1n,
      TICKS_PER_DAY,
      638_500_000_000_000_000n,
      MAX_DATETIME_TICKS,
    );
    fc.assert(
      fc.property(fc.oneof(edges, fc.bigInt({ min: 0n, max: MAX_DATETIME_TICKS })), (t) => {
        const text = formatDateTime(t);
        expect(text).toBe(reference(t));
        expect(parseIsoDateTime(text)).toBe(t);
      }),
      { numRuns: 2000 },
    );
  });

  it('still formats ticks outside the number path (negative) as the reference does', () => {
    for (const t of [-1n, -TICKS_PER_DAY, -TICKS_PER_DAY - 1n]) expect(formatDateTime(t)).toBe(reference(t));
  });
});
