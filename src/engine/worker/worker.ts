/**
 * The worker entry: a thin pipe from `postMessage` to the engine server. Kept tiny so the worker
 * chunk holds only the engine; all behaviour lives in server.ts (tested in-thread). The one thing
 * done here is the liveness lock: on `hello` the worker takes the Web Lock the page named and
 * holds it until it dies, which is how the page learns of a death that fires no `error` event.
 */
import { PROTOCOL_VERSION, type EngineRequest } from './protocol';
import { browserCsvSplitter, preloadCsvPartWorker } from './csv-parts';
import { EngineServer } from './server';
import { postWithTransfer } from './wire';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<EngineRequest>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
  navigator?: { locks?: LockManager };
};

// Bulky answers carry Arrow IPC bytes: their buffers are transferred (moved), never copied.
// Large CSVs are read in parts by further workers, one per core (csv-parts.ts).
const server = new EngineServer((message) => postWithTransfer(scope, message), { csvSplitter: browserCsvSplitter });

/** Takes `name` and never gives it back (the browser releases it when this worker goes); false if not possible. */
async function holdLock(name: string): Promise<boolean> {
  const locks = scope.navigator?.locks;
  if (!locks) return false;
  try {
    return await new Promise<boolean>((granted, failed) => {
      locks
        .request(name, { mode: 'exclusive' }, () => {
          granted(true);
          return new Promise<never>(() => undefined);
        })
        .catch(failed);
    });
  } catch {
    return false;
  }
}

scope.onmessage = (e) => {
  const req = e.data;
  if (req.kind === 'hello') {
    // The CSV part worker's script is fetched now, while the page loads, never after (csv-parts.ts).
    void Promise.all([req.lock ? holdLock(req.lock) : Promise.resolve(false), preloadCsvPartWorker()]).then(
      ([locked]) => scope.postMessage({ kind: 'ready', id: req.id, version: PROTOCOL_VERSION, locked }, []),
    );
    return;
  }
  void server.handle(req);
};
