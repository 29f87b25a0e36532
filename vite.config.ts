import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

// A strict Content-Security-Policy for the app: no inline script, no eval, no network but self.
// Vite's dev server injects an inline preamble for React refresh, so dev relaxes script-src for it.
const CSP_BUILD =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// index.html carries the build policy as a <meta> too (defence when served without headers). Both
// policies apply, so dev must relax the meta the same way, or React refresh's preamble is blocked.
const devCspMeta: Plugin = {
  name: 'dcomlens-dev-csp-meta',
  apply: 'serve',
  transformIndexHtml: (html) => html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
};

export default defineConfig({
  plugins: [react(), devCspMeta],
  worker: { format: 'es' },
  server: {
    headers: { 'Content-Security-Policy': CSP_BUILD.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'") },
  },
  preview: { headers: { 'Content-Security-Policy': CSP_BUILD } },
  build: { target: 'es2022', sourcemap: true },
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    environment: 'node',
    env: { TZ: 'UTC' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'threads',
  },
});
