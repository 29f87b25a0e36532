/** Cancellation for ingest: the one error the readers throw. */

/** An `AbortError`-named error (a DOMException where available, as `fetch` throws). */
export function abortError(): Error {
  if (typeof DOMException === 'function') return new DOMException('ingest aborted', 'AbortError');
  const e = new Error('ingest aborted');
  e.name = 'AbortError';
  return e;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}

/**
 * True for an allocation failure of the JS engine (typed arrays, arrays, strings, wasm memory):
 * like an abort, it must reach the caller (which reports it as out of memory and frees the partial
 * load), never be folded into a reader's "unreadable after record N" warning.
 */
export function isAllocationFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'OutOfMemory') return true;
  return /allocation failed|out of memory|could not allocate|Invalid (typed )?array length|Invalid string length|Array buffer allocation/i.test(
    err.message,
  );
}
