import { defineConfig } from 'vite';

// Bundles the Node command line (src/cli/main.ts) into dist-cli/main.js; npm dependencies stay external.
export default defineConfig({
  publicDir: false,
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist-cli',
    target: 'node20',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'main.js', format: 'es' } },
  },
});
