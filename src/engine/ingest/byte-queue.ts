/**
 * A push-to-pull bridge: callback decoders (fflate) push byte chunks, a reader consumes them as
 * an `AsyncIterable`. The producer awaits `drained()` before pushing more, so at most one input
 * chunk's worth of decompressed bytes is buffered however large the archive is.
 */
export class ByteQueue implements AsyncIterable<Uint8Array> {
  private items: Uint8Array[] = [];
  private ended = false;
  /** The consumer stopped early (e.g. an unsupported entry): further pushes are dropped. */
  private closed = false;
  private wake: (() => void) | null = null;
  private drainWaiters: (() => void)[] = [];

  push(b: Uint8Array): void {
    if (this.closed || this.ended || b.byteLength === 0) return;
    this.items.push(b);
    this.signal();
  }

  end(): void {
    this.ended = true;
    this.signal();
  }

  get isEnded(): boolean {
    return this.ended || this.closed;
  }

  /** Resolves once the consumer has taken every queued chunk (or stopped). */
  drained(): Promise<void> {
    if (this.items.length === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private signal(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private settleDrain(): void {
    if (this.items.length > 0 && !this.closed) return;
    const ws = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of ws) w();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const next = this.items.shift();
        if (next !== undefined) {
          this.settleDrain();
          yield next;
          continue;
        }
        this.settleDrain();
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.closed = true;
      this.items = [];
      this.settleDrain();
    }
  }
}
