import { Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { splitIpcStream } from './ipc-stream-join';

/**
 * The Arrow schema Parquet writers embed (`ARROW:schema`: a base64 IPC schema message) cut down
 * to some columns, so the decoder keeps its Arrow types (dictionaries, time zones) for a file
 * projected to those columns. Null when it cannot be read: the decoder then types the columns
 * from the Parquet schema alone.
 */
export function pruneArrowSchema(base64: string, keep: ReadonlySet<string>): string | null {
  try {
    const msg = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const eos = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    const stream = new Uint8Array(msg.length + eos.length);
    stream.set(msg);
    stream.set(eos, msg.length);
    const schema = tableFromIPC(stream).schema;
    const pruned = new Schema(
      schema.fields.filter((f) => keep.has(f.name)),
      schema.metadata,
    );
    const { schema: out } = splitIpcStream(tableToIPC(new Table(pruned), 'stream'));
    let bin = '';
    for (const b of out) bin += String.fromCharCode(b);
    return btoa(bin);
  } catch {
    return null;
  }
}
