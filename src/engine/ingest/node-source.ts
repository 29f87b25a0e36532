import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileSource } from './byte-source';
import type { CsvPartRequest, CsvSplitter } from './csv-split';
import { workerSplitter, type CsvPartMessage } from './csv-part-workers';
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

/**
 * A file on disk as a `FileSource`: ranges through one open handle (closed by `close`, which
 * `ingestAny` calls; the Arrow file reader gets them too, see `rangedChunks`), chunks through a
 * read stream. Throws (ENOENT, EISDIR...) when it cannot open.
 */
export async function nodeFileSource(path: string, chunkSize = 1 << 20): Promise<FileSource> {
  const handle = await open(path, 'r');
  let size: number;
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw Object.assign(new Error(`${path} is not a file`), { code: 'EISDIR' });
    size = st.size;
  } catch (e) {
    await handle.close();
    throw e;
  }
  let closed = false;
  return {
    size,
    async read(start, end) {
      const want = Math.max(0, Math.min(end, size) - start);
      const buf = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(buf, got, want - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === want ? buf : buf.subarray(0, got);
    },
    chunks: () => nodeFileChunks(path, chunkSize),
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

// parquet-wasm/node is CommonJS; `require` loads it (and its wasm) only when a Parquet file is read.
const require = createRequire(import.meta.url);
registerParquetLoader(async () => require('parquet-wasm/node') as ParquetWasm);

/** `ingestFile` over a file on disk; the report's `file` is the base name. */
export async function ingestPath(path: string, opts: IngestOptions = {}): Promise<IngestResult> {
  return ingestFile(basename(path), await nodeFileSource(path), opts);
}

/** `ingestAny` over a file on disk: every table it holds; reports name the base name. */
export async function ingestAnyPath(path: string, opts: IngestOptions = {}): Promise<IngestResult[]> {
  return ingestAny(basename(path), await nodeFileSource(path), opts);
}

/** What a Node CSV part worker is sent (see `nodeCsvSplitter`). */
export interface NodeCsvPartTask {
  readonly path: string;
  readonly request: CsvPartRequest;
}

/**
 * Reads further parts of a large CSV in worker threads (csv-split.ts), one per core. `entry` is
 * the part worker's module (src/cli/csv-part-worker.ts, bundled as dist-cli/csv-part-worker.js);
 * from source, start it through a module that registers tsx (bench/csv-part-worker-tsx.mjs).
 * A worker that cannot start is a part read here instead, never an error.
 */
export function nodeCsvSplitter(path: string, entry: URL, parts = availableParallelism()): CsvSplitter {
  return workerSplitter(parts, () => {
    const w = new Worker(entry);
    // Do not keep the process alive for a part worker; it is ended after its answer anyway.
    w.unref();
    return {
      send: (request) => w.postMessage({ path, request } satisfies NodeCsvPartTask),
      onMessage: (handler) => w.on('message', (m: CsvPartMessage) => handler(m)),
      onError: (handler) => {
        w.on('error', handler);
        w.on('exit', (code) => handler(new Error(`the CSV part worker exited (${code})`)));
      },
      terminate: () => void w.terminate(),
    };
  });
}
