/**
 * Byte-chunk sources for ingest, browser-safe: a `File` / `Blob` / `ReadableStream` becomes an
 * `AsyncIterable<Uint8Array>` (Safari's ReadableStream is not async-iterable yet, so this reads
 * through `getReader()`). The Node file adapter lives in `node-source.ts`.
 */

/** Chunks of a `ReadableStream`; leaving the loop early cancels the stream. */
export async function* readableStreamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Chunks of a `File` / `Blob` (the drop-a-file path in the browser). */
export function blobChunks(blob: Blob): AsyncGenerator<Uint8Array> {
  return readableStreamChunks(blob.stream() as ReadableStream<Uint8Array>);
}

/** Fixed-size chunks of an in-memory buffer (tests, generated data). */
export async function* bytesChunks(bytes: Uint8Array, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
  const step = Math.max(1, Math.floor(chunkSize));
  for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, Math.min(bytes.length, i + step));
}
