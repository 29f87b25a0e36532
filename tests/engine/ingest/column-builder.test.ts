import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumberColumnBuilder, StringColumnBuilder } from '../../../src/engine/ingest/column-builder';

describe('column builders', () => {
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
