/**
 * CSV part workers (csv-split.ts) as threads: what a part worker posts, how the reading thread
 * drives one (`workerSplitter`, over a Web Worker or a Node worker thread given as a `CsvPartPort`),
 * and what a part worker runs for a request (`servePart`).
 */
import { readCsvPart, type CsvPartRequest, type CsvPartResult, type CsvSplitter } from './csv-split';

/** Messages from a part worker. */
export type CsvPartMessage =
  | { readonly kind: 'progress'; readonly bytes: number; readonly rows: number }
  | { readonly kind: 'done'; readonly result: CsvPartResult }
  | { readonly kind: 'error'; readonly message: string };

/** A started part worker, as `workerSplitter` drives it (a Web Worker or a Node worker thread). */
export interface CsvPartPort {
  send(request: CsvPartRequest): void;
  onMessage(handler: (m: CsvPartMessage) => void): void;
  /** The worker could not start or crashed. */
  onError(handler: (e: unknown) => void): void;
  terminate(): void;
}

/** The buffers a part's columns hold: moved, not copied, to the reading thread. */
export function partTransferables(result: CsvPartResult): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView | null): void => {
    if (a !== null && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  };
  for (const c of result.columns) {
    if (c.type === 'string') add(c.codes);
    else if (c.type !== 'dynamic') {
      add(c.values);
      add(c.valid);
    }
  }
  return [...out];
}

/** What a part worker does with one request: read its range and post the result (columns moved). */
export async function servePart(
  request: CsvPartRequest,
  chunks: AsyncIterable<Uint8Array>,
  post: (m: CsvPartMessage, transfer?: ArrayBuffer[]) => void,
): Promise<void> {
  try {
    let last = 0;
    const result = await readCsvPart(chunks, request, (bytes, rows) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      post({ kind: 'progress', bytes, rows });
    });
    post({ kind: 'done', result }, partTransferables(result));
  } catch (e) {
    post({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

/** A splitter that reads each part in a worker of its own, started by `spawn` and ended after. */
export function workerSplitter(parts: number, spawn: () => CsvPartPort): CsvSplitter {
  return {
    parts: Math.max(1, Math.min(8, Math.floor(parts))),
    run: (request, onProgress, signal) =>
      new Promise<CsvPartResult>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const port = spawn();
        const end = (): void => {
          signal?.removeEventListener('abort', onAbort);
          port.terminate();
        };
        const onAbort = (): void => {
          end();
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        port.onMessage((m) => {
          if (m.kind === 'progress') onProgress(m.bytes, m.rows);
          else if (m.kind === 'done') {
            end();
            resolve(m.result);
          } else {
            end();
            reject(new Error(m.message));
          }
        });
        port.onError((e) => {
          end();
          reject(e instanceof Error ? e : new Error(String(e)));
        });
        port.send(request);
      }),
  };
}
