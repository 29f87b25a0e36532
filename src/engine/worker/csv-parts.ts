/**
 * The engine worker's CSV splitter: each further part of a large dropped CSV is read in a worker
 * of its own (csv-part-worker.ts), as many parts as the device has cores (csv-split.ts).
 *
 * The part worker's script is fetched once, while the engine starts (`preloadCsvPartWorker`,
 * awaited before the engine says it is ready), and part workers are started from a `blob:` URL
 * of it (the CSP's worker-src allows `blob:`): dropping a large CSV later makes no request at all.
 * Until the script is there (or if it could not be read), files are read in one piece.
 */
import partWorkerUrl from './csv-part-worker.ts?worker&url';
import type { CsvSplitter } from '../ingest/csv-split';
import { workerSplitter, type CsvPartMessage } from '../ingest/csv-part-workers';

let partScript: string | null = null;

/** Fetches the part worker's script (one self-contained module) and keeps it as a `blob:` URL. */
export async function preloadCsvPartWorker(): Promise<void> {
  if (partScript !== null) return;
  try {
    const res = await fetch(partWorkerUrl);
    if (!res.ok) return;
    partScript = URL.createObjectURL(new Blob([await res.arrayBuffer()], { type: 'text/javascript' }));
  } catch {
    // No parallel parsing then; every file still loads, in one piece.
  }
}

export function browserCsvSplitter(file: Blob): CsvSplitter {
  const script = partScript;
  const cores = (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency ?? 1;
  return workerSplitter(script === null ? 1 : cores, () => {
    const w = new Worker(script!, { type: 'module', name: 'dcomlens-csv-part' });
    return {
      send: (request) => w.postMessage({ file, request }),
      onMessage: (handler) => {
        w.onmessage = (e: MessageEvent<CsvPartMessage>) => handler(e.data);
      },
      onError: (handler) => {
        w.onerror = (e) => {
          e.preventDefault();
          handler(new Error(e.message || 'the CSV part worker failed'));
        };
        w.onmessageerror = () => handler(new Error('the CSV part worker sent an unreadable message'));
      },
      terminate: () => w.terminate(),
    };
  });
}
