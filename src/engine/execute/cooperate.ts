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
