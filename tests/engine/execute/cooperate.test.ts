/**
 * The cooperative helpers: a checkpoint throws AbortError once the signal aborts and yields only
 * when its interval has passed; the cooperative sort gives exactly a stable Array#sort's order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cooperator, Foreground, sortCooperative, yieldNow } from '../../../src/engine/execute/cooperate';

describe('Cooperator', () => {
  it('throws AbortError at the first checkpoint after the abort', async () => {
    const ctl = new AbortController();
    const coop = new Cooperator(ctl.signal, 0);
    await coop.checkpoint();
    expect(coop.yields).toBe(1);
    ctl.abort();
    await expect(coop.checkpoint()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('is due exactly when a checkpoint would act: interval passed, aborted, or foreground work running', async () => {
    const ctl = new AbortController();
    const fg = new Foreground();
    const coop = new Cooperator(ctl.signal, 60_000, fg);
    expect(coop.due()).toBe(false);
    let release!: () => void;
    const running = fg.run(() => new Promise<void>((r) => (release = r)));
    expect(coop.due()).toBe(true);
    release();
    await running;
    expect(coop.due()).toBe(false);
    ctl.abort();
    expect(coop.due()).toBe(true);
    expect(new Cooperator(undefined, 0).due()).toBe(true);
  });

  it('does not yield before its interval has passed', async () => {
    const coop = new Cooperator(undefined, 60_000);
    for (let i = 0; i < 100; i++) await coop.checkpoint();
    expect(coop.yields).toBe(0);
  });
});

describe('Foreground', () => {
  it('parks background checkpoints while foreground work runs, and resumes them after it', async () => {
    const fg = new Foreground();
    const bg = new Cooperator(undefined, 0, fg);
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const foreground = fg.run(async () => {
      log.push('fg start');
      await gate;
      log.push('fg end');
    });
    expect(fg.busy).toBe(true);
    const background = (async () => {
      for (let i = 0; i < 3; i++) {
        await bg.checkpoint();
        log.push(`bg ${i}`);
      }
    })();
    // However many turns pass, the background makes no progress while the foreground runs.
    for (let i = 0; i < 10; i++) await yieldNow();
    expect(log).toEqual(['fg start']);
    release();
    await Promise.all([foreground, background]);
    expect(fg.busy).toBe(false);
    expect(log).toEqual(['fg start', 'fg end', 'bg 0', 'bg 1', 'bg 2']);
    expect(bg.parks).toBe(1);
  });

  it('a background run aborted while parked throws AbortError once it wakes', async () => {
    const fg = new Foreground();
    const ctl = new AbortController();
    const bg = new Cooperator(ctl.signal, 0, fg);
    let release!: () => void;
    const foreground = fg.run(() => new Promise<void>((r) => (release = r)));
    const parked = bg.checkpoint();
    ctl.abort();
    release();
    await foreground;
    await expect(parked).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('counts nested foreground work: idle only when the last one ends', async () => {
    const fg = new Foreground();
    let a!: () => void;
    let b!: () => void;
    const one = fg.run(() => new Promise<void>((r) => (a = r)));
    const two = fg.run(() => new Promise<void>((r) => (b = r)));
    let idle = false;
    void fg.idle().then(() => (idle = true));
    a();
    await one;
    await yieldNow();
    expect(idle).toBe(false);
    b();
    await two;
    await yieldNow();
    expect(idle).toBe(true);
  });

  it('a foreground task that throws still releases the background', async () => {
    const fg = new Foreground();
    await expect(fg.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(fg.busy).toBe(false);
    await fg.idle();
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
