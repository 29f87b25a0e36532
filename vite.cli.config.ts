import { defineConfig } from 'vite';

// Bundles the Node command line (src/cli/main.ts) into dist-cli/main.js, and its CSV part worker
// (src/cli/csv-part-worker.ts, started by csv-parts.ts) beside it; npm dependencies stay external.
export default defineConfig({
  publicDir: false,
  build: {
    ssr: true,
    outDir: 'dist-cli',
    target: 'node20',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      input: { main: 'src/cli/main.ts', 'csv-part-worker': 'src/cli/csv-part-worker.ts' },
      output: { entryFileNames: '[name].js', format: 'es' },
    },
  },
});
