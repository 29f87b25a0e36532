import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteCsvScanner, type ByteRecordView } from '../../../src/engine/ingest/byte-csv-reader';
import { CsvScanner, type CsvIssue, type CsvReaderOptions } from '../../../src/engine/ingest/csv-reader';
import { readCsvTable } from '../../../src/engine/ingest/read-csv-table';
import { getValue } from '../../../src/engine/table/column';
import { utf8 } from './csv-harness';

/**
 * The SWAR stop-byte index of the byte scanner (byte-csv-reader.ts tests 8 bytes per step on an
 * aligned word view, then walks the list of stop bytes): stop bytes at every offset mod 4 and 8,
 * chunks whose byteOffset is not a multiple of 4, every cut position, multi-byte UTF-8 and the
 * bytes below the word test's bound that are not stop bytes (control bytes, TAB, space, '!', '#').
 * Each case is compared with the text path (`CsvScanner`).
 */

interface Scanned {
  header: string[] | null;
  records: { line: number; index: number; fields: string[]; fl: number[]; fc: number[] }[];
  rejects: CsvIssue[];
  summary: unknown;
  textPath?: boolean;
}

type Rec = { line: number; index: number; fieldCount?: number; fields(): string[] } & Pick<
  ByteRecordView,
  'fieldLine' | 'fieldColumn'
>;

function collector(out: Scanned): (r: Rec) => void {
  return (r) => {
    const fields = r.fields();
    out.records.push({
      line: r.line,
      index: r.index,
      fields,
      fl: fields.map((_, i) => r.fieldLine(i)),
      fc: fields.map((_, i) => r.fieldColumn(i)),
    });
  };
}

/**
 * Chunks of `bytes` ending at `cuts`, each a view at `pad` bytes into a larger buffer (so its
 * byteOffset is `pad`, not a multiple of 4 unless pad is), with junk stop bytes around it that
 * a scan reading outside the view would trip over.
 */
function chunks(bytes: Uint8Array, cuts: readonly number[], pad: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > prev) {
      const backing = new Uint8Array(pad + (c - prev) + 8).fill(10);
      backing.set(bytes.subarray(prev, c), pad);
      out.push(backing.subarray(pad, pad + (c - prev)));
    }
    prev = Math.max(prev, c);
  }
  return out;
}

function scanBytes(parts: readonly Uint8Array[], opts: CsvReaderOptions): Scanned {
  const out: Scanned = { header: null, records: [], rejects: [], summary: null };
  const push = collector(out);
  const sc = new ByteCsvScanner(
    { header: (f) => (out.header = [...f]), record: push, recordBytes: push, reject: (i) => out.rejects.push(i) },
    opts,
  );
  for (const p of parts) sc.pushBytes(p);
  out.summary = sc.finish();
  out.textPath = sc.usedTextPath;
  return out;
}

function scanText(parts: readonly Uint8Array[], opts: CsvReaderOptions): Scanned {
  const out: Scanned = { header: null, records: [], rejects: [], summary: null };
  const sc = new CsvScanner(
    { header: (f) => (out.header = [...f]), record: collector(out), reject: (i) => out.rejects.push(i) },
    opts,
  );
  for (const p of parts) sc.pushBytes(p);
  out.summary = sc.finish();
  return out;
}

function expectSame(bytes: Uint8Array, cuts: readonly number[], pad: number, opts: CsvReaderOptions = {}): Scanned {
  const fast = scanBytes(chunks(bytes, cuts, pad), opts);
  const slow = scanText(chunks(bytes, cuts, 0), opts);
  const { textPath, ...rest } = fast;
  expect(rest).toEqual(slow);
  return { ...rest, ...(textPath !== undefined ? { textPath } : {}) };
}

// Stop bytes, bytes a word test may flag without being a stop byte, and bytes around them.
const SPECIALS = [',', '"', '\r', '\n', '\u0000', '\t', ';', '\u0001', '\u000b', '\u000c', '\r\n', '""', ' ', '!', '#'];

describe('byte CSV scanner: SWAR word skipping == text path', () => {
  it('a stop byte at every offset 0..15 of a long field, unquoted and quoted, every buffer alignment and every cut', () => {
    let cases = 0;
    let byteRecords = 0;
    for (const sp of SPECIALS) {
      for (let off = 0; off < 16; off++) {
        const before = 'abcdefghijklmnop'.slice(0, off);
        const after = 'qrstuvwxyzABCDEFGH'.slice(0, 16 - off);
        for (const quoted of [false, true]) {
          const field = quoted ? `"${before}${sp}${after}"` : `${before}${sp}${after}`;
          const text = `h1,h2,h3\nxy,${field},tail0123456789\nlast,row,here\n`;
          const bytes = utf8(text);
          for (let pad = 0; pad < 4; pad++) {
            const whole = expectSame(bytes, [], pad);
            if (whole.records.length === 2) byteRecords++;
            cases++;
          }
          // Cut once at every position (the chunk views' alignment varies with the offset).
          for (let cut = 1; cut < bytes.length; cut++) expectSame(bytes, [cut], (off + (quoted ? 1 : 0)) & 3);
        }
      }
    }
    expect(cases).toBe(SPECIALS.length * 16 * 2 * 4);
    // Most of these documents are well-formed, so the comparison is not only of rejects.
    expect(byteRecords).toBeGreaterThan(cases / 2);
  });

  it('multi-byte UTF-8 straddling words next to stop bytes: fields and UTF-16 columns of rejects', () => {
    const multi = ['é', '€', '😀', 'ü'];
    for (const m of multi) {
      for (let off = 0; off < 8; off++) {
        const lead = 'abcdefgh'.slice(0, off);
        // A stray quote after the multi-byte character makes a reject whose column counts UTF-16 units.
        for (const tail of [',x', '"x', '\u0000x', '\r\nq,r', '\tz']) {
          const bytes = utf8(`a,b\n${lead}${m}${m}${tail},c\n${m}${lead},"${m}${lead}""${m}"\n`);
          for (let pad = 0; pad < 8; pad++) {
            expectSame(bytes, [], pad);
            expectSame(bytes, [3 + off, 7 + off], pad);
          }
        }
      }
    }
  });

  it('invalid UTF-8, a literal U+FFFD and split sequences at every offset of 16-byte groups: same hand-over', () => {
    const bad: number[][] = [
      [0xff],
      [0xc3, 0x41],
      [0xef, 0xbf, 0xbd],
      [0xed, 0xa0, 0x80],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xc3, 0xa9],
    ];
    const ascii = utf8('h1,h2\n' + 'abcdefghijklmnopqrstuvwxyz0123456789,ABCDEFGHIJKLMNOPQRSTUVWXYZ\n'.repeat(3));
    let handedOver = 0;
    let byteOnly = 0;
    for (const seq of bad) {
      for (let at = 6; at < 6 + 34; at++) {
        const bytes = new Uint8Array([...ascii.subarray(0, at), ...seq, ...ascii.subarray(at)]);
        for (const cuts of [[], [at], [at + 1], [at + 2], [at - 5, at + 3], [at + seq.length + 2]]) {
          const r = expectSame(bytes, cuts, at & 3);
          if (r.textPath === true) handedOver++;
          else byteOnly++;
        }
      }
    }
    // The invalid ones hand over, the valid ones (emoji, é) stay on the byte path at every cut.
    expect(handedOver).toBe(4 * 34 * 6);
    expect(byteOnly).toBe(2 * 34 * 6);
  });

  it('random documents of long runs and stop bytes, random alignment and chunking, three delimiters', () => {
    const piece = fc.constantFrom(
      'a',
      'abcdefghij',
      'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
      ',',
      ';',
      '\t',
      '"',
      '""',
      '\r',
      '\n',
      '\r\n',
      '\u0000',
      '\u0001',
      '\u000b',
      ' ',
      '!',
      '#',
      'é',
      '€',
      '😀',
      '\u007f',
    );
    let runs = 0;
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom<CsvReaderOptions['delimiter']>(',', '\t', ';', undefined),
        fc.constantFrom(undefined, 16, 64),
        (ps, rawCuts, pad, delimiter, maxRecordLength) => {
          runs++;
          const bytes = utf8('h1,h2,h3\n' + ps.join(''));
          const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const opts: CsvReaderOptions = {
            ...(delimiter !== undefined ? { delimiter } : {}),
            ...(maxRecordLength !== undefined ? { maxRecordLength } : {}),
          };
          const r = expectSame(bytes, cuts, pad, opts);
          // Clean UTF-8 without over-long records stays on the byte path (the SWAR loops ran).
          if (maxRecordLength === undefined) expect(r.textPath).toBe(false);
        },
      ),
      { seed: 4404, numRuns: 2000 },
    );
    expect(runs).toBe(2000);
  });
});

describe('byte CSV table: unescaping `""` 4 bytes at a time == text path', () => {
  async function* from(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
    for (const p of parts) yield p;
  }

  it('escaped quotes at every offset of short and long string cells, unaligned chunks', async () => {
    const cells: string[] = [];
    for (let off = 0; off < 9; off++)
      for (const tail of ['', 'x', 'xy', 'xyz', 'wxyz', ' --flag "a b" é😀']) cells.push('a'.repeat(off) + '"' + tail);
    cells.push('"', '""', '"""', '"C:\\Program Files\\app.exe" /run', '"a""b"');
    const rows = cells.map((c, i) => [`"${c.replaceAll('"', '""')}"`, String(i)].join(','));
    const bytes = utf8(['ProcessCommandLine,ProcessId', ...rows].join('\n') + '\n');
    let checked = 0;
    for (const pad of [0, 1, 2, 3]) {
      for (const cut of [0, 7, 50, 333]) {
        const parts = chunks(bytes, cut > 0 && cut < bytes.length ? [cut] : [], pad);
        const opts = { table: 'DeviceProcessEvents' as const, columns: ['ProcessCommandLine', 'ProcessId'] };
        const fast = await readCsvTable('p.csv', from(parts), { ...opts, byteFastPath: true });
        const slow = await readCsvTable('p.csv', from(chunks(bytes, [], 0)), { ...opts, byteFastPath: false });
        const col = (r: typeof fast): unknown[] =>
          Array.from({ length: r.table.rowCount }, (_, i) => getValue(r.table.columns[0]!, i));
        expect(col(fast)).toEqual(cells);
        expect(col(fast)).toEqual(col(slow));
        expect(fast.report).toEqual(slow.report);
        checked++;
      }
    }
    expect(checked).toBe(16);
  });
});
