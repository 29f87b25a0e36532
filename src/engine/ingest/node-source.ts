import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { ingestFile } from './ingest';
import type { IngestOptions, IngestResult } from './read-csv-table';

/**
 * The only Node-specific file of the ingest layer (the rest must load in a Web Worker): a file
 * path as byte chunks, for the CLI, tests and benchmarks.
 */
export async function* nodeFileChunks(path: string, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: chunkSize });
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } finally {
    stream.destroy();
  }
}

/** `ingestFile` over a file on disk; the report's `file` is the base name. */
export function ingestPath(path: string, opts: IngestOptions = {}): Promise<IngestResult> {
  return ingestFile(basename(path), nodeFileChunks(path), opts);
}
