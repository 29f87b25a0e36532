import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleHash } from '../../../src/engine/ingest/byte-interner';
import { NumberColumnBuilder, StringColumnBuilder } from '../../../src/engine/ingest/column-builder';

describe('column builders', () => {
  const enc = new TextEncoder();
  /** Rows through setBytes; checks the column reads back and the dictionary is duplicate-free. */
  const viaBytes = (values: readonly string[], b = new StringColumnBuilder()): StringColumnBuilder => {
    const parts = values.map((v) => enc.encode(v));
    const buf = new Uint8Array(parts.reduce((n, x) => n + x.length, 0) + 3);
    let at = 3;
    values.forEach((_, i) => {
      buf.set(parts[i]!, at);
      b.setBytes(i, buf, at, at + parts[i]!.length);
      at += parts[i]!.length;
    });
    const col = b.finish(values.length);
    expect(Array.from(col.codes, (c) => col.dict[c])).toEqual(values);
    expect(new Set(col.dict).size).toBe(col.dict.length);
    return b;
  };

  it('StringColumnBuilder.setBytes: equal byte runs one code, long values by a sampled hash (property)', () => {
    const long = fc
      .tuple(fc.nat({ max: 3 }), fc.nat({ max: 60 }), fc.constantFrom('', 'é', 'x'))
      .map(([a, n, t]) => `${'C:\\Windows\\'.repeat(3)}${a}${'-'.repeat(n)}${t}${'.exe -k netsvcs'.repeat(3)}`);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 6 }), long), { maxLength: 300 }), (values) => {
        viaBytes(values);
      }),
    );
  });

  it('StringColumnBuilder.setBytes: values sharing their hash sample switch it to full hashes, exactly', () => {
    const len = 3000;
    const base = 'q'.repeat(len);
    const bytes = enc.encode(base);
    const probe = bytes.slice();
    const free: number[] = [];
    for (let p = 0; p < len; p++) {
      probe[p] = 0x41;
      if (sampleHash(probe, 0, len) === sampleHash(bytes, 0, len)) free.push(p);
      probe[p] = bytes[p]!;
    }
    const values = Array.from({ length: 1500 }, (_, i) => {
      const p = free[(i * 31) % free.length]!;
      return base.slice(0, p) + String.fromCharCode(0x41 + (i % 26)) + base.slice(p + 1);
    });
    const b = viaBytes([...values, ...values.slice(0, 400).reverse(), base]);
    expect(b.fullByteHashing).toBe(true);
    expect(viaBytes(values.slice(0, 50)).fullByteHashing).toBe(false);
  });

  it('StringColumnBuilder.setRange interns ranges exactly across table growth, mixed with set()', () => {
    const b = new StringColumnBuilder();
    const src = Array.from({ length: 5000 }, (_, i) => `v${i % 2500}|`).join('');
    const values: string[] = [];
    let p = 0;
    let row = 0;
    for (let i = 0; i < 5000; i++) {
      const v = `v${i % 2500}`;
      if (i % 7 === 0) b.set(row, v);
      else b.setRange(row, src, p, p + v.length);
      values.push(v);
      p += v.length + 1;
      row++;
    }
    b.setRange(row++, src, 0, 0);
    values.push('');
    const col = b.finish(row);
    expect(col.dict.length).toBe(2501);
    expect(Array.from(col.codes, (c) => col.dict[c])).toEqual(values);
  });

  it('setBytes, set, setRange and intern in any mix give one code per distinct value (the lazy string index)', () => {
    const enc = new TextEncoder();
    // Long values differing in one byte (hash and 4-byte compare steps), empty, multi-byte.
    const value = fc.oneof(
      fc.constantFrom('', 'a', 'é', '😀x', 'abcd', 'abce', 'abcde'),
      fc.integer({ min: 0, max: 40 }).map((i) => `C:\\Windows\\system32\\svchost.exe -k netsvcs -p ${i}`),
      fc.string({ unit: fc.constantFrom('a', 'b', 'é', '€', '😀', '"'), maxLength: 9 }),
    );
    const op = fc.record({ v: value, route: fc.constantFrom('bytes', 'set', 'range', 'intern'), pad: fc.nat(5) });
    let runs = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        runs++;
        const b = new StringColumnBuilder();
        const expected: string[] = [];
        for (const [row, o] of ops.entries()) {
          if (o.route === 'bytes') {
            // A view at an odd offset of a buffer with other bytes around the value.
            const bytes = enc.encode('#'.repeat(o.pad) + o.v + '#');
            b.setBytes(row, bytes, o.pad, bytes.length - 1);
          } else if (o.route === 'set') b.set(row, o.v);
          else if (o.route === 'range') b.setRange(row, '<' + o.v + '>', 1, o.v.length + 1);
          else b.setCode(row, b.intern(o.v));
          expected.push(o.v);
        }
        const col = b.finish(ops.length);
        expect(Array.from(col.codes, (c) => col.dict[c])).toEqual(expected);
        expect(new Set(col.dict).size).toBe(col.dict.length);
        expect(new Set(col.dict)).toEqual(new Set(expected));
      }),
      { seed: 515, numRuns: 500 },
    );
    expect(runs).toBe(500);
  });

  it('new byte values are decoded in batches (one call per MiB of new bytes), ASCII or not, repeats included', () => {
    const enc = new TextEncoder();
    const b = new StringColumnBuilder();
    const expected: string[] = [];
    // 30k distinct values of ~100 bytes (3 MB of new bytes: several batches), some non-ASCII,
    // each seen twice, the repeat through a chunk of its own; a `set` now and then forces a batch early.
    for (let i = 0; i < 30_000; i++) {
      const v = `${i % 997 === 0 ? 'é€😀 ' : ''}C:\\Program Files\\app${i}\\bin\\tool.exe --flag ${'x'.repeat(i % 50)} ${i}`;
      const bytes = enc.encode(`,${v},${v},`);
      const n = enc.encode(v).length;
      b.setBytes(expected.length, bytes, 1, 1 + n);
      expected.push(v);
      b.setBytes(expected.length, bytes.slice(), 2 + n, 2 + 2 * n);
      expected.push(v);
      if (i % 7919 === 0) {
        b.set(expected.length, `set ${i}`);
        expected.push(`set ${i}`);
      }
    }
    const col = b.finish(expected.length);
    expect(col.dict.length).toBe(new Set(expected).size);
    expect(Array.from(col.codes, (c) => col.dict[c])).toEqual(expected);
  });

  it('validity appears at the first null and a rejected slot is overwritten', () => {
    const b = new NumberColumnBuilder('long');
    b.set(0, 1);
    b.set(1, 2);
    b.setNull(2);
    b.set(2, 3); // the row in slot 2 was rejected; the next row reuses it
    b.setNull(3);
    const col = b.finish(4);
    expect(Array.from(col.values)).toEqual([1, 2, 3, 0]);
    expect(Array.from(col.valid!)).toEqual([1, 1, 1, 0]);
  });
});
