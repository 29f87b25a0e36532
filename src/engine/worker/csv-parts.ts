/**
 * The engine worker's CSV splitter: each further part of a large dropped CSV is read in a worker
 * of its own (csv-part-worker.ts), as many parts as the device has cores (csv-split.ts).
 */
import { workerSplitter, type CsvPartMessage, type CsvSplitter } from '../ingest/csv-split';

export function browserCsvSplitter(file: Blob): CsvSplitter {
  const cores = (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency ?? 1;
  return workerSplitter(cores, () => {
    const w = new Worker(new URL('./csv-part-worker.ts', import.meta.url), {
      type: 'module',
      name: 'dcomlens-csv-part',
    });
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
