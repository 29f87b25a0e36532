import init, * as parquet from 'parquet-wasm/esm';
import wasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';
import type { ParquetWasm } from './parquet-runtime';

/**
 * The browser / worker build of parquet-wasm, instantiated from the .wasm URL Vite emits
 * (the CSP allows 'wasm-unsafe-eval' for exactly this). Loaded lazily by `parquet-runtime.ts`.
 */
export async function loadBrowserParquet(): Promise<ParquetWasm> {
  await init({ module_or_path: wasmUrl });
  return parquet;
}
