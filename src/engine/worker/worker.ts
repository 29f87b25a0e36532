/**
 * The worker entry: a thin pipe from `postMessage` to the engine server. Kept tiny so the worker
 * chunk holds only the engine; all behaviour lives in server.ts (tested in-thread).
 */
import type { EngineRequest, EngineResponse } from './protocol';
import { EngineServer } from './server';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<EngineRequest>) => void) | null;
  postMessage(message: EngineResponse): void;
};

const server = new EngineServer((message) => scope.postMessage(message));

scope.onmessage = (e) => {
  void server.handle(e.data);
};
