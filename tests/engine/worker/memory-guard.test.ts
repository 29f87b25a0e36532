/**
 * Out of memory in the engine server (in-thread): a file whose kept columns would not fit the
 * budget fails before it is read; an allocation failure while reading or detecting becomes one
 * clear message naming the file and how far it got; the partial load is dropped and the files
 * loaded before it still detect the same alerts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineRequest, EngineResponse } from '../../../src/engine/worker/protocol';
import { EngineServer } from '../../../src/engine/worker/server';
import { decodeResponse } from '../../../src/engine/worker/wire';
import {
  estimateKeptBytes,
  formatFamily,
  isAllocationFailure,
  OUT_OF_MEMORY,
} from '../../../src/engine/worker/memory-guard';

const SAMPLES = join(__dirname, '../../../public/samples');
const truthRows = (JSON.parse(readFileSync(join(SAMPLES, 'truth.json'), 'utf8')) as { rows: unknown[] }).rows.length;
const sample = (name: string): Blob => new Blob([readFileSync(join(SAMPLES, name))]);

/** A file whose stream fails with `err` after `okChunks` good chunks of `base`. */
function failingFile(base: Uint8Array<ArrayBuffer>, okChunks: number, err: Error): Blob {
  const chunk = 64 * 1024;
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= okChunks || sent * chunk >= base.length) {
        c.error(err);
        return;
      }
      c.enqueue(base.subarray(sent * chunk, (sent + 1) * chunk));
      sent++;
    },
  });
  // A Blob with a failing stream (what the browser's file read gives when an allocation fails).
  class FailingBlob extends Blob {
    override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
      return stream as ReadableStream<Uint8Array<ArrayBuffer>>;
    }
    // Range reads (the Parquet and Arrow file readers) fail the same way past the good bytes.
    override slice(start = 0, end = base.length): Blob {
      const part = super.slice(start, end);
      if (end <= okChunks * chunk) return part;
      return Object.assign(part, { arrayBuffer: () => Promise.reject(err) });
    }
  }
  return new FailingBlob([base]);
}

function harness(memoryBudget?: number) {
  const posted: EngineResponse[] = [];
  const server = new EngineServer(
    (m) => posted.push(decodeResponse(m)),
    memoryBudget === undefined ? {} : { memoryBudget },
  );
  let nextId = 1;
  const ask = async (make: (id: number) => EngineRequest): Promise<EngineResponse> => {
    const req = make(nextId++);
    await server.handle(req);
    return posted.filter((m) => m.id === req.id && m.kind !== 'progress').at(-1)!;
  };
  const detectCount = async (): Promise<number> => {
    const res = await ask((id) => ({ kind: 'detect', id, allowList: null }));
    if (res.kind !== 'detected') throw new Error(JSON.stringify(res));
    return res.detection.rows.length;
  };
  return { ask, detectCount };
}

describe('allocation failures are recognised', () => {
  it.each([
    [new RangeError('Array buffer allocation failed'), true],
    [new RangeError('Invalid typed array length: 4294967296'), true],
    [new RangeError('Invalid array length'), true],
    [new RangeError('Invalid string length'), true],
    [new Error('WebAssembly.Memory(): could not allocate memory'), true],
    [new RangeError('no alert row 7'), false],
    [new Error('unexpected end of file'), false],
    ['Array buffer allocation failed', false],
  ])('%s → %s', (err, yes) => {
    expect(isAllocationFailure(err)).toBe(yes);
  });

  it('estimates by format from the first bytes', () => {
    const enc = new TextEncoder();
    expect(formatFamily(enc.encode('Timestamp,DeviceId'))).toBe('csv');
    expect(formatFamily(enc.encode('{"Timestamp":1}'))).toBe('json');
    expect(formatFamily(enc.encode('ARROW1\0\0'))).toBe('arrow');
    expect(formatFamily(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 8, 0))).toBe('arrow');
    expect(formatFamily(enc.encode('PAR1'))).toBe('parquet');
    expect(formatFamily(Uint8Array.of(0x1f, 0x8b, 8))).toBe('archive');
    expect(estimateKeptBytes(1000, 'csv')).toBeLessThan(estimateKeptBytes(1000, 'arrow'));
  });
});

describe('out of memory in the engine server', () => {
  it('refuses a file before reading it when its estimate exceeds the budget, keeping the earlier data', async () => {
    const net = sample('DeviceNetworkEvents.csv');
    const proc = sample('DeviceProcessEvents.csv');
    // Room for both samples, not for a third file of 10× their size.
    const h = harness(estimateKeptBytes(net.size + proc.size, 'csv') * 2);
    expect((await h.ask((id) => ({ kind: 'ingest', id, name: 'DeviceNetworkEvents.csv', file: net }))).kind).toBe(
      'ingested',
    );
    expect((await h.ask((id) => ({ kind: 'ingest', id, name: 'DeviceProcessEvents.csv', file: proc }))).kind).toBe(
      'ingested',
    );
    const big = new Blob(Array.from({ length: 10 }, () => readFileSync(join(SAMPLES, 'DeviceProcessEvents.csv'))));
    const res = await h.ask((id) => ({ kind: 'ingest', id, name: 'big-export.csv', file: big }));
    expect(res.kind).toBe('error');
    if (res.kind !== 'error') return;
    expect(res.error.name).toBe(OUT_OF_MEMORY);
    expect(res.error.message).toMatch(/^Not enough memory to load big-export\.csv: its .* would take about .* budget/);
    expect(res.error.message).toMatch(/still loaded/);
    expect(await h.detectCount()).toBe(truthRows);
  });

  it('turns an allocation failure mid-load into a message with the file and its progress; earlier data stays', async () => {
    const h = harness();
    for (const name of ['DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv'])
      expect((await h.ask((id) => ({ kind: 'ingest', id, name, file: sample(name) }))).kind).toBe('ingested');
    const before = await h.detectCount();
    for (const file of ['DeviceProcessEvents.csv', 'DeviceProcessEvents.arrow']) {
      const bytes = new Uint8Array(readFileSync(join(SAMPLES, file)));
      const res = await h.ask((id) => ({
        kind: 'ingest',
        id,
        name: `more-${file}`,
        file: failingFile(bytes, 3, new RangeError('Array buffer allocation failed')),
      }));
      expect(res.kind, file).toBe('error');
      if (res.kind !== 'error') continue;
      expect(res.error.name).toBe(OUT_OF_MEMORY);
      expect(res.error.message).toMatch(
        new RegExp(
          `^Out of memory while loading more-${file.replace('.', '\\.')}: .*Array buffer allocation failed.* after [\\d,]+ rows read, .* of .* \\(\\d+ %\\)\\. Its partial data was dropped\\.`,
        ),
      );
    }
    // The failed loads left nothing behind: the same alerts as before.
    expect(await h.detectCount()).toBe(before);
    expect(before).toBe(truthRows);
  });
});
