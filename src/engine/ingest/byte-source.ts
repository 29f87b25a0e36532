/**
 * A file the ingest can both stream and read at an offset: Parquet keeps its footer at the end
 * and its columns in separate byte ranges, so it is read by range (only the kept columns of one
 * row group at a time), while every other format streams. The browser's is a `Blob` (`slice`);
 * Node's is a file handle (`nodeFileSource` in node-source.ts); tests use a buffer.
 */
import { abortError, throwIfAborted } from './abort-error';
import type { RandomAccess } from './chunk-sources';

export interface FileSource {
  readonly size: number;
  /** Bytes [start, end) of the file (end clamped to the size). */
  read(start: number, end: number): Promise<Uint8Array>;
  /** The whole file as chunks, from the start. */
  chunks(): AsyncIterable<Uint8Array>;
  /** Releases the handle (called once by `ingestAny` when done). */
  close?(): Promise<void>;
}

export function isFileSource(x: unknown): x is FileSource {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as FileSource).read === 'function' &&
    typeof (x as FileSource).chunks === 'function'
  );
}

/**
 * A `File` / `Blob`: ranges through `slice`, chunks from `chunks`. A range read pending when
 * `signal` aborts rejects at once with an `AbortError` (a stalled read cannot hold a cancel).
 */
export function blobSource(blob: Blob, chunks: () => AsyncIterable<Uint8Array>, signal?: AbortSignal): FileSource {
  return {
    size: blob.size,
    read: async (start, end) => {
      throwIfAborted(signal);
      const bytes = blob.slice(start, Math.min(end, blob.size)).arrayBuffer();
      if (!signal) return new Uint8Array(await bytes);
      let onAbort = (): void => undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(abortError());
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return new Uint8Array(await Promise.race([bytes, aborted]));
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
    chunks,
  };
}

/** An in-memory file (tests, and a Parquet entry of a zip, which cannot be read by range). */
export function bytesSource(bytes: Uint8Array, chunkSize = 1 << 20): FileSource {
  return {
    size: bytes.length,
    read: async (start, end) => bytes.subarray(Math.max(0, start), Math.min(end, bytes.length)),
    async *chunks() {
      const step = Math.max(1, Math.floor(chunkSize));
      for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, Math.min(bytes.length, i + step));
    },
  };
}

/** The source's ranges as the Arrow file reader takes them (`RandomAccess`, chunk-sources.ts). */
export function sourceRandomAccess(source: FileSource): RandomAccess {
  return {
    size: source.size,
    open: () =>
      Promise.resolve({
        read: (offset: number, length: number) => source.read(offset, offset + length),
        close: () => Promise.resolve(),
      }),
  };
}
