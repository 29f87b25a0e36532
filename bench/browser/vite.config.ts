import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Builds the browser bench page (dcomlens's real engine worker + DuckDB-WASM) into
 * bench/out/browser-dist, so `npm run bench` never touches the app's dist/ that others build.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  worker: { format: 'es' },
  logLevel: 'warn',
  build: {
    target: 'es2022',
    outDir: fileURLToPath(new URL('../out/browser-dist', import.meta.url)),
    emptyOutDir: true,
    // The DuckDB-WASM binaries are large; no warning wanted.
    chunkSizeWarningLimit: 100_000,
  },
});
