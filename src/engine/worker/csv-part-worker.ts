/**
 * A CSV part worker (csv-split.ts): started by the engine worker for one part of a large CSV the
 * analyst dropped. It gets the `File` (a reference, not a copy) and the part's byte range, reads
 * that range by `Blob.slice`, and posts the part's columns back (their buffers moved). One part
 * per worker; the engine worker ends it after the answer.
 */
import { prefetchedRange, type CsvPartRequest } from '../ingest/csv-split';
import { servePart, type CsvPartMessage } from '../ingest/csv-part-workers';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<{ file: Blob; request: CsvPartRequest }>) => void) | null;
  postMessage(message: CsvPartMessage, transfer: Transferable[]): void;
};

function range(file: Blob, start: number, end: number): AsyncGenerator<Uint8Array> {
  return prefetchedRange(async (a, b) => new Uint8Array(await file.slice(a, b).arrayBuffer()), start, end);
}

scope.onmessage = (e) => {
  const { file, request } = e.data;
  void servePart(request, range(file, request.start, request.end), (m, transfer) =>
    scope.postMessage(m, transfer ?? []),
  );
};
