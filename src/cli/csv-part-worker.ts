/**
 * A Node CSV part worker (csv-split.ts, `nodeCsvSplitter`): reads one byte range of a large CSV
 * in a worker thread and posts the part's columns back (their buffers moved). It imports the CSV
 * reader only (not node-source.ts, which brings every format's reader): a thread starts in tens
 * of milliseconds.
 */
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { servePart } from '../engine/ingest/csv-part-workers';
import type { NodeCsvPartTask } from '../engine/ingest/node-source';

async function* range(path: string, start: number, end: number): AsyncGenerator<Uint8Array> {
  if (end <= start) return;
  const stream = createReadStream(path, { start, end: end - 1, highWaterMark: 4 << 20 });
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } finally {
    stream.destroy();
  }
}

parentPort?.once('message', (task: NodeCsvPartTask) => {
  const { path, request } = task;
  void servePart(request, range(path, request.start, request.end), (m, transfer) =>
    parentPort!.postMessage(m, transfer ?? []),
  );
});
