import { nodeCsvSplitter } from '../engine/ingest/node-source';
import type { CsvSplitter } from '../engine/ingest/csv-split';

/**
 * The CSV part worker's module next to this one: the `.ts` source when run from source (tsx),
 * `csv-part-worker.js` beside the bundle (dist-cli/, see vite.cli.config.ts) otherwise.
 */
export function csvPartWorkerUrl(): URL {
  const self = import.meta.url;
  return new URL(self.endsWith('.ts') ? './csv-part-worker.ts' : './csv-part-worker.js', self);
}

/** Reads a large CSV at `path` in up to `threads` parts at once. */
export function cliCsvSplitter(path: string, threads: number): CsvSplitter {
  return nodeCsvSplitter(path, csvPartWorkerUrl(), threads);
}
