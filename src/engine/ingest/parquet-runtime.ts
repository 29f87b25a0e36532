/**
 * Where the Parquet decoder (parquet-wasm) comes from. The engine must load in a Web Worker, so
 * it cannot import the Node build (which reads its .wasm with `node:fs`); Node registers that
 * build here (`node-source.ts` does it on import), and otherwise the browser ESM build is
 * fetched and instantiated on first use, so apps that never see a Parquet file never load it.
 */

/** The part of parquet-wasm's API the reader uses (same in its Node and ESM builds). */
export interface ParquetWasm {
  /**
   * The synchronous decoder: corrupt data ends in a thrown error. (The async `ParquetFile`
   * reader traps on corrupt data outside any promise, so the reader does its own range reads.)
   */
  readParquet(
    bytes: Uint8Array,
    options?: { columns?: string[]; batchSize?: number } | null,
  ): {
    intoIPCStream(): Uint8Array;
  };
}

export type ParquetLoader = () => Promise<ParquetWasm>;

let loader: ParquetLoader | null = null;
let loading: Promise<ParquetWasm> | null = null;

/** Installs the runtime's decoder (Node: the synchronous-wasm build). Later calls replace it. */
export function registerParquetLoader(l: ParquetLoader): void {
  loader = l;
  loading = null;
}

/** The decoder, loaded once; rejects when the wasm cannot be loaded (reported as a fatal by the reader). */
export function loadParquet(): Promise<ParquetWasm> {
  if (loading === null) {
    const l = loader ?? (async () => (await import('./parquet-browser')).loadBrowserParquet());
    loading = l();
    // A failed load (e.g. offline dev server) is retried next time rather than cached.
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}
