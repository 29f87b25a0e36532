/**
 * A Node CSV part worker (csv-split.ts, `nodeCsvSplitter`): reads one byte range of a large CSV
 * in a worker thread and posts the part's columns back (their buffers moved).
 */
import { parentPort } from 'node:worker_threads';
import { servePart } from '../engine/ingest/csv-split';
import { nodeFileChunks, type NodeCsvPartTask } from '../engine/ingest/node-source';

parentPort?.once('message', (task: NodeCsvPartTask) => {
  const { path, request } = task;
  void servePart(request, nodeFileChunks(path, 4 << 20, request), (m, transfer) =>
    parentPort!.postMessage(m, transfer ?? []),
  );
});
