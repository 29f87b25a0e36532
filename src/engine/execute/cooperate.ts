/**
 * Cooperative scheduling for long engine work in the worker: a checkpoint that throws an
 * `AbortError` once the request's signal aborts and yields to the event loop (a macrotask, so
 * messages such as a cancel or a newer request get handled) when enough time has passed since the
 * last yield. The executor and explain mode share it.
 */

export class AbortError extends Error {
  constructor() {
    super('the run was cancelled');
    this.name = 'AbortError';
  }
}

/**
 * Yields one macrotask. Browsers clamp nested `setTimeout(0)` to 4 ms (a long run's yields are
 * nested), so there a `MessageChannel` message is the turn: not clamped, and queued behind the
 * messages already waiting (a cancel, a newer request). Node has `setImmediate` (a port would keep
 * its process alive).
 */
export const yieldNow: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise((resolve) => setImmediate(resolve))
    : typeof MessageChannel === 'function'
      ? channelYield()
      : () => new Promise((resolve) => setTimeout(resolve, 0));

function channelYield(): () => Promise<void> {
  const channel = new MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(null);
    });
}

/**
 * Foreground and background work in one thread: while any foreground task runs (the engine's
 * answer to a detect, an opened alert, ...), background work (explain mode) parks at its next
 * checkpoint and resumes only once none is left, so it cannot delay a foreground reply by more
 * than the slice it was in when the request came.
 */
export class Foreground {
  private running = 0;
  private waiting: (() => void)[] = [];

  get busy(): boolean {
    return this.running > 0;
  }

  /** Runs `task` as foreground work (counted from this call, before its first await). */
  async run<T>(task: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await task();
    } finally {
      if (--this.running === 0) {
        const wake = this.waiting;
        this.waiting = [];
        for (const w of wake) w();
      }
    }
  }

  /** Settles once no foreground task runs (at once if none does). */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/** Yield at most this often (ms): browsers clamp nested setTimeout(0) to 4 ms, which would dominate small runs. */
export const YIELD_INTERVAL_MS = 8;

export class Cooperator {
  /** Times this cooperator yielded to the event loop. */
  yields = 0;
  private lastYield = performance.now();

  /** Times this cooperator parked because foreground work was running (background work only). */
  parks = 0;

  /** `foreground`: given for background work, which parks at checkpoints while foreground work runs. */
  constructor(
    readonly signal?: AbortSignal,
    private readonly intervalMs = YIELD_INTERVAL_MS,
    private readonly foreground?: Foreground,
  ) {}

  /**
   * True when `checkpoint()` would do something (throw, yield or park): loops whose iterations
   * cost microseconds or more test this each time and await the checkpoint only then, so no
   * stretch between yields is longer than one iteration past the interval.
   */
  due(): boolean {
    return (
      this.signal?.aborted === true ||
      this.foreground?.busy === true ||
      performance.now() - this.lastYield >= this.intervalMs
    );
  }

  /** Throws when aborted; yields when the last yield is `intervalMs` old; parks behind foreground work. */
  async checkpoint(): Promise<void> {
    if (this.signal?.aborted) throw new AbortError();
    if (this.foreground?.busy) return this.park();
    if (performance.now() - this.lastYield < this.intervalMs) return;
    await yieldNow();
    this.yields++;
    this.lastYield = performance.now();
    if (this.signal?.aborted) throw new AbortError();
    // A request that came in during the yield may be foreground work: it goes first.
    if (this.foreground?.busy) return this.park();
  }

  private async park(): Promise<void> {
    while (this.foreground?.busy) {
      this.parks++;
      await this.foreground.idle();
    }
    this.yields++;
    this.lastYield = performance.now();
    if (this.signal?.aborted) throw new AbortError();
  }
}

/**
 * A stable sort that checkpoints as it goes: runs of `run` elements sorted by Array#sort, then
 * bottom-up merges. Same order as a stable `Array#sort` with `cmp` (both are stable).
 */
export async function sortCooperative<T>(
  items: T[],
  cmp: (a: T, b: T) => number,
  coop: Cooperator,
  run = 1024,
): Promise<T[]> {
  const n = items.length;
  let src: T[] = [];
  for (let start = 0; start < n; start += run) {
    if (coop.due()) await coop.checkpoint();
    const part = items.slice(start, Math.min(n, start + run)).sort(cmp);
    for (const x of part) src.push(x);
  }
  let dst = new Array<T>(n);
  for (let width = run; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if ((k & 1023) === 0 && coop.due()) await coop.checkpoint();
        // Ties take the left run first: stable.
        dst[k++] = cmp(src[j]!, src[i]!) < 0 ? src[j++]! : src[i++]!;
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
    }
    [src, dst] = [dst, src];
  }
  return src;
}
