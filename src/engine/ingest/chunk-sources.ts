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

/** Chunks of a `File` / `Blob` (ranges come from `blobSource`, byte-source.ts). */
export function blobChunks(blob: Blob): AsyncGenerator<Uint8Array> {
  return readableStreamChunks(blob.stream() as ReadableStream<Uint8Array>);
}

/**
 * Byte-range access to the same bytes a chunk stream delivers, for formats that are read from the
 * end or in parts (the Arrow IPC file format: footer, then only the kept columns' buffers). A
 * source offers it by carrying a `RandomAccess` (see `withRandomAccess`); readers that find none
 * stream the chunks as before. Files (`FileSource`: a Blob, a file on disk) give theirs through
 * `rangedChunks` in ingest.ts.
 */
export interface RandomAccess {
  readonly size: number;
  open(): Promise<RangeReader>;
}

export interface RangeReader {
  /**
   * Exactly `length` bytes from `offset` (fewer only at the end of the file), in a fresh, 8-aligned
   * buffer or a view. A result that starts its ArrayBuffer and spans (almost) all of it must be
   * fresh and not kept by the reader: the Arrow file reader may take it over as a column or
   * convert it in place. Views of a larger buffer are only read.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

const RANDOM_ACCESS = Symbol.for('dcomlens.randomAccess');

/** Attaches byte-range access to a chunk stream (returns the same object). */
export function withRandomAccess<T extends AsyncIterable<Uint8Array>>(chunks: T, access: RandomAccess): T {
  Object.defineProperty(chunks, RANDOM_ACCESS, { value: access, enumerable: false });
  return chunks;
}

/** The byte-range access a chunk stream carries, if any. */
export function randomAccessOf(chunks: AsyncIterable<Uint8Array>): RandomAccess | undefined {
  return (chunks as { [RANDOM_ACCESS]?: RandomAccess })[RANDOM_ACCESS];
}

/** Ranges of an in-memory buffer, as views (no copy). */
export function bytesRandomAccess(bytes: Uint8Array): RandomAccess {
  return {
    size: bytes.length,
    open: () =>
      Promise.resolve({
        read: (offset: number, length: number) =>
          Promise.resolve(bytes.subarray(Math.min(offset, bytes.length), Math.min(bytes.length, offset + length))),
        close: () => Promise.resolve(),
      }),
  };
}

/** Fixed-size chunks of an in-memory buffer (tests, generated data). */
export async function* bytesChunks(bytes: Uint8Array, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
  const step = Math.max(1, Math.floor(chunkSize));
  for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, Math.min(bytes.length, i + step));
}
