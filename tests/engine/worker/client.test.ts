/**
 * The client over the in-thread transport (Node has no module workers, which is exactly the
 * fallback path): promises, progress callbacks, cancellation and errors as the UI sees them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createEngineClient,
  EngineRequestError,
  isAbortError,
  type IngestProgress,
} from '../../../src/engine/worker/client';

const SAMPLES = process.env.DCOMLENS_SAMPLES_DIR ?? join(__dirname, '../../../public/samples');
const truthRows = (JSON.parse(readFileSync(join(SAMPLES, 'truth.json'), 'utf8')) as { rows: unknown[] }).rows.length;
const blob = (name: string) => new Blob([readFileSync(join(SAMPLES, name))]);

describe('EngineClient (main-thread fallback)', () => {
  it('runs in-thread when module workers are unavailable', async () => {
    const client = createEngineClient();
    expect(await client.mode).toBe('main-thread');
    client.dispose();
  });

  it('ingests with progress, detects and exports', async () => {
    const client = createEngineClient({ preferWorker: false });
    const progress: IngestProgress[] = [];
    const net = await client.ingest(blob('DeviceNetworkEvents.csv'), 'DeviceNetworkEvents.csv', {
      onProgress: (p) => progress.push(p),
    });
    expect(net.report.recognised).toBe('DeviceNetworkEvents');
    expect(progress.at(-1)).toMatchObject({ bytes: net.report.bytes, totalBytes: net.report.bytes });
    const proc = await client.ingest(blob('DeviceProcessEvents.csv'), 'DeviceProcessEvents.csv');
    expect(proc.tables.map((t) => t.name).sort()).toEqual(['DeviceNetworkEvents', 'DeviceProcessEvents']);
    const rule = await client.describeRule();
    const d = await client.detect(rule.allowList);
    expect(d.rows).toHaveLength(truthRows);
    const csv = await client.exportCsv();
    expect(csv.rows).toBe(truthRows);
    expect(csv.text.split('\r\n').filter((l) => l !== '')).toHaveLength(truthRows + 1);
    client.dispose();
  });

  it('rejects with an AbortError when the signal aborts', async () => {
    const client = createEngineClient({ preferWorker: false });
    const ctl = new AbortController();
    const pending = client.ingest(blob('DeviceProcessEvents.csv'), 'DeviceProcessEvents.csv', {
      signal: ctl.signal,
      onProgress: () => ctl.abort(),
    });
    const err = await pending.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isAbortError(err)).toBe(true);
    ctl.abort();
    await expect(client.detect(null, { signal: ctl.signal })).rejects.toMatchObject({ name: 'AbortError' });
    client.dispose();
  });

  it('re-creates engine errors with their name', async () => {
    const client = createEngineClient({ preferWorker: false });
    const err = await client.detect(null).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EngineRequestError);
    expect((err as Error).name).toBe('MissingTable');
    client.dispose();
  });
});
