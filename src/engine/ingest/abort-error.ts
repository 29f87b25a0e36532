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
