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

export const yieldNow = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Yield at most this often (ms): browsers clamp nested setTimeout(0) to 4 ms, which would dominate small runs. */
export const YIELD_INTERVAL_MS = 8;

export class Cooperator {
  /** Times this cooperator yielded to the event loop. */
  yields = 0;
  private lastYield = performance.now();

  constructor(
    readonly signal?: AbortSignal,
    private readonly intervalMs = YIELD_INTERVAL_MS,
  ) {}

  /** Throws when aborted; yields when the last yield is `intervalMs` old. */
  async checkpoint(): Promise<void> {
    if (this.signal?.aborted) throw new AbortError();
    if (performance.now() - this.lastYield < this.intervalMs) return;
    await yieldNow();
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
  run = 4096,
): Promise<T[]> {
  const n = items.length;
  let src: T[] = [];
  for (let start = 0; start < n; start += run) {
    await coop.checkpoint();
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
        if ((k & 8191) === 0) await coop.checkpoint();
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
