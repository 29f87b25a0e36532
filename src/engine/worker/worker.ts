/**
 * The worker entry: a thin pipe from `postMessage` to the engine server. Kept tiny so the worker
 * chunk holds only the engine; all behaviour lives in server.ts (tested in-thread).
 */
import type { EngineRequest } from './protocol';
import { EngineServer } from './server';
import { postWithTransfer } from './wire';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<EngineRequest>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

// Bulky answers carry Arrow IPC bytes: their buffers are transferred (moved), never copied.
const server = new EngineServer((message) => postWithTransfer(scope, message));

scope.onmessage = (e) => {
  void server.handle(e.data);
};
