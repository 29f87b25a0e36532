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
