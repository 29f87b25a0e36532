/**
 * The cooperative helpers: a checkpoint throws AbortError once the signal aborts and yields only
 * when its interval has passed; the cooperative sort gives exactly a stable Array#sort's order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cooperator, sortCooperative } from '../../../src/engine/execute/cooperate';

describe('Cooperator', () => {
  it('throws AbortError at the first checkpoint after the abort', async () => {
    const ctl = new AbortController();
    const coop = new Cooperator(ctl.signal, 0);
    await coop.checkpoint();
    expect(coop.yields).toBe(1);
    ctl.abort();
    await expect(coop.checkpoint()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('does not yield before its interval has passed', async () => {
    const coop = new Cooperator(undefined, 60_000);
    for (let i = 0; i < 100; i++) await coop.checkpoint();
    expect(coop.yields).toBe(0);
  });
});

describe('sortCooperative', () => {
  it('orders like a stable Array#sort, ties included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer()), { maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        async (xs, run) => {
          const cmp = (a: readonly [number, number], b: readonly [number, number]): number => a[0] - b[0];
          const want = [...xs].sort(cmp);
          const got = await sortCooperative([...xs], cmp, new Cooperator(undefined, 0), run);
          expect(got).toEqual(want);
          // Stable: equal keys keep their input order (compare identities).
          expect(got.every((x, i) => x === want[i])).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stops with AbortError when aborted mid-sort', async () => {
    const ctl = new AbortController();
    const coop = new Cooperator(ctl.signal, 0);
    const xs = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000);
    const p = sortCooperative(xs, (a, b) => a - b, coop, 64);
    ctl.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });
});
