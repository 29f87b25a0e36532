import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesSource, ingestFile, type FileSource } from '../../../src/engine/ingest/ingest';
import {
  inThreadSplitter,
  readCsvPart,
  type CsvPartResult,
  type CsvSplitter,
} from '../../../src/engine/ingest/csv-split';
import type { IngestOptions, IngestResult } from '../../../src/engine/ingest/read-csv-table';
import { shape, utf8 } from './csv-harness';

/**
 * Parallel CSV parsing (csv-split.ts) must give exactly the sequential read: same rows in the same
 * order, same dictionaries' contents, same report (rejects with their lines and positions,
 * warnings, counts), wherever the cuts fall (inside quoted fields, CRLF pairs, blank lines,
 * multi-byte text, bad rows) and whatever the part readers return (clean, unclean, failing, late).
 */

const HEADER = 'Timestamp,DeviceId,ProcessId,FileName,ProcessCommandLine';

const OPTS: IngestOptions = { columns: ['Timestamp', 'DeviceId', 'ProcessId', 'FileName', 'ProcessCommandLine'] };

async function sequential(bytes: Uint8Array, opts: IngestOptions = OPTS): Promise<IngestResult> {
  return ingestFile('export.csv', bytesSource(bytes, 4096), opts);
}

async function split(bytes: Uint8Array, splitter: CsvSplitter, opts: IngestOptions = OPTS): Promise<IngestResult> {
  return ingestFile('export.csv', bytesSource(bytes, 4096), { ...opts, csvSplitter: splitter });
}

/** A field that may hold quotes, delimiters, line breaks and non-ASCII text. */
const text = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-zA-Z0-9 .\\:-]{0,12}$/) },
  { weight: 1, arbitrary: fc.constantFrom('"a,b"', '"x\ny"', '"q""uote"', '"line\r\nbreak"', '"é€😀"', '""') },
  { weight: 1, arbitrary: fc.constantFrom('naïve', 'ümlaut', '日本', '\u{1F600}') },
);

const goodRow = fc
  .tuple(
    fc.integer({ min: 0, max: 59 }),
    fc.constantFrom('dev-a', 'dev-b', '"dev,c"'),
    fc.integer({ min: 0, max: 70000 }),
    text,
    text,
  )
  .map(([s, dev, pid, f, cmd]) => `2024-05-01T08:00:${String(s).padStart(2, '0')}Z,${dev},${pid},${f},${cmd}`);

const badRow = fc.constantFrom(
  '2024-05-01T08:00:00Z,dev-a,notanumber,x.exe,cmd',
  '2024-05-01T08:00:00Z,dev-a,1,x.exe',
  '2024-05-01T08:00:00Z,dev-a,1,x"y.exe,cmd',
  'yesterday,dev-a,1,x.exe,cmd',
  '2024-05-01T08:00:00Z,dev-a,1,"x"y,cmd',
);

const doc = fc
  .record({
    rows: fc.array(
      fc.oneof(
        { weight: 12, arbitrary: goodRow },
        { weight: 1, arbitrary: badRow },
        { weight: 1, arbitrary: fc.constant('') },
      ),
      { minLength: 0, maxLength: 120 },
    ),
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
    invalidUtf8At: fc.option(fc.nat(), { nil: undefined }),
  })
  .map(({ rows, crlf, finalNewline, invalidUtf8At }) => {
    const nl = crlf ? '\r\n' : '\n';
    const body = [HEADER, ...rows].join(nl) + (finalNewline ? nl : '');
    const bytes = utf8(body);
    if (invalidUtf8At === undefined || bytes.length === 0) return bytes;
    // A lone continuation byte somewhere: the text path takes over from there.
    const out = new Uint8Array(bytes.length + 1);
    const at = invalidUtf8At % bytes.length;
    out.set(bytes.subarray(0, at));
    out[at] = 0x80;
    out.set(bytes.subarray(at), at + 1);
    return out;
  });

describe('csv-split: parallel parts equal the sequential read', () => {
  it('any document, any number of parts, parts read in this thread', async () => {
    await fc.assert(
      fc.asyncProperty(
        doc,
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 16, max: 400 }),
        async (bytes, parts, minPart) => {
          const want = shape(await sequential(bytes));
          const source = bytesSource(bytes, 4096);
          expect(shape(await split(bytes, inThreadSplitter(source, parts, minPart)))).toEqual(want);
        },
      ),
      { numRuns: 300, seed: 20261128 },
    );
  });

  it('part readers that fail, return unclean parts, or answer late change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        doc,
        fc.integer({ min: 2, max: 5 }),
        fc.array(fc.constantFrom('ok', 'fail', 'unclean', 'late'), { minLength: 5, maxLength: 5 }),
        async (bytes, parts, behaviour) => {
          const want = shape(await sequential(bytes));
          const source = bytesSource(bytes, 4096);
          const inner = inThreadSplitter(source, parts, 32);
          let call = 0;
          const splitter: CsvSplitter = {
            parts,
            minPartBytes: 32,
            async run(req, onProgress, signal): Promise<CsvPartResult> {
              const b = behaviour[call++ % behaviour.length];
              if (b === 'fail') throw new Error('worker died');
              const r = await inner.run(req, onProgress, signal);
              if (b === 'late') await new Promise((ok) => setTimeout(ok, 5));
              return b === 'unclean' ? { ...r, clean: false, why: 'test' } : r;
            },
          };
          expect(shape(await split(bytes, splitter))).toEqual(want);
        },
      ),
      { numRuns: 120, seed: 7 },
    );
  });

  it('cuts inside a quoted field that spans many lines are found out and read here', async () => {
    const long = '"' + Array.from({ length: 400 }, (_, i) => `line ${i}`).join('\n') + '"';
    const rows = Array.from({ length: 50 }, (_, i) => `2024-05-01T08:00:00Z,dev-a,${i},a.exe,${i === 10 ? long : 'x'}`);
    const bytes = utf8([HEADER, ...rows].join('\n') + '\n');
    const source = bytesSource(bytes);
    const seen: (boolean | string)[] = [];
    const inner = inThreadSplitter(source, 4, 64);
    const splitter: CsvSplitter = {
      ...inner,
      run: async (req, p, s) => {
        const r = await inner.run(req, p, s);
        seen.push(r.clean || (r.why ?? ''));
        return r;
      },
    };
    const got = await split(bytes, splitter);
    expect(shape(got)).toEqual(shape(await sequential(bytes)));
    expect(got.table.rowCount).toBe(50);
    // The cuts fell inside the long field: those parts began mid-field and were not clean.
    expect(seen.some((x) => x !== true)).toBe(true);
  });

  it('takes clean parts: the rows come from the part readers, the report is the sequential one', async () => {
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `2024-05-01T08:00:${String(i % 60).padStart(2, '0')}Z,dev-${i % 7},${i},f${i % 13}.exe,"cmd ""${i}"""`,
    );
    const bytes = utf8([HEADER, ...rows].join('\r\n'));
    const source = bytesSource(bytes);
    let taken = 0;
    const inner = inThreadSplitter(source, 4, 1024);
    const splitter: CsvSplitter = {
      ...inner,
      run: async (req, p, s) => {
        const r = await inner.run(req, p, s);
        if (r.clean) taken += r.rows;
        return r;
      },
    };
    const progress: number[] = [];
    const got = await split(bytes, splitter, { ...OPTS, onProgress: (b) => progress.push(b) });
    expect(shape(got)).toEqual(shape(await sequential(bytes)));
    expect(taken).toBeGreaterThan(2000);
    expect(progress.at(-1)).toBe(bytes.length);
    expect(progress.every((b, i) => i === 0 || b >= progress[i - 1]!)).toBe(true);
  });

  it('a part reader reports what made it unclean', async () => {
    const bytes = utf8('a,b\n1,2\n3\n');
    const r = await readCsvPart(
      (async function* () {
        yield bytes.subarray(4);
      })(),
      { start: 4, end: bytes.length, last: true, header: ['a', 'b'], delimiter: ',', options: {} },
    );
    expect(r).toMatchObject({ clean: false, why: 'rejected rows' });
    const cut = await readCsvPart(
      (async function* () {
        yield utf8('1,"2\n');
      })(),
      { start: 4, end: 9, last: false, header: ['a', 'b'], delimiter: ',', options: {} },
    );
    expect(cut).toMatchObject({ clean: false, why: 'ends inside a record' });
  });

  it('aborting stops the read with an AbortError and stops the parts', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `2024-05-01T08:00:00Z,dev,${i},a.exe,x`);
    const bytes = utf8([HEADER, ...rows].join('\n'));
    const source: FileSource = bytesSource(bytes, 1024);
    const ctl = new AbortController();
    const stopped: boolean[] = [];
    const inner = inThreadSplitter(source, 3, 1024);
    const splitter: CsvSplitter = {
      ...inner,
      run: async (req, p, s) => {
        s?.addEventListener('abort', () => stopped.push(true));
        return inner.run(req, p, s);
      },
    };
    const run = split(bytes, splitter, {
      ...OPTS,
      signal: ctl.signal,
      onProgress: (b) => {
        if (b > bytes.length / 10) ctl.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(stopped.length).toBeGreaterThan(0);
  });
});
