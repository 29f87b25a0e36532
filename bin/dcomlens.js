#!/usr/bin/env node
// Entry for `npx dcomlens`: runs the bundled CLI (build it first with `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist-cli', 'main.js');
if (!existsSync(entry)) {
  console.error('dcomlens: the CLI is not built yet; run `npm run build` first.');
  process.exit(2);
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
