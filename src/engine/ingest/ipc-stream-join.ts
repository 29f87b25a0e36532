/**
 * Joins Arrow IPC streams of the same schema (one per Parquet row group) into one stream, lazily:
 * the schema message of the first, the record (and dictionary) batches of each, one end-of-stream
 * marker. A later stream's dictionary batch replaces the earlier dictionary, as the IPC stream
 * format allows. A stream whose schema differs from the first ends the join with an error.
 */

const EOS = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/** The schema message and the messages after it (without the end-of-stream marker). */
export function splitIpcStream(ipc: Uint8Array): { schema: Uint8Array; rest: Uint8Array } {
  const view = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength);
  if (ipc.length < 8) throw new Error('Arrow IPC stream too short');
  // Current streams prefix each message with 0xFFFFFFFF; pre-1.0 ones start with the length.
  const prefixed = view.getUint32(0, true) === 0xffffffff;
  const metaLength = view.getInt32(prefixed ? 4 : 0, true);
  const schemaEnd = (prefixed ? 8 : 4) + metaLength;
  if (metaLength <= 0 || schemaEnd > ipc.length) throw new Error('Arrow IPC stream has no schema message');
  let end = ipc.length;
  if (end - schemaEnd >= 8 && view.getUint32(end - 8, true) === 0xffffffff && view.getUint32(end - 4, true) === 0)
    end -= 8;
  else if (end - schemaEnd >= 4 && view.getUint32(end - 4, true) === 0) end -= 4;
  return { schema: ipc.subarray(0, schemaEnd), rest: ipc.subarray(schemaEnd, end) };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One IPC stream from the streams `parts` yields, pulled one at a time. */
export async function* joinIpcStreams(parts: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let schema: Uint8Array | null = null;
  let n = 0;
  for await (const ipc of parts) {
    n++;
    const s = splitIpcStream(ipc);
    if (schema === null) {
      schema = s.schema.slice();
      yield schema;
    } else if (!same(schema, s.schema)) {
      throw new Error(`part ${n} has a different schema from the first`);
    }
    if (s.rest.length > 0) yield s.rest;
  }
  if (schema !== null) yield EOS;
}
