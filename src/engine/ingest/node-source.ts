import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { ingestAny, ingestFile } from './ingest';
import { registerParquetLoader, type ParquetWasm } from './parquet-runtime';
import type { IngestOptions, IngestResult } from './read-csv-table';

/**
 * The only Node-specific file of the ingest layer (the rest must load in a Web Worker): a file
 * path as byte chunks, for the CLI, tests and benchmarks; and the Node build of parquet-wasm
 * (it loads its .wasm synchronously with `fs`), registered on import of this module.
 */
export async function* nodeFileChunks(path: string, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: chunkSize });
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } finally {
    stream.destroy();
  }
}

// parquet-wasm/node is CommonJS; `require` loads it (and its wasm) only when a Parquet file is read.
const require = createRequire(import.meta.url);
registerParquetLoader(async () => require('parquet-wasm/node') as ParquetWasm);

/** `ingestFile` over a file on disk; the report's `file` is the base name. */
export function ingestPath(path: string, opts: IngestOptions = {}): Promise<IngestResult> {
  return ingestFile(basename(path), nodeFileChunks(path), opts);
}

/** `ingestAny` over a file on disk: every table it holds; reports name the base name. */
export function ingestAnyPath(path: string, opts: IngestOptions = {}): Promise<IngestResult[]> {
  return ingestAny(basename(path), nodeFileChunks(path), opts);
}
