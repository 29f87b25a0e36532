import { parse as oracleParse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectDelimiter, parseCsvText } from '../../../src/engine/ingest/csv-reader';
import { everyN, parseChunked, parseWhole, toCsv, utf16, utf8 } from './csv-harness';

/** The installed csv-parse, whole buffer, as the independent oracle for well-formed input. */
function oracle(text: string, delimiter = ','): string[][] {
  return oracleParse(text, { bom: true, delimiter, relax_column_count: true, skip_empty_lines: true }) as string[][];
}

describe('csv reader: edge cases', () => {
  const cases: { name: string; input: string; header: string[] | null; records: string[][]; rejects?: string[] }[] = [
    { name: 'plain LF', input: 'a,b\n1,2\n', header: ['a', 'b'], records: [['1', '2']] },
    {
      name: 'CRLF, no trailing newline',
      input: 'a,b\r\n1,2\r\n3,4',
      header: ['a', 'b'],
      records: [
        ['1', '2'],
        ['3', '4'],
      ],
    },
    { name: 'quoted comma', input: 'a,b\n"x,y",2\n', header: ['a', 'b'], records: [['x,y', '2']] },
    { name: 'doubled quotes', input: 'a,b\n"say ""hi""",""""\n', header: ['a', 'b'], records: [['say "hi"', '"']] },
    { name: 'embedded CRLF', input: 'a,b\r\n"l1\r\nl2",2\r\n', header: ['a', 'b'], records: [['l1\r\nl2', '2']] },
    { name: 'embedded LF', input: 'a,b\n"l1\nl2",2\n', header: ['a', 'b'], records: [['l1\nl2', '2']] },
    { name: 'lone CR inside quotes kept', input: 'a,b\n"l1\rl2",2\n', header: ['a', 'b'], records: [['l1\rl2', '2']] },
    { name: 'UTF-8 BOM', input: '\uFEFFa,b\n1,2\n', header: ['a', 'b'], records: [['1', '2']] },
    { name: 'multibyte UTF-8', input: 'a,b\né€,😀\n', header: ['a', 'b'], records: [['é€', '😀']] },
    { name: 'empty file', input: '', header: null, records: [] },
    { name: 'header only, no newline', input: 'a,b', header: ['a', 'b'], records: [] },
    { name: 'header only, newline', input: 'a,b\r\n', header: ['a', 'b'], records: [] },
    { name: 'trailing empty field', input: 'a,b\n1,\n', header: ['a', 'b'], records: [['1', '']] },
    { name: 'trailing empty field at EOF', input: 'a,b\n1,', header: ['a', 'b'], records: [['1', '']] },
    {
      name: 'blank lines skipped',
      input: 'a,b\n\n1,2\n\r\n3,4\n',
      header: ['a', 'b'],
      records: [
        ['1', '2'],
        ['3', '4'],
      ],
    },
    { name: 'quoted empty', input: 'a,b\n"",""\n', header: ['a', 'b'], records: [['', '']] },
    {
      name: 'too few fields',
      input: 'a,b,c\n1,2\n4,5,6\n',
      header: ['a', 'b', 'c'],
      records: [['4', '5', '6']],
      rejects: ['field-count@2:1'],
    },
    { name: 'too many fields', input: 'a,b\n1,2,3\n', header: ['a', 'b'], records: [], rejects: ['field-count@2:1'] },
    {
      name: 'unterminated quote at EOF',
      input: 'a,b\n1,2\n3,"oops\n5,6\n',
      header: ['a', 'b'],
      records: [['1', '2']],
      rejects: ['unterminated-quote@3:3'],
    },
    {
      name: 'stray quote in unquoted field',
      input: 'a,b\nab"c,2\n3,4\n',
      header: ['a', 'b'],
      records: [['3', '4']],
      rejects: ['stray-quote@2:3'],
    },
    {
      name: 'text after closing quote',
      input: 'a,b\n"ab"c,2\n3,4\n',
      header: ['a', 'b'],
      records: [['3', '4']],
      rejects: ['text-after-quote@2:5'],
    },
    {
      name: 'NUL byte',
      input: 'a,b\n1,x\u0000y\n3,4\n',
      header: ['a', 'b'],
      records: [['3', '4']],
      rejects: ['nul-char@2:4'],
    },
    {
      name: 'NUL inside quotes',
      input: 'a,b\n1,"x\u0000"\n',
      header: ['a', 'b'],
      records: [],
      rejects: ['nul-char@2:5'],
    },
    { name: 'TSV', input: 'a\tb\n"x\ty"\t2\n', header: ['a', 'b'], records: [['x\ty', '2']] },
    { name: 'semicolon', input: 'a;b\n1,5;2\n', header: ['a', 'b'], records: [['1,5', '2']] },
    {
      name: 'lone CR line ends',
      input: 'a,b\r1,2\r3,4',
      header: ['a', 'b'],
      records: [
        ['1', '2'],
        ['3', '4'],
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = parseWhole(utf8(c.input));
      expect(p.header).toEqual(c.header);
      expect(p.records).toEqual(c.records);
      expect(p.rejects.map((r) => `${r.code}@${r.line}:${r.column}`)).toEqual(c.rejects ?? []);
      expect(p.summary.records).toBe(p.records.length + p.rejects.length);
      // Every chunking gives the same answer.
      for (let size = 1; size <= 8; size++) {
        const q = parseChunked(utf8(c.input), everyN(utf8(c.input).length, size));
        expect({ h: q.header, r: q.records, j: q.rejects }).toEqual({ h: p.header, r: p.records, j: p.rejects });
      }
    });
  }

  it('tracks the physical line of records after embedded newlines', () => {
    const p = parseWhole(utf8('a,b\r\n"1\r\n2\n3",x\r\n4,y\r\n'));
    expect(p.lines).toEqual([2, 5]);
    expect(p.summary.lines).toBe(5);
  });

  it('decodes UTF-16 LE and BE with BOM, and sniffs BOM-less UTF-16 LE', () => {
    const text = 'Name,Value\r\n"é, ü",😀\r\n';
    for (const endian of ['le', 'be'] as const) {
      const p = parseWhole(utf16(text, endian));
      expect(p.header).toEqual(['Name', 'Value']);
      expect(p.records).toEqual([['é, ü', '😀']]);
      expect(p.summary.encoding).toBe(`utf-16${endian}`);
      expect(p.summary.bom).toBe(true);
    }
    const p = parseWhole(utf16(text, 'le', false));
    expect(p.records).toEqual([['é, ü', '😀']]);
    expect(p.summary.warnings.join()).toMatch(/UTF-16 LE/);
  });

  it('detects the delimiter from the header line, ignoring quoted ones', () => {
    expect(detectDelimiter('a,b,c')).toBe(',');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('a;b;c')).toBe(';');
    expect(detectDelimiter('"x;y;z",b')).toBe(',');
    expect(detectDelimiter('"a,b"\t"c,d"')).toBe('\t');
    expect(detectDelimiter('single')).toBe(',');
  });

  it('warns about invalid UTF-8 with the line and column of the first one', () => {
    const bytes = new Uint8Array([...utf8('a,b\n1,'), 0xff, 0xfe, ...utf8('\n')]);
    const p = parseWhole(bytes);
    expect(p.records).toEqual([['1', '\uFFFD\uFFFD']]);
    expect(p.summary.warnings.join()).toMatch(/2 invalid UTF-8 .*line 2, column 3/);
  });

  it('rejects a record longer than maxRecordLength, recovers at the next line, and does not hang on a huge line', () => {
    const big = `a,b\n1,2\n3,"${'x'.repeat(1_000_000)}\n5,6\n`;
    const t0 = performance.now();
    const p = parseChunked(utf8(big), everyN(big.length, 4096), { maxRecordLength: 65536 });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(p.records).toEqual([
      ['1', '2'],
      ['5', '6'],
    ]);
    expect(p.rejects.map((r) => r.code)).toEqual(['record-too-long']);
    expect(p.rejects[0]!.recordLine).toBe(3);
  });

  it('binary garbage never throws and accounts for every record', () => {
    const bytes = new Uint8Array(4096);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    const p = parseWhole(new Uint8Array([...utf8('a,b,c\n'), ...bytes]));
    expect(p.summary.records).toBe(p.records.length + p.rejects.length);
    expect(p.rejects.length).toBeGreaterThan(0);
  });

  it('parseCsvText convenience', () => {
    const r = parseCsvText('x\ty\n1\t2\n');
    expect(r.header).toEqual(['x', 'y']);
    expect(r.records).toEqual([['1', '2']]);
    expect(r.summary.delimiter).toBe('\t');
  });
});

describe('csv reader: chunk boundaries inside every token kind (oracle: csv-parse)', () => {
  const inputs: { name: string; text: string; delimiter?: string }[] = [
    {
      name: 'CRLF file with BOM, "" escapes, quoted CRLF, multibyte',
      text: '\uFEFFTimestamp,DeviceName,ProcessCommandLine\r\n2026-05-01T10:00:00Z,"h""1","cmd /c ""a, b"""\r\n2026-05-01T10:00:01Z,é€😀,"l1\r\nl2"\r\n,,\r\n"",x,y',
    },
    {
      name: 'LF file, quoted LF and lone CR, trailing newline',
      text: 'a,b,c\n"1\n2",""""," x\r y "\n😀😀,"é","a,b"\n',
    },
    { name: 'TSV with quoted tab', text: 'a\tb\n"x\ty"\t"q""q"\n😀\t\n', delimiter: '\t' },
  ];
  for (const inp of inputs) {
    it(`${inp.name}: every chunk size 1..16 equals the oracle`, () => {
      const bytes = utf8(inp.text);
      const expected = oracle(inp.text, inp.delimiter);
      for (let size = 1; size <= 16; size++) {
        const p = parseChunked(bytes, everyN(bytes.length, size));
        expect(p.rejects).toEqual([]);
        expect([p.header, ...p.records]).toEqual(expected);
      }
    });
    it(`${inp.name}: UTF-16 LE/BE every chunk size 1..16`, () => {
      const expected = oracle(inp.text, inp.delimiter);
      const bare = inp.text.replace(/^\uFEFF/, '');
      for (const endian of ['le', 'be'] as const) {
        const bytes = utf16(bare, endian);
        for (let size = 1; size <= 16; size++) {
          const p = parseChunked(bytes, everyN(bytes.length, size));
          expect([p.header, ...p.records]).toEqual(expected);
        }
      }
    });
  }

  it('random splits of random RFC 4180 documents (seeded fast-check)', () => {
    const field = fc.string({
      unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\r', '\n', '\t', 'é', '😀', '€', ';'),
      maxLength: 8,
    });
    let runs = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }).chain((w) =>
          fc.record({
            rows: fc.array(fc.array(field, { minLength: w, maxLength: w }), { minLength: 1, maxLength: 8 }),
            eol: fc.constantFrom('\r\n', '\n'),
            bom: fc.boolean(),
            trailing: fc.boolean(),
            cuts: fc.array(fc.nat(400), { maxLength: 12 }),
          }),
        ),
        ({ rows, eol, bom, trailing, cuts }) => {
          runs++;
          const text = (bom ? '\uFEFF' : '') + toCsv(rows, ',', eol) + (trailing ? eol : '');
          const bytes = utf8(text);
          const sorted = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const p = parseChunked(bytes, sorted, { delimiter: ',' });
          const expected = oracle(text);
          expect(p.rejects).toEqual([]);
          expect([p.header, ...p.records]).toEqual(expected);
          expect([p.header, ...p.records]).toEqual(rows);
        },
      ),
      { seed: 4242, numRuns: 400 },
    );
    console.log(`chunk-split property: ${runs} cases`);
    expect(runs).toBe(400);
  });
});

describe('csv reader: fuzz (never throws, never hangs, chunking-invariant)', () => {
  it('random and mutated byte inputs', () => {
    const seedDoc = utf8('Timestamp,DeviceName,Cmd\r\n2026-05-01T10:00:00Z,"h""1","a,\r\nb"\r\nx,y,z\r\n');
    const mutated = fc
      .array(
        fc.record({
          at: fc.nat(),
          op: fc.constantFrom('ins', 'del', 'set'),
          byte: fc.constantFrom(0, 10, 13, 34, 44, 0xc3, 0xa9, 0xff, 0xfe, 0xef, 65),
        }),
        { maxLength: 8 },
      )
      .map((ops) => {
        const b = [...seedDoc];
        for (const o of ops) {
          const i = o.at % (b.length + 1);
          if (o.op === 'ins') b.splice(i, 0, o.byte);
          else if (o.op === 'del') b.splice(i, 1);
          else b[i] = o.byte;
        }
        return new Uint8Array(b);
      });
    const randomBytes = fc.uint8Array({ maxLength: 300 });
    const specials = fc
      .string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', '\t', ';', '\u0000', 'é', '😀'), maxLength: 120 })
      .map(utf8);
    let runs = 0;
    fc.assert(
      fc.property(fc.oneof(mutated, randomBytes, specials), fc.array(fc.nat(400), { maxLength: 10 }), (bytes, cuts) => {
        runs++;
        const t0 = performance.now();
        const whole = parseWhole(bytes);
        const sorted = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunked = parseChunked(bytes, sorted);
        expect(performance.now() - t0).toBeLessThan(1000);
        expect(whole.summary.records).toBe(whole.records.length + whole.rejects.length);
        expect({ h: chunked.header, r: chunked.records, j: chunked.rejects }).toEqual({
          h: whole.header,
          r: whole.records,
          j: whole.rejects,
        });
      }),
      { seed: 7, numRuns: 1500 },
    );
    console.log(`csv fuzz: ${runs} cases`);
    expect(runs).toBe(1500);
  });
});
